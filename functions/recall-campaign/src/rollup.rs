//! The rollup: per lot, shipped vs accounted for (on hand + quarantined + returned +
//! destroyed) per partner, and effectiveness (accounted ÷ shipped, %); per partner, its state
//! and answers; what was parked.
//!
//! A partner's accounted quantity for a lot counts at most up to what was shipped to that
//! partner of that lot: a partner reporting more than it received cannot cover another
//! partner's gap. The over-report is shown on the partner's row of the lot (`reported` vs
//! `shipped`, `over_reported`). A refused answer (a negative quantity, see
//! [`crate::answers`]) counts nothing; its reasons are listed on the partner (`refused`). Computed from the ledger only, deterministic (no clock), so
//! the same standing files no new version. Served by `GET /recall-campaign/recalls/{id}` and
//! filed as `Rollup <recall id>.json` in `Evidence Bundle`, a new version whenever it changes.

use std::collections::BTreeMap;

use bytes::Bytes;
use gridlink_flow::{EffectKey, Filing};
use gridlink_xecm::{BytesSource, DocumentSpec, NodeId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::RecallCampaign;
use crate::answers::PartnerState;
use crate::error::RecallError;
use crate::recall::{Lot, Parked};
use crate::records::{Escalation, IssuedRecall, PartnerRecall};

/// One partner's part of one lot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerLotRollup {
    /// The partner.
    pub partner_id: String,
    /// Shipped to it.
    pub shipped: i64,
    /// Accounted for in its latest answer, at most `shipped` (None: no quantities yet, or its
    /// answer was refused).
    pub accounted: Option<f64>,
    /// On hand + quarantined + returned + destroyed as its latest answer reported them.
    #[serde(default)]
    pub reported: Option<f64>,
    /// How much more it reported than was shipped to it (not counted), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over_reported: Option<f64>,
    /// Its state.
    pub state: PartnerState,
}

/// One lot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LotRollup {
    /// Lot code.
    pub lot_code: String,
    /// GTIN.
    pub gtin: String,
    /// Material.
    pub material: String,
    /// Unit.
    pub unit: String,
    /// Shipped to partners (the distribution).
    pub shipped: i64,
    /// On hand, quarantined, returned, destroyed: summed over the partners' latest answers as
    /// reported (refused answers left out).
    pub on_hand: f64,
    /// Quarantined.
    pub quarantined: f64,
    /// Returned.
    pub returned: f64,
    /// Destroyed.
    pub destroyed: f64,
    /// Accounted for: per partner the sum of the four, at most what was shipped to it.
    pub accounted: f64,
    /// Accounted ÷ shipped, in % (rounded to one decimal, for display: the closeout compares
    /// exactly, see [`meets_target`]); 100 when nothing was shipped.
    pub effectiveness_pct: f64,
    /// Per partner.
    pub partners: Vec<PartnerLotRollup>,
}

/// One partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerRollup {
    /// The partner.
    pub partner_id: String,
    /// Its campaign.
    pub campaign_id: Option<String>,
    /// Its state.
    pub state: PartnerState,
    /// What it said about being affected (latest answer).
    pub affected: Option<bool>,
    /// Answers kept.
    pub answers: usize,
    /// Reminders sent.
    pub reminders: u32,
    /// Why its latest answer's quantities were refused (each names the lot and field).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<String>,
    /// Its escalation (who, when, why, the TG message and the note filed), if escalated; it
    /// stays when the partner answers later.
    #[serde(default)]
    pub escalation: Option<Escalation>,
}

/// The rollup of a recall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollup {
    /// The recall.
    pub recall_id: String,
    /// Version.
    pub version: u32,
    /// Class.
    pub class: String,
    /// When it was issued.
    pub issued_at: String,
    /// Due.
    pub due_at: String,
    /// Partner campaigns to send, over every version (a partner an amendment reaches again
    /// counts once per version).
    pub partners_total: usize,
    /// Partner campaigns sent so far, over every version.
    pub partners_invited: usize,
    /// Partners per state.
    pub by_state: BTreeMap<String, usize>,
    /// Partners escalated (still unanswered `Escalate After Hours` past due), answered since
    /// or not.
    #[serde(default)]
    pub escalated: usize,
    /// Effectiveness over all lots (accounted ÷ shipped, %).
    pub effectiveness_pct: f64,
    /// Per lot.
    pub lots: Vec<LotRollup>,
    /// Per partner.
    pub partners: Vec<PartnerRollup>,
    /// What was not sent, and why.
    pub parked: Vec<Parked>,
}

// Quantities are far below 2^52: the conversion to f64 is exact.
#[allow(clippy::cast_precision_loss)]
fn pct(accounted: f64, shipped: i64) -> f64 {
    if shipped <= 0 {
        return 100.0;
    }
    (accounted / shipped as f64 * 1000.0).round() / 10.0
}

/// Whether `accounted` of `shipped` meets `target_pct`, compared exactly — accounted × 100 ≥
/// target × shipped in integers, quantities to the thousandth of a unit and the target to the
/// hundredth of a percent. The rounded `effectiveness_pct` is for display only: 9 996 of
/// 10 000 shows 100.0 % and does not meet a 100 % target. Nothing shipped meets any target.
// Quantities are far below 2^52 and targets within 0..=100: the conversions are exact.
#[allow(clippy::cast_possible_truncation)]
pub fn meets_target(accounted: f64, shipped: i64, target_pct: f64) -> bool {
    if shipped <= 0 {
        return true;
    }
    let accounted_milli = (accounted * 1000.0).round() as i128;
    let target_hundredths = (target_pct * 100.0).round() as i128;
    accounted_milli * 100 * 100 >= target_hundredths * i128::from(shipped) * 1000
}

