//! Sessions and `OTCSTicket`s.
//!
//! A ticket names its session and its expiry and carries a MAC, so it is opaque to clients and
//! cannot be forged. Every successful call hands out a fresh ticket (sliding expiry by
//! default); `DELETE /api/v1/auth` ends the session, and so does the `ticket_expiry_calls`
//! fault. Sessions live in memory only: tickets do not survive a restart.
//!
//! # Format
//! ```text
//! ticket = hex(session, 16) hex(expiry unix ms, 16) hex(mac, 24)
//! mac    = first 12 bytes of sha256(secret ‖ session ‖ expiry)
//! ```

use std::collections::HashMap;
use std::time::Duration;

use rand::RngCore;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// How long tickets live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketPolicy {
    /// Lifetime of a ticket.
    pub ttl: Duration,
    /// Whether each fresh ticket restarts the lifetime (inactivity timeout) or keeps the
    /// session's first expiry (absolute timeout).
    pub sliding: bool,
}

impl Default for TicketPolicy {
    /// 30 minutes of inactivity, the common Content Server setting.
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(30 * 60),
            sliding: true,
        }
    }
}

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// The user.
    pub user_id: i64,
    /// The session the fresh ticket belongs to.
    pub session: u64,
}

#[derive(Debug)]
struct Session {
    user_id: i64,
    started: OffsetDateTime,
}

/// All live sessions.
#[derive(Debug)]
pub struct Sessions {
    secret: [u8; 16],
    policy: TicketPolicy,
    sessions: HashMap<u64, Session>,
    by_otds_token: HashMap<String, u64>,
    last_session: u64,
}

impl Sessions {
    /// No sessions yet; a new random MAC secret.
    pub fn new(policy: TicketPolicy) -> Self {
        let mut secret = [0u8; 16];
        rand::rng().fill_bytes(&mut secret);
        Self {
            secret,
            policy,
            sessions: HashMap::new(),
            by_otds_token: HashMap::new(),
            last_session: 0,
        }
    }

    /// How long tickets live.
    pub fn policy(&self) -> TicketPolicy {
        self.policy
    }

    /// Starts a session for a user and returns its first ticket.
    pub fn open(&mut self, user_id: i64, now: OffsetDateTime) -> (Caller, String) {
        self.last_session += 1;
        let session = self.last_session;
        self.sessions.insert(
            session,
            Session {
                user_id,
                started: now,
            },
        );
        let caller = Caller { user_id, session };
        let ticket = self.fresh_ticket(caller, now).unwrap_or_default();
        (caller, ticket)
    }

    /// The session an OTDS ticket or OAuth token maps to, opened on first use.
    pub fn open_for_token(&mut self, token: &str, user_id: i64, now: OffsetDateTime) -> Caller {
        if let Some(session) = self.by_otds_token.get(token).copied()
            && let Some(live) = self.sessions.get(&session)
        {
            return Caller {
                user_id: live.user_id,
                session,
            };
        }
        let (caller, _) = self.open(user_id, now);
        self.by_otds_token.insert(token.to_owned(), caller.session);
        caller
    }

    /// A new ticket for a session, if it is still live.
    pub fn fresh_ticket(&self, caller: Caller, now: OffsetDateTime) -> Option<String> {
        let session = self.sessions.get(&caller.session)?;
        let expires = if self.policy.sliding {
            now + self.policy.ttl
        } else {
            session.started + self.policy.ttl
        };
        let expires_ms = u64::try_from(expires.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        Some(format!(
            "{:016x}{expires_ms:016x}{}",
            caller.session,
            self.mac(caller.session, expires_ms)
        ))
    }

    /// The caller a ticket belongs to, if it is genuine, unexpired and its session lives.
    /// `max_age` is the `ticket_expiry_secs` fault: a hard limit counted from login.
    pub fn check(
        &self,
        ticket: &str,
        now: OffsetDateTime,
        max_age: Option<Duration>,
    ) -> Option<Caller> {
        let ticket = ticket.trim();
        if ticket.len() != 56 || !ticket.is_ascii() {
            return None;
        }
        let session = u64::from_str_radix(&ticket[..16], 16).ok()?;
        let expires_ms = u64::from_str_radix(&ticket[16..32], 16).ok()?;
        if self.mac(session, expires_ms) != ticket[32..] {
            return None;
        }
        let now_ms = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(u64::MAX);
        if now_ms >= expires_ms {
            return None;
        }
        let live = self.sessions.get(&session)?;
        if max_age.is_some_and(|age| now >= live.started + age) {
            return None;
        }
        Some(Caller {
            user_id: live.user_id,
            session,
        })
    }

    /// Ends one session (logout).
    pub fn end(&mut self, session: u64) {
        self.sessions.remove(&session);
        self.by_otds_token.retain(|_, s| *s != session);
    }

    /// Ends every session (the `ticket_expiry_calls` fault).
    pub fn end_all(&mut self) {
        self.sessions.clear();
        self.by_otds_token.clear();
    }

    fn mac(&self, session: u64, expires_ms: u64) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.secret);
        hasher.update(session.to_be_bytes());
        hasher.update(expires_ms.to_be_bytes());
        hex::encode(&hasher.finalize()[..12])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(seconds).unwrap()
    }

    #[test]
    fn a_ticket_is_good_until_its_expiry_and_a_forged_one_never() {
        let mut sessions = Sessions::new(TicketPolicy::default());
        let (caller, ticket) = sessions.open(1000, at(0));
        assert_eq!(sessions.check(&ticket, at(1799), None), Some(caller));
        assert_eq!(sessions.check(&ticket, at(1800), None), None);
        let mut forged = ticket.clone();
        forged.replace_range(16..32, &format!("{:016x}", u64::MAX));
        assert_eq!(sessions.check(&forged, at(10), None), None);
    }

    #[test]
    fn absolute_tickets_keep_the_first_expiry_and_sliding_ones_move_it() {
        let policy = TicketPolicy {
            ttl: Duration::from_secs(60),
            sliding: false,
        };
        let mut sessions = Sessions::new(policy);
        let (caller, _) = sessions.open(1000, at(0));
        let later = sessions.fresh_ticket(caller, at(50)).unwrap();
        assert_eq!(sessions.check(&later, at(61), None), None);

        let mut sliding = Sessions::new(TicketPolicy {
            sliding: true,
            ..policy
        });
        let (caller, _) = sliding.open(1000, at(0));
        let later = sliding.fresh_ticket(caller, at(50)).unwrap();
        assert_eq!(sliding.check(&later, at(61), None), Some(caller));
    }

    #[test]
    fn the_max_age_fault_and_logout_end_tickets() {
        let mut sessions = Sessions::new(TicketPolicy::default());
        let (caller, ticket) = sessions.open(1000, at(0));
        assert_eq!(
            sessions.check(&ticket, at(30), Some(Duration::from_secs(20))),
            None
        );
        sessions.end(caller.session);
        assert_eq!(sessions.check(&ticket, at(1), None), None);
        assert_eq!(sessions.fresh_ticket(caller, at(1)), None);
    }
}
