//! # recall-campaign
//!
//! Use case 6: recall notices go to many partners; batch confirmations and evidence are collected, with deadlines, reminders and escalation.
//!
//! **Status: not implemented yet.** The function deploys on the use-case runtime as a
//! [`Skeleton`]: it starts and answers its health route with `"implemented": false`; every
//! other route answers `501 Not Implemented` and every schedule firing fails as a
//! `NonRetryable` invocation error (its schedules are deployed disabled), so nothing is ever
//! reported as done that was not done. Its triggers are declared below, typed, and checked
//! against the manifest like every built use case's.

use gridlink_flow::{RouteParams, Routes, Skeleton, UseCaseSpec};

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "recall-campaign";

gridlink_flow::schedules! {
    /// RecallCampaign's schedules.
    pub enum Schedule {
        /// Remind and escalate overdue recall confirmations.
        Deadlines = "deadlines",
    }
}

/// RecallCampaign's operator routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /recall-campaign/campaigns/{campaign_id}`.
    Campaign(String),
}

impl Routes for Route {
    const TEMPLATES: &'static [(&'static str, &'static str)] =
        &[("GET", "campaigns/{campaign_id}")];

    fn parse(method: &str, template: &str, params: &RouteParams) -> Option<Self> {
        match (method, template) {
            ("GET", "campaigns/{campaign_id}") => Some(Self::Campaign(
                gridlink_flow::usecase::param(params, "campaign_id"),
            )),
            _ => None,
        }
    }
}

/// The recall-campaign use case (not built yet).
#[derive(Debug, Clone, Copy)]
pub enum RecallCampaign {}

impl UseCaseSpec for RecallCampaign {
    const NAME: &'static str = NAME;
    type Route = Route;
    type Schedule = Schedule;
}

/// The function as deployed today.
pub fn function() -> Skeleton<RecallCampaign> {
    Skeleton::new()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_manifest_and_the_dispatch_agree() {
        assert_eq!(
            gridlink_flow::check_bindings::<super::RecallCampaign>(),
            Ok(())
        );
    }
}
