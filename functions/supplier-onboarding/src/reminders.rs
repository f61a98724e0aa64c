//! Reminders and escalation, through the supplier's onboarding thread in Trading Grid.
//!
//! Document requests have no reminder call in the TG contract; a reminder is a message with
//! an `action_request` in the supplier's `onboarding` thread (one space per supplier, the
//! same decision as contract-share and po-exception). The renewals sweep sends them:
//! - a **renewal reminder** for each renewal step after the first (by default 30, 7 and 0
//!   days before `valid until`; the first step is the renewal request itself);
//! - an **overdue reminder** every `REMINDER_INTERVAL_DAYS` (7) once a deadline has passed:
//!   the request's `due_at` for a document never delivered, `valid until` for one that
//!   expired (weekly after expiry until it is replaced), at most `MAX_REMINDERS` (3);
//! - then, one interval later, an **escalation** to the supplier's owner — the xECM user in
//!   the supplier's `Supplier Owner` attribute: `Escalated To` (Supplier Compliance) names
//!   that user while anything is escalated, `Status Reason` says what is unanswered since
//!   when and to whom, the requirement is marked escalated (`Onboarding Status` `blocked`;
//!   `incomplete` stays when it expired), a warning log carries the business keys and the
//!   owner, a timeline entry (`escalated`) and a history line record it, and a last message
//!   in the thread names the partner's compliance contact.
//!
//! Each message is an effect keyed by (workspace, partner, kind, deadline, n) —
//! `tg-onb-reminder` — or (workspace, partner, kind, deadline) — `tg-onb-escalation` — (a
//! renewal reminder by (workspace, kind, valid until, n)) so a replayed or repeated sweep
//! never sends twice; the standing counts what was sent (`Reminders Sent`) by
//! compare-and-set. A submission, an accepted document or a buyer's waiver ends the chase.
//!
//! # Format
//! Space: title `<supplier>: onboarding`, `external_ref` `xecm:<workspace id>`, `context`
//! `{"workspace_id","legal_name"}`. Thread: kind `onboarding`, subject `<supplier>: compliance
//! documents`, `external_ref` `xecm:<workspace id>#onboarding`. Reminder message:
//! `structured` `{"workspace_id","kind","request_id","item_id","reminder":n,"deadline",
//! "reason":"renewal"|"overdue"|"expired"}`, `action_request` `{"kind":"submit_document",
//! "due_at"}`. Escalation message: `structured` `{…,"escalated":true,"contact"}` (the
//! owner, a buyer-side xECM user, is not told to the partner).

use gridlink_flow::EffectKey;
use gridlink_tgrid::model::{
    ActionRequest, ExternalRef, NewMessage, NewSpace, NewThread, ThreadKind,
};
use gridlink_tgrid::{PartnerId, SpaceId, ThreadId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::SupplierOnboarding;
use crate::error::OnboardingError;
use crate::matrix::Matrix;
use crate::standing::{RequirementState, Standing, State};
use crate::sync::{key, rfc3339};
use crate::validate::parse_date;

/// The supplier's onboarding thread in TG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnboardingThread {
    /// The space.
    pub space_id: String,
    /// The thread.
    pub thread_id: String,
    /// The partner it is with (absent in a thread kept before it was recorded: the
    /// supplier's partner then). A thread is only ever used for its own partner: when the
    /// supplier's partner changes, the new one gets a thread of its own ([`crate::sync`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<String>,
}

/// One message a sweep sends (or, dry, would send).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chase {
    /// The supplier workspace.
    pub workspace_id: i64,
    /// The kind.
    pub kind: String,
    /// The deadline it counts from (`YYYY-MM-DD`).
    pub deadline: String,
    /// Days past the deadline.
    pub days_overdue: i64,
    /// The reminder number (0 for an escalation).
    pub n: u32,
    /// `overdue reminder`, `expired reminder` or `escalation`.
    pub action: String,
}

