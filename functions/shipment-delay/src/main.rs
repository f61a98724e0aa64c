//! The `shipment-delay` Lambda: initialise logs, build the platform and configuration once, run the Runtime API loop.

use gridlink_core::config::ConfigSource;
use gridlink_core::telemetry::{self, LogFormat};
use gridlink_flow::Platform;
use shipment_delay::{NAME, ShipmentDelay, ShipmentDelayConfig};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init(LogFormat::detect());
    let platform = Platform::from_env(NAME).await?;
    let config = ShipmentDelayConfig::from_source(&ConfigSource::from_env())?;
    gridlink_lambda::run(ShipmentDelay::new(platform, config)).await
}
