//! The real `gridlink` binary against the real local stack (`gridlink-local`'s gateway, both
//! simulators, files + SQLite) over loopback: documents go in the way production's do — a
//! partner sends through the TG simulator, TG delivers the signed webhook to the gateway — and
//! the CLI reads and acts on what the functions did.

use std::net::SocketAddr;
use std::process::Output;
use std::time::{Duration, Instant};

use gridlink_local::stack::{RunningStack, StackConfig};
use gridlink_tgrid::EventFeed as _;
use serde_json::{Value, json};

const PO: &str = "4500001234";
const ACME_855: &str = include_str!("../../../fixtures/demo/855_4500001234.x12");

struct Local {
    stack: RunningStack,
    _dir: tempfile::TempDir,
    http: reqwest::Client,
}

async fn local() -> Local {
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = RunningStack::start(StackConfig {
        data_dir: dir.path().join("data"),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        speed: None,
        external: false,
        body_timeout: Duration::from_secs(5),
    })
    .await
    .expect("the local stack starts");
    Local {
        stack,
        _dir: dir,
        http: reqwest::Client::new(),
    }
}

/// What one run of the binary said.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("--json prints JSON ({e}): {}", self.stdout))
    }

    fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// Runs `gridlink` with `args` against `endpoint`, outside any AWS configuration of the
