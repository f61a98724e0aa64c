//! The operator console in a real headless browser: Chromium from the OS packages, driven
//! through chromedriver (W3C WebDriver, the `fantoccini` client), against the local stack
//! running on loopback. Partners send documents through the TG simulator's partner controls,
//! the functions file them as in the demo, and the test uses the page as an operator would;
//! what the page did is checked in the xECM simulator through the xECM client.
//!
//! Chromium and chromedriver come from `scripts/setup.sh` (Debian's `chromium` and
//! `chromium-driver`). When `CI=true` and either is missing the test fails; elsewhere it says
//! loudly that it skipped. `GRIDLINK_CHROMIUM` / `GRIDLINK_CHROMEDRIVER` name other binaries.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use futures::TryStreamExt as _;
use gridlink_local::stack::{RunningStack, StackConfig};
use gridlink_xecm::{BusinessObject, Node};
use serde_json::{Value, json};

const PO: &str = "4500001234";
const ACME_855: &str = include_str!("../../../fixtures/demo/855_4500001234.x12");
const ACME_856: &str = include_str!("../../../fixtures/demo/856_4500001234.x12");
/// Initech's order response naming Acme's order (Initech is not Acme's partner): parked.
const INITECH_ORDRSP: &str = include_str!("../../../fixtures/demo/ordrsp_initech_4500001234.edi");
const WAIT: Duration = Duration::from_secs(30);

/// Chromium and chromedriver, or why there are none.
fn browser_binaries() -> Result<(PathBuf, PathBuf), String> {
    let find = |env: &str, names: &[&str]| -> Option<PathBuf> {
        if let Some(path) = std::env::var_os(env) {
            return Some(PathBuf::from(path)).filter(|p| p.is_file());
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        names.iter().find_map(|name| {
            std::env::split_paths(&path)
                .chain([PathBuf::from("/usr/bin")])
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
    };
    let chromium = find("GRIDLINK_CHROMIUM", &["chromium", "chromium-browser"]);
    let driver = find("GRIDLINK_CHROMEDRIVER", &["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Ok((c, d)),
        (c, d) => Err(format!(
            "no headless browser: chromium {}, chromedriver {} (install Debian's `chromium` and \
             `chromium-driver`: bash scripts/setup.sh)",
            c.map_or("missing".into(), |p| p.display().to_string()),
            d.map_or("missing".into(), |p| p.display().to_string()),
        )),
    }
}

/// A headless Chromium session. chromedriver runs in a process group of its own, which the
/// Chromium it starts joins: dropping this ends the group, also when a failed assertion left
/// the session open (killing chromedriver alone would leave Chromium running).
struct Browser {
    client: Client,
    group: u32,
    _driver: tokio::process::Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.group)])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium, or says why not: `None` outside CI
    /// when the browser is missing (after a loud message); a panic in CI.
    async fn start() -> Option<Self> {
        let (chromium, chromedriver) = match browser_binaries() {
            Ok(found) => found,
            Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("CI=true and {why}: the console's browser test cannot be skipped in CI")
            }
            Err(why) => {
                // Straight to the process's stderr: the test harness hides what `eprintln!`
                // says in a passing test, and this must be seen.
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                     !!! SKIPPED: the operator console's browser test: {why}\n\
                     !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
                );
                return None;
            }
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let driver = tokio::process::Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("{} starts: {e}", chromedriver.display()));
        let group = driver.id().expect("chromedriver runs");
        let webdriver = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(response) = reqwest::get(format!("{webdriver}/status")).await
                && response
                    .json::<Value>()
                    .await
                    .is_ok_and(|s| s["value"]["ready"] == true)
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver is not ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().expect("a browser profile directory");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                // Without these Chromium waits for the network it does not have here.
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--window-size=1400,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&webdriver)
            .await
            .expect("a Chromium session");
        Some(Self {
            client,
            group,
            _driver: driver,
            _profile: profile,
        })
    }

    /// Evaluates `script` (a function body) in the page.
    async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("the page runs {script}: {e}"))
    }

    /// Waits until `script` answers something truthy; its answer.
    async fn until(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let value = self.eval(script).await;
            if !matches!(value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!([])
            {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not there after {} s; page: {}",
                WAIT.as_secs(),
                self.eval("return document.querySelector('main').innerText")
                    .await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, css: &str) {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} is on the page: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("{css} is clicked: {e}"));
    }

    /// Clicks Inspect on `item`'s row of the `list` table and waits for its panel in
    /// `detail`; the panel's text.
    async fn inspect(&self, list: &str, detail: &str, item: &str) -> String {
        self.click(&format!("#{list} tr[data-item='{item}'] button.inspect"))
            .await;
        let text = self
            .until(
                &format!("{item}'s panel"),
                &format!(
                    "const p = document.querySelector(\"#{detail} .panel[data-item='{item}']\");
                     return p && p.innerText"
                ),
            )
            .await;
        text.as_str().expect("text").to_owned()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let input = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} is on the page: {e}"));
        input.clear().await.expect("cleared");
        input.send_keys(text).await.expect("typed");
    }
}

