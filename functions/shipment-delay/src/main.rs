//! The `shipment-delay` Lambda: initialise logs, build the function once, run the Runtime API loop.

use gridlink_core::telemetry::{self, LogFormat};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init(LogFormat::detect());
    gridlink_lambda::run(shipment_delay::ShipmentDelay::new()).await
}
