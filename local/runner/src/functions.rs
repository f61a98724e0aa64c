//! The seven functions, built as the local stack runs them.

use std::sync::Arc;

use gridlink_lambda::Handler;

/// Every function, in manifest order, built for the local stack.
pub fn all() -> Vec<Arc<dyn Handler>> {
    vec![
        Arc::new(case_collab::CaseCollab::new()),
        Arc::new(po_exception::PoException::new()),
        Arc::new(contract_share::ContractShare::new()),
        Arc::new(shipment_delay::ShipmentDelay::new()),
        Arc::new(supplier_onboarding::SupplierOnboarding::new()),
        Arc::new(recall_campaign::RecallCampaign::new()),
        Arc::new(order_reconcile::OrderReconcile::new()),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_local_stack_runs_every_function_of_the_manifest_in_order() {
        let names: Vec<&str> = super::all().iter().map(|h| h.spec().name).collect();
        let manifest: Vec<&str> = gridlink_lambda::FUNCTIONS.iter().map(|f| f.name).collect();
        assert_eq!(names, manifest);
    }
}
