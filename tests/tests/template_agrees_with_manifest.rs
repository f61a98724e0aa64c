//! `infra/template.yaml` and `gridlink_lambda::manifest::FUNCTIONS` tell one story.
//!
//! The manifest is the source of truth. This suite proves, both ways, that every route and
//! schedule it lists is deployed on the same function (method and path; schedule expression, name
//! and the `Input` that names it) and that the template deploys nothing the manifest does not
//! list; memory and timeout agree too. Each difference is reported as one sentence naming the
//! route, schedule or function. The tests at the end break a copy of the template to prove the
//! checker notices.
//!
//! It also proves that each role grants what the manifest says the function touches and nothing
//! more, both ways: its blob prefixes (get, put, abort an upload; no delete), the ledger table
//! and its indexes (or nothing), and exactly the secrets it reads, whose ARN variables
//! (`XECM_PASSWORD_SECRET_ARN`, `TG_CLIENT_SECRET_ARN`, …) only it gets; that a function with a `*-poll-inbox` schedule gets `TG_MAILBOX_ID`;
//! and that a function not implemented yet has only `DISABLED` schedules while an implemented
//! one follows the `ScheduleState` parameter. `roles_enforced.rs` then runs these roles against
//! moto with IAM enforced.
//!
//! ## Layout
//! - [`Template`] and friends: what the template deploys, read from its YAML. CloudFormation
//!   short forms (`!Ref`, `!Sub`, `!GetAtt`) stay tagged values; only plain strings are compared.
//! - [`Difference`] and [`differences`]: manifest against template.
//! - the tests: one per kind of difference, then the checker's own tests.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use gridlink_lambda::manifest::{FUNCTIONS, FunctionSpec, Route};
use gridlink_store::testing::role::{DeployedNames, role_policy_of};
use serde_norway::Value;

/// The template, read when the test is compiled (so editing it rebuilds the test).
const TEMPLATE: &str = include_str!("../../infra/template.yaml");
/// What messages call it.
const TEMPLATE_NAME: &str = "infra/template.yaml";
/// The context attribute EventBridge Scheduler replaces with the firing's scheduled time.
const SCHEDULED_TIME: &str = "<aws.scheduler.scheduled-time>";
/// The one HTTP API every route hangs off.
const HTTP_API: &str = "HttpApi";
/// The parameter implemented functions' schedules follow.
const SCHEDULE_STATE: &str = "ScheduleState";
/// The parameter the TG inbox pollers read their mailbox from.
const MAILBOX_PARAMETER: &str = "TgMailboxId";
/// Secret configuration keys, the variable holding the secret's ARN, and the template
/// parameter it comes from.
const SECRET_PARAMETERS: [(&str, &str, &str); 4] = [
    (
        "XECM_PASSWORD",
        "XECM_PASSWORD_SECRET_ARN",
        "XecmPasswordSecretArn",
    ),
    (
        "TG_CLIENT_SECRET",
        "TG_CLIENT_SECRET_ARN",
        "TgClientSecretArn",
    ),
    (
        "TG_WEBHOOK_SECRET",
        "TG_WEBHOOK_SECRET_ARN",
        "TgWebhookSecretArn",
    ),
    (
        "XECM_PUSH_SECRET",
        "XECM_PUSH_SECRET_ARN",
        "XecmPushSecretArn",
    ),
];
/// What a role may do under each of its blob prefixes: no delete (no code deletes blobs).
const BLOB_ACTIONS: [&str; 3] = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"];
/// Names role policies are resolved against.
const BUCKET: &str = "the-bucket";
const TABLE: &str = "the-table";

/// One HTTP API route as the template deploys it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct DeployedRoute {
    method: String,
    path: String,
}

impl fmt::Display for DeployedRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// One `ScheduleV2` event as the template deploys it.
#[derive(Debug, Clone)]
struct DeployedSchedule {
    /// The event's key under `Events`.
    event: String,
    /// `Name` (the Scheduler schedule's name).
    name: Option<String>,
    expression: Option<String>,
    timezone: Option<String>,
    /// `Input`, parsed as JSON.
    input: Option<serde_json::Value>,
    has_retry_policy: bool,
    has_dead_letter_queue: bool,
    /// `State`, as written (`!Ref ScheduleState` or a plain value).
    state: Option<Value>,
}

impl DeployedSchedule {
    /// The schedule the function is told fired: `Input.schedule`.
    fn input_name(&self) -> Option<&str> {
        self.input.as_ref()?.get("schedule")?.as_str()
    }

    /// What the checker calls it: the name it delivers, or its event key.
    fn label(&self) -> String {
        self.input_name()
            .map_or_else(|| format!("event {}", self.event), str::to_owned)
    }
}

/// One `AWS::Serverless::Function`.
#[derive(Debug, Clone)]
struct DeployedFunction {
    logical_id: String,
    code_uri: Option<String>,
    build_method: Option<String>,
    memory_mb: Option<u64>,
    timeout_secs: Option<u64>,
    routes: Vec<DeployedRoute>,
    schedules: Vec<DeployedSchedule>,
    /// The function's own `Environment.Variables` (Globals not merged in).
    environment: serde_norway::Mapping,
}

/// What the template deploys, and what in it could not be read.
#[derive(Debug)]
struct Template {
    functions: Vec<DeployedFunction>,
    /// Events the checker cannot vouch for (wrong type, wrong API, unreadable fields).
    unreadable: Vec<String>,
    /// The variables `Globals.Function.Environment` gives every function.
    global_variables: Vec<String>,
    /// The whole template, for the roles.
    yaml: Value,
}

