//! The `contract-share` Lambda.

use std::process::ExitCode;

use contract_share::{ContractShare, ContractShareConfig};

#[tokio::main]
async fn main() -> ExitCode {
    gridlink_flow::serve(ContractShareConfig::from_source, ContractShare::function).await
}
