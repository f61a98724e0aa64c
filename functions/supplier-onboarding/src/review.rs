//! The buyer's decisions, made in xECM on the supplier's `Requirements` rows: a submission
//! `in review` (what the checks could not decide) is accepted or rejected, and a
//! requirement is waived — each by a named buyer.
//!
//! # How a buyer decides
//! On the row of the kind, the buyer sets `Status` to `accepted`, `rejected` or `waived`,
//! `Reviewer` to their name, and `Reason` (required to reject — the supplier reads it in
//! Trading Grid — and to waive). The next projection of the supplier (the xECM push of the
//! change, the poll, or any other event of the supplier) reads the rows before it writes
//! them, so a decision is never overwritten unseen:
//! - `accepted` (of an `in review` requirement): the item is accepted through TG's review
//!   call, the filed version's `Review Status` reads `accepted by <reviewer>`, and the
//!   requirement takes the evidence that waited for review (its validity, its version);
//! - `rejected` (of an `in review` requirement): the item is rejected through the review call
//!   with the buyer's reason, the version's `Review Status` reads `rejected by <reviewer>`, and
//!   the requirement is requested again (the supplier submits a new file to the same item);
//! - `waived` (of any required, not yet waived requirement): the requirement no longer holds
//!   the supplier back; reviewer and reason are kept.
//!
//! A decision is about the submission the row showed when the buyer made it: the
//! projection records which submission in review it last wrote the row for
//! (`shown_submission`). When the supplier resubmits before the decision is applied (TG lets
//! a partner resubmit an item still `submitted`), the pending `accepted` or `rejected` is not
//! applied to the newer file: it is noted as superseded in the history, the log and the
//! timeline, and the row reads `in review` again for the new submission.
//!
//! A decision missing its reviewer or reason is refused by name: it is not applied, the row
//! reads its state again, and its `Reason` says what was missing (`Reviewer: …`,
//! `Reason: …`). `accepted` or `rejected` of a requirement that is not in review is left
//! alone (there is nothing to decide; the projection writes the state back).
//!
//! Exactly once: the TG review call is the effect `tg-item-review` of the submission (the
//! same key an automatic decision would have used), and the ledger change is a
//! compare-and-set from `in review`, so a redelivered push or a re-run after a crash
//! decides nothing twice.

use gridlink_flow::EffectKey;
use gridlink_tgrid::model::{ItemReview, ReviewDecision};
use gridlink_tgrid::{RequestId, RequestItemId};
use gridlink_xecm::{AttributeValue, NamedAttributes, NodeId};
use serde::Serialize;

use crate::SupplierOnboarding;
use crate::error::OnboardingError;
use crate::standing::{Standing, State};
use crate::sync::{rfc3339, text};

/// What a buyer decided on a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Accept the submission in review.
    Accept,
    /// Reject the submission in review (the reason goes to the supplier).
    Reject,
    /// Waive the requirement.
    Waive,
}

/// One decision read from the rows: to apply, or refused with the reason naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowDecision {
    /// The kind.
    pub kind: String,
    /// What the buyer decided.
    pub decision: Decision,
    /// Who (the row's `Reviewer`).
    pub reviewer: String,
    /// Why (the row's `Reason`).
    pub reason: String,
    /// Why it cannot be applied, naming the field.
    pub refused: Option<String>,
    /// An `accepted` or `rejected` made on a submission that a newer one has replaced in
    /// review since: the submission the row showed, never applied to the newer one.
    pub superseded: Option<String>,
}

fn normal(status: &str) -> String {
    status.trim().to_lowercase().replace(['_', '-'], " ")
}