impl Template {
    fn parse(text: &str) -> Self {
        let yaml: Value = serde_norway::from_str(text)
            .unwrap_or_else(|e| panic!("{TEMPLATE_NAME} is not valid YAML: {e}"));
        Self::read(&yaml)
    }

    fn read(yaml: &Value) -> Self {
        let globals = yaml
            .get("Globals")
            .and_then(|g| g.get("Function"))
            .cloned()
            .unwrap_or(Value::Null);
        let resources = yaml
            .get("Resources")
            .and_then(Value::as_mapping)
            .unwrap_or_else(|| panic!("{TEMPLATE_NAME} has no Resources mapping"));
        let global_variables = globals
            .get("Environment")
            .and_then(|e| e.get("Variables"))
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(key, _)| key.as_str().map(str::to_owned))
            .collect();
        let mut template = Self {
            functions: Vec::new(),
            unreadable: Vec::new(),
            global_variables,
            yaml: yaml.clone(),
        };
        for (id, resource) in resources {
            if resource.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
                continue;
            }
            let id = id.as_str().unwrap_or("<non-string key>").to_owned();
            let function = template.read_function(id, resource, &globals);
            template.functions.push(function);
        }
        template
    }

    fn read_function(
        &mut self,
        logical_id: String,
        resource: &Value,
        globals: &Value,
    ) -> DeployedFunction {
        let properties = resource.get("Properties").unwrap_or(&Value::Null);
        // A property set on the function wins over Globals.Function, as in SAM.
        let property = |key: &str| properties.get(key).or_else(|| globals.get(key));
        let mut function = DeployedFunction {
            code_uri: property("CodeUri")
                .and_then(Value::as_str)
                .map(str::to_owned),
            build_method: resource
                .get("Metadata")
                .and_then(|m| m.get("BuildMethod"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            memory_mb: property("MemorySize").and_then(Value::as_u64),
            timeout_secs: property("Timeout").and_then(Value::as_u64),
            routes: Vec::new(),
            schedules: Vec::new(),
            environment: properties
                .get("Environment")
                .and_then(|e| e.get("Variables"))
                .and_then(Value::as_mapping)
                .cloned()
                .unwrap_or_default(),
            logical_id,
        };
        let events = properties.get("Events").and_then(Value::as_mapping);
        for (event, definition) in events.into_iter().flatten() {
            let event = event.as_str().unwrap_or("<non-string key>").to_owned();
            let props = definition.get("Properties").unwrap_or(&Value::Null);
            let text = |key: &str| props.get(key).and_then(Value::as_str).map(str::to_owned);
            let at = format!("{}.Events.{event}", function.logical_id);
            match definition.get("Type").and_then(Value::as_str) {
                Some("HttpApi") => {
                    if !is_ref_to(props.get("ApiId"), HTTP_API) {
                        self.unreadable.push(format!(
                            "{at}: an HttpApi route must set ApiId: !Ref {HTTP_API}"
                        ));
                    }
                    if let Some(version) = props.get("PayloadFormatVersion")
                        && version.as_str() != Some("2.0")
                    {
                        self.unreadable.push(format!(
                            "{at}: PayloadFormatVersion must be \"2.0\" (the functions parse 2.0 only)"
                        ));
                    }
                    match (text("Method"), text("Path")) {
                        (Some(method), Some(path)) => function.routes.push(DeployedRoute {
                            method: method.to_ascii_uppercase(),
                            path,
                        }),
                        _ => self.unreadable.push(format!(
                            "{at}: an HttpApi route needs a plain Method and Path"
                        )),
                    }
                }
                Some("ScheduleV2") => {
                    let input = match text("Input") {
                        None => None,
                        Some(raw) => match serde_json::from_str(&raw) {
                            Ok(json) => Some(json),
                            Err(e) => {
                                self.unreadable
                                    .push(format!("{at}: Input is not JSON ({e}): {raw}"));
                                None
                            }
                        },
                    };
                    let target = |key: &str| props.get(key).is_some_and(Value::is_mapping);
                    function.schedules.push(DeployedSchedule {
                        name: text("Name"),
                        expression: text("ScheduleExpression"),
                        timezone: text("ScheduleExpressionTimezone"),
                        input,
                        has_retry_policy: target("RetryPolicy"),
                        has_dead_letter_queue: target("DeadLetterConfig"),
                        state: props.get("State").cloned(),
                        event,
                    });
                }
                other => self.unreadable.push(format!(
                    "{at}: event type {} is neither HttpApi nor ScheduleV2; \
                     gridlink serves HTTP API routes and Scheduler schedules only",
                    other.unwrap_or("<missing>")
                )),
            }
        }
        function
    }
}

/// `!Ref <name>` or `{Ref: <name>}`.
fn is_ref_to(value: Option<&Value>, name: &str) -> bool {
    match value {
        Some(Value::Tagged(tagged)) => tagged.tag == "Ref" && tagged.value.as_str() == Some(name),
        Some(other) => other.get("Ref").and_then(Value::as_str) == Some(name),
        None => false,
    }
}

/// One way the template and the manifest disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Difference {
    /// A function is in one and not the other, or is not built from its crate.
    Function(String),
    /// A manifest route no template event serves on its function.
    MissingRoute { function: String, route: String },
    /// A template route the manifest does not list for that function.
    ExtraRoute { function: String, route: String },
    /// A manifest schedule no `ScheduleV2` on its function delivers.
    MissingSchedule { function: String, schedule: String },
    /// A template schedule the manifest does not list for that function.
    ExtraSchedule { function: String, schedule: String },
    /// A schedule both list, deployed differently.
    WrongSchedule { schedule: String, problem: String },
    /// A schedule's `State` is not what the function's implementation status calls for.
    ScheduleState { schedule: String, problem: String },
    /// A role grants other than what the manifest lists, or the environment disagrees with it.
    Grant { function: String, problem: String },
    /// Memory or timeout differ.
    Sizing(String),
    /// Something the checker cannot read, so cannot vouch for.
    Unreadable(String),
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Function(text) | Self::Sizing(text) | Self::Unreadable(text) => f.write_str(text),
            Self::MissingRoute { function, route } => write!(
                f,
                "route `{route}` of {function} is in the manifest but not on {function}'s function in {TEMPLATE_NAME}"
            ),
            Self::ExtraRoute { function, route } => write!(
                f,
                "route `{route}` on {function}'s function in {TEMPLATE_NAME} is not in the manifest for {function}"
            ),
            Self::MissingSchedule { function, schedule } => write!(
                f,
                "schedule `{schedule}` of {function} is in the manifest but no ScheduleV2 on {function}'s \
                 function in {TEMPLATE_NAME} delivers Input {{\"schedule\": \"{schedule}\"}}"
            ),
            Self::ExtraSchedule { function, schedule } => write!(
                f,
                "schedule `{schedule}` on {function}'s function in {TEMPLATE_NAME} is not in the manifest for {function}"
            ),
            Self::WrongSchedule { schedule, problem }
            | Self::ScheduleState { schedule, problem } => {
                write!(f, "schedule `{schedule}` in {TEMPLATE_NAME}: {problem}")
            }
            Self::Grant { function, problem } => {
                write!(f, "{function} in {TEMPLATE_NAME}: {problem}")
            }
        }
    }
}

