//! The renewals sweep: every accepted, dated requirement is looked at against the renewal
//! steps (`RENEWAL_REMINDER_DAYS`, by default 60, 30, 7 and 0 days before `valid until`).
//! Step `n` is the number of those thresholds the remaining days have reached; each step is
//! taken once per (requirement, valid until, n) — the effect `onboarding-renewal-step /
//! <workspace>/<kind>/<valid until>/<n>` — so a replayed or repeated sweep never sends
//! twice. The first step asks for the renewal: one TG document request per supplier and
//! cycle for every kind of that supplier entering renewal together; when another cycle of the
//! supplier is still planned (its TG call failed, or a sync is making it), that cycle is made
//! first and the renewal is asked in the next one, never dropped. Past `valid until`
//! the requirement is `expired` (the supplier `incomplete`) until a renewal is accepted — a
//! renewal already in a buyer's review stays `in review` (the buyer still decides) and is
//! marked as expired meanwhile.
//! With `RENEWALS_DRY_RUN` the sweep only lists what it would do.

use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::EffectKey;
use gridlink_xecm::NodeId;
use serde::Serialize;
use time::Date;

use crate::SupplierOnboarding;
use crate::attestation::AttestationCampaign;
use crate::error::OnboardingError;
use crate::reminders::{Chase, due_chases};
use crate::standing::{PlannedRequest, State};
use crate::sync::rfc3339;
use crate::validate::parse_date;

/// One thing a sweep does (or, dry, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenewalStep {
    /// The supplier workspace.
    pub workspace_id: i64,
    /// The kind.
    pub kind: String,
    /// The current document's last valid day.
    pub valid_until: String,
    /// Days left (negative: past).
    pub days_left: i64,
    /// The step number (1 = the renewal request); 0 for an expiry.
    pub n: u32,
    /// `renewal request`, `reminder` or `expired`.
    pub action: String,
}

/// The steps due on `today` for a standing's requirements.
pub fn due_steps(
    standing: &crate::standing::Standing,
    thresholds: &[u32],
    today: Date,
) -> Vec<RenewalStep> {
    let mut steps = Vec::new();
    if standing.parked.is_some() {
        return steps;
    }
    for r in standing.requirements.values().filter(|r| r.required) {
        // a renewal in a buyer's review: the current document can still expire meanwhile
        let in_review = r.state == State::InReview;
        if !in_review
            && !matches!(
                r.state,
                State::Accepted | State::Expiring | State::RenewalRequested
            )
        {
            continue;
        }
        let Some(until) = r.valid_until.as_deref().and_then(parse_date) else {
            continue;
        };
        let days_left = (until - today).whole_days();
        let step = |n: u32, action: &str| RenewalStep {
            workspace_id: standing.workspace_id,
            kind: r.kind.clone(),
            valid_until: r.valid_until.clone().unwrap_or_default(),
            days_left,
            n,
            action: action.into(),
        };
        if days_left < 0 {
            if r.lapsed.is_none() {
                steps.push(step(0, "expired"));
            }
            continue;
        }
        if in_review {
            // the supplier answered: no renewal request or reminder while a buyer reviews
            continue;
        }
        let reached = u32::try_from(
            thresholds
                .iter()
                .filter(|t| days_left <= i64::from(**t))
                .count(),
        )
        .unwrap_or(0);
        if reached > r.renewal_steps {
            steps.push(step(
                reached,
                if r.renewal_steps == 0 {
                    "renewal request"
                } else {
                    "reminder"
                },
            ));
        }
    }
    steps
}

/// A supplier whose part of a sweep failed (logged and on its timeline; the sweep went on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SweepFailure {
    /// The supplier workspace.
    pub workspace_id: i64,
    /// Its TG partner, if resolved.
    pub partner_id: Option<String>,
    /// Why.
    pub error: String,
    /// How the error classifies.
    #[serde(skip)]
    pub kind: ErrorKind,
}

/// Whether a supplier's failure stops the sweep (or the poll's re-evaluation after a new
/// matrix version): only an outage or a rate limit (it would
/// fail every supplier after it alike). Anything else — a deleted workspace, a record that
/// does not read — is that supplier's: logged, and the sweep goes on.
pub(crate) fn stops_the_sweep(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Unavailable | ErrorKind::Held | ErrorKind::RateLimited
    )
}

/// What one sweep did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sweep {
    /// Renewal steps (requests, renewal reminders, expiries).
    pub renewals: Vec<RenewalStep>,
    /// Reminders after a deadline, and escalations ([`crate::reminders`]).
    pub reminders: Vec<Chase>,
    /// The year's attestation campaign, once due ([`crate::attestation`]).
    pub attestation: Option<AttestationCampaign>,
}