/// The local stack, on loopback, in a temporary directory.
async fn stack() -> (RunningStack, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = RunningStack::start(StackConfig {
        data_dir: dir.path().join("data"),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        speed: None,
        external: false,
        body_timeout: Duration::from_secs(30),
    })
    .await
    .expect("stack starts");
    (stack, dir)
}

/// `partner` sends `payload` through the TG simulator's partner controls; the TG document id.
async fn partner_sends(stack: &RunningStack, partner: &str, file: &str, payload: &str) -> String {
    let url = format!(
        "{}/__sim/partners/{partner}/documents",
        stack.platforms.endpoints.tg_url.trim_end_matches('/')
    );
    let response = reqwest::Client::new()
        .post(&url)
        .query(&[("file_name", file)])
        .body(payload.to_owned())
        .send()
        .await
        .expect("the TG simulator answers");
    assert!(response.status().is_success(), "POST {url}");
    let body: Value = response.json().await.expect("JSON");
    body["document_id"]
        .as_str()
        .expect("a TG document id")
        .to_owned()
}

/// Waits until the gateway's `GET path` answers a JSON body that `done` accepts.
async fn api_until(stack: &RunningStack, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let body: Value = reqwest::get(format!("{}{path}", stack.gateway_url))
            .await
            .expect("the gateway answers")
            .json()
            .await
            .expect("JSON");
        if done(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "GET {path}: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn timeline_path() -> String {
    format!("/order-reconcile/timeline/po:{PO}?limit=500")
}

/// How many inbox items the timeline shows as done.
fn done_count(timeline: &Value) -> usize {
    timeline["entries"]
        .as_array()
        .map_or(0, |e| e.iter().filter(|e| e["kind"] == "done").count())
}

async fn order_workspace(stack: &RunningStack) -> Node {
    let bo = BusinessObject::new("SAP_ERP", "BUS2012", PO).expect("a business object");
    stack
        .platforms
        .xecm()
        .find_workspace_by_business_object(&bo)
        .await
        .expect("xECM answers")
        .expect("the demo order's workspace")
}

/// The documents in `folder` of the order's workspace, read through the xECM client.
async fn folder_documents(stack: &RunningStack, folder: &str) -> Vec<Node> {
    let xecm = stack.platforms.xecm();
    let workspace = order_workspace(stack).await;
    let folder = xecm
        .list_children(workspace.id)
        .await
        .expect("xECM answers")
        .into_iter()
        .find(|n| n.name == folder)
        .unwrap_or_else(|| panic!("the order workspace has a {folder} folder"));
    xecm.list_children(folder.id).await.expect("xECM answers")
}

async fn content(stack: &RunningStack, node: &Node) -> Vec<u8> {
    stack
        .platforms
        .xecm()
        .download_document(node.id)
        .await
        .expect("xECM answers")
        .body
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .expect("the document's content")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_the_orders_timeline_and_files_an_unmatched_item_it_assigns() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (stack, _dir) = stack().await;

    // ACME confirms and ships the demo order; both are filed (the demo's first two steps).
    partner_sends(&stack, "prt_acme", "855-4500001234.x12", ACME_855).await;
    api_until(&stack, &timeline_path(), |t| done_count(t) >= 1).await;
    partner_sends(&stack, "prt_acme", "856-4500001234.x12", ACME_856).await;
    let timeline = api_until(&stack, &timeline_path(), |t| done_count(t) >= 2).await;
    let before_load = timeline["entries"].as_array().map_or(0, Vec::len);

    // The page loads from the gateway, and the demo PO's timeline renders as a swim-lane.
    browser
        .client
        .goto(&gridlink_local::console::timeline_url(
            &stack.gateway_url,
            &format!("po:{PO}"),
        ))
        .await
        .expect("the console loads");
    assert_eq!(
        browser.client.title().await.expect("a title"),
        "gridlink operator console"
    );
    let lanes = browser
        .until(
            "the swim-lane's lanes",
            "return [...document.querySelectorAll('#swimlane-svg .lane-label')].map(t => t.textContent)",
        )
        .await;
    assert_eq!(lanes, json!(["xECM", "gridlink", "Trading Grid"]));
    let steps = browser
        .eval(
            "return [...document.querySelectorAll('#swimlane-svg g.step')].map(g => ({
               seq: Number(g.dataset.seq), kind: g.dataset.kind, effect: g.dataset.effect,
               system: g.dataset.system, item: g.dataset.item, ids: g.dataset.ids,
               label: [...g.querySelectorAll('text')].map(t => t.textContent).join(' | '),
               x: Number(g.querySelector('circle').getAttribute('cx')),
               y: Number(g.querySelector('circle').getAttribute('cy')) }))",
        )
        .await;
    let steps = steps.as_array().expect("steps").clone();
    // Every step of the API's timeline, in its order, left to right: at least the steps
    // there were before the page loaded, each the API's step at its place now (a late
    // acknowledgment's status event may add steps while the test runs).
    let (_, now) = api_get(&stack, &timeline_path()).await;
    let api_entries = now["entries"].as_array().expect("entries");
    assert!(
        steps.len() >= before_load && steps.len() <= api_entries.len(),
        "{} steps drawn, {before_load} before the page loaded, {} now",
        steps.len(),
        api_entries.len()
    );
    for (i, (step, entry)) in steps.iter().zip(api_entries).enumerate() {
        assert_eq!(step["seq"], i, "{step}");
        assert_eq!(step["kind"], entry["kind"], "step {i}: {step} vs {entry}");
        assert_eq!(step["item"], entry["item_id"], "step {i}");
        if i > 0 {
            assert!(
                step["x"].as_f64() > steps[i - 1]["x"].as_f64(),
                "step {i} is right of {}",
                i - 1
            );
        }
    }
    // The time axis: steps under a second apart sit a column apart; a longer pause opens a
    // gap marked with its length, wider the longer it was (log scale, so days fit the page).
    let axis = browser
        .eval(
            "const a = timeAxis([{at: '2026-12-01T10:00:00Z'}, {at: '2026-12-01T10:00:00.400Z'},
               {at: '2026-12-01T10:00:12Z'}, {at: '2026-12-01T13:12:00Z'}, {at: '2026-12-03T17:12:00Z'}], 170, 120);
             return {pos: a.pos, gaps: a.gaps.map(g => g.label)}",
        )
        .await;
    assert_eq!(
        axis["gaps"],
        json!(["+11 s", "+3 h 11 min", "+2 d 4 h"]),
        "{axis}"
    );
    let pos: Vec<f64> = axis["pos"]
        .as_array()
        .expect("positions")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let steps_apart: Vec<f64> = pos.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        (steps_apart[0] - 170.0).abs() < 1e-9,
        "one column apart: {axis}"
    );
    assert!(
        steps_apart.windows(2).all(|w| w[0] < w[1]),
        "longer pauses, wider gaps: {axis}"
    );
    let gap_labels = browser
        .eval("return [...document.querySelectorAll('#swimlane-svg text.gap')].map(t => t.textContent)")
        .await;
    assert!(
        gap_labels.as_array().is_some_and(|l| l
            .iter()
            .all(|t| t.as_str().is_some_and(|t| t.starts_with('+')))),
        "{gap_labels}"
    );
    // Each document: received (TG lane) → filed in xECM (xECM lane, with its node id) →
    // acknowledged through TG (TG lane, with the TG document id) → done (gridlink lane).
    let lane_y = |system: &str| {
        steps
            .iter()
            .find(|s| s["system"] == system)
            .and_then(|s| s["y"].as_f64())
            .unwrap_or_else(|| panic!("a step on the {system} lane"))
    };
    assert!(lane_y("xecm") < lane_y("gridlink") && lane_y("gridlink") < lane_y("tg"));
    let confirmations = folder_documents(&stack, "Confirmations").await;
    assert_eq!(confirmations.len(), 1, "ACME's 855 only: {confirmations:?}");
    let filed_855 = confirmations[0].id.get();
    let filing = steps
        .iter()
        .position(|s| {
            s["effect"] == "xecm-file"
                && s["ids"]
                    .as_str()
                    .is_some_and(|ids| ids.contains(&format!("xECM document_id {filed_855}")))
        })
        .unwrap_or_else(|| panic!("the 855's filing (xECM {filed_855}) is a step: {steps:#?}"));
    let item = steps[filing]["item"].clone();
    let of_item = |kind: &str, effect: &str| {
        steps
            .iter()
            .position(|s| s["item"] == item && s["kind"] == kind && s["effect"] == effect)
            .unwrap_or_else(|| panic!("a {kind} {effect} step for {item}: {steps:#?}"))
    };
    let (received, acked, done) = (
        of_item("received", ""),
        of_item("effect", "tg-ack"),
        of_item("done", ""),
    );
    assert!(
        received < filing && filing < acked && acked < done,
        "{steps:#?}"
    );
    assert_eq!(steps[received]["system"], "tg");
    assert_eq!(steps[filing]["system"], "xecm");
    assert_eq!(steps[acked]["system"], "tg");
    assert!(
        steps[acked]["label"]
            .as_str()
            .is_some_and(|l| l.contains("TG document_id doc")),
        "the acknowledgment shows its TG id: {}",
        steps[acked]
    );
    assert!(
        steps[filing]["label"]
            .as_str()
            .is_some_and(|l| l.contains(&format!("xECM document_id {filed_855}"))),
        "the filing shows its xECM id: {}",
        steps[filing]
    );

    // `GRIDLINK_CONSOLE_SCREENSHOT=FILE.png` keeps a picture of the swim-lane to look at.
    if let Some(file) = std::env::var_os("GRIDLINK_CONSOLE_SCREENSHOT") {
        let png = browser.client.screenshot().await.expect("a screenshot");
        std::fs::write(&file, png).expect("the screenshot is written");
    }

    // Initech sends an order response naming Acme's order: parked, nothing filed.
    partner_sends(
        &stack,
        "prt_initech",
        "ORDRSP-4500001234.edi",
        INITECH_ORDRSP,
    )
    .await;
    let queue = api_until(&stack, "/order-reconcile/unmatched", |q| {
        q["items"].as_array().is_some_and(|i| !i.is_empty())
    })
    .await;
    let item_id = queue["items"][0]["item_id"]
        .as_str()
        .expect("an item id")
        .to_owned();
    assert_eq!(folder_documents(&stack, "Confirmations").await.len(), 1);

    // The operator lists the queue and inspects the item in the page.
    browser
        .click("header nav button[data-tab='unmatched']")
        .await;
    browser.click("#unmatched-load").await;
    let detail = browser
        .inspect("unmatched-list", "unmatched-detail", &item_id)
        .await;
    for shown in [
        "ORDRSP-4500001234.edi",
        "EDIFACT ORDRSP",
        "14:5012345000017 → 14:4012345000009",
        "is not the trading partner of order 4500001234",
    ] {
        assert!(detail.contains(shown), "{shown} in {detail}");
    }
    // The document itself, as Initech sent it.
    let shown = browser
        .until(
            "the parked document",
            "const p = document.querySelector('#unmatched-content'); return p && p.textContent",
        )
        .await;
    assert_eq!(
        shown.as_str(),
        Some(INITECH_ORDRSP),
        "the page shows the interchange as it arrived"
    );

    // A bad target is refused by the API, and the page names the field.
    browser.type_into("#assign-value", "not a PO!").await;
    browser.click("#assign-button").await;
    let refused = browser
        .until(
            "the refusal",
            "const e = document.querySelector('#unmatched-result .error');
             return e && {field: e.dataset.field, text: e.innerText,
                          marked: document.querySelector('#assign-value').classList.contains('invalid')}",
        )
        .await;
    assert_eq!(refused["field"], "po_number", "{refused}");
    assert_eq!(refused["marked"], true, "{refused}");
    assert!(
        refused["text"].as_str().is_some_and(|t| t.contains("400")),
        "{refused}"
    );
    assert_eq!(folder_documents(&stack, "Confirmations").await.len(), 1);

    // Assigned to the PO through the page: filed in xECM.
    browser.type_into("#assign-value", PO).await;
    browser.click("#assign-button").await;
    let assigned = browser
        .until(
            "the assignment",
            "const e = document.querySelector('#unmatched-result');
             return e && (e.querySelector('.ok') || e.querySelector('.error')) && e.innerText",
        )
        .await;
    assert!(
        assigned
            .as_str()
            .is_some_and(|t| t.starts_with("assigned:") && t.contains("is assigned")),
        "{assigned}"
    );
    let confirmations = folder_documents(&stack, "Confirmations").await;
    assert_eq!(confirmations.len(), 2, "{confirmations:?}");
    let ordrsp = confirmations
        .iter()
        .find(|n| n.id.get() != filed_855)
        .expect("the assigned ORDRSP");
    assert_eq!(content(&stack, ordrsp).await, INITECH_ORDRSP.as_bytes());
    let queue: Value = reqwest::get(format!("{}/order-reconcile/unmatched", stack.gateway_url))
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(queue["items"], json!([]), "the item is closed");

    browser
        .client
        .clone()
        .close()
        .await
        .expect("the session ends");
}

