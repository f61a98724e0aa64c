//! The seven functions, built as the local stack runs them: each implemented function gets
//! its platform from [`LocalPlatforms`]; the others need none yet.

use std::sync::Arc;

use gridlink_lambda::Handler;

use crate::platforms::LocalPlatforms;

/// Every function, in manifest order, built for the local stack.
pub fn all(platforms: &LocalPlatforms) -> Vec<Arc<dyn Handler>> {
    vec![
        Arc::new(case_collab::CaseCollab::new(
            platforms.platform(case_collab::NAME),
            // Every key has a default matching the demo seeds; only a malformed override fails.
            case_collab::CaseCollabConfig::from_source(
                &gridlink_core::config::ConfigSource::from_env(),
            )
            .expect("case-collab configuration (keys in its crate docs)"),
            Arc::new(platforms.xecm_client().clone()),
        )),
        Arc::new(po_exception::PoException::new()),
        Arc::new(contract_share::ContractShare::new(
            platforms.platform(contract_share::NAME),
            // Every key has a default matching the demo seeds; only a malformed override fails.
            contract_share::ContractShareConfig::from_source(
                &gridlink_core::config::ConfigSource::from_env(),
            )
            .expect("contract-share configuration (keys in its crate docs)"),
            platforms.xecm_client().clone(),
        )),
        Arc::new(shipment_delay::ShipmentDelay::new(
            platforms.platform(shipment_delay::NAME),
            // Every key has a default matching the demo seeds; only a malformed override fails.
            shipment_delay::ShipmentDelayConfig::from_source(
                &gridlink_core::config::ConfigSource::from_env(),
            )
            .expect("shipment-delay configuration (keys in its crate docs)"),
        )),
        Arc::new(supplier_onboarding::SupplierOnboarding::new()),
        Arc::new(recall_campaign::RecallCampaign::new()),
        Arc::new(order_reconcile::OrderReconcile::new(
            platforms.platform(order_reconcile::NAME),
            // Every key has a default matching the demo seeds; only a malformed override fails.
            order_reconcile::OrderReconcileConfig::from_source(
                &gridlink_core::config::ConfigSource::from_env(),
            )
            .expect("order-reconcile configuration (keys in its crate docs)"),
        )),
    ]
}