/// Every way `template` and `manifest` disagree, in manifest order.
fn differences(template: &Template, manifest: &[FunctionSpec]) -> Vec<Difference> {
    let mut found: Vec<Difference> = template
        .unreadable
        .iter()
        .cloned()
        .map(Difference::Unreadable)
        .collect();
    for spec in manifest {
        let Some(deployed) = template
            .functions
            .iter()
            .find(|f| f.logical_id == spec.logical_id)
        else {
            found.push(Difference::Function(format!(
                "{} ({}) is in the manifest but not in {TEMPLATE_NAME}",
                spec.logical_id, spec.name
            )));
            continue;
        };
        compare_build(spec, deployed, &mut found);
        compare_sizing(spec, deployed, &mut found);
        compare_routes(spec, deployed, &mut found);
        compare_schedules(spec, deployed, &mut found);
        compare_schedule_states(spec, deployed, &mut found);
        compare_environment(spec, deployed, &mut found);
        compare_grants(spec, &template.yaml, &mut found);
    }
    for variable in &template.global_variables {
        if variable.ends_with("_SECRET_ARN") || variable == "TG_MAILBOX_ID" {
            found.push(Difference::Grant {
                function: "Globals.Function".to_owned(),
                problem: format!(
                    "sets {variable} for every function; set it only on the functions the manifest gives it to"
                ),
            });
        }
    }
    for deployed in &template.functions {
        if !manifest
            .iter()
            .any(|spec| spec.logical_id == deployed.logical_id)
        {
            found.push(Difference::Function(format!(
                "{} in {TEMPLATE_NAME} is not in the manifest (shared/lambda/src/manifest.rs)",
                deployed.logical_id
            )));
        }
    }
    found
}

fn compare_build(spec: &FunctionSpec, deployed: &DeployedFunction, found: &mut Vec<Difference>) {
    let expected_code_uri = format!("../functions/{}", spec.name);
    if deployed.code_uri.as_deref() != Some(expected_code_uri.as_str()) {
        found.push(Difference::Function(format!(
            "{}: CodeUri is {:?}, expected {expected_code_uri:?} (the crate of the same name)",
            spec.logical_id, deployed.code_uri
        )));
    }
    if deployed.build_method.as_deref() != Some("rust-cargolambda") {
        found.push(Difference::Function(format!(
            "{}: Metadata.BuildMethod is {:?}, expected \"rust-cargolambda\"",
            spec.logical_id, deployed.build_method
        )));
    }
}

fn compare_sizing(spec: &FunctionSpec, deployed: &DeployedFunction, found: &mut Vec<Difference>) {
    let checks = [
        ("MemorySize", deployed.memory_mb, spec.memory_mb),
        ("Timeout", deployed.timeout_secs, spec.timeout_secs),
    ];
    for (property, actual, expected) in checks {
        if actual != Some(u64::from(expected)) {
            found.push(Difference::Sizing(format!(
                "{}: {property} is {actual:?} in {TEMPLATE_NAME}, the manifest says {expected}",
                spec.logical_id
            )));
        }
    }
}

fn compare_routes(spec: &FunctionSpec, deployed: &DeployedFunction, found: &mut Vec<Difference>) {
    let listed: BTreeSet<String> = spec.routes.iter().map(Route::route_key).collect();
    let served: BTreeSet<String> = deployed.routes.iter().map(ToString::to_string).collect();
    for route in listed.difference(&served) {
        found.push(Difference::MissingRoute {
            function: spec.name.to_owned(),
            route: route.clone(),
        });
    }
    for route in served.difference(&listed) {
        found.push(Difference::ExtraRoute {
            function: spec.name.to_owned(),
            route: route.clone(),
        });
    }
}