/// Computes the rollup (pure).
// Quantities are far below 2^52: the conversion to f64 is exact.
#[allow(clippy::cast_precision_loss)]
pub fn rollup(issued: &IssuedRecall, partners: &[PartnerRecall], parked: Vec<Parked>) -> Rollup {
    let lot_rollup = |lot: &Lot| {
        let mut row = LotRollup {
            lot_code: lot.lot_code.clone(),
            gtin: lot.gtin.clone(),
            material: lot.material.clone(),
            unit: lot.unit.clone(),
            shipped: 0,
            on_hand: 0.0,
            quarantined: 0.0,
            returned: 0.0,
            destroyed: 0.0,
            accounted: 0.0,
            effectiveness_pct: 0.0,
            partners: Vec::new(),
        };
        for partner in partners {
            let Some(theirs) = partner.lots.iter().find(|l| l.lot_code == lot.lot_code) else {
                continue;
            };
            row.shipped += theirs.shipped;
            let quantities = partner
                .answers
                .last()
                .and_then(|a| a.counted_quantities(&partner.lots, &lot.lot_code));
            if let Some([on_hand, quarantined, returned, destroyed]) = quantities {
                row.on_hand += on_hand;
                row.quarantined += quarantined;
                row.returned += returned;
                row.destroyed += destroyed;
            }
            let reported: Option<f64> = quantities.map(|q| q.iter().sum());
            // Counted at most up to what was shipped to this partner: an over-report must not
            // cover another partner's gap.
            let accounted = reported.map(|r| r.min(theirs.shipped as f64));
            row.accounted += accounted.unwrap_or(0.0);
            row.partners.push(PartnerLotRollup {
                partner_id: partner.partner_id.clone(),
                shipped: theirs.shipped,
                accounted,
                reported,
                over_reported: reported
                    .map(|r| r - theirs.shipped as f64)
                    .filter(|over| *over > 0.0),
                state: partner.state,
            });
        }
        row.effectiveness_pct = pct(row.accounted, row.shipped);
        row
    };
    let lots: Vec<LotRollup> = issued.lots.iter().map(lot_rollup).collect();
    let mut by_state = BTreeMap::new();
    for partner in partners {
        let name = serde_json::to_value(partner.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        *by_state.entry(name).or_insert(0) += 1;
    }
    let (shipped, accounted) = lots
        .iter()
        .fold((0, 0.0), |(s, a), l| (s + l.shipped, a + l.accounted));
    Rollup {
        recall_id: issued.recall_id.clone(),
        version: issued.version,
        class: issued.class.clone(),
        issued_at: issued.issued_at.clone(),
        due_at: issued.due_at.clone(),
        partners_total: issued.versions().iter().map(|v| v.partners_total).sum(),
        partners_invited: partners.iter().filter(|p| p.campaign_id.is_some()).count(),
        by_state,
        escalated: partners.iter().filter(|p| p.escalation.is_some()).count(),
        effectiveness_pct: pct(accounted, shipped),
        lots,
        partners: partners
            .iter()
            .map(|p| PartnerRollup {
                partner_id: p.partner_id.clone(),
                campaign_id: p.campaign_id.clone(),
                state: p.state,
                affected: p.answers.last().and_then(crate::answers::Answer::affected),
                answers: p.answers.len(),
                reminders: p.reminders,
                refused: p
                    .answers
                    .last()
                    .map(|a| a.refusals(&p.lots))
                    .unwrap_or_default(),
                escalation: p.escalation.clone(),
            })
            .collect(),
        parked,
    }
}

impl RecallCampaign {
    /// The rollup of an issued recall, from the ledger.
    pub async fn rollup_of(&self, recall_id: &str) -> Result<Rollup, RecallError> {
        let issued = self
            .issued(recall_id)
            .await?
            .ok_or_else(|| RecallError::UnknownRecall(recall_id.to_owned()))?;
        let partners = self.partners_of(recall_id).await?;
        let parked = self.parked_of(recall_id).await?;
        Ok(rollup(&issued, &partners, parked))
    }

    /// Files the rollup in `Evidence Bundle`: a new version whenever it changed.
    pub(crate) async fn file_rollup(&self, issued: &IssuedRecall) -> Result<(), RecallError> {
        let rollup = self.rollup_of(&issued.recall_id).await?;
        let bytes =
            serde_json::to_vec_pretty(&rollup).map_err(|e| RecallError::malformed("rollup", &e))?;
        let sha = hex::encode(Sha256::digest(&bytes));
        let workspace = NodeId::new(issued.workspace_id)
            .map_err(|e| RecallError::malformed("workspace id", &e))?;
        let filing = Filing::new(
            // The rollup covers every version of the recall: one document, keyed by the recall
            // (keyed by `<recall>/v<n>`, an amendment filed a second, differently named one).
            EffectKey::new("xecm-recall-rollup", issued.recall_id.clone()),
            workspace,
            self.config.bundle_folder.clone(),
            DocumentSpec {
                name: format!("Rollup {}.json", issued.recall_id),
                description: format!(
                    "Recall {} rollup: shipped vs accounted for per lot and partner",
                    issued.recall_id
                ),
                mime_type: Some("application/json".into()),
                ..DocumentSpec::default()
            },
        )
        .with_revisions(sha);
        self.platform
            .file_once(&filing, &BytesSource(Bytes::from(bytes)))
            .await
            .map_err(RecallError::from_xecm_effect)?;
        Ok(())
    }
}