/// The decisions a buyer wrote on the `Requirements` rows, against the standing.
pub fn buyer_decisions(standing: &Standing, values: &NamedAttributes) -> Vec<RowDecision> {
    let Some(AttributeValue::Rows(rows)) = values.get("Requirements") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for row in rows {
        let kind = text(row, "Kind");
        let Some(requirement) = standing.requirements.get(&kind) else {
            continue;
        };
        let status = normal(&text(row, "Status"));
        let decision = match status.as_str() {
            "accepted" | "accept" if requirement.state == State::InReview => Decision::Accept,
            "rejected" | "reject" if requirement.state == State::InReview => Decision::Reject,
            "waived" | "waive" if requirement.required && requirement.state != State::Waived => {
                Decision::Waive
            }
            _ => continue,
        };
        let reviewer = text(row, "Reviewer");
        let reason = text(row, "Reason");
        // the row still shows a reason gridlink wrote: the buyer gave none
        let own_reason = requirement.reason.as_deref() == Some(reason.as_str());
        let label = match decision {
            Decision::Accept => "accepted",
            Decision::Reject => "rejected",
            Decision::Waive => "waived",
        };
        // the row was last written for another submission than the one in review now: the
        // buyer decided on a file they may never have seen
        let superseded = (decision != Decision::Waive
            && requirement.shown_submission != requirement.decided_submission)
            .then(|| {
                requirement
                    .shown_submission
                    .clone()
                    .unwrap_or_else(|| "an earlier submission".into())
            });
        let refused = if reviewer.is_empty() {
            Some(format!(
                "Reviewer: a buyer's decision (`{label}`) needs the reviewer's name; it was not applied"
            ))
        } else if decision != Decision::Accept && (reason.is_empty() || own_reason) {
            Some(format!(
                "Reason: `{label}` needs the buyer's reason{}; it was not applied",
                if decision == Decision::Reject {
                    " (the supplier reads it)"
                } else {
                    ""
                }
            ))
        } else {
            None
        };
        found.push(RowDecision {
            kind,
            decision,
            reviewer,
            reason: if own_reason { String::new() } else { reason },
            refused,
            superseded,
        });
    }
    found
}

impl SupplierOnboarding {
    /// Applies the buyer's decisions found in the rows `values` (see the module docs);
    /// whether the standing changed.
    pub(crate) async fn apply_buyer_decisions(
        &self,
        workspace: NodeId,
        values: &NamedAttributes,
    ) -> Result<bool, OnboardingError> {
        let Some(standing) = self.standing(workspace.get()).await? else {
            return Ok(false);
        };
        let decisions = buyer_decisions(&standing, values);
        let mut changed = false;
        for decision in decisions {
            changed |= self.apply_decision(workspace, &standing, &decision).await?;
        }
        Ok(changed)
    }

