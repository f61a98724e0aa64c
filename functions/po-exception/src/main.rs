//! The `po-exception` Lambda (a skeleton until its use case is built).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    gridlink_flow::serve_skeleton::<po_exception::PoException>().await
}
