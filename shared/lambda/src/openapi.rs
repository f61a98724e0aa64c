//! The OpenAPI 3.1 description of every route in the [manifest](crate::manifest), generated
//! from it so the two cannot drift: `docs/openapi.json` is this document, a test fails when
//! the committed file differs (regenerate with `GRIDLINK_WRITE_OPENAPI=1 cargo test
//! --workspace --lib openapi`), CI validates it with `openapi-spec-validator`, and the local
//! stack serves it at `GET /openapi.json`.
//!
//! A route is described by what it is for, which its path says: the TG webhook
//! (`…/tg/events`, signed with `TG-Timestamp`/`TG-Signature`), the xECM push
//! (`…/xecm/events`, signed with `X-Gridlink-Timestamp`/`X-Gridlink-Signature`), health, the
//! inbox's dead letters, the unmatched queue, and each function's own read routes. Operator
//! routes are IAM-authorised (SigV4) in the deployed API, as `infra/template.yaml` says.
//! A route of a kind this module does not know is refused (the test fails) rather than
//! described vaguely.

use serde_json::{Map, Value, json};

use crate::manifest::{FUNCTIONS, FunctionSpec, Route};

/// What a route is, by its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    TgWebhook,
    XecmPush,
    Health,
    DeadLetters,
    DeadLetter,
    Requeue,
    RequeueAll,
    Discard,
    Unmatched,
    UnmatchedItem,
    UnmatchedContent,
    Assign,
    Reject,
    RecallRollup,
    RecallBundle,
    Calendar,
    SupplierStanding,
    Pauses,
    Pause,
    Resume,
    Timeline,
    Replay,
}

fn kind_of(route: &Route) -> Option<Kind> {
    let path = route.path;
    let get = route.method == "GET";
    Some(match () {
        () if path.ends_with("/tg/events") && !get => Kind::TgWebhook,
        () if path.ends_with("/xecm/events") && !get => Kind::XecmPush,
        () if path.ends_with("/health") && get => Kind::Health,
        () if path.ends_with("/dead-letters") && get => Kind::DeadLetters,
        () if path.ends_with("/dead-letters/{item_id}") && get => Kind::DeadLetter,
        () if path.ends_with("/dead-letters/{item_id}/requeue") && !get => Kind::Requeue,
        () if path.ends_with("/dead-letters/requeue") && !get => Kind::RequeueAll,
        () if path.ends_with("/dead-letters/{item_id}/discard") && !get => Kind::Discard,
        () if path.ends_with("/unmatched") && get => Kind::Unmatched,
        () if path.ends_with("/unmatched/{item_id}") && get => Kind::UnmatchedItem,
        () if path.ends_with("/unmatched/{item_id}/content") && get => Kind::UnmatchedContent,
        () if path.ends_with("/unmatched/{item_id}/assign") && !get => Kind::Assign,
        () if path.ends_with("/unmatched/{item_id}/reject") && !get => Kind::Reject,
        () if path.ends_with("/pauses") && get => Kind::Pauses,
        () if path.ends_with("/pause") && !get => Kind::Pause,
        () if path.ends_with("/resume") && !get => Kind::Resume,
        () if path.ends_with("/recalls/{recall_id}") && get => Kind::RecallRollup,
        () if path.ends_with("/recalls/{recall_id}/bundle") && !get => Kind::RecallBundle,
        () if path.ends_with("/calendar") && get => Kind::Calendar,
        () if path.ends_with("/suppliers/{workspace_id}") && get => Kind::SupplierStanding,
        () if path.ends_with("/timeline/{key}") && get => Kind::Timeline,
        () if path.ends_with("/inbox/{item_id}/replay") && !get => Kind::Replay,
        () => return None,
    })
}

