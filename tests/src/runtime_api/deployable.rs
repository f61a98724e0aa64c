//! The check every function crate runs against its own compiled binary: what gets deployed
//! starts, answers every route and schedule in the manifest, and reports handler errors as
//! invocation errors without dying.
//!
//! The check is driven by the manifest, and written to stay true once a use case is built: the
//! function's health route says whether it is implemented (`"implemented": false|true`), and
//! only a function that says `false` is held to the exact not-implemented answers (`501` on
//! every route but health, `NonRetryable` on every schedule).

use std::fmt;
use std::path::Path;
use std::time::Duration;

use gridlink_lambda::not_implemented::is_health;
use gridlink_lambda::{FunctionSpec, Route, Schedule, manifest};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::emulator::{InvokeError, Outcome, ReportCounts, RuntimeApi};
use super::events::{ApiResponse, HttpApiRequest, schedule_event, scheduler_envelope_event};
use super::process::FunctionProcess;

/// How long one invocation may take, cold start included, on a busy debug build.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(20);

/// What [`check_deployable_function`] invoked and saw, one line per invocation.
#[derive(Debug, Clone)]
pub struct DeployReport {
    /// The function.
    pub function: &'static str,
    /// One line per invocation: what was sent and what came back.
    pub lines: Vec<String>,
    /// The emulator's counts at the end.
    pub counts: ReportCounts,
}

