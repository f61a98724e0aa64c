//! The `recall-campaign` Lambda.

use std::process::ExitCode;

use recall_campaign::{RecallCampaign, RecallConfig};

#[tokio::main]
async fn main() -> ExitCode {
    gridlink_flow::serve(RecallConfig::from_source, RecallCampaign::function).await
}
