//! Closeout: `closing` → `closed`.
//!
//! Someone (the approver, typically) sets `Status` to `closing`. Asked during a fan-out (the
//! first issue's or an amendment's), the fan-out goes on first — the campaign must reach every
//! partner: it resumes on each poll as ever, `Status` stays `closing` (never set back to
//! `active`), and the sync reports that closing waits for it. gridlink then checks the
//! effectiveness on every poll until it is met: every version fanned out, and every lot's
//! effectiveness — accounted for (on hand + quarantined + returned + destroyed, each partner
//! counted at most up to what was shipped to it) ÷ shipped, compared exactly (accounted × 100
//! ≥ target × shipped; the rounded percentage is only shown) — at or above its class's target (`CLOSEOUT_TARGET_PCT_CLASS_I|II|III`, 100 % by default,
//! FDA effectiveness level A). While it is not, `Status` stays `closing`, the deadlines keep
//! reminding and escalating, and the shortfall is logged and filed once per standing in
//! `Approvals` (`Closeout waiting <recall> <hash>.txt`).
//!
//! Once met, every invited partner gets a closeout notice in the spirit of GS1's Product Recall
//! Closeout Notification: an `announcement` campaign naming the recall, its class and reason,
//! the closure time and that partner's lots only — once per (recall, partner)
//! (`tg-recall-closeout`; inside the effect a campaign with the partner's closeout external
//! reference `gridlink-recall-closeout:<recall>/<partner>` is adopted before one is created).
//! The closeout is resumable like the fan-out: partner-id order, the cursor in the ledger,
//! `FANOUT_PER_RUN` per invocation, a 429/503 the client gave up on stops it until the
//! `Retry-After`. When every partner has it: `closed_at` in the ledger (the recall leaves the
//! deadlines), `Status` `closed`, a closeout record in `Approvals`, the final rollup and the
//! evidence bundle filed.

use std::collections::BTreeMap;

use bytes::Bytes;
use gridlink_flow::{EffectKey, Filing};
use gridlink_tgrid::PartnerId;
use gridlink_tgrid::model::{CampaignKind, ExternalRef, NewCampaign};
use gridlink_xecm::{BytesSource, DocumentSpec, NodeId};
use sha2::{Digest, Sha256};

use crate::RecallCampaign;
use crate::error::RecallError;
use crate::issue::{RecallSync, rfc3339, throttled, waiting};
use crate::recall::{PartnerLot, RecallStatus};
use crate::records::IssuedRecall;
use crate::rollup::{Rollup, meets_target};

/// The external reference system of closeout notices (`<recall>/<partner>` as id).
pub const CLOSEOUT_SYSTEM: &str = "gridlink-recall-closeout";

/// The target of a class (`I`, `II`, `III`; anything else is held to class I's).
pub fn target_pct(targets: &[f64; 3], class: &str) -> f64 {
    match class.trim().to_ascii_uppercase().as_str() {
        "II" | "2" => targets[1],
        "III" | "3" => targets[2],
        _ => targets[0],
    }
}

/// What keeps a recall from closing, if anything: lots short of the target.
pub fn shortfall(issued: &IssuedRecall, rollup: &Rollup, target: f64) -> Option<String> {
    if !issued.fanned_out() {
        return Some(format!(
            "the fan-out of version {} is not finished ({} of {} partners)",
            issued.version, issued.cursor, issued.partners_total
        ));
    }
    let short: Vec<String> = rollup
        .lots
        .iter()
        // Exactly, not on the rounded percentage: 9 996 of 10 000 reads 100.0 % but is short.
        .filter(|l| !meets_target(l.accounted, l.shipped, target))
        .map(|l| {
            format!(
                "lot {}: {} of {} {} accounted for ({} %)",
                l.lot_code, l.accounted, l.shipped, l.unit, l.effectiveness_pct
            )
        })
        .collect();
    (!short.is_empty()).then(|| {
        format!(
            "effectiveness below the class {} target of {target} %: {}",
            rollup.class,
            short.join("; ")
        )
    })
}