/// The document, or the routes it cannot describe.
///
/// # Errors
/// Names every manifest route whose kind is unknown here.
pub fn document() -> Result<Value, Vec<String>> {
    let mut paths = Map::new();
    let mut unknown = Vec::new();
    for function in FUNCTIONS {
        for route in function.routes {
            let Some(kind) = kind_of(route) else {
                unknown.push(route.route_key());
                continue;
            };
            let item = paths
                .entry(route.path.to_owned())
                .or_insert_with(|| json!({}));
            item[route.method.to_ascii_lowercase()] = operation(function, route, kind);
        }
    }
    if !unknown.is_empty() {
        return Err(unknown);
    }
    Ok(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "gridlink",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "OpenText Extended ECM Business Workspaces ⇄ OpenText Trading Grid: every function's HTTP routes",
            "description": "Generated from the route manifest (shared/lambda/src/manifest.rs). One API Gateway HTTP API serves every function; each path starts with the function's name. Webhooks and pushes are authenticated by their HMAC signature headers; operator routes need a SigV4-signed request (IAM authoriser) when deployed, and nothing on the local stack."
        },
        "servers": [{"url": "http://127.0.0.1:8080", "description": "the local stack (gridlink-local up)"}],
        "tags": FUNCTIONS.iter().map(|f| json!({"name": f.name, "description": f.summary})).collect::<Vec<_>>(),
        "paths": paths,
        "components": components(),
    }))
}

