//! Fault injection: deterministic switches set per run or at run time (`PUT /__sim/faults`).
//!
//! # Format
//! ```json
//! {
//!   "latency_ms": 0,              // added to every API call
//!   "seed": 0,                    // seeds the "share" switches; nothing is random otherwise
//!   "error_500_next": 0,          // the next N API calls answer 500 {"error":"…"}
//!   "error_500_share": 0.0,       // this share of API calls answers 500
//!   "non_json_next": 0,           // the next N JSON calls answer 200 with an HTML page
//!   "non_json_share": 0.0,
//!   "drop_next": 0,               // the next N calls lose their connection before any work
//!   "drop_share": 0.0,
//!   "lose_response_next": 0,      // the next N calls do their work, then lose the connection
//!   "ticket_expiry_calls": null,  // after N authenticated calls every ticket expires (401)
//!   "ticket_expiry_secs": null,   // tickets expire N s after login, however they are used
//!   "only_path_containing": null, // limit the call switches to paths containing this text
//!   "only_method": null           // … and to this method (e.g. "POST")
//! }
//! ```
//! Every field is optional. `/__sim/*` and `/api/v1/auth` are never subject to the call
//! switches, so a client can always log in again.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// The fault switches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Milliseconds added to every API call.
    pub latency_ms: u64,
    /// Seed of the generator behind the `*_share` switches.
    pub seed: u64,
    /// The next N API calls answer 500.
    pub error_500_next: u32,
    /// This share (0–1) of API calls answers 500.
    pub error_500_share: f64,
    /// The next N JSON calls answer 200 with an HTML body.
    pub non_json_next: u32,
    /// This share of JSON calls answers 200 with an HTML body.
    pub non_json_share: f64,
    /// The next N calls lose their connection before the server does anything.
    pub drop_next: u32,
    /// This share of calls loses its connection before the server does anything.
    pub drop_share: f64,
    /// The next N calls are carried out, then lose their connection instead of the answer.
    pub lose_response_next: u32,
    /// After this many authenticated calls, all tickets expire.
    pub ticket_expiry_calls: Option<u64>,
    /// Tickets expire this many seconds after login, used or not.
    pub ticket_expiry_secs: Option<u64>,
    /// Apply the call switches only to paths containing this text.
    pub only_path_containing: Option<String>,
    /// Apply the call switches only to this HTTP method.
    pub only_method: Option<String>,
}

/// A fault chosen for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer 500 without doing anything.
    Error500,
    /// Answer 200 with an HTML page.
    NonJson,
    /// Close the connection without an answer, without doing anything.
    Drop,
    /// Do the work, then close the connection without the answer.
    LoseResponse,
}

/// Counts of injected faults, for tests and the operator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FaultCounts {
    /// 500s injected.
    pub error_500: u64,
    /// HTML 200s injected.
    pub non_json: u64,
    /// Connections dropped before work.
    pub dropped: u64,
    /// Answers lost after work.
    pub lost_responses: u64,
    /// Tickets expired by `ticket_expiry_calls`.
    pub ticket_expiries: u64,
}

/// The live switches with their generator and counters.
#[derive(Debug)]
pub struct FaultState {
    /// Current switches.
    pub config: FaultConfig,
    rng: StdRng,
    /// What was injected so far.
    pub counts: FaultCounts,
    /// Authenticated calls since tickets last expired.
    pub calls_since_expiry: u64,
}

impl FaultState {
    /// Switches in force from now, the generator seeded from them.
    pub fn new(config: FaultConfig) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        Self {
            config,
            rng,
            counts: FaultCounts::default(),
            calls_since_expiry: 0,
        }
    }

    /// Replaces the switches (counters are kept).
    pub fn replace(&mut self, config: FaultConfig) {
        self.rng = StdRng::seed_from_u64(config.seed);
        self.config = config;
        self.calls_since_expiry = 0;
    }

    /// The fault for one API call, if any. `json` says whether the route answers JSON.
    pub fn choose(&mut self, method: &str, path: &str, json: bool) -> Option<Fault> {
        let config = &self.config;
        if config
            .only_path_containing
            .as_deref()
            .is_some_and(|part| !path.contains(part))
            || config
                .only_method
                .as_deref()
                .is_some_and(|m| !m.eq_ignore_ascii_case(method))
        {
            return None;
        }
        let fault = if take(&mut self.config.drop_next) {
            Some(Fault::Drop)
        } else if take(&mut self.config.error_500_next) {
            Some(Fault::Error500)
        } else if json && take(&mut self.config.non_json_next) {
            Some(Fault::NonJson)
        } else if take(&mut self.config.lose_response_next) {
            Some(Fault::LoseResponse)
        } else if self.roll(self.config.drop_share) {
            Some(Fault::Drop)
        } else if self.roll(self.config.error_500_share) {
            Some(Fault::Error500)
        } else if json && self.roll(self.config.non_json_share) {
            Some(Fault::NonJson)
        } else {
            None
        };
        match fault {
            Some(Fault::Drop) => self.counts.dropped += 1,
            Some(Fault::Error500) => self.counts.error_500 += 1,
            Some(Fault::NonJson) => self.counts.non_json += 1,
            Some(Fault::LoseResponse) => self.counts.lost_responses += 1,
            None => {}
        }
        fault
    }

    fn roll(&mut self, share: f64) -> bool {
        share > 0.0 && self.rng.random::<f64>() < share
    }

    /// Counts one authenticated call; true when this call makes every ticket expire.
    pub fn count_authenticated_call(&mut self) -> bool {
        let Some(limit) = self.config.ticket_expiry_calls else {
            return false;
        };
        if self.calls_since_expiry >= limit {
            self.calls_since_expiry = 0;
            self.counts.ticket_expiries += 1;
            return true;
        }
        self.calls_since_expiry += 1;
        false
    }
}

fn take(counter: &mut u32) -> bool {
    if *counter > 0 {
        *counter -= 1;
        true
    } else {
        false
    }
}