fn compare_schedules(
    spec: &FunctionSpec,
    deployed: &DeployedFunction,
    found: &mut Vec<Difference>,
) {
    for schedule in spec.schedules {
        let Some(fired) = deployed
            .schedules
            .iter()
            .find(|s| s.input_name() == Some(schedule.name))
        else {
            found.push(Difference::MissingSchedule {
                function: spec.name.to_owned(),
                schedule: schedule.name.to_owned(),
            });
            continue;
        };
        let mut wrong = |problem: String| {
            found.push(Difference::WrongSchedule {
                schedule: schedule.name.to_owned(),
                problem,
            });
        };
        if fired.expression.as_deref() != Some(schedule.expression) {
            wrong(format!(
                "ScheduleExpression is {:?}, the manifest says {:?}",
                fired.expression, schedule.expression
            ));
        }
        if fired.name.as_deref() != Some(schedule.name) {
            wrong(format!(
                "Name is {:?}, expected {:?}",
                fired.name, schedule.name
            ));
        }
        if fired.timezone.as_deref() != Some("UTC") {
            wrong(format!(
                "ScheduleExpressionTimezone is {:?}, expected \"UTC\" (manifest expressions are UTC)",
                fired.timezone
            ));
        }
        let scheduled_at = fired.input.as_ref().and_then(|i| i.get("scheduled_at"));
        if scheduled_at.and_then(serde_json::Value::as_str) != Some(SCHEDULED_TIME) {
            wrong(format!(
                "Input.scheduled_at is {scheduled_at:?}, expected {SCHEDULED_TIME:?}"
            ));
        }
        if !fired.has_retry_policy {
            wrong("has no RetryPolicy".to_owned());
        }
        if !fired.has_dead_letter_queue {
            wrong("has no DeadLetterConfig (a dead-letter queue)".to_owned());
        }
    }
    for fired in &deployed.schedules {
        let listed = fired
            .input_name()
            .is_some_and(|name| spec.schedules.iter().any(|s| s.name == name));
        if !listed {
            found.push(Difference::ExtraSchedule {
                function: spec.name.to_owned(),
                schedule: fired.label(),
            });
        }
    }
}

/// A stub's schedules are `DISABLED` (plainly, whatever `ScheduleState` says); an implemented
/// function's follow `!Ref ScheduleState`.
fn compare_schedule_states(
    spec: &FunctionSpec,
    deployed: &DeployedFunction,
    found: &mut Vec<Difference>,
) {
    for schedule in &deployed.schedules {
        let follows_parameter = is_ref_to(schedule.state.as_ref(), SCHEDULE_STATE);
        let disabled = schedule.state.as_ref().and_then(Value::as_str) == Some("DISABLED");
        let problem = match (spec.implemented, follows_parameter, disabled) {
            (true, true, _) | (false, _, true) => continue,
            (true, false, _) => format!(
                "{} is implemented, so State must be !Ref {SCHEDULE_STATE}, is {:?}",
                spec.name, schedule.state
            ),
            (false, _, false) => format!(
                "{} is not implemented (manifest), so State must be DISABLED, is {:?}: \
                 every firing would end as a failed invoke",
                spec.name, schedule.state
            ),
        };
        found.push(Difference::ScheduleState {
            schedule: schedule.label(),
            problem,
        });
    }
}

/// `<KEY>_SECRET_ARN` for exactly the manifest's secrets, each `!Ref` its parameter;
/// `TG_MAILBOX_ID: !Ref TgMailboxId` exactly where a `*-poll-inbox` schedule fires.
fn compare_environment(
    spec: &FunctionSpec,
    deployed: &DeployedFunction,
    found: &mut Vec<Difference>,
) {
    let mut grant = |problem: String| {
        found.push(Difference::Grant {
            function: spec.name.to_owned(),
            problem,
        });
    };
    for (key, variable, parameter) in SECRET_PARAMETERS {
        let value = deployed.environment.get(variable);
        match (spec.secrets.contains(&key), value) {
            (true, Some(value)) if is_ref_to(Some(value), parameter) => {}
            (true, Some(value)) => grant(format!(
                "{variable} is {value:?}, expected !Ref {parameter}"
            )),
            (true, None) => grant(format!(
                "{variable} is not set, but the manifest says it reads {key}"
            )),
            (false, Some(_)) => grant(format!(
                "{variable} is set, but the manifest says it does not read {key} \
                 (the platform would read it at start, and its role may not)"
            )),
            (false, None) => {}
        }
    }
    let polls_inbox = spec
        .schedules
        .iter()
        .any(|s| s.name.ends_with("-poll-inbox"));
    let mailbox = deployed.environment.get("TG_MAILBOX_ID");
    match (polls_inbox, mailbox) {
        (true, Some(value)) if is_ref_to(Some(value), MAILBOX_PARAMETER) => {}
        (true, _) => grant(format!(
            "has a *-poll-inbox schedule, so TG_MAILBOX_ID must be !Ref {MAILBOX_PARAMETER} (the \
             poll is the safety net under webhooks), is {mailbox:?}"
        )),
        (false, Some(_)) => grant("sets TG_MAILBOX_ID but polls no TG inbox".to_owned()),
        (false, None) => {}
    }
}

