//! # recall-campaign
//!
//! Use case 6: recall notices go to many partners; batch confirmations and evidence are collected, with deadlines, reminders and escalation.
//!
//! **Status: not implemented yet.** The function deploys, starts and answers its health
//! route; every other route answers `501 Not Implemented` and every schedule firing fails as a
//! `NonRetryable` invocation error, so nothing is ever reported as done that was not done.

use gridlink_lambda::manifest::{self, FunctionSpec};
use gridlink_lambda::{BoxFuture, FunctionError, Handler, Invocation, Reply};

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "recall-campaign";

/// The recall-campaign function.
#[derive(Debug, Clone, Copy)]
pub struct RecallCampaign {
    spec: &'static FunctionSpec,
}

impl RecallCampaign {
    /// Builds the function. It has no dependencies until its use case is built.
    pub fn new() -> Self {
        Self {
            spec: manifest::function(NAME).expect("recall-campaign is in the manifest"),
        }
    }
}

impl Default for RecallCampaign {
    fn default() -> Self {
        Self::new()
    }
}

impl Handler for RecallCampaign {
    fn spec(&self) -> &'static FunctionSpec {
        self.spec
    }

    fn handle(&self, invocation: Invocation) -> BoxFuture<'_, Result<Reply, FunctionError>> {
        Box::pin(async move { gridlink_lambda::not_implemented::answer(self.spec, &invocation) })
    }
}
