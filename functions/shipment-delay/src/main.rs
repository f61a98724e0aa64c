//! The `shipment-delay` Lambda.

use std::process::ExitCode;

use shipment_delay::{ShipmentDelay, ShipmentDelayConfig};

#[tokio::main]
async fn main() -> ExitCode {
    gridlink_flow::serve(ShipmentDelayConfig::from_source, ShipmentDelay::function).await
}