/// What one role allows, read from its resolved policy.
#[derive(Debug, Default)]
struct Grants {
    /// Object key prefixes (`raw/tg/x/`), from `arn:aws:s3:::<bucket>/<prefix>*`, with the
    /// actions granted under each.
    blob_prefixes: std::collections::BTreeMap<String, BTreeSet<String>>,
    /// `(action, resource)` pairs on the table and its indexes.
    ledger: BTreeSet<(String, String)>,
    /// Template parameters of the secrets it may read.
    secrets: BTreeSet<String>,
    lists_bucket: bool,
    problems: Vec<String>,
}

impl Grants {
    fn read(policy: &serde_json::Value) -> Self {
        let mut grants = Self::default();
        let list = |value: Option<&serde_json::Value>| -> Vec<String> {
            match value {
                Some(serde_json::Value::String(one)) => vec![one.clone()],
                Some(serde_json::Value::Array(many)) => many
                    .iter()
                    .map(|v| v.as_str().unwrap_or("<not a string>").to_owned())
                    .collect(),
                _ => Vec::new(),
            }
        };
        let bucket = format!("arn:aws:s3:::{BUCKET}");
        let table = format!("arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE}");
        for statement in policy["Statement"].as_array().into_iter().flatten() {
            if statement.get("Effect").and_then(serde_json::Value::as_str) != Some("Allow")
                || statement.get("Condition").is_some()
                || statement.get("NotAction").is_some()
                || statement.get("NotResource").is_some()
            {
                grants.problems.push(format!(
                    "a statement other than a plain Allow the checker can vouch for: {statement}"
                ));
                continue;
            }
            for action in list(statement.get("Action")) {
                for resource in list(statement.get("Resource")) {
                    grants.add(&action, &resource, &bucket, &table);
                }
            }
        }
        grants
    }

    fn add(&mut self, action: &str, resource: &str, bucket: &str, table: &str) {
        let (service, _) = action.split_once(':').unwrap_or((action, ""));
        match service {
            "s3" => {
                if let Some(object) = resource.strip_prefix(&format!("{bucket}/")) {
                    match object.strip_suffix('*') {
                        Some(prefix) if !prefix.contains('*') && BLOB_ACTIONS.contains(&action) => {
                            self.blob_prefixes
                                .entry(prefix.to_owned())
                                .or_default()
                                .insert(action.to_owned());
                        }
                        _ => self.problems.push(format!(
                            "{action} on {resource}: only s3:GetObject, s3:PutObject and \
                             s3:AbortMultipartUpload, on <bucket>/<prefix>*"
                        )),
                    }
                } else if resource == bucket && action == "s3:ListBucket" {
                    self.lists_bucket = true;
                } else {
                    self.problems
                        .push(format!("{action} on {resource}: not the bucket's objects"));
                }
            }
            "dynamodb" => {
                let item_action = [
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                ]
                .contains(&action);
                let on_indexes = resource == format!("{table}/index/*");
                if (resource == table && item_action) || (on_indexes && action == "dynamodb:Query")
                {
                    self.ledger.insert((action.to_owned(), resource.to_owned()));
                } else {
                    self.problems.push(format!(
                        "{action} on {resource}: the ledger needs item actions on the table and \
                         Query on its indexes, nothing else"
                    ));
                }
            }
            "secretsmanager" => match resource.strip_prefix("arn:secret:") {
                Some(parameter) if action == "secretsmanager:GetSecretValue" => {
                    self.secrets.insert(parameter.to_owned());
                }
                _ => self.problems.push(format!(
                    "{action} on {resource}: not one of the four secrets"
                )),
            },
            // Its log group, traces, the failure queue: the same for every function.
            "logs" | "xray" | "sqs" => {}
            _ => self.problems.push(format!(
                "{action} on {resource}: not something gridlink uses"
            )),
        }
    }
}

/// The role grants the manifest's blob prefixes, ledger and secrets, and nothing else.
fn compare_grants(spec: &FunctionSpec, yaml: &Value, found: &mut Vec<Difference>) {
    let mut grant = |problem: String| {
        found.push(Difference::Grant {
            function: spec.name.to_owned(),
            problem,
        });
    };
    let names = SECRET_PARAMETERS.iter().fold(
        DeployedNames::new(BUCKET, TABLE),
        |names, (_, _, parameter)| {
            names.with_parameter(parameter, &format!("arn:secret:{parameter}"))
        },
    );
    let policy = match role_policy_of(yaml, spec.name, &names) {
        Ok(policy) => policy,
        Err(e) => return grant(format!("its role cannot be read: {e}")),
    };
    let grants = Grants::read(&policy);
    for problem in &grants.problems {
        grant(format!("its role allows {problem}"));
    }
    let listed: BTreeSet<String> = spec.blob_prefixes.iter().map(|p| (*p).to_owned()).collect();
    let granted: BTreeSet<String> = grants.blob_prefixes.keys().cloned().collect();
    for (prefix, actions) in &grants.blob_prefixes {
        if actions.len() != BLOB_ACTIONS.len() {
            grant(format!(
                "under {prefix} its role grants {actions:?}, expected all of {BLOB_ACTIONS:?}"
            ));
        }
    }
    for prefix in listed.difference(&granted) {
        grant(format!(
            "blob prefix {prefix} is in the manifest, but its role may not get and put under it"
        ));
    }
    for prefix in granted.difference(&listed) {
        grant(format!(
            "its role may get and put under {prefix}, which the manifest does not list"
        ));
    }
    let keeps_blobs = !spec.blob_prefixes.is_empty();
    if grants.lists_bucket != keeps_blobs {
        grant(format!(
            "s3:ListBucket is {}granted, but the function {} blobs",
            if grants.lists_bucket { "" } else { "not " },
            if spec.blob_prefixes.is_empty() {
                "keeps no"
            } else {
                "keeps"
            },
        ));
    }
    let ledger_actions = grants.ledger.len();
    match (spec.uses_ledger, ledger_actions) {
        (true, 5) | (false, 0) => {}
        (true, n) => grant(format!(
            "it uses the ledger, but its role grants {n} of the 5 ledger permissions \
             (GetItem, PutItem, UpdateItem, DeleteItem on the table; Query on its indexes)"
        )),
        (false, _) => grant(format!(
            "its role grants ledger access ({:?}), but the manifest says it does not use the ledger",
            grants.ledger
        )),
    }
    let secrets: BTreeSet<String> = SECRET_PARAMETERS
        .iter()
        .filter(|(key, _, _)| spec.secrets.contains(key))
        .map(|(_, _, parameter)| (*parameter).to_owned())
        .collect();
    for parameter in secrets.difference(&grants.secrets) {
        grant(format!(
            "it reads the secret {parameter}, but its role may not"
        ));
    }
    for parameter in grants.secrets.difference(&secrets) {
        grant(format!(
            "its role may read the secret {parameter}, which the manifest says it does not read"
        ));
    }
}