impl RecallCampaign {
    /// `Status` `closing`: checks, sends the closeout, closes (see the module docs).
    pub(crate) async fn close(
        &self,
        issued: IssuedRecall,
        sync: &mut RecallSync,
    ) -> Result<(), RecallError> {
        let workspace = NodeId::new(issued.workspace_id)
            .map_err(|e| RecallError::malformed("workspace id", &e))?;
        let mut issued = issued;
        if issued.closed_at.is_none() && issued.closing_since.is_none() {
            let now = rfc3339(self.platform.clock.now());
            issued = self
                .change_issued(&issued.recall_id, |r| {
                    if r.closing_since.is_none() {
                        r.closing_since = Some(now.clone());
                    }
                })
                .await?;
            tracing::info!(recall_id = %issued.recall_id, version = issued.version, fanned_out = issued.fanned_out(), "closing requested: the fan-out finishes first, then effectiveness is checked on every poll");
        }
        // Closing asked during a fan-out: the campaign still reaches every partner (the
        // fan-out goes on, resumable as ever, the recall stays in the issuing partition the
        // polls resume), and the close follows it.
        if issued.closed_at.is_none() && !issued.fanned_out() {
            Box::pin(self.fan_out(issued.clone(), sync)).await?;
            issued = self
                .issued(&issued.recall_id)
                .await?
                .ok_or_else(|| RecallError::UnknownRecall(issued.recall_id.clone()))?;
            if !issued.fanned_out() || sync.throttled.is_some() {
                let reason = format!(
                    "closing waits for the fan-out of version {} to reach every partner ({} of {} handled); the closeout follows it",
                    issued.version, issued.cursor, issued.partners_total
                );
                tracing::info!(recall_id = %issued.recall_id, version = issued.version, cursor = issued.cursor, total = issued.partners_total, "closing requested during the fan-out: the fan-out goes on first");
                sync.closing = Some(reason);
                return Ok(());
            }
        }
        if issued.closed_at.is_none() {
            let rollup = self.rollup_of(&issued.recall_id).await?;
            let target = target_pct(&self.config.closeout_target_pct, &issued.class);
            if let Some(reason) = shortfall(&issued, &rollup, target) {
                self.file_closeout_waiting(&issued, &reason).await?;
                sync.closing = Some(reason);
                return Ok(());
            }
            if let Some(until) = waiting(&issued, self.platform.clock.now()) {
                sync.throttled = Some(format!(
                    "waiting for Trading Grid's Retry-After until {until}; the closeout resumes from partner {}",
                    issued.closeout_cursor + 1
                ));
                return Ok(());
            }
            issued = self.send_closeouts(issued, sync).await?;
            if sync.throttled.is_some() || !self.closeouts_done(&issued).await? {
                return Ok(());
            }
            let now = rfc3339(self.platform.clock.now());
            issued = self
                .change_issued(&issued.recall_id, |r| {
                    if r.closed_at.is_none() {
                        r.closed_at = Some(now.clone());
                    }
                })
                .await?;
            tracing::info!(recall_id = %issued.recall_id, effectiveness_pct = rollup.effectiveness_pct, "recall closed: every partner sent the closeout");
        }
        let rollup = self.rollup_of(&issued.recall_id).await?;
        self.file_closeout_record(&issued, &rollup).await?;
        self.write_status(workspace, RecallStatus::Closed).await?;
        self.file_rollup(&issued).await?;
        Box::pin(self.export_bundle(&issued.recall_id)).await?;
        let issued = self
            .change_issued(&issued.recall_id, |r| r.closeout_filed = true)
            .await?;
        sync.closed.clone_from(&issued.closed_at);
        Ok(())
    }

