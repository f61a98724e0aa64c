//! The `order-reconcile` Lambda.

use std::process::ExitCode;

use order_reconcile::{OrderReconcile, OrderReconcileConfig};

#[tokio::main]
async fn main() -> ExitCode {
    gridlink_flow::serve(OrderReconcileConfig::from_source, OrderReconcile::function).await
}