/// The differences in the real template that `keep` selects.
fn real_differences(keep: fn(&Difference) -> bool) -> Vec<Difference> {
    differences(&Template::parse(TEMPLATE), FUNCTIONS)
        .into_iter()
        .filter(keep)
        .collect()
}

/// Fails with every difference, one per line.
fn assert_none(what: &str, found: &[Difference]) {
    assert!(
        found.is_empty(),
        "{what}: {} difference(s) between {TEMPLATE_NAME} and shared/lambda/src/manifest.rs:\n  - {}",
        found.len(),
        found
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  - ")
    );
}

#[test]
fn the_template_deploys_exactly_the_manifest_functions_from_their_own_crates() {
    let found =
        real_differences(|d| matches!(d, Difference::Function(_) | Difference::Unreadable(_)));
    assert_none("functions", &found);
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../functions");
    for spec in FUNCTIONS {
        let manifest = crates.join(spec.name).join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap_or_else(|e| {
            panic!("{} has no crate at {}: {e}", spec.name, manifest.display())
        });
        assert!(
            text.contains(&format!("name = \"{}\"", spec.name)),
            "{} does not declare a package or binary named {}",
            manifest.display(),
            spec.name
        );
    }
}

#[test]
fn every_manifest_route_is_served_by_its_function_in_the_template() {
    let found = real_differences(|d| matches!(d, Difference::MissingRoute { .. }));
    assert_none("routes missing from the template", &found);
}

#[test]
fn every_template_route_is_in_the_manifest_for_the_same_function() {
    let found = real_differences(|d| matches!(d, Difference::ExtraRoute { .. }));
    assert_none("routes the manifest does not list", &found);
}

#[test]
fn every_manifest_schedule_fires_its_function_with_its_expression_and_named_input() {
    let found = real_differences(|d| {
        matches!(
            d,
            Difference::MissingSchedule { .. } | Difference::WrongSchedule { .. }
        )
    });
    assert_none("schedules missing or deployed differently", &found);
}

#[test]
fn every_template_schedule_is_in_the_manifest_for_the_same_function() {
    let found = real_differences(|d| matches!(d, Difference::ExtraSchedule { .. }));
    assert_none("schedules the manifest does not list", &found);
}

#[test]
fn stubs_deploy_disabled_schedules_and_implemented_functions_follow_schedule_state() {
    let found = real_differences(|d| matches!(d, Difference::ScheduleState { .. }));
    assert_none("schedule states", &found);
}

#[test]
fn every_role_grants_exactly_its_functions_blob_prefixes_ledger_and_secrets() {
    let found = real_differences(|d| matches!(d, Difference::Grant { .. }));
    assert_none("role grants and environment", &found);
}

#[test]
fn memory_and_timeout_match_the_manifest() {
    let found = real_differences(|d| matches!(d, Difference::Sizing(_)));
    assert_none("memory and timeout", &found);
}

// The checker's own tests: break a copy of the template, expect exactly that difference.

fn yaml() -> Value {
    serde_norway::from_str(TEMPLATE).expect("the template parses")
}

fn differences_of(yaml: &Value) -> Vec<String> {
    differences(&Template::read(yaml), FUNCTIONS)
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn event_mut<'a>(yaml: &'a mut Value, function: &str, event: &str) -> &'a mut Value {
    &mut yaml["Resources"][function]["Properties"]["Events"][event]["Properties"]
}

#[test]
fn the_unbroken_template_has_no_differences() {
    assert_eq!(differences_of(&yaml()), Vec::<String>::new());
}

#[test]
fn a_route_renamed_in_the_template_is_named_as_missing_and_as_extra() {
    let mut yaml = yaml();
    event_mut(&mut yaml, "CaseCollabFunction", "Health")["Path"] = "/case-collab/healthz".into();
    assert_eq!(
        differences_of(&yaml),
        [
            "route `GET /case-collab/health` of case-collab is in the manifest but not on case-collab's function in infra/template.yaml",
            "route `GET /case-collab/healthz` on case-collab's function in infra/template.yaml is not in the manifest for case-collab",
        ]
    );
}