fn operation(function: &FunctionSpec, route: &Route, kind: Kind) -> Value {
    let mut op = json!({
        "operationId": operation_id(route),
        "summary": route.purpose,
        "tags": [function.name],
    });
    let params: Vec<Value> = path_parameters(route.path)
        .map(|name| {
            json!({
                "name": name,
                "in": "path",
                "required": true,
                "schema": {"type": "string", "minLength": 1},
            })
        })
        .collect();
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let ok = |description: &str, schema: Value| json!({"description": description, "content": {"application/json": {"schema": schema}}});
    let operator = matches!(
        kind,
        Kind::DeadLetters
            | Kind::DeadLetter
            | Kind::Requeue
            | Kind::RequeueAll
            | Kind::Discard
            | Kind::Unmatched
            | Kind::UnmatchedItem
            | Kind::UnmatchedContent
            | Kind::Assign
            | Kind::Reject
            | Kind::RecallRollup
            | Kind::RecallBundle
            | Kind::Calendar
            | Kind::SupplierStanding
            | Kind::Pauses
            | Kind::Pause
            | Kind::Resume
            | Kind::Timeline
            | Kind::Replay
    );
    let mut parameters = params;
    let mut responses = Map::new();
    match kind {
        Kind::TgWebhook | Kind::XecmPush => {
            let (timestamp, signature, schema, what) = if kind == Kind::TgWebhook {
                ("TG-Timestamp", "TG-Signature", "TgEvent", "a TG event")
            } else {
                (
                    "X-Gridlink-Timestamp",
                    "X-Gridlink-Signature",
                    "XecmPush",
                    "a push event",
                )
            };
            parameters.extend(signature_headers(timestamp, signature));
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
            responses.insert(
                "202".into(),
                ok(
                    "Kept in the durable inbox before this answer; processed once",
                    json!({"type": "object"}),
                ),
            );
            responses.insert(
                "400".into(),
                error(&format!(
                    "The body is not {what} (the message names the field)"
                )),
            );
            responses.insert("401".into(), error("Missing, stale or wrong signature"));
            responses.insert("408".into(), error("The body did not arrive in time"));
            responses.insert(
                "413".into(),
                error("The body is larger than the route takes"),
            );
            responses.insert(
                "503".into(),
                error("Storage is down; nothing was kept — retry after Retry-After"),
            );
        }
        Kind::Health => {
            responses.insert(
                "200".into(),
                ok(
                    "The function is up; its configuration in summary",
                    json!({"type": "object"}),
                ),
            );
        }
        Kind::DeadLetters | Kind::Unmatched => {
            responses.insert(
                "200".into(),
                ok(
                    "The open items, oldest first",
                    json!({"$ref": "#/components/schemas/ItemList"}),
                ),
            );
        }
        Kind::DeadLetter | Kind::UnmatchedItem => {
            responses.insert(
                "200".into(),
                ok(
                    "The item: its status, details, the raw event and its attempts",
                    json!({"$ref": "#/components/schemas/Item"}),
                ),
            );
            responses.insert("404".into(), error("No such item"));
        }
        Kind::UnmatchedContent => {
            responses.insert(
                "200".into(),
                ok(
                    "The parked document as it arrived: its first 256 KiB as text, its size, blob key and sha256",
                    json!({
                        "type": "object",
                        "required": ["item_id", "blob_key", "size_bytes", "shown_bytes", "truncated", "encoding", "content"],
                        "properties": {
                            "item_id": {"type": "string"},
                            "blob_key": {"type": "string"},
                            "sha256": {"type": ["string", "null"]},
                            "content_type": {"type": "string"},
                            "size_bytes": {"type": "integer", "minimum": 0},
                            "shown_bytes": {"type": "integer", "minimum": 0},
                            "truncated": {"type": "boolean", "description": "Whether only the first 256 KiB are shown"},
                            "encoding": {"type": "string", "enum": ["utf-8", "utf-8-lossy"], "description": "utf-8-lossy: the bytes are not UTF-8 (e.g. an ISO-8859 EDIFACT interchange); what is not is shown as U+FFFD"},
                            "content": {"type": "string"}
                        }
                    }),
                ),
            );
            responses.insert("404".into(), error("No such item"));
        }
        Kind::Requeue => {
            responses.insert(
                "200".into(),
                ok("Requeued and processed once", json!({"type": "object"})),
            );
            responses.insert("404".into(), error("No such dead letter"));
            responses.insert("409".into(), error("The item is not dead-lettered"));
        }
        Kind::RequeueAll => {
            op["requestBody"] = json!({"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RequeueAll"}}}});
            responses.insert(
                "200".into(),
                ok(
                    "Up to a batch of dead letters (oldest first, after the cursor) requeued and processed; how many are left",
                    json!({"$ref": "#/components/schemas/RequeueAllAnswer"}),
                ),
            );
            responses.insert(
                "400".into(),
                error("The body does not read (the message names the field)"),
            );
        }
        Kind::Discard => {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Discard"}}}});
            responses.insert(
                "200".into(),
                ok(
                    "Discarded: the item, with who discarded it, when and why",
                    json!({"$ref": "#/components/schemas/Item"}),
                ),
            );
            responses.insert(
                "400".into(),
                error("The body or the item id does not read (the message names the field)"),
            );
            responses.insert("404".into(), error("No such item"));
            responses.insert("409".into(), error("The item is not dead-lettered"));
        }
        Kind::Assign => {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Assign"}}}});
            responses.insert(
                "200".into(),
                ok(
                    "Filed where assigned; the closed item",
                    json!({"$ref": "#/components/schemas/Item"}),
                ),
            );
            responses.insert("400".into(), error("The body names neither or both targets, or a bad one (the message names the field)"));
            responses.insert("404".into(), error("No such item"));
            responses.insert("409".into(), error("The item is already resolved"));
        }
        Kind::Reject => {
            op["requestBody"] = json!({"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Reject"}}}});
            responses.insert(
                "200".into(),
                ok(
                    "Rejected; the closed item",
                    json!({"$ref": "#/components/schemas/Item"}),
                ),
            );
            responses.insert("400".into(), error("The body does not read"));
            responses.insert("404".into(), error("No such item"));
            responses.insert("409".into(), error("The item is already resolved"));
        }
        Kind::RecallRollup => {
            responses.insert(
                "200".into(),
                ok(
                    "The recall's effectiveness rollup: per lot and per partner",
                    json!({"type": "object"}),
                ),
            );
            responses.insert(
                "404".into(),
                error("No recall with this id has been issued"),
            );
        }
        Kind::RecallBundle => {
            responses.insert(
                "200".into(),
                ok(
                    "The evidence bundle built from the ledger and filed in the workspace's Evidence Bundle folder (a new version only when its content changed)",
                    json!({"type": "object", "required": ["recall_id", "document_id", "name", "sha256", "size_bytes", "entries", "partners", "filed"], "properties": {
                        "recall_id": {"type": "string"},
                        "document_id": {"type": "integer"},
                        "name": {"type": "string"},
                        "sha256": {"type": "string"},
                        "size_bytes": {"type": "integer"},
                        "entries": {"type": "integer"},
                        "partners": {"type": "integer"},
                        "filed": {"type": "boolean"}
                    }}),
                ),
            );
            responses.insert(
                "404".into(),
                error("No recall with this id has been issued"),
            );
        }
        Kind::Pauses => {
            responses.insert(
                "200".into(),
                ok(
                    "The pauses in force (functions and partners) and this function's events set aside for a paused partner",
                    json!({"type": "object", "required": ["pauses", "set_aside"], "properties": {
                        "pauses": {"type": "array", "items": {"$ref": "#/components/schemas/PauseState"}},
                        "set_aside": {"type": "array", "items": {"type": "object"}}
                    }}),
                ),
            );
        }
        Kind::Pause => {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PauseRequest"}}}});
            responses.insert(
                "201".into(),
                ok(
                    "Paused now: traffic is still accepted and kept (202), not processed until resumed",
                    json!({"$ref": "#/components/schemas/PauseState"}),
                ),
            );
            responses.insert(
                "200".into(),
                ok(
                    "Already paused; nothing changed (\"already_paused\": true)",
                    json!({"$ref": "#/components/schemas/PauseState"}),
                ),
            );
            responses.insert(
                "400".into(),
                error("The body is not {\"reason\": \"…\"} with 1–500 printable characters, or the partner id is not usable"),
            );
            responses.insert("404".into(), error("Trading Grid has no such partner"));
        }
        Kind::Resume => {
            op["requestBody"] = json!({"required": false, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500}}}}}});
            responses.insert(
                "200".into(),
                ok(
                    "Resumed (or was not paused: \"was_paused\": false); what waited was processed through the normal path",
                    json!({"type": "object", "required": ["resumed", "was_paused", "inbox"], "properties": {
                        "resumed": {"type": "object"},
                        "was_paused": {"type": "boolean"},
                        "pause": {"oneOf": [{"$ref": "#/components/schemas/PauseState"}, {"type": "null"}]},
                        "inbox": {"type": "object"}
                    }}),
                ),
            );
            responses.insert(
                "400".into(),
                error("The body does not read, or the partner id is not usable"),
            );
        }
        Kind::Replay => {
            op["description"] = json!(
                "`item_id` is `{source}:{event id}` (`tg:evt_1`, `xecm:…`) or a Trading Grid event id alone (read as `tg:…`). A real replay runs the item through the normal path: effects done before are not done again (their stored results are used), so replaying a done item changes nothing where its effects happened; the item's history records the replay. A pending item is processed now. A dry run writes nothing at all (the xECM and TG clients and the ledger and blob store refuse every write inside it) and answers what a real replay would do."
            );
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Replay"}}}});
            responses.insert(
                "200".into(),
                ok(
                    "A dry run: what a real replay would do (ReplayDryRun); a real replay: the item after it, with `processed`",
                    json!({"oneOf": [{"$ref": "#/components/schemas/ReplayDryRun"}, {"$ref": "#/components/schemas/Item"}]}),
                ),
            );
            responses.insert(
                "400".into(),
                error("The body or the item id does not read (the message names the field)"),
            );
            responses.insert("404".into(), error("No such inbox item"));
            responses.insert(
                "409".into(),
                error("A real replay of a dead letter (requeue it), a discarded item, or an item a pause holds"),
            );
        }
        Kind::Timeline => {
            parameters.push(json!({"name": "limit", "in": "query", "required": false, "description": "Most entries to answer (default 100)", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}));
            parameters.push(json!({"name": "after", "in": "query", "required": false, "description": "The `cursor` of the previous page: entries after it", "schema": {"type": "string", "pattern": "^[0-9A-Za-z:._-]{24,64}$"}}));
            responses.insert(
                "200".into(),
                ok(
                    "The key's timeline entries, oldest first, from every function",
                    json!({"$ref": "#/components/schemas/Timeline"}),
                ),
            );
            responses.insert(
                "400".into(),
                error("A bad `key`, `limit` or `after` (the message names the field)"),
            );
        }
        Kind::Calendar => {
            responses.insert(
                "200".into(),
                json!({"description": "The supplier's compliance calendar (expiry and renewal dates)", "content": {"text/calendar": {"schema": {"type": "string"}}}}),
            );
            responses.insert("400".into(), error("The workspace id is not a node id"));
            responses.insert("404".into(), error("No such supplier workspace"));
        }
        Kind::SupplierStanding => {
            responses.insert(
                "200".into(),
                ok(
                    "The supplier's compliance record: `onboarding_status`, each requirement's state, validity, document and request, the history",
                    json!({"type": "object", "required": ["workspace_id", "onboarding_status", "requirements"]}),
                ),
            );
            responses.insert("400".into(), error("The workspace id is not a node id"));
            responses.insert("404".into(), error("No such supplier workspace"));
        }
    }
    responses.insert(
        "5XX".into(),
        error("An outage of xECM, Trading Grid or storage (transient; 503 carries Retry-After)"),
    );
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    op["responses"] = Value::Object(responses);
    if operator {
        op["security"] = json!([{"sigv4": []}]);
    } else if matches!(kind, Kind::Health) {
        op["security"] = json!([]);
    } else {
        op["security"] = json!([{"signature": []}]);
    }
    op
}

