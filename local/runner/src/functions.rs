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
            Arc::new(case_collab_changes(platforms)),
        )),
        Arc::new(po_exception::PoException::new()),
        Arc::new(contract_share::ContractShare::new()),
        Arc::new(shipment_delay::ShipmentDelay::new()),
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

/// The xECM client case-collab's poller asks for changed workspaces: the runner's xECM with
/// the credentials of `XECM_USERNAME` / `XECM_PASSWORD`, else the simulator's service account.
fn case_collab_changes(platforms: &LocalPlatforms) -> gridlink_xecm::XecmClient {
    let user = std::env::var("XECM_USERNAME").unwrap_or_else(|_| "gridlink".to_owned());
    let password = std::env::var("XECM_PASSWORD").unwrap_or_else(|_| "gridlink-service".to_owned());
    let auth = gridlink_xecm::XecmAuth::Password {
        user,
        password: secrecy::SecretString::from(password),
    };
    gridlink_xecm::XecmConfig::new(&platforms.endpoints.xecm_url, auth)
        .and_then(gridlink_xecm::XecmClient::new)
        .expect("case-collab: the xECM base URL is valid")
}