    /// Each invited partner (all versions) with its lots, by partner id.
    async fn closeout_partners(
        &self,
        issued: &IssuedRecall,
    ) -> Result<Vec<(String, Vec<PartnerLot>)>, RecallError> {
        let mut partners: BTreeMap<String, Vec<PartnerLot>> = BTreeMap::new();
        for partner in self.partners_of(&issued.recall_id).await? {
            if partner.campaign_id.is_none() {
                continue;
            }
            partners
                .entry(partner.partner_id.clone())
                .or_default()
                .extend(partner.lots);
        }
        Ok(partners.into_iter().collect())
    }

    async fn closeouts_done(&self, issued: &IssuedRecall) -> Result<bool, RecallError> {
        Ok(issued.closeout_cursor >= self.closeout_partners(issued).await?.len())
    }

    /// The closeout to the partners from the cursor on, chunked, at most `FANOUT_PER_RUN`.
    async fn send_closeouts(
        &self,
        issued: IssuedRecall,
        sync: &mut RecallSync,
    ) -> Result<IssuedRecall, RecallError> {
        let partners = self.closeout_partners(&issued).await?;
        let mut issued = issued;
        let mut budget = self.config.fanout_per_run;
        while issued.closeout_cursor < partners.len() && budget > 0 {
            let start = issued.closeout_cursor;
            let end = (start + self.config.fanout_chunk.min(budget)).min(partners.len());
            let mut done = start;
            let mut throttle = None;
            for (partner, lots) in &partners[start..end] {
                match self.send_closeout(&issued, partner, lots).await {
                    Ok(()) => sync.closed_out.push(partner.clone()),
                    Err(error) => match throttled(&error) {
                        Some(after) => {
                            throttle = Some((after, error.to_string()));
                            break;
                        }
                        None => return Err(error),
                    },
                }
                done += 1;
            }
            budget -= done - start;
            let resume_after = throttle.as_ref().map(|&(after, _)| {
                rfc3339(self.platform.clock.now() + after.max(time::Duration::seconds(1)))
            });
            issued = self
                .change_issued(&issued.recall_id, |r| {
                    r.closeout_cursor = r.closeout_cursor.max(done);
                    r.resume_after.clone_from(&resume_after);
                })
                .await?;
            if let Some((after, error)) = throttle {
                tracing::warn!(recall_id = %issued.recall_id, cursor = issued.closeout_cursor, retry_after_secs = after.whole_seconds(), error = %error, "closeout throttled by Trading Grid; resumes from the cursor after Retry-After");
                sync.throttled = Some(format!(
                    "Trading Grid throttled the closeout at partner {} of {} ({error}); it resumes after {}",
                    issued.closeout_cursor + 1,
                    partners.len(),
                    issued.resume_after.clone().unwrap_or_default()
                ));
                break;
            }
        }
        Ok(issued)
    }

    /// One partner's closeout notice, once.
    #[tracing::instrument(skip_all, fields(recall_id = %issued.recall_id, partner_id = %partner))]
    async fn send_closeout(
        &self,
        issued: &IssuedRecall,
        partner: &str,
        lots: &[PartnerLot],
    ) -> Result<(), RecallError> {
        let business = format!("{}/{partner}", issued.recall_id);
        let external_ref = ExternalRef::new(CLOSEOUT_SYSTEM, business.clone());
        let lines: Vec<String> = lots
            .iter()
            .map(|l| {
                format!(
                    "- lot {} · GTIN {} · {} · {} {} shipped to you",
                    l.lot_code, l.gtin, l.material, l.shipped, l.unit
                )
            })
            .collect();
        // Derived from the ledger, not the clock: a re-run sends the same body under the
        // same Idempotency-Key.
        let closing_since = issued.closing_since.clone().unwrap_or_default();
        let campaign = NewCampaign {
            kind: CampaignKind::Announcement,
            title: format!("Recall {} closed", issued.recall_id),
            message: format!(
                "Product Recall Closeout Notification: recall {} (class {}, reason {}, market {}) is closed; its effectiveness checks are met (closing decided {closing_since}). It concerned these lots shipped to you:\n{}\nNo further action is needed for this recall. Keep your records of what you held, quarantined, returned or destroyed.",
                issued.recall_id,
                issued.class,
                issued.reason_code,
                issued.market,
                lines.join("\n"),
            ),
            partner_ids: vec![PartnerId::new(partner)],
            attachment_ids: Vec::new(),
            response_form: None,
            due_at: None,
            external_ref: Some(external_ref.clone()),
        };
        let (campaign_id, ran_now) = self
            .start_campaign_once(
                &EffectKey::new("tg-recall-closeout", &business),
                external_ref,
                campaign,
            )
            .await?;
        if ran_now {
            tracing::info!(%campaign_id, "closeout notice sent");
        }
        Ok(())
    }

