//! # case-collab
//!
//! Use case 1: a case workspace gets a Trading Grid collaboration space; selected documents, status updates and action requests go to the partner; replies come back.
//!
//! **Status: not implemented yet.** The function deploys, starts and answers its health
//! route; every other route answers `501 Not Implemented` and every schedule firing fails as a
//! `NonRetryable` invocation error, so nothing is ever reported as done that was not done.

use gridlink_lambda::manifest::{self, FunctionSpec};
use gridlink_lambda::{BoxFuture, FunctionError, Handler, Invocation, Reply};

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "case-collab";

/// The case-collab function.
#[derive(Debug, Clone, Copy)]
pub struct CaseCollab {
    spec: &'static FunctionSpec,
}

impl CaseCollab {
    /// Builds the function. It has no dependencies until its use case is built.
    pub fn new() -> Self {
        Self {
            spec: manifest::function(NAME).expect("case-collab is in the manifest"),
        }
    }
}

impl Default for CaseCollab {
    fn default() -> Self {
        Self::new()
    }
}

impl Handler for CaseCollab {
    fn spec(&self) -> &'static FunctionSpec {
        self.spec
    }

    fn handle(&self, invocation: Invocation) -> BoxFuture<'_, Result<Reply, FunctionError>> {
        Box::pin(async move { gridlink_lambda::not_implemented::answer(self.spec, &invocation) })
    }
}