impl SupplierOnboarding {
    /// One sweep (see the module docs): the steps taken (or listed, dry).
    #[tracing::instrument(skip_all)]
    pub async fn sweep_renewals(&self) -> Result<Sweep, OnboardingError> {
        let today = self.platform.clock.now().date();
        let mut taken = Vec::new();
        let mut chased = Vec::new();
        let mut matrix = None;
        let mut attestation = None;
        if crate::attestation::campaign_due(self.config.attestation_day, today) {
            let read = self.matrix().await?;
            attestation = self.attestation_campaign(&read, today).await?;
            matrix = Some(read);
        }
        let mut failed = Vec::new();
        for standing in self.standings().await? {
            // Each supplier's renewals are about its own key (a timeline scope of its own);
            // a failure is on its timeline too, and the sweep goes on to the next supplier.
            let swept = gridlink_flow::timeline::item(async {
                gridlink_flow::timeline::about("supplier", &standing.workspace_id.to_string());
                let outcome = self
                    .sweep_supplier(&standing, today, &mut matrix, &mut taken, &mut chased)
                    .await;
                if let Err(error) = &outcome {
                    gridlink_flow::timeline::record(
                        "renewals_failed",
                        format!(
                            "{}|renewals-failed|{}|{}",
                            crate::NAME,
                            standing.workspace_id,
                            today
                        ),
                        serde_json::json!({
                            "system": "gridlink",
                            "ids": {"xecm": {"workspace_id": standing.workspace_id},
                                    "tg": {"partner_id": standing.partner_id}},
                            "error": gridlink_flow::timeline::bounded_text(&error.to_string()),
                        }),
                    );
                }
                outcome
            })
            .await;
            match swept {
                Ok(()) => {}
                // an outage fails every supplier after it alike: stop, the next sweep
                // takes everything again (each step is exactly-once)
                Err(error) if stops_the_sweep(error.kind()) => {
                    tracing::warn!(workspace_id = standing.workspace_id, partner_id = standing.partner_id.as_deref().unwrap_or(""), error = %error, "renewals sweep stopped by a transient failure");
                    return Err(error);
                }
                Err(error) => {
                    tracing::error!(workspace_id = standing.workspace_id, partner_id = standing.partner_id.as_deref().unwrap_or(""), legal_name = %standing.supplier.legal_name, error = %error, "supplier's renewals failed; the sweep goes on");
                    failed.push(SweepFailure {
                        workspace_id: standing.workspace_id,
                        partner_id: standing.partner_id.clone(),
                        error: error.to_string(),
                        kind: error.kind(),
                    });
                }
            }
        }
        if !failed.is_empty() {
            return Err(OnboardingError::SweepFailed {
                done: taken.len(),
                failed,
            });
        }
        Ok(Sweep {
            renewals: taken,
            reminders: chased,
            attestation,
        })
    }