    async fn apply_decision(
        &self,
        workspace: NodeId,
        standing: &Standing,
        d: &RowDecision,
    ) -> Result<bool, OnboardingError> {
        let at = rfc3339(self.platform.clock.now());
        let today = self.platform.clock.now().date();
        let ws = workspace.get();
        let kind = d.kind.clone();
        if let Some(earlier) = &d.superseded {
            let label = if d.decision == Decision::Accept {
                "accepted"
            } else {
                "rejected"
            };
            let current = standing
                .requirements
                .get(&kind)
                .and_then(|r| r.decided_submission.clone())
                .unwrap_or_default();
            let detail = format!(
                "`{label}` by {} was made on submission {earlier}; submission {current} arrived since and is in review: the decision is not applied to it",
                if d.reviewer.is_empty() {
                    "an unnamed buyer"
                } else {
                    d.reviewer.as_str()
                }
            );
            tracing::warn!(workspace_id = ws, partner_id = standing.partner_id.as_deref().unwrap_or(""), kind, reviewer = %d.reviewer, decided_on = %earlier, in_review = %current, "buyer's decision superseded by a newer submission; not applied");
            gridlink_flow::timeline::record(
                "buyer_decision_superseded",
                format!("{}|decision-superseded|{ws}|{kind}|{earlier}", crate::NAME),
                serde_json::json!({
                    "system": "gridlink",
                    "ids": {"xecm": {"workspace_id": ws}},
                    "kind": kind,
                    "decision": label,
                    "reviewer": d.reviewer,
                    "decided_on": earlier,
                    "in_review": current,
                }),
            );
            self.change_standing(ws, |s| {
                s.note(&at, &kind, "buyer decision superseded", detail.clone());
                true
            })
            .await?;
            return Ok(true);
        }
        if let Some(refusal) = &d.refused {
            tracing::warn!(workspace_id = ws, kind, reviewer = %d.reviewer, refusal, "buyer's decision refused");
            let changed = self
                .change_standing(ws, |s| {
                    let Some(r) = s.requirements.get_mut(&kind) else {
                        return false;
                    };
                    if r.reason.as_deref() == Some(refusal.as_str()) {
                        return false;
                    }
                    r.reason = Some(refusal.clone());
                    s.note(&at, &kind, "buyer decision refused", refusal.clone());
                    true
                })
                .await;
            return changed.map(|_| true);
        }
        let requirement = standing
            .requirements
            .get(&kind)
            .cloned()
            .unwrap_or_default();
        let reviewer = d.reviewer.clone();
        let reason = d.reason.clone();
        if d.decision != Decision::Waive {
            let (Some(submission), Some(request), Some(item)) = (
                requirement.decided_submission.clone(),
                requirement.request_id.clone(),
                requirement.item_id.clone(),
            ) else {
                return Err(OnboardingError::malformed(
                    format!("supplier {ws} requirement {kind}"),
                    "in review without its submission",
                ));
            };
            let accept = d.decision == Decision::Accept;
            let supplier_reason = if accept {
                format!("accepted by {reviewer}")
            } else {
                reason.clone()
            };
            self.review(
                &RequestId::new(&request),
                &RequestItemId::new(&item),
                &submission,
                if accept {
                    ReviewDecision::Accept
                } else {
                    ReviewDecision::Reject
                },
                &supplier_reason,
            )
            .await?;
            let pending = requirement.pending.clone();
            if let Some(document) = pending
                .as_ref()
                .map(|p| p.document_id)
                .or(requirement.document_id)
            {
                let mut values = NamedAttributes::new();
                values.insert(
                    "Review Status".into(),
                    AttributeValue::Text(
                        format!(
                            "{} by {reviewer}",
                            if accept { "accepted" } else { "rejected" }
                        )
                        .chars()
                        .take(32)
                        .collect(),
                    ),
                );
                self.platform
                    .xecm
                    .write_attributes(
                        NodeId::new(document)?,
                        self.config.document_category,
                        &values,
                    )
                    .await?;
            }
            let changed = self
                .change_standing(ws, |s| {
                    let Some(r) = s.requirements.get_mut(&kind) else {
                        return false;
                    };
                    if r.state != State::InReview
                        || r.decided_submission.as_deref() != Some(submission.as_str())
                    {
                        return false;
                    }
                    r.reviewer = Some(reviewer.clone());
                    let pending = r.pending.take();
                    let back = r.after_rejection(today);
                    r.lapsed = None;
                    if accept {
                        r.state = State::Accepted;
                        r.reason = Some(reason.clone()).filter(|t| !t.is_empty());
                        if let Some(p) = pending {
                            r.valid_from = p.valid_from;
                            r.valid_until = p.valid_until;
                            r.document_id = Some(p.document_id);
                            r.document_version = Some(p.version);
                            r.renewal_steps = 0;
                            r.reset_reminders();
                        }
                    } else {
                        // back to where it stood before the submission: a renewal still
                        // asked for (or expired meanwhile), else requested again
                        r.state = back;
                        r.reason = Some(reason.clone());
                    }
                    s.note(
                        &at,
                        &kind,
                        if accept {
                            "accepted by buyer"
                        } else {
                            "rejected by buyer"
                        },
                        format!(
                            "{reviewer}{}",
                            if reason.is_empty() {
                                String::new()
                            } else {
                                format!(": {reason}")
                            }
                        ),
                    );
                    true
                })
                .await?;
            tracing::info!(workspace_id = ws, kind, reviewer, request_id = %request, item_id = %item, accept, "buyer's review applied");
            return Ok(changed.requirements.get(&kind).map(|r| r.state) != Some(State::InReview));
        }
        self.change_standing(ws, |s| {
            let Some(r) = s.requirements.get_mut(&kind) else {
                return false;
            };
            if r.state == State::Waived {
                return false;
            }
            r.state = State::Waived;
            r.reviewer = Some(reviewer.clone());
            r.reason = Some(reason.clone());
            r.escalated = None;
            s.note(&at, &kind, "waived", format!("{reviewer}: {reason}"));
            true
        })
        .await?;
        tracing::info!(
            workspace_id = ws,
            kind,
            reviewer,
            "requirement waived by buyer"
        );
        Ok(true)
    }

