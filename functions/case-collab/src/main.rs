//! The `case-collab` Lambda.

use std::process::ExitCode;

use case_collab::{CaseCollab, CaseCollabConfig};

#[tokio::main]
async fn main() -> ExitCode {
    gridlink_flow::serve(CaseCollabConfig::from_source, CaseCollab::function).await
}
