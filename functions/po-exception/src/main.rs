//! The `po-exception` Lambda.

use std::process::ExitCode;

use po_exception::{PoException, PoExceptionConfig};

#[tokio::main]
async fn main() -> ExitCode {
    gridlink_flow::serve(PoExceptionConfig::from_source, PoException::function).await
}
