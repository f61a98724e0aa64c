//! The reconciliation rules: pure, no I/O. An order and everything received for it in, a
//! [`Reconciliation`] out, in five phases — [`super::acknowledgment`], [`super::shipment`],
//! [`super::invoice`], [`super::totals`], [`super::status`]. The rules themselves are listed
//! in the module documentation ([`super`], "The rules").

use super::acknowledgment::acknowledgment_phase;
use super::invoice::{invoice_phase, invoicing_complete};
use super::lines::{Findings, LineIndex, LineState};
use super::model::{OrderRecord, PartnerDocuments, Rules};
use super::outcome::Reconciliation;
use super::shipment::shipment_phase;
use super::status::{Collected, status_phase};
use super::totals::totals_phase;

/// Reconciles `order` against everything `received` for it.
pub fn reconcile(
    order: &OrderRecord,
    received: &PartnerDocuments,
    rules: &Rules,
) -> Reconciliation {
    let index = LineIndex::new(&order.lines);
    let mut findings = Findings::new(order.lines.len());
    let mut state = vec![LineState::default(); order.lines.len()];
    acknowledgment_phase(order, received, rules, &index, &mut findings, &mut state);
    shipment_phase(order, received, rules, &index, &mut findings, &mut state);
    invoice_phase(order, received, rules, &index, &mut findings, &mut state);
    let invoice_checks = totals_phase(order, received, &mut findings);
    status_phase(
        order,
        received,
        rules,
        Collected {
            findings,
            state,
            invoice_checks,
            invoicing_complete: invoicing_complete(received, rules),
        },
    )
}
