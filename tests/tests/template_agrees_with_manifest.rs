//! `infra/template.yaml` and `gridlink_lambda::manifest::FUNCTIONS` tell one story.
//!
//! The manifest is the source of truth. This suite proves, both ways, that every route and
//! schedule it lists is deployed on the same function (method and path; schedule expression, name
//! and the `Input` that names it) and that the template deploys nothing the manifest does not
//! list; memory and timeout agree too. Each difference is reported as one sentence naming the
//! route, schedule or function. The tests at the end break a copy of the template to prove the
//! checker notices.
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
use serde_norway::Value;

/// The template, read when the test is compiled (so editing it rebuilds the test).
const TEMPLATE: &str = include_str!("../../infra/template.yaml");
/// What messages call it.
const TEMPLATE_NAME: &str = "infra/template.yaml";
/// The context attribute EventBridge Scheduler replaces with the firing's scheduled time.
const SCHEDULED_TIME: &str = "<aws.scheduler.scheduled-time>";
/// The one HTTP API every route hangs off.
const HTTP_API: &str = "HttpApi";

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
}

/// What the template deploys, and what in it could not be read.
#[derive(Debug)]
struct Template {
    functions: Vec<DeployedFunction>,
    /// Events the checker cannot vouch for (wrong type, wrong API, unreadable fields).
    unreadable: Vec<String>,
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
        let mut template = Self {
            functions: Vec::new(),
            unreadable: Vec::new(),
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
            Self::WrongSchedule { schedule, problem } => {
                write!(f, "schedule `{schedule}` in {TEMPLATE_NAME}: {problem}")
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
