//! The `case-collab` Lambda: initialise logs, build the platform and the function once, run
//! the Runtime API loop.

use std::sync::Arc;

use case_collab::{CaseCollab, CaseCollabConfig, NAME};
use gridlink_core::config::ConfigSource;
use gridlink_core::telemetry::{self, LogFormat};
use gridlink_flow::{Parts, Platform};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init(LogFormat::detect());
    let parts = Parts::from_env().await?;
    let config = CaseCollabConfig::from_source(&ConfigSource::from_env())?;
    // The poller's change and version queries are not on the port; they use the same client.
    let source = Arc::new(parts.xecm_client.clone());
    gridlink_lambda::run(CaseCollab::new(
        Platform::from_parts(NAME, &parts),
        config,
        source,
    ))
    .await
}