/// machine.
async fn gridlink_at(endpoint: &str, args: &[&str]) -> Run {
    let output: Output = tokio::process::Command::new(env!("CARGO_BIN_EXE_gridlink"))
        .args(args)
        .env("GRIDLINK_ENDPOINT", endpoint)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .output()
        .await
        .expect("gridlink runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

impl Local {
    async fn gridlink(&self, args: &[&str]) -> Run {
        gridlink_at(&self.stack.gateway_url, args).await
    }

    fn tg_url(&self) -> String {
        self.stack
            .platforms
            .endpoints
            .tg_url
            .trim_end_matches('/')
            .to_owned()
    }

    /// ACME sends `payload` through the TG simulator; the TG document id.
    async fn acme_sends(&self, file_name: &str, payload: String) -> String {
        let response = self
            .http
            .post(format!(
                "{}/__sim/partners/prt_acme/documents",
                self.tg_url()
            ))
            .query(&[("file_name", file_name)])
            .body(payload)
            .send()
            .await
            .expect("the TG simulator answers");
        assert!(response.status().is_success(), "{}", response.status());
        let body: Value = response.json().await.expect("json");
        body["document_id"]
            .as_str()
            .expect("document_id")
            .to_owned()
    }

    /// The `document.received` event TG emitted for `document_id`.
    async fn event_of(&self, document_id: &str) -> String {
        let page = self
            .stack
            .platforms
            .tg_client()
            .events_after(None, Some(500))
            .await
            .expect("TG's event feed");
        page.items
            .iter()
            .find(|e| {
                e.event_type.as_str() == "document.received"
                    && e.document()
                        .is_some_and(|d| d.document_id.as_str() == document_id)
            })
            .map(|e| e.event_id.as_str().to_owned())
            .expect("TG emitted document.received")
    }

    /// Waits (bounded) until `probe`'s answer holds.
    async fn until(&self, what: &str, args: &[&str], done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let run = self.gridlink(args).await;
            if run.code == 0 {
                let value = run.json();
                if done(&value) {
                    return value;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not after 30 s: {}{}",
                run.stdout,
                run.stderr
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// ACME's 855 for the demo PO, sent and processed: its inbox item id.
    async fn acme_855_filed(&self) -> String {
        let document = self
            .acme_sends("855_4500001234.x12", ACME_855.to_owned())
            .await;
        let item = format!("tg:{}", self.event_of(&document).await);
        self.until(
            "the 855 is processed",
            &[
                "--json",
                "dead-letter",
                "show",
                &item,
                "-f",
                "order-reconcile",
            ],
            |v| v["status"] == "done",
        )
        .await;
        item
    }

    async fn xecm_documents(&self) -> u64 {
        let root = self
            .stack
            .platforms
            .endpoints
            .xecm_sim_root
            .clone()
            .expect("the xECM simulator");
        let stats: Value = self
            .http
            .get(format!("{}/__sim/stats", root.trim_end_matches('/')))
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("json");
        stats["documents"].as_u64().expect("documents")
    }
}

#[tokio::test]
async fn the_timeline_of_a_po_shows_each_step_with_its_ids_and_its_status_is_settled() {
    let local = local().await;
    let item = local.acme_855_filed().await;

    let table = local.gridlink(&["timeline", PO]).await.ok();
    for expected in [
        "po:4500001234",
        "received",
        "document.received",
        "effect",
        "xecm-file",
        "xecm document_id=",
        "tg-ack",
        "done",
        item.as_str(),
    ] {
        assert!(
            table.stdout.contains(expected),
            "`{expected}` in:\n{}",
            table.stdout
        );
    }

    let json = local
        .gridlink(&["--json", "timeline", &format!("po:{PO}")])
        .await
        .ok()
        .json();
    assert_eq!(json["key"], format!("po:{PO}"));
    let entries = json["entries"].as_array().expect("entries");
    let kinds: Vec<&str> = entries.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds.first(), Some(&"received"), "{kinds:?}");
    assert!(kinds.contains(&"done"), "{kinds:?}");
    let filed = entries
        .iter()
        .find(|e| e["effect"] == "xecm-file")
        .expect("the filing is on the timeline");
    assert!(filed["ids"]["xecm"]["document_id"].is_u64(), "{filed}");
    // Paging: one entry per request gives the same timeline.
    let paged = local
        .gridlink(&["--json", "timeline", PO, "--page-size", "1"])
        .await
        .ok()
        .json();
    assert_eq!(paged["entries"], json["entries"]);

    let status = local.gridlink(&["status", PO]).await.ok();
    assert!(
        status.stdout.contains("order-reconcile"),
        "{}",
        status.stdout
    );
    assert!(status.stdout.contains("nothing open"), "{}", status.stdout);
    let status = local.gridlink(&["--json", "status", PO]).await.ok().json();
    assert_eq!(status["entries"].as_u64(), Some(entries.len() as u64));
    assert_eq!(status["open"], json!([]));
}

#[tokio::test]
async fn a_dead_letter_is_listed_shown_requeued_and_processed_once_then_discarded_with_a_reason() {
    let local = local().await;
    let filed = local.acme_855_filed().await;
    // The same delivery, naming a TG document that does not exist: signed as TG signs, it is
    // accepted, fails for good (TG answers 404) and becomes a dead letter.
    let shown = local
        .gridlink(&[
            "--json",
            "dead-letter",
            "show",
            &filed,
            "-f",
            "order-reconcile",
        ])
        .await
        .ok()
        .json();
    let mut event = shown["event"].clone();
    let document = event["data"]["document_id"]
        .as_str()
        .or_else(|| event["data"]["id"].as_str())
        .expect("the event names its document")
        .to_owned();
    event["event_id"] = json!("evt_cli_missing");
    let text = event.to_string().replace(&document, "doc_cli_missing");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = gridlink_core::webhook::sign(
        gridlink_local::platforms::LOCAL_WEBHOOK_SECRET.as_bytes(),
        now,
        text.as_bytes(),
    );
    let response = local
        .http
        .post(format!(
            "{}/order-reconcile/tg/events",
            local.stack.gateway_url
        ))
        .header("tg-timestamp", now.to_string())
        .header("tg-signature", signature)
        .header("content-type", "application/json")
        .body(text)
        .send()
        .await
        .expect("the gateway answers");
    assert!(response.status().is_success(), "{}", response.status());
    let item = "tg:evt_cli_missing";
    local
        .until(
            "the delivery is a dead letter",
            &[
                "--json",
                "dead-letter",
                "show",
                item,
                "-f",
                "order-reconcile",
            ],
            |v| v["status"] == "dead_letter",
        )
        .await;

    let list = local.gridlink(&["dead-letter", "list"]).await.ok();
    assert!(list.stdout.contains(item), "{}", list.stdout);
    assert!(list.stdout.contains("order-reconcile"), "{}", list.stdout);
    assert!(
        !list.stdout.contains(&filed),
        "a done item is no dead letter: {}",
        list.stdout
    );
    let listed = local
        .gridlink(&["--json", "dead-letter", "list", "-f", "order-reconcile"])
        .await
        .ok()
        .json();
    let items = listed["items"]
        .as_array()
        .expect("the API's answer as it is");
    assert_eq!(items.len(), 1, "{listed}");
    assert_eq!(items[0]["item_id"], item);
    let attempts = items[0]["attempts"].as_u64().expect("attempts");

    // Shown without -f: the CLI finds the function whose inbox has it.
    let show = local.gridlink(&["dead-letter", "show", item]).await.ok();
    assert!(
        show.stdout.contains("doc_cli_missing"),
        "the raw event: {}",
        show.stdout
    );
    assert!(show.stdout.contains("history"), "{}", show.stdout);

    // Requeued: processed once, inline — one more attempt, failing again the same way (the
    // document still does not exist), so a dead letter again and exit code 1.
    let requeue = local
        .gridlink(&["--json", "dead-letter", "requeue", item])
        .await;
    assert_eq!(requeue.code, 1, "{}{}", requeue.stdout, requeue.stderr);
    let requeued = requeue.json();
    assert_eq!(requeued["processed"], "dead_letter", "{requeued}");
    // A requeue starts a fresh attempt count: one attempt since, processed exactly once.
    assert_eq!(
        attempts, 1,
        "dead-lettered at its first attempt (a 404 is not retried)"
    );
    assert_eq!(requeued["attempts"], 1, "once: {requeued}");
    assert_eq!(requeued["requeues"], 1, "{requeued}");
    assert!(
        requeue.stderr.contains("dead letter again"),
        "{}",
        requeue.stderr
    );

    // Requeue --all takes it too (once), with the same verdict.
    let all = local
        .gridlink(&[
            "--json",
            "dead-letter",
            "requeue",
            "--all",
            "-f",
            "order-reconcile",
        ])
        .await;
    assert_eq!(all.code, 1, "{}{}", all.stdout, all.stderr);
    assert_eq!(all.json()["requeued"], 1);

    let discard = local
        .gridlink(&[
            "dead-letter",
            "discard",
            item,
            "--reason",
            "test delivery, no such document",
        ])
        .await
        .ok();
    assert!(discard.stdout.contains("discarded"), "{}", discard.stdout);
    let after = local
        .gridlink(&["--json", "dead-letter", "show", item])
        .await
        .ok()
        .json();
    assert_eq!(after["status"], "discarded", "{after}");
    assert_eq!(
        after["discarded"]["reason"], "test delivery, no such document",
        "{after}"
    );
    let list = local.gridlink(&["dead-letter", "list"]).await.ok();
    assert!(list.stdout.contains("no dead letter"), "{}", list.stdout);
}

#[tokio::test]
async fn a_dry_run_replay_changes_nothing_and_a_real_replay_of_a_filed_document_is_a_no_op() {
    let local = local().await;
    let item = local.acme_855_filed().await;
    let documents = local.xecm_documents().await;
    let timeline = local
        .gridlink(&["--json", "timeline", PO])
        .await
        .ok()
        .json();

    // The 855's event reached three functions' inboxes: which one is said with -f.
    let ambiguous = local.gridlink(&["replay", &item, "--dry-run"]).await;
    assert_eq!(ambiguous.code, 2, "{}", ambiguous.stderr);
    assert!(
        ambiguous.stderr.contains("--function"),
        "{}",
        ambiguous.stderr
    );
    let dry = local
        .gridlink(&["replay", &item, "--dry-run", "-f", "order-reconcile"])
        .await
        .ok();
    assert!(dry.stdout.contains("nothing written"), "{}", dry.stdout);
    assert!(dry.stdout.contains("already_done"), "{}", dry.stdout);
    let dry = local
        .gridlink(&[
            "--json",
            "replay",
            &item,
            "--dry-run",
            "-f",
            "order-reconcile",
        ])
        .await
        .ok()
        .json();
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["verdict"], "done", "{dry:#}");
    assert_eq!(dry["would"], json!([]), "{dry:#}");
    assert_eq!(local.xecm_documents().await, documents);
    assert_eq!(
        local
            .gridlink(&["--json", "timeline", PO])
            .await
            .ok()
            .json(),
        timeline,
        "a dry run records nothing"
    );

    let real = local
        .gridlink(&["--json", "replay", &item, "-f", "order-reconcile"])
        .await
        .ok()
        .json();
    assert_eq!(real["status"], "done", "{real:#}");
    assert_eq!(
        local.xecm_documents().await,
        documents,
        "nothing filed again"
    );

    // Many at once (a progress bar on a terminal): each answered.
    let many = local
        .gridlink(&[
            "--json",
            "replay",
            &item,
            &item,
            "--dry-run",
            "-f",
            "order-reconcile",
        ])
        .await
        .ok()
        .json();
    assert_eq!(many["results"].as_array().map(Vec::len), Some(2), "{many}");
    assert_eq!(many["results"][1]["answer"]["verdict"], "done", "{many}");
}

#[tokio::test]
async fn pausing_a_function_keeps_its_traffic_until_it_is_resumed_and_a_partner_pauses_everywhere()
{
    let local = local().await;
    let paused = local
        .gridlink(&[
            "pause",
            "order-reconcile",
            "--reason",
            "mapping being fixed",
        ])
        .await
        .ok();
    assert!(
        paused.stdout.contains("paused: order-reconcile"),
        "{}",
        paused.stdout
    );
    let pauses = local.gridlink(&["--json", "pauses"]).await.ok().json();
    assert_eq!(
        pauses["pauses"].as_array().map(Vec::len),
        Some(1),
        "{pauses}"
    );

    let document = local
        .acme_sends("855_4500001234.x12", ACME_855.to_owned())
        .await;
    let item = format!("tg:{}", local.event_of(&document).await);
    let kept = local
        .until(
            "the delivery is kept",
            &[
                "--json",
                "dead-letter",
                "show",
                &item,
                "-f",
                "order-reconcile",
            ],
            |v| v["status"].is_string(),
        )
        .await;
    assert_eq!(kept["status"], "pending", "kept, not processed: {kept}");

    let resumed = local
        .gridlink(&["--json", "resume", "order-reconcile"])
        .await
        .ok()
        .json();
    assert_eq!(resumed["was_paused"], true, "{resumed}");
    let done = local
        .gridlink(&[
            "--json",
            "dead-letter",
            "show",
            &item,
            "-f",
            "order-reconcile",
        ])
        .await
        .ok()
        .json();
    assert_eq!(done["status"], "done", "processed on resume: {done}");

    let partner = local
        .gridlink(&["pause", "prt_acme", "--reason", "sending broken files"])
        .await
        .ok();
    assert!(partner.stdout.contains("prt_acme"), "{}", partner.stdout);
    let again = local
        .gridlink(&["pause", "prt_acme", "--reason", "sending broken files"])
        .await
        .ok();
    assert!(again.stdout.contains("already paused"), "{}", again.stdout);
    let resumed = local
        .gridlink(&["--json", "resume", "prt_acme"])
        .await
        .ok()
        .json();
    let was_paused: Vec<&Value> = resumed
        .as_object()
        .expect("per function")
        .values()
        .map(|a| &a["was_paused"])
        .collect();
    assert_eq!(was_paused.len(), 7, "{resumed}");
    assert_eq!(
        was_paused.iter().filter(|w| **w == true).count(),
        1,
        "one pause, ended once: {resumed}"
    );
    let pauses = local.gridlink(&["pauses"]).await.ok();
    assert!(
        pauses.stdout.contains("no pause in force"),
        "{}",
        pauses.stdout
    );
}

#[tokio::test]
async fn an_unmatched_document_is_listed_shown_and_assigned_to_its_order() {
    let local = local().await;
    let documents = local.xecm_documents().await;
    // ACME quotes an order number gridlink has no workspace for: parked.
    local
        .acme_sends("855_unknown.x12", ACME_855.replace(PO, "4599999999"))
        .await;
    let listed = local
        .until(
            "the 855 is parked",
            &["--json", "unmatched", "list", "-f", "order-reconcile"],
            |v| v["items"].as_array().is_some_and(|i| !i.is_empty()),
        )
        .await;
    let item = listed["items"][0]["item_id"]
        .as_str()
        .expect("item id")
        .to_owned();
    let table = local.gridlink(&["unmatched", "list"]).await.ok();
    assert!(
        table.stdout.contains(&item) && table.stdout.contains("order-reconcile"),
        "{}",
        table.stdout
    );
    let show = local.gridlink(&["unmatched", "show", &item]).await.ok();
    assert!(show.stdout.contains(&item), "{}", show.stdout);
    let content = local
        .gridlink(&["unmatched", "show", &item, "--content"])
        .await
        .ok();
    assert!(
        content.stdout.starts_with("ISA*") && content.stdout.contains("4599999999"),
        "the 855 as ACME sent it: {}",
        content.stdout
    );

    let assigned = local
        .gridlink(&["--json", "unmatched", "assign", &item, "--po", PO])
        .await
        .ok()
        .json();
    assert_eq!(assigned["status"], "assigned", "{assigned}");
    assert!(
        assigned["details"]["outcome"]["filed"]["document_id"].is_u64(),
        "{assigned}"
    );
    let filed = local.xecm_documents().await;
    assert!(filed > documents, "filed (and the order reconciled)");
    let again = local
        .gridlink(&["unmatched", "assign", &item, "--po", PO])
        .await;
    assert_eq!(again.code, 1, "already resolved: {}", again.stderr);
    assert!(again.stderr.contains("409"), "{}", again.stderr);
    assert_eq!(local.xecm_documents().await, filed, "filed once");
    let empty = local.gridlink(&["unmatched", "list"]).await.ok();
    assert!(
        empty.stdout.contains("no open unmatched item"),
        "{}",
        empty.stdout
    );
}

#[tokio::test]
async fn bad_arguments_and_refusals_give_a_clear_error_and_a_non_zero_exit() {
    let local = local().await;
    // The CLI's own checks (clap): exit 2, naming the argument.
    let run = local
        .gridlink(&["dead-letter", "discard", "tg:evt_1"])
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--reason"), "{}", run.stderr);
    let run = local
        .gridlink(&["dead-letter", "list", "-f", "no-such-function"])
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no-such-function"), "{}", run.stderr);
    let run = local.gridlink(&["timeline", "PO 42"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);

    // The API's refusals: exit 1, the status and the message naming the field.
    let run = local.gridlink(&["timeline", "nonsense:1"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("400") && run.stderr.contains("key"),
        "{}",
        run.stderr
    );
    let run = local
        .gridlink(&["pause", "order-reconcile", "--reason", ""])
        .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("400") && run.stderr.contains("reason"),
        "{}",
        run.stderr
    );
    let run = local
        .gridlink(&["dead-letter", "show", "tg:evt_nowhere"])
        .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("404"), "{}", run.stderr);
    let run = local.gridlink(&["recall", "R-NOWHERE"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("404"), "{}", run.stderr);

    // Nothing listening: exit 3.
    let run = gridlink_at("http://127.0.0.1:9", &["dead-letter", "list"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot talk to the API"),
        "{}",
        run.stderr
    );
}
