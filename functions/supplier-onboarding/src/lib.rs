//! # supplier-onboarding
//!
//! Use case 5: required supplier documents are requested through Trading Grid, filed into the supplier workspace, and renewed before they expire.
//!
//! **Status: not implemented yet.** The function deploys on the use-case runtime as a
//! [`Skeleton`]: it starts and answers its health route with `"implemented": false`; every
//! other route answers `501 Not Implemented` and every schedule firing fails as a
//! `NonRetryable` invocation error (its schedules are deployed disabled), so nothing is ever
//! reported as done that was not done. Its triggers are declared below, typed, and checked
//! against the manifest like every built use case's.

use gridlink_flow::{NoRoutes, Skeleton, UseCaseSpec};

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "supplier-onboarding";

gridlink_flow::schedules! {
    /// SupplierOnboarding's schedules.
    pub enum Schedule {
        /// Poll xECM for new and changed supplier workspaces.
        PollXecm = "poll-xecm",
        /// Request renewals of expiring documents.
        Renewals = "renewals",
    }
}

/// The supplier-onboarding use case (not built yet).
#[derive(Debug, Clone, Copy)]
pub enum SupplierOnboarding {}

impl UseCaseSpec for SupplierOnboarding {
    const NAME: &'static str = NAME;
    type Route = NoRoutes;
    type Schedule = Schedule;
}

/// The function as deployed today.
pub fn function() -> Skeleton<SupplierOnboarding> {
    Skeleton::new()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_manifest_and_the_dispatch_agree() {
        assert_eq!(
            gridlink_flow::check_bindings::<super::SupplierOnboarding>(),
            Ok(())
        );
    }
}