#[test]
fn a_route_on_the_wrong_function_is_named_on_both_functions() {
    let mut yaml = yaml();
    let events = &mut yaml["Resources"]["OrderReconcileFunction"]["Properties"]["Events"];
    let moved = events
        .as_mapping_mut()
        .expect("Events is a mapping")
        .remove("RejectUnmatchedItem")
        .expect("the event exists");
    yaml["Resources"]["ShipmentDelayFunction"]["Properties"]["Events"]["RejectOrderItem"] = moved;
    let found = differences_of(&yaml);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with(
        "route `POST /order-reconcile/unmatched/{item_id}/reject` on shipment-delay's function"
    ));
    assert!(found[1].starts_with("route `POST /order-reconcile/unmatched/{item_id}/reject` of order-reconcile is in the manifest but not"));
}

#[test]
fn a_schedule_with_another_expression_or_input_name_is_named() {
    let mut yaml = yaml();
    event_mut(&mut yaml, "RecallCampaignFunction", "Deadlines")["ScheduleExpression"] =
        "rate(2 hours)".into();
    assert_eq!(
        differences_of(&yaml),
        [
            "schedule `recall-campaign-deadlines` in infra/template.yaml: ScheduleExpression is Some(\"rate(2 hours)\"), the manifest says \"rate(1 hour)\""
        ]
    );

    let mut yaml = self::yaml();
    event_mut(&mut yaml, "RecallCampaignFunction", "Deadlines")["Input"] =
        r#"{"schedule": "recall-campaign-deadline", "scheduled_at": "<aws.scheduler.scheduled-time>"}"#.into();
    assert_eq!(
        differences_of(&yaml),
        [
            "schedule `recall-campaign-deadlines` of recall-campaign is in the manifest but no ScheduleV2 on recall-campaign's function in infra/template.yaml delivers Input {\"schedule\": \"recall-campaign-deadlines\"}",
            "schedule `recall-campaign-deadline` on recall-campaign's function in infra/template.yaml is not in the manifest for recall-campaign",
        ]
    );
}

#[test]
fn a_schedule_without_retries_or_dead_letter_queue_is_named() {
    let mut yaml = yaml();
    let props = event_mut(&mut yaml, "ContractShareFunction", "AckReminders")
        .as_mapping_mut()
        .expect("Properties is a mapping");
    props.remove("RetryPolicy");
    props.remove("DeadLetterConfig");
    assert_eq!(
        differences_of(&yaml),
        [
            "schedule `contract-share-ack-reminders` in infra/template.yaml: has no RetryPolicy",
            "schedule `contract-share-ack-reminders` in infra/template.yaml: has no DeadLetterConfig (a dead-letter queue)",
        ]
    );
}

#[test]
fn memory_or_timeout_other_than_the_manifest_is_named() {
    let mut yaml = yaml();
    yaml["Resources"]["PoExceptionFunction"]["Properties"]["MemorySize"] = 256.into();
    assert_eq!(
        differences_of(&yaml),
        [
            "PoExceptionFunction: MemorySize is Some(256) in infra/template.yaml, the manifest says 512"
        ]
    );
}

#[test]
fn a_function_missing_from_the_template_or_the_manifest_is_named() {
    let mut yaml = yaml();
    let resources = yaml["Resources"]
        .as_mapping_mut()
        .expect("Resources is a mapping");
    let function = resources
        .remove("SupplierOnboardingFunction")
        .expect("exists");
    resources.insert("SupplierOffboardingFunction".into(), function);
    let found = differences_of(&yaml);
    assert_eq!(
        found,
        [
            "SupplierOnboardingFunction (supplier-onboarding) is in the manifest but not in infra/template.yaml",
            "SupplierOffboardingFunction in infra/template.yaml is not in the manifest (shared/lambda/src/manifest.rs)",
        ]
    );
}

#[test]
fn a_legacy_schedule_or_a_route_on_another_api_cannot_slip_past() {
    let mut yaml = yaml();
    let events = &mut yaml["Resources"]["CaseCollabFunction"]["Properties"]["Events"];
    events["PollXecm"]["Type"] = "Schedule".into();
    events["TgEvents"]["Properties"]["ApiId"] = "SomeOtherApi".into();
    let found = differences_of(&yaml);
    assert!(
        found
            .iter()
            .any(|d| d.contains("CaseCollabFunction.Events.PollXecm: event type Schedule")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|d| d
                .contains("CaseCollabFunction.Events.TgEvents: an HttpApi route must set ApiId")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|d| d.starts_with("schedule `case-collab-poll-xecm` of case-collab"))
    );
}

fn statements_mut<'a>(yaml: &'a mut Value, role: &str) -> &'a mut Vec<Value> {
    yaml["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_sequence_mut()
        .expect("Statement is a list")
}

fn statement_mut<'a>(yaml: &'a mut Value, role: &str, sid: &str) -> &'a mut Value {
    statements_mut(yaml, role)
        .iter_mut()
        .find(|s| s["Sid"].as_str() == Some(sid))
        .expect("the statement exists")
}

/// The manifest with `name` declared as a stub — not implemented, no blobs, no ledger, no
/// secrets — as the unbuilt use cases were (every use case is built now, so the stub rules
/// are exercised on a copy).
fn with_stub(name: &str) -> Vec<FunctionSpec> {
    let mut manifest = FUNCTIONS.to_vec();
    let stub = manifest
        .iter_mut()
        .find(|f| f.name == name)
        .expect("a function of the manifest");
    stub.implemented = false;
    stub.blob_prefixes = &[];
    stub.uses_ledger = false;
    stub.secrets = &[];
    manifest
}

