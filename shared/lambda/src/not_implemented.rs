//! The honest answer of a function whose use case is not built yet.
//!
//! Its health route says so with `200` and `"implemented": false`; every other route answers
//! `501 Not Implemented` with a body naming the function and the route; a schedule firing fails
//! as a `NonRetryable` invocation error. Nothing pretends to have done work.

use gridlink_core::error::ErrorKind;
use serde_json::json;

use crate::invocation::Invocation;
use crate::manifest::FunctionSpec;
use crate::response::{FunctionError, HttpResponse, Reply};

/// Whether `path` is the function's health route.
pub fn is_health(spec: &FunctionSpec, method: &str, path: &str) -> bool {
    method.eq_ignore_ascii_case("GET")
        && path.trim_end_matches('/') == format!("/{}/health", spec.name)
}

/// The health reply of a function.
pub fn health(spec: &FunctionSpec, implemented: bool) -> Reply {
    Reply::Http(HttpResponse::json(
        200,
        &json!({"function": spec.name, "status": "up", "implemented": implemented}),
    ))
}

/// Answers any invocation of a function that is not built yet.
pub fn answer(spec: &FunctionSpec, invocation: &Invocation) -> Result<Reply, FunctionError> {
    match invocation {
        Invocation::Http(request) if is_health(spec, &request.method, &request.path) => {
            Ok(health(spec, false))
        }
        Invocation::Http(request) => match spec.route_for(&request.method, &request.path) {
            Some((route, _)) => Err(FunctionError::new(
                ErrorKind::NotImplemented,
                format!(
                    "{}: the use case behind `{}` is not implemented yet; nothing was processed",
                    spec.name,
                    route.route_key()
                ),
            )),
            None => Err(FunctionError::new(
                ErrorKind::NotFound,
                format!(
                    "{}: no route {} {}",
                    spec.name, request.method, request.path
                ),
            )),
        },
        Invocation::Schedule(firing) => Err(FunctionError::new(
            ErrorKind::NotImplemented,
            format!(
                "{}: schedule `{}` fired but the use case is not implemented yet; nothing was processed",
                spec.name, firing.schedule
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invocation::{HttpRequest, ScheduleFiring};
    use crate::manifest::function;

    fn get(path: &str, method: &str) -> Invocation {
        Invocation::Http(HttpRequest {
            method: method.into(),
            path: path.into(),
            ..HttpRequest::default()
        })
    }

    #[test]
    fn a_not_implemented_function_says_so_on_every_route() {
        let spec = function("recall-campaign").expect("exists");
        let Ok(Reply::Http(health)) = answer(spec, &get("/recall-campaign/health", "GET")) else {
            panic!("health answers");
        };
        assert_eq!(health.status, 200);
        assert!(String::from_utf8_lossy(&health.body).contains(r#""implemented":false"#));

        let error = answer(spec, &get("/recall-campaign/tg/events", "POST")).expect_err("501");
        assert_eq!(error.kind, ErrorKind::NotImplemented);
        assert!(error.message.contains("POST /recall-campaign/tg/events"));

        let error = answer(spec, &get("/recall-campaign/nope", "GET")).expect_err("404");
        assert_eq!(error.kind, ErrorKind::NotFound);

        let firing = Invocation::Schedule(ScheduleFiring {
            schedule: "recall-campaign-deadlines".into(),
            scheduled_at: None,
        });
        assert_eq!(
            answer(spec, &firing).expect_err("fails").kind,
            ErrorKind::NotImplemented
        );
    }
}
