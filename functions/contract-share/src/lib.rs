//! # contract-share
//!
//! Use case 3: approved contract versions are shared for review or acknowledgment; per-partner acknowledgment evidence is filed in the workspace.
//!
//! **Status: not implemented yet.** The function deploys, starts and answers its health
//! route; every other route answers `501 Not Implemented` and every schedule firing fails as a
//! `NonRetryable` invocation error, so nothing is ever reported as done that was not done.

use gridlink_lambda::manifest::{self, FunctionSpec};
use gridlink_lambda::{BoxFuture, FunctionError, Handler, Invocation, Reply};

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "contract-share";

/// The contract-share function.
#[derive(Debug, Clone, Copy)]
pub struct ContractShare {
    spec: &'static FunctionSpec,
}

impl ContractShare {
    /// Builds the function. It has no dependencies until its use case is built.
    pub fn new() -> Self {
        Self {
            spec: manifest::function(NAME).expect("contract-share is in the manifest"),
        }
    }
}

impl Default for ContractShare {
    fn default() -> Self {
        Self::new()
    }
}

impl Handler for ContractShare {
    fn spec(&self) -> &'static FunctionSpec {
        self.spec
    }

    fn handle(&self, invocation: Invocation) -> BoxFuture<'_, Result<Reply, FunctionError>> {
        Box::pin(async move { gridlink_lambda::not_implemented::answer(self.spec, &invocation) })
    }
}