/// `GET path` on the gateway: status and JSON body.
async fn api_get(stack: &RunningStack, path: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{}{path}", stack.gateway_url))
        .await
        .expect("the gateway answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

/// Trading Grid announces `document_id`, which it does not have: `template` (a
/// `document.received` event as TG delivered it) with another event and document id, signed
/// as TG signs its webhooks. Fetching the document answers 404: a dead letter at once
/// (nothing retries a document that does not exist).
async fn tg_announces(stack: &RunningStack, template: &Value, event_id: &str, document_id: &str) {
    let mut event = template.clone();
    event["event_id"] = json!(event_id);
    event["data"]["document_id"] = json!(document_id);
    let body = serde_json::to_vec(&event).expect("JSON");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = gridlink_core::webhook::sign(
        gridlink_local::platforms::LOCAL_WEBHOOK_SECRET.as_bytes(),
        now,
        &body,
    );
    let delivered = reqwest::Client::new()
        .post(format!("{}/order-reconcile/tg/events", stack.gateway_url))
        .header("tg-timestamp", now.to_string())
        .header("tg-signature", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the gateway answers");
    assert!(delivered.status().is_success(), "{}", delivered.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_lists_inspects_requeues_one_and_all_and_discards_dead_letters() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (stack, _dir) = stack().await;

    // A real delivery first: ACME's 855, filed.
    partner_sends(&stack, "prt_acme", "855-4500001234.x12", ACME_855).await;
    let timeline = api_until(&stack, &timeline_path(), |t| done_count(t) >= 1).await;
    let filed_item = timeline["entries"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["kind"] == "done"))
        .and_then(|e| e["item_id"].as_str())
        .expect("the 855's inbox item")
        .to_owned();
    // Then Trading Grid announces two documents it does not have: two dead letters.
    let (_, shown) = api_get(
        &stack,
        &format!("/order-reconcile/dead-letters/{filed_item}"),
    )
    .await;
    let event = shown["event"].clone();
    assert!(event.is_object(), "the raw event is kept: {shown}");
    let (dead, other) = ("tg:evt_console_gone", "tg:evt_console_gone_2");
    for (event_id, document_id) in [
        ("evt_console_gone", "doc_console_gone"),
        ("evt_console_gone_2", "doc_console_gone_2"),
    ] {
        tg_announces(&stack, &event, event_id, document_id).await;
    }
    api_until(&stack, "/order-reconcile/dead-letters", |d| {
        d["items"].as_array().is_some_and(|i| {
            [dead, other]
                .iter()
                .all(|id| i.iter().any(|i| i["item_id"] == *id))
        })
    })
    .await;

    // The operator lists the function's dead letters and inspects the item.
    browser
        .client
        .goto(&format!("{}/console", stack.gateway_url))
        .await
        .expect("the console loads");
    browser
        .click("header nav button[data-tab='dead-letters']")
        .await;
    browser
        .click("#dl-function option[value='order-reconcile']")
        .await;
    browser.click("#dl-load").await;
    let history = browser.inspect("dl-list", "dl-detail", dead).await;
    assert!(history.contains("attempt #1 → dead_letter"), "{history}");
    assert!(history.contains("not_found"), "{history}");
    assert!(
        history.contains("doc_console_gone"),
        "the raw event: {history}"
    );

    // Requeued through the page: processed once more, a dead letter again (TG still has no
    // such document), and the requeue is in its history.
    browser
        .click(&format!("#dl-list tr[data-item='{dead}'] button.requeue"))
        .await;
    let status = browser
        .until(
            "the requeue's answer",
            "const s = document.querySelector('#dl-status').innerText;
             return s.startsWith('requeued') && s.includes('dead letter(s)') && s",
        )
        .await;
    assert!(
        status
            .as_str()
            .is_some_and(|s| s.contains("processed dead_letter")),
        "{status}"
    );
    let (_, shown) = api_get(&stack, &format!("/order-reconcile/dead-letters/{dead}")).await;
    assert_eq!(shown["requeues"], 1, "{shown}");
    assert_eq!(shown["status"], "dead_letter", "{shown}");

    // Requeue all: both, in one call, each processed once more.
    browser.click("#dl-requeue-all").await;
    let status = browser
        .until(
            "the requeue-all's answer",
            "const s = document.querySelector('#dl-status').innerText;
             return s.startsWith('requeued 2') && s.includes('dead letter(s)') && s",
        )
        .await;
    assert!(
        status
            .as_str()
            .is_some_and(|s| s.starts_with("requeued 2 in 1 call(s)")),
        "{status}"
    );
    for (id, requeues) in [(dead, 2), (other, 1)] {
        let (_, shown) = api_get(&stack, &format!("/order-reconcile/dead-letters/{id}")).await;
        assert_eq!(shown["requeues"], requeues, "{shown}");
    }

    // The history in the page shows the requeue and the attempt that followed.
    browser
        .click(&format!("#dl-list tr[data-item='{dead}'] button.inspect"))
        .await;
    let history = browser
        .until(
            "the history with the requeue",
            "const p = document.querySelector('#dl-detail .panel');
             return p && p.innerText.includes('history (5)') && p.innerText",
        )
        .await;
    let history = history.as_str().expect("text");
    let requeued = history
        .find("requeued")
        .expect("the requeue is in the history");
    assert!(
        history[requeued..].contains("attempt #1 → dead_letter"),
        "{history}"
    );

    // Discarding needs a reason: the API refuses an empty one and the page names `reason`.
    browser.click("#discard-button").await;
    let refused = browser
        .until(
            "the refusal",
            "const e = document.querySelector('#dl-result .error');
             return e && {field: e.dataset.field, text: e.innerText,
                          marked: document.querySelector('#discard-reason').classList.contains('invalid')}",
        )
        .await;
    assert_eq!(refused["field"], "reason", "{refused}");
    assert_eq!(refused["marked"], true, "{refused}");
    browser
        .type_into("#discard-reason", "TG no longer has the document")
        .await;
    browser.click("#discard-button").await;
    browser
        .until(
            "the discard",
            "const e = document.querySelector('#dl-result .ok'); return e && e.innerText",
        )
        .await;
    let (_, shown) = api_get(&stack, &format!("/order-reconcile/dead-letters/{dead}")).await;
    assert_eq!(shown["status"], "discarded", "{shown}");
    assert_eq!(
        shown["discarded"]["reason"], "TG no longer has the document",
        "{shown}"
    );
    let (_, listed) = api_get(&stack, "/order-reconcile/dead-letters").await;
    let listed: Vec<&Value> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| &i["item_id"])
        .collect();
    assert_eq!(listed, [other], "only the other one is left");
    browser
        .until(
            "the list without it",
            &format!("return !document.querySelector(\"#dl-list tr[data-item='{dead}']\")"),
        )
        .await;

    browser
        .client
        .clone()
        .close()
        .await
        .expect("the session ends");
}
