//! Every bad input is a 4xx at the door (issue 20, item 5): a table of bad requests — empty,
//! invalid, oversized and wrongly typed bodies, unicode and control characters in free text
//! and headers, out-of-range numbers, missing or garbled signatures, the wrong method or
//! content type — sent over real HTTP through the local API Gateway emulation
//! (`gridlink_local::gateway`) to every function, built as the runner builds them, on both
//! storage stacks. For every route **of the manifest** (a route without a table entry fails
//! [`every_manifest_route_has_bad_input_cases`]):
//! - never a 5xx (there is no outage here);
//! - a case that must be refused gets a 4xx whose body names the field (or header) to fix;
//! - a case the door may accept (free text, unknown fields) and that got a 2xx leaves no dead
//!   letter behind: nothing is answered 2xx that the inbox then fails. A push about a node xECM
//!   does not have (which the door cannot judge: it may announce a deletion) is processed and,
//!   when the use case finds nothing to do with a missing node, recorded as skipped — done, not
//!   a dead letter ([`a_push_about_a_node_xecm_does_not_have_is_skipped_never_dead_lettered`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use gridlink_lambda::{FUNCTIONS, Handler};
use gridlink_local::gateway::{Gateway, MAX_BODY_BYTES};
use gridlink_tests::stack::{PUSH_SECRET, Stack, WEBHOOK_SECRET};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

