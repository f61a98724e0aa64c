//! The seven functions, built as the local stack runs them: each implemented use case on the
//! runtime (`gridlink_flow::Function`) over its platform from [`LocalPlatforms`], each
//! unbuilt one as its skeleton — the same constructors the Lambda binaries use.

use std::sync::Arc;

use gridlink_core::config::{ConfigError, ConfigSource};
use gridlink_lambda::Handler;

use crate::platforms::LocalPlatforms;

/// Every function, in manifest order, built for the local stack. Every configuration key has
/// a default matching the demo seeds; a malformed override is reported with every problem.
pub fn all(platforms: &LocalPlatforms) -> Result<Vec<Arc<dyn Handler>>, ConfigError> {
    let source = ConfigSource::from_env();
    Ok(vec![
        Arc::new(case_collab::CaseCollab::function(
            platforms.platform(case_collab::NAME),
            case_collab::CaseCollabConfig::from_source(&source)?,
        )),
        Arc::new(po_exception::PoException::function(
            platforms.platform(po_exception::NAME),
            po_exception::PoExceptionConfig::from_source(&source)?,
        )),
        Arc::new(contract_share::ContractShare::function(
            platforms.platform(contract_share::NAME),
            contract_share::ContractShareConfig::from_source(&source)?,
        )),
        Arc::new(shipment_delay::ShipmentDelay::function(
            platforms.platform(shipment_delay::NAME),
            shipment_delay::ShipmentDelayConfig::from_source(&source)?,
        )),
        Arc::new(supplier_onboarding::SupplierOnboarding::function(
            platforms.platform(supplier_onboarding::NAME),
            supplier_onboarding::OnboardingConfig::from_source(&source)?,
        )),
        Arc::new(recall_campaign::RecallCampaign::function(
            platforms.platform(recall_campaign::NAME),
            recall_campaign::RecallConfig::from_source(&source)?,
        )),
        Arc::new(order_reconcile::OrderReconcile::function(
            platforms.platform(order_reconcile::NAME),
            order_reconcile::OrderReconcileConfig::from_source(&source)?,
        )),
    ])
}