impl fmt::Display for DeployReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} invocations served by one process ({} responses, {} invocation errors)",
            self.function, self.counts.events_delivered, self.counts.responses, self.counts.errors
        )?;
        for line in &self.lines {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

/// Starts the binary `bin` of the manifest function `name` against a [`RuntimeApi`] and checks,
/// through one process:
/// 1. its health route answers `200` with `{"function": name, "status": "up", "implemented"}`;
/// 2. every other route answers a well-formed API Gateway response: never a 5xx other than
///    `501`/`503`, a gridlink error body `{"error": {"code", "message"}}` when ≥ 400, and
///    `501 not_implemented` naming the route while the function says it is not implemented;
/// 3. a path outside the manifest answers `404 not_found`;
/// 4. every schedule, fired with the template's input and with Scheduler's envelope, either
///    succeeds or is reported through `/invocation/{id}/error` as `Retryable`/`NonRetryable`
///    (`NonRetryable`, naming the schedule, while not implemented) — and the process lives on;
/// 5. an event that is neither HTTP nor a schedule is an `UnrecognisedEvent` invocation error;
/// 6. the health route still answers at the end, and every answer took the path the emulator
///    counted (responses through `/response`, errors through `/error`, no init error).
///
/// Panics with the function's captured output on any failure.
pub async fn check_deployable_function(bin: impl AsRef<Path>, name: &str) -> DeployReport {
    check_deployable_function_with_env(bin, name, &[]).await
}

/// [`check_deployable_function`] for a function that needs configuration to start: `env` is
/// added to the Lambda environment (see [`RuntimeApi::spawn_function`]).
pub async fn check_deployable_function_with_env(
    bin: impl AsRef<Path>,
    name: &str,
    env: &[(&str, &str)],
) -> DeployReport {
    let spec = manifest::function(name).unwrap_or_else(|| {
        panic!("`{name}` is not a function in the manifest (shared/lambda/src/manifest.rs)")
    });
    let rt = RuntimeApi::start()
        .await
        .expect("the Runtime API emulator binds 127.0.0.1:0");
    let process = rt
        .spawn_function(bin.as_ref(), env)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut check = Check {
        spec,
        rt,
        process,
        lines: Vec::new(),
        responses: 0,
        errors: 0,
    };

    let implemented = check.health("cold start").await;
    for route in spec
        .routes
        .iter()
        .filter(|r| !is_health(spec, r.method, r.path))
    {
        check.route(route, implemented).await;
    }
    check.unknown_route().await;
    let at = OffsetDateTime::now_utc();
    for schedule in spec.schedules {
        check
            .schedule(
                schedule,
                "input",
                schedule_event(schedule.name, at),
                implemented,
            )
            .await;
        check
            .schedule(
                schedule,
                "Scheduler envelope",
                scheduler_envelope_event(schedule.name, at),
                implemented,
            )
            .await;
    }
    check.unrecognised_event().await;
    check.health("after every other invocation").await;
    check.finish()
}

/// Starts `bin` with an environment Lambda would never give it (a memory size that is not a
/// number) and checks the harness reports the dead process promptly, with the binary's own
/// words, instead of waiting out the timeout. Returns the error the harness reported.
pub async fn check_startup_failure_is_reported(bin: impl AsRef<Path>) -> InvokeError {
    let rt = RuntimeApi::start()
        .await
        .expect("the Runtime API emulator binds 127.0.0.1:0");
    let process = rt
        .spawn_function(bin.as_ref(), &[("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots")])
        .unwrap_or_else(|e| panic!("{e}"));
    let event = HttpApiRequest::get("/health").into_event();
    match rt.invoke(&event, INVOKE_TIMEOUT).await {
        Err(error @ InvokeError::ProcessExited { .. }) => {
            let text = error.to_string();
            assert!(
                text.contains("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
                "the report quotes the binary's own complaint:\n{text}"
            );
            assert!(
                process.exit_status().is_some(),
                "the process is gone:\n{text}"
            );
            error
        }
        other => panic!(
            "a binary that cannot start must be reported as exited, got {other:?}\n{}",
            process.output()
        ),
    }
}

struct Check {
    spec: &'static FunctionSpec,
    rt: RuntimeApi,
    process: FunctionProcess,
    lines: Vec<String>,
    responses: usize,
    errors: usize,
}

impl Check {
    fn fail(&self, what: &str, problem: &str) -> ! {
        panic!(
            "{}: {what}: {problem}\n{}",
            self.spec.name,
            self.process.output()
        )
    }

    async fn invoke(&mut self, what: &str, event: &Value) -> Outcome {
        let outcome = self
            .rt
            .invoke(event, INVOKE_TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("{}: {what}: {e}", self.spec.name));
        match &outcome {
            Outcome::Response(_) => self.responses += 1,
            Outcome::Error { .. } => self.errors += 1,
            Outcome::InitError {
                error_type,
                error_message,
            } => self.fail(
                what,
                &format!("the runtime reported an init error {error_type}: {error_message}"),
            ),
        }
        if let Some(status) = self.process.exit_status() {
            self.fail(
                what,
                &format!("the process exited ({status}) after answering"),
            );
        }
        outcome
    }

    async fn http(&mut self, what: &str, request: HttpApiRequest) -> ApiResponse {
        match self.invoke(what, &request.into_event()).await {
            Outcome::Response(value) => ApiResponse::from_value(&value).unwrap_or_else(|e| {
                self.fail(what, &format!("not an API Gateway response ({e}): {value}"))
            }),
            other => self.fail(
                what,
                &format!("an HTTP request must get an HTTP response, got {other:?}"),
            ),
        }
    }

    async fn health(&mut self, when: &str) -> bool {
        let spec = self.spec;
        let route = spec
            .routes
            .iter()
            .find(|r| is_health(spec, r.method, r.path))
            .unwrap_or_else(|| panic!("{}: the manifest lists no health route", spec.name));
        let what = format!("{} ({when})", route.route_key());
        let response = self.http(&what, HttpApiRequest::for_route(route)).await;
        let body = response.json().unwrap_or(Value::Null);
        if response.status != 200
            || body["function"] != spec.name
            || body["status"] != "up"
            || !body["implemented"].is_boolean()
        {
            self.fail(
                &what,
                &format!(
                    "expected 200 {{\"function\": \"{}\", \"status\": \"up\", \"implemented\": …}}, got {} {}",
                    spec.name,
                    response.status,
                    response.body_text()
                ),
            );
        }
        let implemented = body["implemented"] == true;
        self.lines
            .push(format!("{what} → 200, implemented: {implemented}"));
        implemented
    }

    async fn route(&mut self, route: &Route, implemented: bool) {
        let what = route.route_key();
        let mut request = HttpApiRequest::for_route(route);
        if matches!(route.method, "POST" | "PUT" | "PATCH") {
            request = request.json_body(&json!({}));
        }
        let response = self.http(&what, request).await;
        let status = response.status;
        if (500..600).contains(&status) && status != 501 && status != 503 {
            self.fail(
                &what,
                &format!(
                    "answered {status}: a failure, not an answer ({})",
                    response.body_text()
                ),
            );
        }
        let detail = (status >= 400).then(|| {
            response.error_detail().unwrap_or_else(|| {
                self.fail(
                    &what,
                    &format!(
                        "{status} without gridlink's error body {{\"error\": {{\"code\", \"message\"}}}}: {}",
                        response.body_text()
                    ),
                )
            })
        });
        if let Some((code, message)) = &detail {
            if message.is_empty() {
                self.fail(&what, &format!("{status} {code} with an empty message"));
            }
            if status == 501 && (code != "not_implemented" || !message.contains(&what)) {
                self.fail(
                    &what,
                    &format!(
                        "501 must be code not_implemented naming the route, got {code}: {message}"
                    ),
                );
            }
        }
        if !implemented && status != 501 {
            self.fail(
                &what,
                &format!(
                    "the health route says implemented: false, so this route must answer 501, got {status} {}",
                    response.body_text()
                ),
            );
        }
        let code = detail.map(|(code, _)| code).unwrap_or_default();
        self.lines.push(format!("{what} → {status} {code}"));
    }

    async fn unknown_route(&mut self) {
        let path = format!("/{}/no-such-route", self.spec.name);
        let what = format!("GET {path} (not in the manifest)");
        let response = self.http(&what, HttpApiRequest::get(&path)).await;
        match response.error_detail() {
            Some((code, _)) if response.status == 404 && code == "not_found" => {}
            _ => self.fail(
                &what,
                &format!(
                    "expected 404 not_found, got {} {}",
                    response.status,
                    response.body_text()
                ),
            ),
        }
        self.lines.push(format!("{what} → 404 not_found"));
    }

    async fn schedule(
        &mut self,
        schedule: &Schedule,
        shape: &str,
        event: Value,
        implemented: bool,
    ) {
        let what = format!("schedule {} ({shape})", schedule.name);
        match self.invoke(&what, &event).await {
            Outcome::Error {
                error_type,
                error_message,
            } => {
                if !matches!(error_type.as_str(), "Retryable" | "NonRetryable")
                    || error_message.is_empty()
                {
                    self.fail(
                        &what,
                        &format!(
                            "a schedule failure must be Retryable or NonRetryable with a message, got {error_type}: {error_message:?}"
                        ),
                    );
                }
                if !implemented
                    && (error_type != "NonRetryable" || !error_message.contains(schedule.name))
                {
                    self.fail(
                        &what,
                        &format!(
                            "not implemented yet, so the firing must fail NonRetryable naming the schedule, got {error_type}: {error_message}"
                        ),
                    );
                }
                self.lines
                    .push(format!("{what} → invocation error {error_type}"));
            }
            Outcome::Response(summary) => {
                if !implemented {
                    self.fail(
                        &what,
                        &format!("reported success although not implemented: {summary}"),
                    );
                }
                self.lines.push(format!("{what} → done: {summary}"));
            }
            Outcome::InitError { .. } => self.fail(&what, "an init error"),
        }
    }

    async fn unrecognised_event(&mut self) {
        let what = "an S3 notification (neither HTTP nor a schedule)";
        let event = json!({"Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-west-1",
            "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": "gridlink-payloads"}, "object": {"key": "in/1.edi", "size": 1}}
        }]});
        match self.invoke(what, &event).await {
            Outcome::Error { error_type, .. } if error_type == "UnrecognisedEvent" => {}
            other => self.fail(
                what,
                &format!("expected an UnrecognisedEvent invocation error, got {other:?}"),
            ),
        }
        self.lines
            .push(format!("{what} → invocation error UnrecognisedEvent"));
    }

    fn finish(self) -> DeployReport {
        let counts = self.rt.counts();
        let expected = ReportCounts {
            events_delivered: self.lines.len(),
            responses: self.responses,
            errors: self.errors,
            init_errors: 0,
        };
        if counts != expected {
            self.fail(
                "at the end",
                &format!("the emulator counted {counts:?}, the check saw {expected:?}"),
            );
        }
        DeployReport {
            function: self.spec.name,
            lines: self.lines,
            counts,
        }
    }
}