fn differences_with(yaml: &Value, manifest: &[FunctionSpec]) -> Vec<String> {
    differences(&Template::read(yaml), manifest)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_stub_schedule_enabled_or_an_implemented_schedule_disabled_is_named() {
    let mut yaml = yaml();
    event_mut(&mut yaml, "OrderReconcileFunction", "PollInbox")["State"] = "DISABLED".into();
    let found = differences_with(&yaml, &with_stub("supplier-onboarding"));
    assert!(found.iter().any(|d| d.starts_with(
        "schedule `supplier-onboarding-renewals` in infra/template.yaml: supplier-onboarding is not implemented (manifest), so State must be DISABLED"
    )), "{found:#?}");
    assert!(found.iter().any(|d| d.starts_with(
        "schedule `order-reconcile-poll-inbox` in infra/template.yaml: order-reconcile is implemented, so State must be !Ref ScheduleState"
    )), "{found:#?}");
    assert!(
        differences_of(&self::yaml()).is_empty(),
        "the template as shipped agrees"
    );
}

#[test]
fn a_blob_prefix_granted_but_not_listed_or_listed_but_not_granted_is_named() {
    let mut yaml = yaml();
    let resources = statement_mut(&mut yaml, "ShipmentDelayRole", "Blobs")["Resource"]
        .as_sequence_mut()
        .expect("a list");
    resources.retain(|r| !format!("{r:?}").contains("attachments/"));
    resources.push(serde_norway::from_str(r#"!Sub "${Bucket.Arn}/docs/*""#).expect("yaml"));
    assert_eq!(
        differences_of(&yaml),
        [
            "shipment-delay in infra/template.yaml: blob prefix attachments/shipment-delay/ is in the manifest, but its role may not get and put under it",
            "shipment-delay in infra/template.yaml: its role may get and put under docs/, which the manifest does not list",
        ]
    );
}

#[test]
fn deleting_blobs_or_querying_the_table_itself_is_named() {
    let mut yaml = yaml();
    statement_mut(&mut yaml, "CaseCollabRole", "Blobs")["Action"] =
        serde_norway::from_str("[s3:GetObject, s3:PutObject, s3:DeleteObject]").expect("yaml");
    statement_mut(&mut yaml, "CaseCollabRole", "LedgerIndexes")["Resource"] =
        serde_norway::from_str("!GetAtt Table.Arn").expect("yaml");
    let found = differences_of(&yaml);
    assert!(
        found
            .iter()
            .any(|d| d.contains("s3:DeleteObject on arn:aws:s3:::the-bucket/raw/tg/case-collab/*")),
        "{found:#?}"
    );
    assert!(found.iter().any(|d| d.contains("dynamodb:Query on arn:aws:dynamodb:us-east-1:123456789012:table/the-table: the ledger needs")), "{found:#?}");
    assert!(
        found
            .iter()
            .any(|d| d.contains("grants 4 of the 5 ledger permissions")),
        "{found:#?}"
    );
}

#[test]
fn a_stub_role_with_storage_or_secrets_is_named() {
    // Every use case is built; supplier-onboarding's role (ledger, blobs, secrets) stands in
    // for a stub's that was given storage and secrets.
    let found = differences_with(&yaml(), &with_stub("supplier-onboarding"));
    assert!(
        found.iter().any(|d| d.starts_with(
            "supplier-onboarding in infra/template.yaml: its role grants ledger access"
        )),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|d| d.starts_with(
            "supplier-onboarding in infra/template.yaml: its role may read the secret "
        )),
        "{found:#?}"
    );
}

#[test]
fn a_secret_read_but_not_granted_or_set_but_not_read_is_named() {
    let mut yaml = yaml();
    statement_mut(&mut yaml, "ContractShareRole", "Secrets")["Resource"] = serde_norway::from_str(
        "[!Ref XecmPasswordSecretArn, !Ref TgClientSecretArn, !Ref TgWebhookSecretArn]",
    )
    .expect("yaml");
    yaml["Resources"]["OrderReconcileFunction"]["Properties"]["Environment"]["Variables"]["XECM_PUSH_SECRET_ARN"] =
        serde_norway::from_str("!Ref XecmPushSecretArn").expect("yaml");
    assert_eq!(
        differences_of(&yaml),
        [
            "contract-share in infra/template.yaml: it reads the secret XecmPushSecretArn, but its role may not",
            "order-reconcile in infra/template.yaml: XECM_PUSH_SECRET_ARN is set, but the manifest says it does not read XECM_PUSH_SECRET (the platform would read it at start, and its role may not)",
        ]
    );
}

#[test]
fn a_poller_without_its_mailbox_or_a_secret_for_everyone_in_globals_is_named() {
    let mut yaml = yaml();
    yaml["Resources"]["ShipmentDelayFunction"]["Properties"]["Environment"]["Variables"]
        .as_mapping_mut()
        .expect("a mapping")
        .remove("TG_MAILBOX_ID");
    yaml["Globals"]["Function"]["Environment"]["Variables"]["TG_WEBHOOK_SECRET_ARN"] =
        serde_norway::from_str("!Ref TgWebhookSecretArn").expect("yaml");
    let found = differences_of(&yaml);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with("shipment-delay in infra/template.yaml: has a *-poll-inbox schedule, so TG_MAILBOX_ID must be !Ref TgMailboxId"));
    assert!(found[1].starts_with(
        "Globals.Function in infra/template.yaml: sets TG_WEBHOOK_SECRET_ARN for every function"
    ));
}