    /// The shortfall, filed once per standing in `Approvals` (and logged each check).
    async fn file_closeout_waiting(
        &self,
        issued: &IssuedRecall,
        reason: &str,
    ) -> Result<(), RecallError> {
        tracing::warn!(recall_id = %issued.recall_id, %reason, "recall not closed yet: effectiveness checks not met");
        let hash = hex::encode(Sha256::digest(reason.as_bytes()));
        let text = format!(
            "Recall {} is NOT closed yet (Status closing since {}).\nWhy: {reason}\nChecked at: {}\n",
            issued.recall_id,
            issued.closing_since.clone().unwrap_or_default(),
            rfc3339(self.platform.clock.now()),
        );
        self.file_approval_note(
            issued,
            EffectKey::new(
                "xecm-recall-closeout-waiting",
                format!("{}/{}", issued.recall_id, &hash[..16]),
            ),
            format!("Closeout waiting {} {}.txt", issued.recall_id, &hash[..8]),
            format!("Recall {} not closed yet: {reason}", issued.recall_id),
            text,
        )
        .await
    }

    /// The closeout record in `Approvals`, once.
    async fn file_closeout_record(
        &self,
        issued: &IssuedRecall,
        rollup: &Rollup,
    ) -> Result<(), RecallError> {
        let lots: Vec<String> = rollup
            .lots
            .iter()
            .map(|l| {
                format!(
                    "  {}: shipped {} {}, accounted for {} ({} %)",
                    l.lot_code, l.shipped, l.unit, l.accounted, l.effectiveness_pct
                )
            })
            .collect();
        let text = format!(
            "Recall {} CLOSED at {}.\nClass: {}\nClosing requested: {}\nEffectiveness: {} % overall\n{}\nPartners sent the closeout notice: {}\nEscalated during the recall: {}\n",
            issued.recall_id,
            issued.closed_at.clone().unwrap_or_default(),
            issued.class,
            issued.closing_since.clone().unwrap_or_default(),
            rollup.effectiveness_pct,
            lots.join("\n"),
            issued.closeout_cursor,
            rollup.escalated,
        );
        self.file_approval_note(
            issued,
            EffectKey::new("xecm-recall-closeout", issued.recall_id.clone()),
            format!("Closeout {}.txt", issued.recall_id),
            format!("Recall {} closed", issued.recall_id),
            text,
        )
        .await
    }