    /// One supplier's part of a sweep: its steps taken (or listed, dry) into `taken`, its
    /// overdue chases into `chased`, the matrix read once for the whole sweep.
    async fn sweep_supplier(
        &self,
        standing: &crate::standing::Standing,
        today: Date,
        matrix: &mut Option<crate::matrix::Matrix>,
        taken: &mut Vec<RenewalStep>,
        chased: &mut Vec<Chase>,
    ) -> Result<(), OnboardingError> {
        let steps = due_steps(standing, &self.config.renewal_days, today);
        if steps.is_empty()
            && due_chases(
                standing,
                self.config.reminder_interval_days,
                self.config.max_reminders,
                today,
            )
            .is_empty()
        {
            return Ok(());
        }
        if matrix.is_none() {
            *matrix = Some(self.matrix().await?);
        }
        let matrix = matrix.as_ref().expect("read above");
        if self.config.renewals_dry_run {
            taken.extend(steps);
            chased.extend(
                self.chase_overdue(matrix, standing.workspace_id, today)
                    .await?,
            );
            return Ok(());
        }
        let workspace = standing.workspace_id;
        let at = rfc3339(self.platform.clock.now());
        let due_at = rfc3339(self.platform.clock.now() + self.config.request_due);
        for step in &steps {
            if step.action == "reminder"
                && let Some(r) = standing.requirements.get(&step.kind)
                && r.item_id.is_some()
            {
                let message = Self::reminder_message(
                    matrix,
                    standing,
                    r,
                    step.n,
                    &step.valid_until,
                    "renewal",
                );
                self.post_onboarding(
                    standing,
                    "tg-onb-reminder",
                    format!("{workspace}/{}/{}/{}", step.kind, step.valid_until, step.n),
                    message,
                )
                .await?;
            }
            let key = EffectKey::new(
                "onboarding-renewal-step",
                format!("{workspace}/{}/{}/{}", step.kind, step.valid_until, step.n),
            );
            let this = step.clone();
            let (at, due_at) = (at.clone(), due_at.clone());
            let outcome = self
                .platform
                .effects
                .once(&key, None, |_| async move {
                    self.change_standing(workspace, |s| {
                        let Some(r) = s.requirements.get_mut(&this.kind) else {
                            return false;
                        };
                        if r.valid_until.as_deref() != Some(this.valid_until.as_str()) {
                            return false;
                        }
                        if this.action == "expired" {
                            {
                                if r.is_expired() {
                                    return false;
                                }
                                if r.state == State::InReview {
                                    // the buyer still decides on the renewal
                                    r.lapsed = Some(this.valid_until.clone());
                                } else {
                                    r.state = State::Expired;
                                }
                                let kind = this.kind.clone();
                                s.note(
                                    &at,
                                    &kind,
                                    "expired",
                                    format!("valid until {}", this.valid_until),
                                );
                            }
                        } else {
                            {
                                if r.renewal_steps >= this.n {
                                    return false;
                                }
                                let first = r.renewal_steps == 0;
                                r.renewal_steps = this.n;
                                if !first && r.item_id.is_some() {
                                    r.reminders_sent += 1;
                                }
                                if first {
                                    r.state = State::Expiring;
                                }
                                let kind = this.kind.clone();
                                s.note(
                                    &at,
                                    &kind,
                                    if first { "renewal due" } else { "renewal step" },
                                    format!(
                                        "{} days before {} (step {})",
                                        this.days_left, this.valid_until, this.n
                                    ),
                                );
                                if first {
                                    match &mut s.planned {
                                        Some(p) if p.renewal => {
                                            if !p.kinds.contains(&kind) {
                                                p.kinds.push(kind);
                                            }
                                        }
                                        // another cycle is planned (its TG call may
                                        // be made already): the renewal is planned
                                        // when it completes ([`crate::sync`])
                                        Some(_) => {}
                                        None => {
                                            s.cycles += 1;
                                            s.planned = Some(PlannedRequest {
                                                cycle: s.cycles,
                                                kinds: vec![kind],
                                                due_at: due_at.clone(),
                                                renewal: true,
                                            });
                                        }
                                    }
                                }
                            }
                        }
                        true
                    })
                    .await
                    .map(|_| ())
                })
                .await
                .map_err(OnboardingError::from_effect)?;
            if outcome.ran_now() {
                tracing::info!(workspace_id = workspace, kind = %step.kind, valid_until = %step.valid_until, n = step.n, action = %step.action, "renewal step taken");
                taken.push(step.clone());
            }
        }
        if self.standing(workspace).await?.is_none() {
            return Ok(());
        }
        self.make_planned(workspace, matrix).await?;
        chased.extend(self.chase_overdue(matrix, workspace, today).await?);
        self.project(NodeId::new(workspace)?).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standing::{RequirementState, Standing};
    use time::macros::date;

    fn standing(until: &str, steps: u32, state: State) -> Standing {
        let mut s = Standing {
            workspace_id: 7,
            ..Standing::default()
        };
        s.requirements.insert(
            "insurance_certificate".into(),
            RequirementState {
                kind: "insurance_certificate".into(),
                required: true,
                state,
                valid_until: Some(until.into()),
                renewal_steps: steps,
                ..RequirementState::default()
            },
        );
        s
    }

    const T: &[u32] = &[60, 30, 7, 0];

    #[test]
    fn steps_follow_the_thresholds_once_each() {
        let today = date!(2026 - 12 - 02);
        assert!(
            due_steps(&standing("2027-02-01", 0, State::Accepted), T, today).is_empty(),
            "61 days"
        );
        let first = due_steps(&standing("2027-01-31", 0, State::Accepted), T, today);
        assert_eq!(
            (first[0].n, first[0].action.as_str()),
            (1, "renewal request")
        );
        assert!(
            due_steps(
                &standing("2027-01-31", 1, State::RenewalRequested),
                T,
                today
            )
            .is_empty(),
            "step 1 taken"
        );
        // 29 days left: two thresholds reached at once on a first sweep — one renewal request
        let late = due_steps(&standing("2026-12-31", 0, State::Accepted), T, today);
        assert_eq!((late[0].n, late[0].action.as_str()), (2, "renewal request"));
        let reminder = due_steps(
            &standing("2026-12-09", 2, State::RenewalRequested),
            T,
            today,
        );
        assert_eq!(
            (reminder[0].n, reminder[0].action.as_str()),
            (3, "reminder")
        );
        let last_day = due_steps(
            &standing("2026-12-02", 3, State::RenewalRequested),
            T,
            today,
        );
        assert_eq!(last_day[0].n, 4, "day 0 is a step, not yet an expiry");
        let past = due_steps(
            &standing("2026-12-01", 4, State::RenewalRequested),
            T,
            today,
        );
        assert_eq!(past[0].action, "expired");
        assert!(due_steps(&standing("2026-12-01", 4, State::Expired), T, today).is_empty());
        // a renewal in review: no renewal steps, but the old document still expires, once
        assert!(due_steps(&standing("2026-12-09", 2, State::InReview), T, today).is_empty());
        let lapsing = due_steps(&standing("2026-12-01", 1, State::InReview), T, today);
        assert_eq!(lapsing.len(), 1, "{lapsing:?}");
        assert_eq!(lapsing[0].action, "expired");
        let mut marked = standing("2026-12-01", 1, State::InReview);
        marked
            .requirements
            .get_mut("insurance_certificate")
            .expect("kind")
            .lapsed = Some("2026-12-01".into());
        assert!(due_steps(&marked, T, today).is_empty());
    }
}
