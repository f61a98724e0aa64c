//! The `supplier-onboarding` Lambda.

use std::process::ExitCode;

use supplier_onboarding::{OnboardingConfig, SupplierOnboarding};

#[tokio::main]
async fn main() -> ExitCode {
    gridlink_flow::serve(OnboardingConfig::from_source, SupplierOnboarding::function).await
}