fn title_of(matrix: &Matrix, kind: &str) -> String {
    matrix
        .requirement(kind)
        .map_or_else(|| kind.to_owned(), |r| r.title().to_owned())
}

/// What a requirement's overdue chase counts from: the request's deadline (never delivered)
/// or `valid until` (expired), and the reason word.
fn deadline_of(r: &RequirementState) -> Option<(Date, &'static str)> {
    match r.state {
        State::Requested | State::Rejected => r
            .due_at
            .as_deref()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
            .map(|t| (t.date(), "overdue")),
        State::Expired => r
            .valid_until
            .as_deref()
            .and_then(parse_date)
            .map(|d| (d, "expired")),
        _ => None,
    }
}

/// The overdue reminders and escalations due on `today` for a standing.
pub fn due_chases(standing: &Standing, interval_days: u32, max: u32, today: Date) -> Vec<Chase> {
    let mut chases = Vec::new();
    if standing.parked.is_some() || standing.partner_id.is_none() {
        return chases;
    }
    let interval = i64::from(interval_days.max(1));
    for r in standing.requirements.values().filter(|r| r.required) {
        if r.item_id.is_none() || r.escalated.is_some() {
            continue;
        }
        let Some((deadline, reason)) = deadline_of(r) else {
            continue;
        };
        let days = (today - deadline).whole_days();
        if days < 1 {
            continue;
        }
        let n = u32::try_from((days - 1) / interval + 1).unwrap_or(u32::MAX);
        let deadline_text = crate::validate::format_date(deadline);
        let sent = if r.overdue_deadline.as_deref() == Some(deadline_text.as_str()) {
            r.overdue_sent
        } else {
            0
        };
        let chase = |n: u32, action: &str| Chase {
            workspace_id: standing.workspace_id,
            kind: r.kind.clone(),
            deadline: deadline_text.clone(),
            days_overdue: days,
            n,
            action: action.to_owned(),
        };
        if n > max {
            chases.push(chase(0, "escalation"));
        } else if n > sent {
            chases.push(chase(n, &format!("{reason} reminder")));
        }
    }
    chases
}

