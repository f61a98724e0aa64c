//! # shipment-delay
//!
//! Use case 4: partner delay, missing-shipment and customs messages (free text, X12 214, EDIFACT IFTSTA) are routed into the right order or shipment workspace.
//!
//! **Status: not implemented yet.** The function deploys, starts and answers its health
//! route; every other route answers `501 Not Implemented` and every schedule firing fails as a
//! `NonRetryable` invocation error, so nothing is ever reported as done that was not done.

use gridlink_lambda::manifest::{self, FunctionSpec};
use gridlink_lambda::{BoxFuture, FunctionError, Handler, Invocation, Reply};

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "shipment-delay";

/// The shipment-delay function.
#[derive(Debug, Clone, Copy)]
pub struct ShipmentDelay {
    spec: &'static FunctionSpec,
}

impl ShipmentDelay {
    /// Builds the function. It has no dependencies until its use case is built.
    pub fn new() -> Self {
        Self {
            spec: manifest::function(NAME).expect("shipment-delay is in the manifest"),
        }
    }
}

impl Default for ShipmentDelay {
    fn default() -> Self {
        Self::new()
    }
}

impl Handler for ShipmentDelay {
    fn spec(&self) -> &'static FunctionSpec {
        self.spec
    }

    fn handle(&self, invocation: Invocation) -> BoxFuture<'_, Result<Reply, FunctionError>> {
        Box::pin(async move { gridlink_lambda::not_implemented::answer(self.spec, &invocation) })
    }
}