/// What a case must get.
#[derive(Debug, Clone)]
enum Expect {
    /// A 4xx whose body names this field or header.
    Refused(&'static str),
    /// Exactly this status (the gateway's own answers: 404 no route, 413 too large).
    Status(u16),
    /// Not found (404) or refused naming this path parameter (400).
    Unknown(&'static str),
    /// A 2xx (and no dead letter afterwards) or a 4xx: anything but a 5xx.
    NoServerError,
    /// A 2xx, and no dead letter afterwards.
    Accepted,
}

/// How a case's request is signed.
#[derive(Debug, Clone)]
enum Sign {
    /// No signature headers.
    None,
    /// As Trading Grid signs webhooks.
    Tg,
    /// As xECM pushes are signed.
    Push,
    /// The TG headers with these values.
    TgHeaders(Vec<u8>, Vec<u8>),
    /// The push headers with these values.
    PushHeaders(Vec<u8>, Vec<u8>),
}

#[derive(Debug, Clone)]
struct Case {
    what: String,
    method: Option<&'static str>,
    param: Option<String>,
    body: Vec<u8>,
    sign: Sign,
    content_type: &'static [u8],
    extra_header: Option<(&'static str, Vec<u8>)>,
    expect: Expect,
}

impl Case {
    fn new(what: impl Into<String>, body: impl Into<Vec<u8>>, expect: Expect) -> Self {
        Self {
            what: what.into(),
            method: None,
            param: None,
            body: body.into(),
            sign: Sign::None,
            content_type: b"application/json",
            extra_header: None,
            expect,
        }
    }
    fn signed(mut self, sign: Sign) -> Self {
        self.sign = sign;
        self
    }
    fn method(mut self, method: &'static str) -> Self {
        self.method = Some(method);
        self
    }
    fn param(mut self, value: impl Into<String>) -> Self {
        self.param = Some(value.into());
        self
    }
    fn content_type(mut self, value: &'static [u8]) -> Self {
        self.content_type = value;
        self
    }
    fn header(mut self, name: &'static str, value: impl Into<Vec<u8>>) -> Self {
        self.extra_header = Some((name, value.into()));
        self
    }
}

static EVENT: AtomicUsize = AtomicUsize::new(0);

/// A node id xECM (the simulator with the demo seed) does not have.
const MISSING_NODE: i64 = 987_654_321;

fn event_id() -> String {
    format!("evt_bad_{}", EVENT.fetch_add(1, Ordering::SeqCst))
}

/// A well-formed TG event of an unknown type (every use case ignores it), with `changes`.
fn tg_event(changes: &Value) -> Vec<u8> {
    let mut event = json!({
        "event_id": event_id(),
        "event_type": "gridlink.bad_input_probe",
        "occurred_at": "2026-11-24T10:00:00Z",
        "tenant_id": "buyerco",
        "data": {},
    });
    merge(&mut event, changes);
    serde_json::to_vec(&event).expect("json")
}

/// A well-formed xECM push about an existing node (the Enterprise volume, 2000, which lies in
/// no business workspace, so every use case ignores it), a distinct event each time, with
/// `changes`.
fn push(changes: &Value) -> Vec<u8> {
    let n = EVENT.fetch_add(1, Ordering::SeqCst);
    let mut event = json!({
        "event_type": "document.changed",
        "node_id": 2000,
        "occurred_at": format!("2026-11-24T{:02}:{:02}:{:02}Z", 10 + n / 3600 % 12, n / 60 % 60, n % 60),
    });
    merge(&mut event, changes);
    serde_json::to_vec(&event).expect("json")
}

fn merge(event: &mut Value, changes: &Value) {
    for (k, v) in changes.as_object().expect("changes are an object") {
        if v == &json!("<remove>") {
            event.as_object_mut().expect("an object").remove(k);
        } else {
            event[k] = v.clone();
        }
    }
}

fn oversized() -> Vec<u8> {
    let mut body = b"{\"comment\":\"".to_vec();
    body.resize(MAX_BODY_BYTES + 1, b'x');
    body
}

/// A JSON body the route must refuse with `400`, naming `field`.
#[allow(clippy::needless_pass_by_value)] // every caller passes a `json!(…)` it builds in place
fn refused(what: &str, body: Value, field: &'static str) -> Case {
    Case::new(
        what,
        serde_json::to_vec(&body).expect("json"),
        Expect::Refused(field),
    )
}

/// Bodies every POST route refuses as not JSON (the field named is `body`).
fn unreadable_bodies(sign: &Sign) -> Vec<Case> {
    vec![
        Case::new("empty body", Vec::new(), Expect::Refused("body")).signed(sign.clone()),
        Case::new(
            "invalid JSON",
            b"{\"event_id\":".to_vec(),
            Expect::Refused("body"),
        )
        .signed(sign.clone()),
        Case::new("a JSON array", b"[1,2]".to_vec(), Expect::Refused("body")).signed(sign.clone()),
        Case::new(
            "a JSON string",
            b"\"hello\"".to_vec(),
            Expect::Refused("body"),
        )
        .signed(sign.clone()),
        Case::new(
            "invalid UTF-8",
            b"{\"a\":\"\xff\xfe\"}".to_vec(),
            Expect::Refused("body"),
        )
        .signed(sign.clone()),
        Case::new(
            "invalid JSON as text/plain",
            b"not json".to_vec(),
            Expect::Refused("body"),
        )
        .signed(sign.clone())
        .content_type(b"text/plain"),
        Case::new("oversized body", oversized(), Expect::Status(413)).signed(sign.clone()),
        Case::new("wrong method", Vec::new(), Expect::Status(404)).method("PUT"),
    ]
}

fn tg_cases() -> Vec<Case> {
    let refused = |what: &str, changes: Value, field| {
        Case::new(what, tg_event(&changes), Expect::Refused(field)).signed(Sign::Tg)
    };
    let fine = |what: &str, changes: Value| {
        Case::new(what, tg_event(&changes), Expect::NoServerError).signed(Sign::Tg)
    };
    let mut cases = unreadable_bodies(&Sign::Tg);
    cases.extend([
        refused("event_id a number", json!({"event_id": 5}), "event_id"),
        refused(
            "event_id missing",
            json!({"event_id": "<remove>"}),
            "event_id",
        ),
        refused(
            "event_id unicode",
            json!({"event_id": "evt_geändert"}),
            "event_id",
        ),
        refused(
            "event_id with NUL",
            json!({"event_id": "evt\u{0}1"}),
            "event_id",
        ),
        refused(
            "event_id path",
            json!({"event_id": "../../etc"}),
            "event_id",
        ),
        refused(
            "event_id 300 chars",
            json!({"event_id": "e".repeat(300)}),
            "event_id",
        ),
        refused(
            "event_type a number",
            json!({"event_type": 7}),
            "event_type",
        ),
        refused(
            "event_type missing",
            json!({"event_type": "<remove>"}),
            "event_type",
        ),
        refused(
            "occurred_at not a time",
            json!({"occurred_at": "yesterday"}),
            "occurred_at",
        ),
        refused(
            "occurred_at a number",
            json!({"occurred_at": 1_795_000_000}),
            "occurred_at",
        ),
        refused("tenant_id an object", json!({"tenant_id": {}}), "tenant_id"),
        refused("data missing", json!({"data": "<remove>"}), "data"),
        refused(
            "document.received without a document",
            json!({"event_type": "document.received", "data": {"document_id": 5}}),
            "data",
        ),
        refused(
            "message.posted with text data",
            json!({"event_type": "message.posted", "data": "hello"}),
            "data",
        ),
        refused(
            "partner.updated with a list",
            json!({"event_type": "partner.updated", "data": [1]}),
            "data",
        ),
        fine(
            "event_type free unicode text",
            json!({"event_type": "Dokument geändert"}),
        ),
        fine(
            "event_type with control characters",
            json!({"event_type": "Dokument\u{7}\u{0}geändert"}),
        ),
        fine(
            "event_type 10 000 chars",
            json!({"event_type": "x".repeat(10_000)}),
        ),
        fine("tenant_id unicode", json!({"tenant_id": "käufer\u{1}"})),
        fine("unknown extra fields", json!({"extra": {"nested": [1, 2]}})),
        Case::new(
            "valid body as text/plain",
            tg_event(&json!({})),
            Expect::NoServerError,
        )
        .signed(Sign::Tg)
        .content_type(b"text/plain; charset=\xc3\xa4"),
        Case::new(
            "unsigned",
            tg_event(&json!({})),
            Expect::Refused("TG-Timestamp"),
        ),
        Case::new("push-signed", tg_event(&json!({})), Expect::Refused("TG-")).signed(Sign::Push),
    ]);
    cases.extend(garbled_signatures(true));
    cases
}

/// Signs with garbled header values.
type MakeSign = fn(Vec<u8>, Vec<u8>) -> Sign;

fn garbled_signatures(tg: bool) -> Vec<Case> {
    let (named, make): (&'static str, MakeSign) = if tg {
        ("TG-", Sign::TgHeaders)
    } else {
        ("X-Gridlink-", Sign::PushHeaders)
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
    let body = || {
        if tg {
            tg_event(&json!({}))
        } else {
            push(&json!({}))
        }
    };
    [
        ("timestamp words", b"yesterday".to_vec(), b"v1=00".to_vec()),
        ("timestamp 0", b"0".to_vec(), b"v1=00".to_vec()),
        ("timestamp -5", b"-5".to_vec(), b"v1=00".to_vec()),
        (
            "timestamp i64::MAX",
            i64::MAX.to_string().into_bytes(),
            b"v1=00".to_vec(),
        ),
        (
            "timestamp i64::MIN",
            i64::MIN.to_string().into_bytes(),
            b"v1=00".to_vec(),
        ),
        (
            "timestamp unicode",
            "１７９５".as_bytes().to_vec(),
            b"v1=00".to_vec(),
        ),
        (
            "signature not hex",
            now.clone().into_bytes(),
            b"v1=zz".to_vec(),
        ),
        (
            "signature another scheme",
            now.clone().into_bytes(),
            b"sha256=abcd".to_vec(),
        ),
        ("signature empty", now.clone().into_bytes(), Vec::new()),
        (
            "signature non-ASCII",
            now.clone().into_bytes(),
            b"v1=\xc3\xa4\xff".to_vec(),
        ),
        (
            "signature wrong",
            now.clone().into_bytes(),
            format!("v1={}", "ab".repeat(32)).into_bytes(),
        ),
        (
            "signature 10 000 parts",
            now.into_bytes(),
            "v1=00,".repeat(10_000).into_bytes(),
        ),
    ]
    .into_iter()
    .map(|(what, timestamp, signature)| {
        Case::new(what, body(), Expect::Refused(named)).signed(make(timestamp, signature))
    })
    .collect()
}

fn push_cases() -> Vec<Case> {
    let refused = |what: &str, changes: Value, field| {
        Case::new(what, push(&changes), Expect::Refused(field)).signed(Sign::Push)
    };
    let fine = |what: &str, changes: Value| {
        Case::new(what, push(&changes), Expect::Accepted).signed(Sign::Push)
    };
    let mut cases = unreadable_bodies(&Sign::Push);
    cases.extend([
        refused("node_id 0", json!({"node_id": 0}), "node_id"),
        refused("node_id -5", json!({"node_id": -5}), "node_id"),
        refused("node_id i64::MIN", json!({"node_id": i64::MIN}), "node_id"),
        refused(
            "node_id above i64::MAX",
            json!({"node_id": u64::MAX}),
            "node_id",
        ),
        refused("node_id 1.5", json!({"node_id": 1.5}), "node_id"),
        refused("node_id a string", json!({"node_id": "123"}), "node_id"),
        refused("node_id missing", json!({"node_id": "<remove>"}), "node_id"),
        refused("workspace_id 0", json!({"workspace_id": 0}), "workspace_id"),
        refused(
            "workspace_id -5",
            json!({"workspace_id": -5}),
            "workspace_id",
        ),
        refused(
            "workspace_id a string",
            json!({"workspace_id": "ws"}),
            "workspace_id",
        ),
        refused("event_type empty", json!({"event_type": ""}), "event_type"),
        refused(
            "event_type blank",
            json!({"event_type": " \t "}),
            "event_type",
        ),
        refused(
            "event_type with NUL",
            json!({"event_type": "a\u{0}b"}),
            "event_type",
        ),
        refused(
            "event_type with BEL",
            json!({"event_type": "geändert\u{7}"}),
            "event_type",
        ),
        refused(
            "event_type 300 chars",
            json!({"event_type": "x".repeat(300)}),
            "event_type",
        ),
        refused(
            "event_type a number",
            json!({"event_type": 5}),
            "event_type",
        ),
        refused(
            "event_type missing",
            json!({"event_type": "<remove>"}),
            "event_type",
        ),
        refused(
            "occurred_at not a time",
            json!({"occurred_at": "2026-13-45"}),
            "occurred_at",
        ),
        refused(
            "occurred_at missing",
            json!({"occurred_at": "<remove>"}),
            "occurred_at",
        ),
        fine(
            "node_id i64::MAX (no such node)",
            json!({"node_id": i64::MAX}),
        ),
        fine("node_id of no node", json!({"node_id": MISSING_NODE})),
        fine(
            "workspace_id i64::MAX (no such node)",
            json!({"workspace_id": i64::MAX}),
        ),
        fine(
            "both ids of no node",
            json!({"node_id": MISSING_NODE, "workspace_id": i64::MAX}),
        ),
        fine(
            "event_type free unicode text",
            json!({"event_type": "Dokument geändert ✓"}),
        ),
        fine("unknown extra fields", json!({"extra": [1]})),
        Case::new(
            "valid body as text/plain",
            push(&json!({})),
            Expect::NoServerError,
        )
        .signed(Sign::Push)
        .content_type(b"text/plain"),
        Case::new(
            "unsigned",
            push(&json!({})),
            Expect::Refused("X-Gridlink-Timestamp"),
        ),
        Case::new(
            "TG-signed",
            push(&json!({})),
            Expect::Refused("X-Gridlink-"),
        )
        .signed(Sign::Tg),
    ]);
    cases.extend(garbled_signatures(false));
    cases
}

/// Values of a path parameter that name nothing: out-of-range numbers, unicode, control
/// characters (percent-encoded, as a client sends them).
fn bad_params(name: &'static str) -> Vec<Case> {
    [
        "0",
        "-5",
        "9223372036854775807",
        "99999999999999999999999",
        "1.5",
        "nope",
        "tg:evt_never_seen",
        "um_never_seen",
        "geändert",
        "%00",
        "%0A%0D",
        "a%2Fb",
        "%F0%9F%92%A5",
        "x%23y",
    ]
    .into_iter()
    .map(|value| {
        Case::new(format!("{name} {value}"), Vec::new(), Expect::Unknown(name)).param(value)
    })
    .collect()
}

fn get_cases(param: Option<&'static str>) -> Vec<Case> {
    let mut cases = vec![
        Case::new(
            "a body on a GET",
            b"{\"x\":".to_vec(),
            Expect::NoServerError,
        )
        .header("x-note", "geändert\u{1}".as_bytes().to_vec()),
        Case::new("a non-ASCII header", Vec::new(), Expect::NoServerError)
            .header("x-note", b"\xc3\xa4\xff".to_vec()),
        Case::new("wrong method", Vec::new(), Expect::Status(404)).method("DELETE"),
    ];
    if let Some(name) = param {
        cases.extend(bad_params(name));
    }
    cases
}

fn assign_cases() -> Vec<Case> {
    let mut cases = unreadable_bodies(&Sign::None);
    cases.extend([
        refused("no target", json!({}), "po_number"),
        refused(
            "both targets",
            json!({"po_number": "4500001235", "workspace_id": 2051}),
            "workspace_id",
        ),
        refused("workspace_id 0", json!({"workspace_id": 0}), "workspace_id"),
        refused(
            "workspace_id -5",
            json!({"workspace_id": -5}),
            "workspace_id",
        ),
        refused(
            "workspace_id above i64::MAX",
            json!({"workspace_id": u64::MAX}),
            "workspace_id",
        ),
        refused(
            "workspace_id a string",
            json!({"workspace_id": "2051"}),
            "workspace_id",
        ),
        refused(
            "workspace_id 1.5",
            json!({"workspace_id": 1.5}),
            "workspace_id",
        ),
        refused(
            "po_number a number",
            json!({"po_number": 4_500_001_235_u64}),
            "po_number",
        ),
        refused("po_number empty", json!({"po_number": " "}), "po_number"),
        refused(
            "po_number unicode",
            json!({"po_number": "PO-geändert"}),
            "po_number",
        ),
        refused(
            "po_number with NUL",
            json!({"po_number": "PO\u{0}1"}),
            "po_number",
        ),
        refused(
            "po_number 36 chars",
            json!({"po_number": "1".repeat(36)}),
            "po_number",
        ),
        refused(
            "an unknown field",
            json!({"po_numbr": "4500001235"}),
            "po_numbr",
        ),
        Case::new(
            "a valid target for an unknown item",
            br#"{"workspace_id": 9223372036854775807}"#.to_vec(),
            Expect::Unknown("item_id"),
        ),
    ]);
    cases.extend(bad_params("item_id").into_iter().map(|mut c| {
        c.body = br#"{"po_number":"4500001235"}"#.to_vec();
        c
    }));
    cases
}

fn reject_cases() -> Vec<Case> {
    let mut cases: Vec<Case> = unreadable_bodies(&Sign::None)
        .into_iter()
        .filter(|c| c.what != "empty body") // an empty reject body is a reject without comment
        .collect();
    cases.extend([
        refused("comment a number", json!({"comment": 5}), "comment"),
        refused(
            "comment an object",
            json!({"comment": {"text": "x"}}),
            "comment",
        ),
        refused(
            "comment 3 000 chars",
            json!({"comment": "x".repeat(3000)}),
            "comment",
        ),
        refused(
            "an unknown field",
            json!({"reason": "wrong partner"}),
            "reason",
        ),
        Case::new(
            "a unicode comment for an unknown item",
            serde_json::to_vec(&json!({"comment": "geändert\u{0}✓"})).expect("json"),
            Expect::Unknown("item_id"),
        ),
    ]);
    cases.extend(bad_params("item_id"));
    cases
}

fn requeue_cases() -> Vec<Case> {
    let mut cases = bad_params("item_id");
    cases.push(
        Case::new(
            "garbage body",
            b"\xff\x00".to_vec(),
            Expect::Unknown("item_id"),
        )
        .param("tg:evt_never_seen"),
    );
    cases.push(Case::new("wrong method", Vec::new(), Expect::Status(404)).method("GET"));
    cases
}

fn bundle_cases() -> Vec<Case> {
    let mut cases = bad_params("recall_id");
    cases.extend([
        Case::new(
            "a recall never issued",
            Vec::new(),
            Expect::Unknown("recall_id"),
        )
        .param("RC-NEVER-ISSUED"),
        Case::new(
            "garbage body, a recall never issued",
            b"\xff\x00".to_vec(),
            Expect::Unknown("recall_id"),
        )
        .param("RC-NEVER-ISSUED"),
        Case::new("wrong method", Vec::new(), Expect::Status(404)).method("PUT"),
    ]);
    cases
}

fn discard_cases() -> Vec<Case> {
    let mut cases = unreadable_bodies(&Sign::None);
    cases.extend([
        refused("reason missing", json!({}), "reason"),
        refused("reason null", json!({"reason": null}), "reason"),
        refused("reason empty", json!({"reason": ""}), "reason"),
        refused("reason only spaces", json!({"reason": "   "}), "reason"),
        refused("reason a number", json!({"reason": 5}), "reason"),
        refused("reason an array", json!({"reason": ["x"]}), "reason"),
        refused(
            "reason 501 chars",
            json!({"reason": "x".repeat(501)}),
            "reason",
        ),
        refused(
            "reason with a line break",
            json!({"reason": "wrong\npartner"}),
            "reason",
        ),
        refused("reason with NUL", json!({"reason": "a\u{0}b"}), "reason"),
        refused(
            "an unknown field",
            json!({"reason": "duplicate", "comment": "x"}),
            "comment",
        ),
        Case::new(
            "a unicode reason of 500 chars for an unknown item",
            serde_json::to_vec(&json!({"reason": "✓".repeat(500)})).expect("json"),
            Expect::Unknown("item_id"),
        ),
        Case::new(
            "a valid reason for an item never seen",
            serde_json::to_vec(&json!({"reason": "geändert: duplicate of INV-7"})).expect("json"),
            Expect::Unknown("item_id"),
        )
        .param("tg:evt_never_seen"),
    ]);
    cases.extend(bad_params("item_id").into_iter().map(|mut c| {
        c.body = br#"{"reason":"duplicate"}"#.to_vec();
        c
    }));
    cases
}

fn requeue_all_cases() -> Vec<Case> {
    let mut cases: Vec<Case> = unreadable_bodies(&Sign::None)
        .into_iter()
        .filter(|c| c.what != "empty body") // an empty body requeues from the start
        .collect();
    cases.extend([
        refused("after a number", json!({"after": 5}), "after"),
        refused("after empty", json!({"after": ""}), "after"),
        refused("after with a line break", json!({"after": "a\nb"}), "after"),
        refused("an unknown field", json!({"limit": 1000}), "limit"),
        Case::new("no body", Vec::new(), Expect::Accepted),
        Case::new("an empty object", b"{}".to_vec(), Expect::Accepted),
        Case::new(
            "a cursor past everything",
            serde_json::to_vec(&json!({"after": "9999-geändert✓"})).expect("json"),
            Expect::Accepted,
        ),
    ]);
    cases
}

fn pause_cases(param: Option<&'static str>) -> Vec<Case> {
    let mut cases = unreadable_bodies(&Sign::None);
    cases.extend([
        refused("no reason", json!({}), "reason"),
        refused("reason empty", json!({"reason": " "}), "reason"),
        refused("reason a number", json!({"reason": 5}), "reason"),
        refused(
            "reason 501 chars",
            json!({"reason": "x".repeat(501)}),
            "reason",
        ),
        refused("reason with NUL", json!({"reason": "a\u{0}b"}), "reason"),
        refused(
            "an unknown field",
            json!({"reason": "x", "until": "2027-01-01"}),
            "until",
        ),
    ]);
    if let Some(name) = param {
        // The body cases name a real partner: only the body is wrong.
        cases = with_param(cases, "prt_acme");
        cases.extend(bad_params(name).into_iter().map(|mut c| {
            c.body = br#"{"reason":"bad input run"}"#.to_vec();
            c
        }));
    }
    cases
}

fn with_param(cases: Vec<Case>, value: &str) -> Vec<Case> {
    cases.into_iter().map(|c| c.param(value)).collect()
}

fn resume_cases(param: Option<&'static str>) -> Vec<Case> {
    let mut cases: Vec<Case> = unreadable_bodies(&Sign::None)
        .into_iter()
        .filter(|c| c.what != "empty body") // an empty body is a resume without comment
        .collect();
    cases.extend([
        refused("reason empty", json!({"reason": ""}), "reason"),
        refused("an unknown field", json!({"why": "x"}), "why"),
    ]);
    if let Some(name) = param {
        cases = with_param(cases, "prt_acme");
        cases.extend(bad_params(name));
    }
    cases
}

fn replay_cases() -> Vec<Case> {
    let mut cases = unreadable_bodies(&Sign::None);
    cases.extend([
        refused("dry_run missing", json!({}), "dry_run"),
        refused("dry_run null", json!({"dry_run": null}), "dry_run"),
        refused("dry_run a string", json!({"dry_run": "true"}), "dry_run"),
        refused("dry_run a number", json!({"dry_run": 1}), "dry_run"),
        refused(
            "an unknown field",
            json!({"dry_run": true, "force": true}),
            "force",
        ),
        Case::new(
            "a dry run of an item never seen",
            br#"{"dry_run": true}"#.to_vec(),
            Expect::Unknown("item_id"),
        )
        .param("tg:evt_never_seen"),
        Case::new(
            "a replay of a TG event id never seen",
            br#"{"dry_run": false}"#.to_vec(),
            Expect::Unknown("item_id"),
        )
        .param("evt_never_seen"),
    ]);
    cases.extend(bad_params("item_id").into_iter().map(|mut c| {
        c.body = br#"{"dry_run":true}"#.to_vec();
        c
    }));
    cases
}

/// The table: the cases of each route template (relative to the function), or `None` for a
/// route the table does not know yet.
fn cases(template: &str) -> Option<Vec<Case>> {
    Some(match template {
        "tg/events" => tg_cases(),
        "xecm/events" => push_cases(),
        "health" | "dead-letters" | "unmatched" | "pauses" => get_cases(None),
        "pause" => pause_cases(None),
        "resume" => resume_cases(None),
        "partners/{partner_id}/pause" => pause_cases(Some("partner_id")),
        "partners/{partner_id}/resume" => resume_cases(Some("partner_id")),
        "dead-letters/{item_id}" | "unmatched/{item_id}" | "unmatched/{item_id}/content" => {
            get_cases(Some("item_id"))
        }
        "dead-letters/{item_id}/requeue" => requeue_cases(),
        "dead-letters/requeue" => requeue_all_cases(),
        "dead-letters/{item_id}/discard" => discard_cases(),
        "inbox/{item_id}/replay" => replay_cases(),
        "timeline/{key}" => get_cases(Some("key")),
        "unmatched/{item_id}/assign" => assign_cases(),
        "unmatched/{item_id}/reject" => reject_cases(),
        "suppliers/{workspace_id}/calendar" | "suppliers/{workspace_id}" => {
            get_cases(Some("workspace_id"))
        }
        "recalls/{recall_id}" => get_cases(Some("recall_id")),
        "recalls/{recall_id}/bundle" => bundle_cases(),
        _ => return None,
    })
}

fn relative(function: &str, path: &str) -> String {
    path.strip_prefix(&format!("/{function}/"))
        .unwrap_or(path)
        .to_owned()
}

#[test]
fn every_manifest_route_has_bad_input_cases() {
    let missing: Vec<String> = FUNCTIONS
        .iter()
        .flat_map(|f| f.routes.iter().map(move |r| (f.name, r)))
        .filter(|(name, route)| cases(&relative(name, route.path)).is_none())
        .map(|(_, route)| route.route_key())
        .collect();
    assert!(
        missing.is_empty(),
        "routes without bad-input cases (add them to `cases`): {missing:?}"
    );
    assert!(
        cases("no/such/route").is_none(),
        "the table refuses unknown routes"
    );
}

/// Every function of the manifest, built as the runner builds them, on `stack`.
fn functions(stack: &Stack) -> Vec<Arc<dyn Handler>> {
    let config = stack.config();
    let handlers: Vec<Arc<dyn Handler>> = vec![
        Arc::new(case_collab::CaseCollab::function(
            stack.platform(case_collab::NAME),
            case_collab::CaseCollabConfig::from_source(config).expect("config"),
        )),
        Arc::new(po_exception::PoException::function(
            stack.platform(po_exception::NAME),
            po_exception::PoExceptionConfig::from_source(config).expect("config"),
        )),
        Arc::new(contract_share::ContractShare::function(
            stack.platform(contract_share::NAME),
            contract_share::ContractShareConfig::from_source(config).expect("config"),
        )),
        Arc::new(shipment_delay::ShipmentDelay::function(
            stack.platform(shipment_delay::NAME),
            shipment_delay::ShipmentDelayConfig::from_source(config).expect("config"),
        )),
        Arc::new(supplier_onboarding::SupplierOnboarding::function(
            stack.platform(supplier_onboarding::NAME),
            supplier_onboarding::OnboardingConfig::from_source(config).expect("config"),
        )),
        Arc::new(recall_campaign::RecallCampaign::function(
            stack.platform(recall_campaign::NAME),
            recall_campaign::RecallConfig::from_source(config).expect("config"),
        )),
        Arc::new(order_reconcile::OrderReconcile::function(
            stack.platform(order_reconcile::NAME),
            order_reconcile::OrderReconcileConfig::from_source(config).expect("config"),
        )),
    ];
    let built: Vec<&str> = handlers.iter().map(|h| h.spec().name).collect();
    let manifest: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
    assert_eq!(built, manifest, "every manifest function is served here");
    handlers
}

fn headers(case: &Case, now: i64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let mut put = |name: &str, value: &[u8]| {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(
                HeaderName::from_bytes(name.as_bytes()).expect("a name"),
                value,
            );
        }
    };
    put("content-type", case.content_type);
    let mac = |secret: &str| gridlink_core::webhook::sign(secret.as_bytes(), now, &case.body);
    match &case.sign {
        Sign::None => {}
        Sign::Tg => {
            put("tg-timestamp", now.to_string().as_bytes());
            put("tg-signature", mac(WEBHOOK_SECRET).as_bytes());
        }
        Sign::Push => {
            put("x-gridlink-timestamp", now.to_string().as_bytes());
            put("x-gridlink-signature", mac(PUSH_SECRET).as_bytes());
        }
        Sign::TgHeaders(t, s) => {
            put("tg-timestamp", t);
            put("tg-signature", s);
        }
        Sign::PushHeaders(t, s) => {
            put("x-gridlink-timestamp", t);
            put("x-gridlink-signature", s);
        }
    }
    if let Some((name, value)) = &case.extra_header {
        put(name, value);
    }
    headers
}

async fn dead_letters(client: &reqwest::Client, base: &str, function: &str) -> Vec<Value> {
    let answer: Value = client
        .get(format!("{base}/{function}/dead-letters"))
        .send()
        .await
        .expect("the gateway answers")
        .json()
        .await
        .expect("a JSON list");
    answer["items"].as_array().cloned().unwrap_or_default()
}

async fn every_route_refuses_bad_input_with_a_4xx_naming_the_field(stack: Stack) {
    let gateway = Gateway::new(functions(&stack)).router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let server = tokio::spawn(async move { axum::serve(listener, gateway).await });
    let client = reqwest::Client::new();
    let mut failures = Vec::new();
    let mut sent = 0;
    let mut dead_seen = std::collections::HashMap::new();
    for function in FUNCTIONS {
        for route in function.routes {
            let template = relative(function.name, route.path);
            for case in cases(&template).expect("every route has cases") {
                let path = route
                    .path
                    .split('/')
                    .map(|part| {
                        if part.starts_with('{') {
                            case.param.as_deref().unwrap_or("x-1")
                        } else {
                            part
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                let method = case.method.unwrap_or(route.method);
                let response = client
                    .request(method.parse().expect("a method"), format!("{base}{path}"))
                    .headers(headers(&case, stack.now_unix()))
                    .body(case.body.clone())
                    .send()
                    .await
                    .expect("the gateway answers");
                sent += 1;
                let status = response.status().as_u16();
                let body = response.text().await.unwrap_or_default();
                let label = format!("{method} {path} [{}] → {status} {body:.300}", case.what);
                let ok = match &case.expect {
                    _ if status >= 500 => false,
                    Expect::Refused(field) => (400..500).contains(&status) && body.contains(field),
                    Expect::Status(expected) => status == *expected,
                    Expect::Unknown(field) => {
                        status == 404 || ((400..500).contains(&status) && body.contains(field))
                    }
                    Expect::NoServerError => {
                        (200..300).contains(&status) || (400..500).contains(&status)
                    }
                    Expect::Accepted => (200..300).contains(&status),
                };
                if !ok {
                    failures.push(label);
                } else if (200..300).contains(&status) && route.method == "POST" {
                    let dead = dead_letters(&client, &base, function.name).await;
                    let seen = dead_seen.entry(function.name).or_insert(0);
                    let new = &dead[(*seen).min(dead.len())..];
                    *seen = dead.len();
                    if !new.is_empty() {
                        failures.push(format!("{label}: accepted, then dead-lettered: {new:?}"));
                    }
                }
            }
        }
    }
    server.abort();
    assert!(
        failures.is_empty(),
        "{} of {sent} bad requests answered wrongly on {:?}:\n{}",
        failures.len(),
        stack.storage,
        failures.join("\n")
    );
    assert!(sent > 500, "only {sent} requests sent");
    println!(
        "{sent} bad requests on {:?}, each answered as the table says",
        stack.storage
    );
}

/// Sets the xECM simulator's fault switches (`{}` clears them).
async fn xecm_faults(stack: &Stack, faults: Value) {
    let response = reqwest::Client::new()
        .put(format!("{}/__sim/faults", stack.xecm_sim.root_url))
        .json(&faults)
        .send()
        .await
        .expect("the xECM simulator answers");
    assert!(response.status().is_success(), "{}", response.status());
}

/// A push about a node xECM does not have never becomes a dead letter. The door cannot judge
/// it (a push may announce the very deletion), so it is kept (202) and processed; when the use
/// case fails with not-found and xECM confirms the pushed node (or workspace) is missing, the
/// push is recorded as skipped — done, not retried, not dead-lettered, with the reason on the
/// item for an operator. While xECM does not answer, the push waits (pending) like any other.
async fn a_push_about_a_node_xecm_does_not_have_is_skipped_never_dead_lettered(stack: Stack) {
    use gridlink_lambda::{Invocation, Reply};

    let function = po_exception::PoException::function(
        stack.platform(po_exception::NAME),
        po_exception::PoExceptionConfig::from_source(stack.config()).expect("config"),
    );
    let inbox = &function.platform().inbox;
    let send = |fields: Value| {
        let mut event =
            json!({"event_type": "document.changed", "occurred_at": "2026-11-24T10:00:00Z"});
        merge(&mut event, &fields);
        let push: gridlink_flow::PushEvent = serde_json::from_value(event.clone()).expect("a push");
        let bytes = serde_json::to_vec(&event).expect("json");
        let request = stack.xecm_push(po_exception::NAME, &bytes);
        let function = &function;
        async move {
            let Ok(Reply::Http(answer)) = function.handle(Invocation::Http(request)).await else {
                panic!("a well-formed push is answered over HTTP")
            };
            (answer.status, format!("xecm:{}", push.event_id()))
        }
    };
    let skipped = |field: &str| json!({"skipped": format!("node {MISSING_NODE} not found in xECM"), "field": field});

    // The node, then (for an existing node) the workspace, missing: accepted, then skipped.
    for (fields, field) in [
        (json!({"node_id": MISSING_NODE}), "node_id"),
        (
            json!({"node_id": 2000, "workspace_id": MISSING_NODE}),
            "workspace_id",
        ),
    ] {
        let (status, item_id) = send(fields).await;
        assert_eq!(status, 202);
        let item = inbox.find(&item_id).await.expect("reads").expect("kept");
        assert_eq!(item.status(), "done", "{}", item.summary());
        assert_eq!(item.attempts(), 0, "done on the first attempt");
        assert_eq!(item.summary()["outcome"], skipped(field));
    }

    // xECM not answering for the node: the push waits; once xECM answers, it is skipped.
    xecm_faults(
        &stack,
        json!({"error_500_next": 1000, "only_path_containing": MISSING_NODE.to_string()}),
    )
    .await;
    let (status, item_id) =
        send(json!({"node_id": MISSING_NODE, "occurred_at": "2026-11-24T11:00:00Z"})).await;
    assert_eq!(status, 202);
    let item = inbox.find(&item_id).await.expect("reads").expect("kept");
    assert_eq!(item.status(), "pending", "{}", item.summary());
    xecm_faults(&stack, json!({})).await;
    function.process_pending().await.expect("the inbox runs");
    let item = inbox.find(&item_id).await.expect("reads").expect("kept");
    assert_eq!(item.status(), "done", "{}", item.summary());
    assert_eq!(item.summary()["outcome"], skipped("node_id"));

    // Nothing is a dead letter, and the operator reads the reason on the item.
    assert!(inbox.dead_letters(100).await.expect("reads").is_empty());
    let Ok(Reply::Http(shown)) = function
        .handle(Invocation::Http(gridlink_lambda::HttpRequest {
            method: "GET".into(),
            path: format!("/po-exception/dead-letters/{item_id}"),
            ..gridlink_lambda::HttpRequest::default()
        }))
        .await
    else {
        panic!("the item is shown")
    };
    let shown: Value = serde_json::from_slice(&shown.body).expect("json");
    assert_eq!(shown["outcome"], skipped("node_id"), "{shown}");
}

gridlink_tests::on_both_stacks!(
    every_route_refuses_bad_input_with_a_4xx_naming_the_field,
    a_push_about_a_node_xecm_does_not_have_is_skipped_never_dead_lettered
);
