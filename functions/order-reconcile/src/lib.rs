//! # order-reconcile
//!
//! Use case 7: order acknowledgments, packing lists, invoices and exception notes are matched to the order workspace and reconciled line by line.
//!
//! **Status: not implemented yet.** The function deploys, starts and answers its health
//! route; every other route answers `501 Not Implemented` and every schedule firing fails as a
//! `NonRetryable` invocation error, so nothing is ever reported as done that was not done.

use gridlink_lambda::manifest::{self, FunctionSpec};
use gridlink_lambda::{BoxFuture, FunctionError, Handler, Invocation, Reply};

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "order-reconcile";

/// The order-reconcile function.
#[derive(Debug, Clone, Copy)]
pub struct OrderReconcile {
    spec: &'static FunctionSpec,
}

impl OrderReconcile {
    /// Builds the function. It has no dependencies until its use case is built.
    pub fn new() -> Self {
        Self {
            spec: manifest::function(NAME).expect("order-reconcile is in the manifest"),
        }
    }
}

impl Default for OrderReconcile {
    fn default() -> Self {
        Self::new()
    }
}

impl Handler for OrderReconcile {
    fn spec(&self) -> &'static FunctionSpec {
        self.spec
    }

    fn handle(&self, invocation: Invocation) -> BoxFuture<'_, Result<Reply, FunctionError>> {
        Box::pin(async move { gridlink_lambda::not_implemented::answer(self.spec, &invocation) })
    }
}