impl SupplierOnboarding {
    /// The supplier's onboarding space and thread, opened once.
    pub(crate) async fn onboarding_thread(
        &self,
        standing: &Standing,
        partner: &str,
    ) -> Result<OnboardingThread, OnboardingError> {
        if let Some(thread) = &standing.thread
            && thread.partner_id.as_deref().is_none_or(|p| p == partner)
        {
            return Ok(thread.clone());
        }
        let ws = standing.workspace_id;
        let name = if standing.supplier.legal_name.is_empty() {
            format!("Supplier {ws}")
        } else {
            standing.supplier.legal_name.clone()
        };
        let tg = self.platform.tg.clone();
        let space = NewSpace {
            partner_id: PartnerId::new(partner),
            title: format!("{name}: onboarding"),
            external_ref: Some(ExternalRef::new("xecm", ws.to_string())),
            context: Some(json!({"workspace_id": ws, "legal_name": standing.supplier.legal_name})),
        };
        let space_id = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-onb-space", format!("{ws}/{partner}")),
                None,
                |k| async move {
                    let space = tg.open_space(&key(&k)?, &space).await?;
                    Ok::<_, OnboardingError>(space.space_id.as_str().to_owned())
                },
            )
            .await
            .map_err(OnboardingError::from_effect)?
            .into_inner();
        let tg = self.platform.tg.clone();
        let thread = NewThread {
            subject: format!("{name}: compliance documents"),
            kind: ThreadKind::Onboarding,
            external_ref: Some(ExternalRef::new("xecm", format!("{ws}#onboarding"))),
        };
        let space = space_id.clone();
        let partner_key = partner.to_owned();
        let opened = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-onb-thread", format!("{ws}/{partner}")),
                None,
                |k| async move {
                    let thread = tg
                        .open_thread(&key(&k)?, &SpaceId::new(&space), &thread)
                        .await?;
                    Ok::<_, OnboardingError>(OnboardingThread {
                        space_id: space,
                        thread_id: thread.thread_id.as_str().to_owned(),
                        partner_id: Some(partner_key),
                    })
                },
            )
            .await
            .map_err(OnboardingError::from_effect)?
            .into_inner();
        let kept = opened.clone();
        self.change_standing(ws, |s| {
            // kept only while it is the supplier's partner's, and once
            if s.partner_id.as_deref() != Some(partner)
                || s.thread
                    .as_ref()
                    .is_some_and(|t| t.partner_id.as_deref().is_none_or(|p| p == partner))
            {
                return false;
            }
            s.thread = Some(kept.clone());
            true
        })
        .await?;
        Ok(opened)
    }

    /// Posts one message in the supplier's onboarding thread, once under `effect`/`business`.
    pub(crate) async fn post_onboarding(
        &self,
        standing: &Standing,
        effect: &'static str,
        business: String,
        message: NewMessage,
    ) -> Result<bool, OnboardingError> {
        let Some(partner) = standing.partner_id.clone() else {
            return Ok(false);
        };
        let thread = self.onboarding_thread(standing, &partner).await?;
        let tg = self.platform.tg.clone();
        let thread_id = ThreadId::new(&thread.thread_id);
        let posted = self
            .platform
            .effects
            .once(&EffectKey::new(effect, business), None, |k| async move {
                let posted = tg.post_message(&key(&k)?, &thread_id, &message).await?;
                Ok::<_, OnboardingError>(json!({"message_id": posted.message_id.as_str()}))
            })
            .await
            .map_err(OnboardingError::from_effect)?;
        Ok(posted.ran_now())
    }

    /// The reminder message for a requirement.
    pub(crate) fn reminder_message(
        matrix: &Matrix,
        standing: &Standing,
        r: &RequirementState,
        n: u32,
        deadline: &str,
        reason: &str,
    ) -> NewMessage {
        let title = title_of(matrix, &r.kind);
        let due = r
            .due_at
            .as_deref()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
        let what = match reason {
            "renewal" => {
                format!("{title} expires on {deadline}: please submit the renewed document")
            }
            "expired" => format!("{title} expired on {deadline}: please submit a current document"),
            _ => format!("{title} was due on {deadline}: please submit it"),
        };
        NewMessage {
            body: format!(
                "Reminder {n}: {what}{}.",
                r.request_id
                    .as_deref()
                    .map(|q| format!(" (document request {q})"))
                    .unwrap_or_default()
            ),
            attachment_ids: Vec::new(),
            structured: Some(json!({
                "workspace_id": standing.workspace_id, "kind": r.kind,
                "request_id": r.request_id, "item_id": r.item_id,
                "reminder": n, "deadline": deadline, "reason": reason,
            })),
            action_request: Some(ActionRequest {
                kind: "submit_document".into(),
                due_at: due,
            }),
        }
    }

    /// Sends the overdue reminders and escalations due for one supplier (or lists them,
    /// dry); what was sent now.
    pub(crate) async fn chase_overdue(
        &self,
        matrix: &Matrix,
        workspace: i64,
        today: Date,
    ) -> Result<Vec<Chase>, OnboardingError> {
        let Some(standing) = self.standing(workspace).await? else {
            return Ok(Vec::new());
        };
        let due = due_chases(
            &standing,
            self.config.reminder_interval_days,
            self.config.max_reminders,
            today,
        );
        if self.config.renewals_dry_run || due.is_empty() {
            return Ok(due);
        }
        let at = rfc3339(self.platform.clock.now());
        let mut sent = Vec::new();
        for chase in due {
            let Some(r) = standing.requirements.get(&chase.kind).cloned() else {
                continue;
            };
            // the partner is part of the key: after a change of partner, the new partner's
            // reminder for a deadline on the same day is its own message
            let business = format!(
                "{workspace}/{}/{}/{}",
                standing.partner_id.as_deref().unwrap_or_default(),
                chase.kind,
                chase.deadline
            );
            let escalation = chase.action == "escalation";
            let ran_now = if escalation {
                let contact = self.compliance_contact(&standing).await?;
                let mut message = Self::reminder_message(
                    matrix,
                    &standing,
                    &r,
                    r.reminders_sent,
                    &chase.deadline,
                    "overdue",
                );
                message.body = format!(
                    "Escalation{}: {} is unanswered since {} after {} reminders; the buyer's compliance team has been alerted.",
                    contact
                        .as_deref()
                        .map(|c| format!(" for {c}"))
                        .unwrap_or_default(),
                    title_of(matrix, &r.kind),
                    chase.deadline,
                    r.reminders_sent
                );
                if let Some(serde_json::Value::Object(fields)) = &mut message.structured {
                    fields.insert("escalated".into(), json!(true));
                    fields.insert("contact".into(), json!(contact));
                    fields.remove("reminder");
                }
                self.post_onboarding(&standing, "tg-onb-escalation", business.clone(), message)
                    .await?
            } else {
                let reason = if r.state == State::Expired {
                    "expired"
                } else {
                    "overdue"
                };
                let message =
                    Self::reminder_message(matrix, &standing, &r, chase.n, &chase.deadline, reason);
                self.post_onboarding(
                    &standing,
                    "tg-onb-reminder",
                    format!("{business}/after-{}", chase.n),
                    message,
                )
                .await?
            };
            let this = chase.clone();
            let at = at.clone();
            self.change_standing(workspace, |s| {
                let Some(r) = s.requirements.get_mut(&this.kind) else {
                    return false;
                };
                if deadline_of(r)
                    .map(|(d, _)| crate::validate::format_date(d))
                    .as_deref()
                    != Some(this.deadline.as_str())
                {
                    return false;
                }
                if escalation {
                    if r.escalated.is_some() {
                        return false;
                    }
                    r.escalated = Some(at.clone());
                    r.overdue_deadline = Some(this.deadline.clone());
                    let detail = format!(
                        "unanswered since {} after {} reminders; escalated to {}",
                        this.deadline,
                        r.reminders_sent,
                        s.owner.map_or_else(
                            || "nobody: no Supplier Owner is set".to_owned(),
                            |u| format!("the Supplier Owner, xECM user {u}")
                        )
                    );
                    s.note(&at, &this.kind, "escalated", detail);
                } else {
                    let counted = if r.overdue_deadline.as_deref() == Some(this.deadline.as_str()) {
                        r.overdue_sent
                    } else {
                        0
                    };
                    if counted >= this.n {
                        return false;
                    }
                    r.overdue_deadline = Some(this.deadline.clone());
                    r.overdue_sent = this.n;
                    r.reminders_sent += 1;
                    s.note(
                        &at,
                        &this.kind,
                        "reminder sent",
                        format!(
                            "{} {} ({} days after {})",
                            this.action, this.n, this.days_overdue, this.deadline
                        ),
                    );
                }
                true
            })
            .await?;
            if escalation {
                match standing.owner {
                    Some(owner) => {
                        tracing::warn!(workspace_id = workspace, partner_id = ?standing.partner_id, kind = %chase.kind, deadline = %chase.deadline, reminders = r.reminders_sent, owner_user_id = owner, "requirement unanswered after the last reminder: escalated to the supplier's owner");
                    }
                    None => {
                        tracing::warn!(workspace_id = workspace, partner_id = ?standing.partner_id, kind = %chase.kind, deadline = %chase.deadline, reminders = r.reminders_sent, "requirement unanswered after the last reminder: escalated, but the supplier has no Supplier Owner to escalate to");
                    }
                }
                gridlink_flow::timeline::record(
                    "escalated",
                    format!("onboarding-escalation|{business}"),
                    json!({"kind_of_document": chase.kind, "deadline": chase.deadline,
                           "reminders_sent": r.reminders_sent, "owner_user_id": standing.owner}),
                );
            } else if ran_now {
                tracing::info!(workspace_id = workspace, partner_id = ?standing.partner_id, kind = %chase.kind, deadline = %chase.deadline, n = chase.n, "reminder sent");
            }
            if ran_now {
                sent.push(chase);
            }
        }
        Ok(sent)
    }

    /// The partner's compliance (else escalation) contact, `Name <email>`.
    async fn compliance_contact(
        &self,
        standing: &Standing,
    ) -> Result<Option<String>, OnboardingError> {
        let Some(partner) = &standing.partner_id else {
            return Ok(None);
        };
        let partner = self.platform.tg.partner(&PartnerId::new(partner)).await?;
        Ok(["compliance", "escalation"].iter().find_map(|role| {
            partner
                .contacts
                .iter()
                .find(|c| c.role.eq_ignore_ascii_case(role))
                .map(|c| format!("{} <{}>", c.name, c.email))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn standing(state: State, due: &str, until: Option<&str>) -> Standing {
        let mut s = Standing {
            workspace_id: 7,
            partner_id: Some("prt_x".into()),
            ..Standing::default()
        };
        s.requirements.insert(
            "w9".into(),
            RequirementState {
                kind: "w9".into(),
                required: true,
                state,
                item_id: Some("itm_1".into()),
                due_at: Some(due.into()),
                valid_until: until.map(Into::into),
                ..RequirementState::default()
            },
        );
        s
    }

    #[test]
    fn weekly_after_the_deadline_then_one_escalation() {
        let s = standing(State::Requested, "2026-12-10T00:00:00Z", None);
        assert!(
            due_chases(&s, 7, 3, date!(2026 - 12 - 10)).is_empty(),
            "due today"
        );
        let first = due_chases(&s, 7, 3, date!(2026 - 12 - 11));
        assert_eq!(
            (first[0].n, first[0].action.as_str()),
            (1, "overdue reminder")
        );
        let mut sent1 = s.clone();
        let r = sent1.requirements.get_mut("w9").expect("w9");
        r.overdue_deadline = Some("2026-12-10".into());
        r.overdue_sent = 1;
        assert!(
            due_chases(&sent1, 7, 3, date!(2026 - 12 - 17)).is_empty(),
            "same week"
        );
        assert_eq!(due_chases(&sent1, 7, 3, date!(2026 - 12 - 18))[0].n, 2);
        let late = due_chases(&sent1, 7, 3, date!(2027 - 01 - 01));
        assert_eq!(late[0].action, "escalation", "week 4 > 3 reminders");
        let mut escalated = sent1.clone();
        escalated.requirements.get_mut("w9").expect("w9").escalated = Some("x".into());
        assert!(
            due_chases(&escalated, 7, 3, date!(2027 - 01 - 01)).is_empty(),
            "once"
        );
    }

    #[test]
    fn an_expired_document_is_chased_from_its_valid_until() {
        let s = standing(State::Expired, "2026-01-01T00:00:00Z", Some("2026-12-01"));
        let c = due_chases(&s, 7, 3, date!(2026 - 12 - 02));
        assert_eq!(
            (c[0].deadline.as_str(), c[0].action.as_str()),
            ("2026-12-01", "expired reminder")
        );
        let mut accepted = s.clone();
        accepted.requirements.get_mut("w9").expect("w9").state = State::Accepted;
        assert!(due_chases(&accepted, 7, 3, date!(2027 - 06 - 01)).is_empty());
        let mut parked = s;
        parked.parked = Some("no partner".into());
        assert!(due_chases(&parked, 7, 3, date!(2027 - 06 - 01)).is_empty());
    }
}