    /// The TG review call for one submission, once (`tg-item-review / <submission>`).
    pub(crate) async fn review(
        &self,
        request_id: &RequestId,
        item_id: &RequestItemId,
        submission_key: &str,
        decision: ReviewDecision,
        reason: &str,
    ) -> Result<(), OnboardingError> {
        let tg = self.platform.tg.clone();
        let review = ItemReview {
            decision,
            reason: reason.to_owned(),
        };
        self.platform
            .effects
            .once(
                &EffectKey::new("tg-item-review", submission_key),
                None,
                |_| async move {
                    let request = tg.review_item(request_id, item_id, &review).await?;
                    Ok::<_, OnboardingError>(request.status)
                },
            )
            .await
            .map_err(OnboardingError::from_effect)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standing::RequirementState;

    fn standing(state: State) -> Standing {
        let mut s = Standing::default();
        s.requirements.insert(
            "code_of_conduct".into(),
            RequirementState {
                kind: "code_of_conduct".into(),
                required: true,
                state,
                reason: Some("a buyer must review: attestation".into()),
                ..RequirementState::default()
            },
        );
        s
    }

    fn row(status: &str, reviewer: &str, reason: &str) -> NamedAttributes {
        let mut row = NamedAttributes::new();
        row.insert(
            "Kind".into(),
            AttributeValue::Text("code_of_conduct".into()),
        );
        row.insert("Status".into(), AttributeValue::Text(status.into()));
        row.insert("Reviewer".into(), AttributeValue::Text(reviewer.into()));
        row.insert("Reason".into(), AttributeValue::Text(reason.into()));
        let mut values = NamedAttributes::new();
        values.insert("Requirements".into(), AttributeValue::Rows(vec![row]));
        values
    }

    #[test]
    fn a_named_buyer_decides_and_a_nameless_one_is_refused_by_field() {
        let s = standing(State::InReview);
        let ok = buyer_decisions(&s, &row("Accepted", "j.buyer", ""));
        assert_eq!(ok.len(), 1);
        assert_eq!(
            (ok[0].decision, ok[0].refused.clone()),
            (Decision::Accept, None)
        );
        let nameless = buyer_decisions(&s, &row("accepted", "", ""));
        assert!(
            nameless[0]
                .refused
                .as_deref()
                .unwrap_or_default()
                .starts_with("Reviewer:")
        );
        let reasonless = buyer_decisions(&s, &row("rejected", "j.buyer", ""));
        assert!(
            reasonless[0]
                .refused
                .as_deref()
                .unwrap_or_default()
                .starts_with("Reason:")
        );
        // the reason gridlink wrote is not the buyer's
        let stale = buyer_decisions(
            &s,
            &row("rejected", "j.buyer", "a buyer must review: attestation"),
        );
        assert!(
            stale[0]
                .refused
                .as_deref()
                .unwrap_or_default()
                .starts_with("Reason:")
        );
        let rejected = buyer_decisions(&s, &row("rejected", "j.buyer", "unsigned"));
        assert_eq!(
            (rejected[0].decision, rejected[0].refused.clone()),
            (Decision::Reject, None)
        );
        assert!(buyer_decisions(&s, &row("in review", "j.buyer", "")).is_empty());
    }

    #[test]
    fn a_decision_on_the_row_of_an_earlier_submission_is_superseded() {
        let mut s = standing(State::InReview);
        let r = s.requirements.get_mut("code_of_conduct").expect("kind");
        r.decided_submission = Some("req/itm/2".into());
        r.shown_submission = Some("req/itm/1".into());
        let late = buyer_decisions(&s, &row("accepted", "j.buyer", ""));
        assert_eq!(late[0].superseded.as_deref(), Some("req/itm/1"));
        let waive = buyer_decisions(&s, &row("waived", "j.buyer", "sole source"));
        assert_eq!(
            waive[0].superseded, None,
            "a waiver is about the requirement"
        );
        let r = s.requirements.get_mut("code_of_conduct").expect("kind");
        r.shown_submission = Some("req/itm/2".into());
        let seen = buyer_decisions(&s, &row("accepted", "j.buyer", ""));
        assert_eq!(
            (seen[0].superseded.clone(), seen[0].refused.clone()),
            (None, None)
        );
    }

    #[test]
    fn only_a_submission_in_review_is_accepted_but_anything_required_is_waived() {
        let requested = standing(State::Requested);
        assert!(buyer_decisions(&requested, &row("accepted", "j.buyer", "")).is_empty());
        let waive = buyer_decisions(&requested, &row("waived", "j.buyer", "sole source"));
        assert_eq!(
            (waive[0].decision, waive[0].refused.clone()),
            (Decision::Waive, None)
        );
        assert!(
            buyer_decisions(&standing(State::Waived), &row("waived", "j.buyer", "x")).is_empty()
        );
    }
}
