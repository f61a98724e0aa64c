//! The `contract-share` Lambda: initialise logs, build the platform and the function once,
//! run the Runtime API loop.

use contract_share::{ContractShare, ContractShareConfig, NAME};
use gridlink_core::config::ConfigSource;
use gridlink_core::telemetry::{self, LogFormat};
use gridlink_flow::{Parts, Platform};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init(LogFormat::detect());
    let parts = Parts::from_env().await?;
    let config = ContractShareConfig::from_source(&ConfigSource::from_env())?;
    // The poller's change queries and version lists are not on the port; same xECM client.
    let client = parts.xecm_client.clone();
    gridlink_lambda::run(ContractShare::new(
        Platform::from_parts(NAME, &parts),
        config,
        client,
    ))
    .await
}