fn signature_headers(timestamp: &str, signature: &str) -> [Value; 2] {
    [
        json!({"name": timestamp, "in": "header", "required": true, "description": "Unix seconds when the sender signed; outside the tolerance window → 401", "schema": {"type": "string", "pattern": "^[0-9]+$"}}),
        json!({"name": signature, "in": "header", "required": true, "description": format!("v1=<hex HMAC-SHA256 of \"{{{timestamp}}}.{{raw body}}\">"), "schema": {"type": "string"}}),
    ]
}

fn path_parameters(path: &'static str) -> impl Iterator<Item = &'static str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}

fn operation_id(route: &Route) -> String {
    let mut id = route.method.to_ascii_lowercase();
    for part in route.path.split(['/', '-', '{', '}', '_']) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.extend(chars);
        }
    }
    id
}

fn components() -> Value {
    json!({
        "securitySchemes": {
            "sigv4": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "AWS SigV4 (API Gateway IAM authoriser) when deployed; not checked on the local stack"},
            "signature": {"type": "apiKey", "in": "header", "name": "TG-Signature", "description": "HMAC signature of the body (TG-Signature for Trading Grid webhooks, X-Gridlink-Signature for xECM pushes)"}
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "string", "enum": ["invalid_request", "unauthorized", "forbidden", "not_found", "conflict", "payload_too_large", "unprocessable", "rate_limited", "unavailable", "held", "internal", "not_implemented"]},
                    "message": {"type": "string", "description": "What was wrong, naming the field"}
                }}}
            },
            "TgEvent": {
                "type": "object",
                "description": "A Trading Grid event (docs/trading-grid-api.md, Webhooks)",
                "required": ["event_id", "event_type", "occurred_at", "tenant_id", "data"],
                "properties": {
                    "event_id": {"type": "string", "minLength": 1},
                    "event_type": {"type": "string", "minLength": 1},
                    "occurred_at": {"type": "string", "format": "date-time"},
                    "tenant_id": {"type": "string", "minLength": 1},
                    "data": {"type": "object"}
                }
            },
            "XecmPush": {
                "type": "object",
                "description": "A push from xECM (Event Action Center, WebReport or workflow step)",
                "required": ["event_type", "node_id", "occurred_at"],
                "properties": {
                    "event_type": {"type": "string", "minLength": 1, "description": "Free text, printable; what happened"},
                    "node_id": {"type": "integer", "minimum": 1},
                    "workspace_id": {"type": "integer", "minimum": 1},
                    "occurred_at": {"type": "string", "format": "date-time"}
                }
            },
            "PauseRequest": {
                "type": "object",
                "additionalProperties": false,
                "required": ["reason"],
                "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500, "description": "Why, for the next operator (printable text)"}}
            },
            "PauseState": {
                "type": "object",
                "required": ["target", "status", "reason", "paused_at"],
                "properties": {
                    "target": {"type": "object", "description": "{\"function\": name} or {\"partner_id\": id}"},
                    "status": {"type": "string", "enum": ["active", "resumed"]},
                    "reason": {"type": "string"},
                    "paused_at": {"type": "string", "format": "date-time"},
                    "resumed_at": {"type": "string", "format": "date-time"},
                    "edi_addresses": {"type": "array", "items": {"type": "string"}, "description": "A partner's EDI addresses (QUALIFIER:ID) from Trading Grid: a document from any of them is held too"},
                    "already_paused": {"type": "boolean"}
                }
            },
            "Item": {
                "type": "object",
                "required": ["item_id", "status"],
                "properties": {"item_id": {"type": "string"}, "status": {"type": "string"}, "details": {"type": "object"}}
            },
            "ItemList": {
                "type": "object",
                "required": ["items"],
                "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}
            },
            "Assign": {
                "type": "object",
                "description": "Exactly one of po_number or workspace_id",
                "properties": {
                    "po_number": {"type": "string", "minLength": 1},
                    "workspace_id": {"type": "integer", "minimum": 1},
                    "comment": {"type": "string"}
                },
                "additionalProperties": false
            },
            "Replay": {
                "type": "object",
                "required": ["dry_run"],
                "properties": {"dry_run": {"type": "boolean", "description": "true: show what a replay would do and write nothing; false: replay"}},
                "additionalProperties": false
            },
            "ReplayDryRun": {
                "type": "object",
                "required": ["item_id", "status", "dry_run", "verdict", "would_be_done", "already_done", "would", "would_record", "would_stage"],
                "properties": {
                    "item_id": {"type": "string"},
                    "status": {"type": "string"},
                    "dry_run": {"const": true},
                    "verdict": {"type": "string", "enum": ["done", "stops_at_a_write", "fails"], "description": "done: the whole path ran (with nothing in `would`, a real replay changes nothing); stops_at_a_write: a real replay would make the writes in `would` and go on; fails: the path fails before any write (`stopped` says why)"},
                    "would_be_done": {"type": "boolean"},
                    "already_done": {"type": "array", "items": {"type": "object", "properties": {"effect": {"type": "string"}, "result": {}}}},
                    "would": {"type": "array", "items": {"type": "object", "properties": {"effect": {"type": ["string", "null"]}, "system": {"type": "string", "enum": ["xecm", "tg", "ledger", "blobs"]}, "method": {"type": "string"}, "path": {"type": "string"}, "summary": {"type": "string"}}}},
                    "would_record": {"type": "array", "items": {"type": "object"}},
                    "would_stage": {"type": "array", "description": "Working copies a real replay would write to the blob store (held in memory by the dry run)", "items": {"type": "object", "properties": {"key": {"type": "string"}, "size": {"type": "integer"}}}},
                    "outcome": {},
                    "stopped": {"type": ["string", "null"]}
                }
            },
            "Discard": {
                "type": "object",
                "required": ["reason"],
                "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500, "description": "Why the dead letter is discarded: 1–500 printable characters, kept on the item"}},
                "additionalProperties": false
            },
            "RequeueAll": {
                "type": "object",
                "description": "Empty, or the cursor of the previous call's answer",
                "properties": {"after": {"type": "string", "minLength": 1, "description": "Requeue only dead letters after this one (`next_after` of the previous answer): a dead letter that fails again is not taken twice in one pass"}},
                "additionalProperties": false
            },
            "RequeueAllAnswer": {
                "type": "object",
                "required": ["requeued", "items", "remaining", "more_remaining", "next_after"],
                "properties": {
                    "requeued": {"type": "integer", "minimum": 0},
                    "items": {"type": "array", "items": {"type": "object", "required": ["item_id", "processed"], "properties": {"item_id": {"type": "string"}, "processed": {"type": "string", "enum": ["done", "pending", "dead_letter", "queued"]}}}},
                    "remaining": {"type": "integer", "minimum": 0, "description": "Dead letters after next_after, not taken by this call (counted up to 100)"},
                    "more_remaining": {"type": "boolean", "description": "More than 100 remain"},
                    "next_after": {"type": ["string", "null"], "description": "The cursor for the next call; null when nothing was requeued"}
                }
            },
            "Timeline": {
                "type": "object",
                "required": ["key", "entries", "more", "cursor"],
                "properties": {
                    "key": {"type": "string", "description": "The key as read: `{kind}:{value}`, kind one of po, shipment, bol, invoice, case, contract, supplier, recall, partner, exception"},
                    "entries": {"type": "array", "items": {"$ref": "#/components/schemas/TimelineEntry"}},
                    "more": {"type": "boolean", "description": "Whether entries follow this page"},
                    "cursor": {"type": ["string", "null"], "description": "When `more`: pass as `after` for the next page"}
                }
            },
            "TimelineEntry": {
                "type": "object",
                "required": ["at", "key", "function", "kind"],
                "properties": {
                    "at": {"type": "string", "format": "date-time", "description": "When it happened (UTC, milliseconds)"},
                    "key": {"type": "string"},
                    "function": {"type": "string", "description": "The function that recorded it"},
                    "kind": {"type": "string", "enum": ["received", "done", "failed", "dead_letter", "requeued", "discarded", "effect", "effect_failed", "unmatched", "unmatched_closed", "sync_failed"]},
                    "system": {"type": "string", "enum": ["tg", "xecm", "gridlink"], "description": "Where it happened"},
                    "item_id": {"type": "string", "description": "The inbox item (`{source}:{event id}`) or unmatched item"},
                    "event_id": {"type": "string"},
                    "event_type": {"type": "string"},
                    "effect": {"type": "string", "description": "The effect's kind (`xecm-file`, `tg-ack`, …)"},
                    "effect_key": {"type": "string", "description": "The effect's business identity"},
                    "claimed_at": {"type": ["string", "null"], "format": "date-time"},
                    "ids": {"type": "object", "description": "Ids in each system the entry names (xECM node ids are numbers, TG ids texts): `{\"xecm\": {\"document_id\": 123}, \"tg\": {\"document_id\": \"doc_…\"}}`"},
                    "result": {"description": "What the effect answered (cut to a size note beyond 4 KB)"},
                    "outcome": {"description": "What processing the item came to (`done`)"},
                    "error": {"type": "string", "description": "Why the attempt failed (`failed`, `dead_letter`)"},
                    "attempts": {"type": "integer"}
                }
            },
            "Reject": {
                "type": "object",
                "properties": {"comment": {"type": "string"}},
                "additionalProperties": false
            }
        }
    })
}