    async fn file_approval_note(
        &self,
        issued: &IssuedRecall,
        effect: EffectKey,
        name: String,
        description: String,
        text: String,
    ) -> Result<(), RecallError> {
        let workspace = NodeId::new(issued.workspace_id)
            .map_err(|e| RecallError::malformed("workspace id", &e))?;
        let filing = Filing::new(
            effect,
            workspace,
            self.config.approvals_folder.clone(),
            DocumentSpec {
                name,
                description,
                mime_type: Some("text/plain".into()),
                ..DocumentSpec::default()
            },
        );
        self.platform
            .file_once(&filing, &BytesSource(Bytes::from(text)))
            .await
            .map_err(RecallError::from_xecm_effect)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::float_cmp)] // the targets are returned as configured, not computed
    fn each_class_has_its_target() {
        let targets = [100.0, 95.0, 80.0];
        assert_eq!(target_pct(&targets, "I"), 100.0);
        assert_eq!(target_pct(&targets, " ii "), 95.0);
        assert_eq!(target_pct(&targets, "III"), 80.0);
        assert_eq!(
            target_pct(&targets, "?"),
            100.0,
            "an unknown class is held to class I"
        );
    }

    use crate::answers::{Answer, PartnerState};
    use crate::recall::{Lot, PartnerLot};
    use crate::records::{PartnerRecall, Pinned};
    use serde_json::json;

    fn issued(shipped: i64) -> IssuedRecall {
        let pinned = Pinned {
            document_id: 1,
            name: "n".into(),
            version: 1,
        };
        IssuedRecall {
            recall_id: "RC-1".into(),
            workspace_id: 7,
            version: 1,
            class: "I".into(),
            reason_code: "R".into(),
            market: "US".into(),
            lots: vec![Lot {
                gtin: String::new(),
                material: "M".into(),
                lot_code: "L1".into(),
                quantity: shipped,
                unit: "EA".into(),
                production_date: None,
                expiry_date: None,
            }],
            initiated_by: 1,
            approved_by: 2,
            notice_document: pinned.clone(),
            notice: None,
            distribution: pinned,
            issued_at: "2026-12-01T00:00:00Z".into(),
            due_at: "2026-12-04T00:00:00Z".into(),
            reminder_interval_hours: 24,
            escalate_after_hours: 96,
            resume_after: None,
            partners_total: 1,
            cursor: 1,
            previous: Vec::new(),
            closing_since: None,
            closeout_cursor: 0,
            closed_at: None,
            closeout_filed: false,
        }
    }

    fn partner(shipped: i64, destroyed: f64) -> PartnerRecall {
        let form = json!({"acknowledged": true, "affected": true, "L1.on_hand": 0, "L1.quarantined": 0, "L1.returned": 0, "L1.destroyed": destroyed});
        PartnerRecall {
            recall_id: "RC-1".into(),
            version: 1,
            workspace_id: 7,
            partner_id: "prt_a".into(),
            lots: vec![PartnerLot {
                lot_code: "L1".into(),
                gtin: String::new(),
                material: "M".into(),
                shipped,
                unit: "EA".into(),
            }],
            campaign_id: Some("cmp_1".into()),
            answers: vec![Answer {
                responded_at: "2026-12-03T00:00:00Z".into(),
                declined: false,
                form_data: form.as_object().cloned().unwrap_or_default(),
                attachment_ids: vec!["att_1".into()],
                event_id: "evt_1".into(),
                unfiled: false,
            }],
            state: PartnerState::QuantitiesReported,
            reminders: 0,
            escalation: None,
        }
    }

    #[test]
    fn the_target_is_compared_exactly_not_on_the_rounded_percentage() {
        let recall = issued(10_000);
        let short = crate::rollup::rollup(&recall, &[partner(10_000, 9_996.0)], Vec::new());
        // Displayed rounded: 100.0 %.
        assert!((short.lots[0].effectiveness_pct - 100.0).abs() < f64::EPSILON);
        let reason = shortfall(&recall, &short, 100.0).expect("4 units missing: not met");
        assert!(reason.contains("lot L1: 9996 of 10000"), "{reason}");
        let full = crate::rollup::rollup(&recall, &[partner(10_000, 10_000.0)], Vec::new());
        assert_eq!(shortfall(&recall, &full, 100.0), None);
        // A lower target, met exactly at its boundary (99.95 % of 10 000 is 9 995).
        assert_eq!(shortfall(&recall, &short, 99.95), None);
        let below = crate::rollup::rollup(&recall, &[partner(10_000, 9_994.5)], Vec::new());
        assert!(shortfall(&recall, &below, 99.95).is_some());
        assert!(meets_target(9_995.0, 10_000, 99.95));
        assert!(!meets_target(9_994.999, 10_000, 99.95));
        assert!(meets_target(0.0, 0, 100.0));
    }
}