/// The document as `docs/openapi.json` holds it: pretty-printed, with a final newline.
///
/// # Panics
/// If a manifest route has a kind this module does not describe.
pub fn document_text() -> String {
    let document = document().unwrap_or_else(|unknown| {
        panic!("routes the OpenAPI document does not describe: {unknown:?}")
    });
    let mut text = serde_json::to_string_pretty(&document).expect("JSON serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMITTED: &str = include_str!("../../../docs/openapi.json");

    #[test]
    fn every_manifest_route_is_described() {
        let document = document().expect("every route has a known kind");
        for function in FUNCTIONS {
            for route in function.routes {
                let op = &document["paths"][route.path][route.method.to_ascii_lowercase()];
                assert!(
                    op.is_object(),
                    "{} is not in the document",
                    route.route_key()
                );
                assert_eq!(op["summary"], route.purpose);
            }
        }
        let described: usize = document["paths"]
            .as_object()
            .expect("paths")
            .values()
            .map(|item| item.as_object().expect("a path item").len())
            .sum();
        let routes: usize = FUNCTIONS.iter().map(|f| f.routes.len()).sum();
        assert_eq!(
            described, routes,
            "the document describes exactly the manifest's routes"
        );
    }

    #[test]
    fn a_route_of_an_unknown_kind_is_refused() {
        let route = Route {
            method: "DELETE",
            path: "/case-collab/everything",
            purpose: "nothing this module knows",
        };
        assert_eq!(kind_of(&route), None);
    }

    #[test]
    fn docs_openapi_json_is_the_generated_document() {
        let generated = document_text();
        if std::env::var_os("GRIDLINK_WRITE_OPENAPI").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
            std::fs::write(path, &generated).expect("docs/openapi.json written");
            return;
        }
        assert!(
            COMMITTED == generated,
            "docs/openapi.json differs from the route manifest; regenerate it with \
             GRIDLINK_WRITE_OPENAPI=1 cargo test --workspace --lib openapi"
        );
    }
}
