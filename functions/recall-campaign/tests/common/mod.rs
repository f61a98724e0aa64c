//! The harness of the recall-campaign tests: xecm-sim and tgrid-sim on loopback, real
//! clients, storage from the stack, the function driven through `Handler`; the QA manager
//! (user 1002) and the approver (user 1003) act through their own xECM sessions, so the audit
//! shows who did what.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use gridlink_core::clock::{Clock, ManualClock};
use gridlink_flow::Function;
use gridlink_lambda::{FunctionError, Handler, Invocation, Reply};
use gridlink_tests::kit;
use gridlink_tests::stack::{Stack, StackOptions, Storage};
use gridlink_tgrid::TgClient;
use gridlink_tgrid::events::{Event, EventType};
use gridlink_tgrid_sim::controls::SimControls;
use gridlink_xecm::{
    AttributeValue, BytesSource, CategoryId, DocumentSpec, NamedAttributes, NodeId, WorkspaceSpec,
    WorkspaceTypeId, Workspaces, XecmClient,
};
use recall_campaign::{NAME, RecallCampaign, RecallConfig};
use secrecy::SecretString;
use serde_json::{Value, json};

pub const CATEGORY: i64 = 9900;
pub const QA_MANAGER: i64 = 1002;
pub const APPROVER: i64 = 1003;
pub const DEMO_RECALL: &str = "RC-2026-0007";
/// Generated TG partners in every test stack (`prt_rc_gen_0001`…).
pub const GENERATED: usize = 12;

pub fn generated_partner(i: usize) -> String {
    format!("prt_rc_gen_{i:04}")
}

/// The demo TG seed plus `n` generated partners.
pub fn tg_seed_with(n: usize) -> gridlink_tgrid_sim::Seed {
    let mut seed: Value =
        serde_json::from_str(include_str!("../../../../local/tgrid-sim/seeds/demo.json"))
            .expect("the demo seed");
    let partners = seed["partners"].as_array_mut().expect("partners");
    for i in 1..=n {
        partners.push(json!({
            "partner_id": generated_partner(i),
            "name": format!("Generated Retailer {i}"),
            "status": "active",
            "van": "GXS",
            "edi_addresses": [format!("ZZ:RCGEN{i:05}")],
            "contacts": [],
            "partnerships": []
        }));
    }
    serde_json::from_value(seed).expect("a valid seed")
}

pub async fn stack_on(storage: Storage) -> Stack {
    stack_with(storage, GENERATED, Vec::new()).await
}

pub async fn stack_with(storage: Storage, partners: usize, config: Vec<(String, String)>) -> Stack {
    Stack::start_with(
        storage,
        StackOptions {
            manual_clock: true,
            tg_seed: Some(tg_seed_with(partners)),
            config,
            ..StackOptions::default()
        },
    )
    .await
}

pub struct World {
    /// The TG simulator's root (its `__sim` partner side): the stack's, or the child
    /// process's of [`ChildSimulators`].
    pub tg_url: url::Url,
    pub function: Function<RecallCampaign>,
    pub usecase: RecallCampaign,
    pub xecm: XecmClient,
    pub qa: XecmClient,
    pub approver: XecmClient,
    pub tg: TgClient,
    pub partner: SimControls,
    pub incident: NodeId,
    pub clock: Arc<ManualClock>,
    pub stack: Stack,
}

fn session(xecm_base_url: &str, user: &str, password: &str) -> XecmClient {
    XecmClient::new(
        gridlink_xecm::XecmConfig::new(
            xecm_base_url,
            gridlink_xecm::XecmAuth::Password {
                user: user.into(),
                password: SecretString::from(password.to_owned()),
            },
        )
        .expect("config"),
    )
    .expect("client")
}

pub async fn world(stack: Stack) -> World {
    let xecm_base_url = stack.xecm_sim.base_url.clone();
    let tg = stack.tg_sim.base_url.clone();
    let xecm = stack.xecm.clone();
    world_at(stack, xecm, &xecm_base_url, tg).await
}

/// The world of `stack` with the simulators at `xecm_base_url` and `tg_url` (the stack's
/// configuration must name the same ones: [`stack_beside`]); `xecm` is the test's own
/// (`otadmin`) client there.
async fn world_at(stack: Stack, xecm: XecmClient, xecm_base_url: &str, tg_url: url::Url) -> World {
    let clock = stack.clock.clone().expect("a manual clock (stack_on)");
    let incident = recall_workspace(&xecm, DEMO_RECALL).await;
    let config = RecallConfig::from_source(stack.config()).expect("configuration");
    let function = RecallCampaign::function(stack.platform(NAME), config.clone());
    let usecase = RecallCampaign::new(stack.platform(NAME), config);
    World {
        function,
        usecase,
        xecm,
        qa: session(xecm_base_url, "qa.manager", "qa-demo"),
        approver: session(xecm_base_url, "qa.approver", "approver-demo"),
        tg: stack.tg.clone(),
        partner: SimControls::new(tg_url.clone()),
        tg_url,
        incident,
        clock,
        stack,
    }
}

/// The environment variable that makes `simulators_for_the_benchmark` (tests/recall.rs)
/// serve: the number of generated TG partners.
pub const SIMULATORS_PARTNERS: &str = "RECALL_BENCH_SIMULATORS_PARTNERS";
/// The line `simulators_for_the_benchmark` prints when both simulators listen:
/// `<prefix> <xECM base URL> <TG base URL>`.
pub const SIMULATORS_LINE: &str = "RECALL-BENCH-SIMULATORS";

/// Both simulators as the stack starts them (the xECM demo seed; the TG demo seed plus
/// `partners` generated partners), on loopback.
pub async fn start_simulators(
    partners: usize,
) -> (
    gridlink_xecm_sim::RunningSim,
    gridlink_tgrid_sim::RunningSim,
) {
    let xecm = gridlink_tests::stack::start_xecm_demo_sim().await;
    let tg = gridlink_tgrid_sim::start(
        gridlink_tgrid_sim::SimConfig::new(tg_seed_with(partners)),
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("the TG simulator starts");
    (xecm, tg)
}

/// How long [`ChildSimulators::spawn`] waits for the child's URLs before it fails.
pub const SIMULATORS_START: std::time::Duration = std::time::Duration::from_secs(60);

/// Both simulators in a child process — this test binary again, running only
/// `simulators_for_the_benchmark` — so that this process holds the function (with its
/// storage) and the test's clients, not what the simulators are sent: the benchmark's RSS is
/// the function's. The child is killed when this is dropped (the benchmark's end, or its
/// panic); it also ends by itself when this process dies, as its stdin closes.
pub struct ChildSimulators {
    child: KillOnDrop,
    pub xecm_base_url: String,
    pub tg_url: url::Url,
}

/// A child process killed and reaped when dropped.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The last lines of a child's pipe, kept for a failure's message.
type Tail = Arc<std::sync::Mutex<std::collections::VecDeque<String>>>;

/// Reads `pipe` to its end on a thread of its own (a child never blocks on a full pipe),
/// keeping its last 50 lines in `tail` and sending each line's rest from `wanted` on to
/// `found`.
fn drain(
    pipe: impl std::io::Read + Send + 'static,
    tail: Tail,
    wanted: &'static str,
    found: std::sync::mpsc::Sender<String>,
) -> std::thread::JoinHandle<()> {
    use std::io::BufRead as _;
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
            // Anywhere in the line: libtest writes `test <name> ... ` before the test runs,
            // without a line break, so the test's first line follows it (a reader waiting
            // for a line that starts with `wanted` waited forever).
            if let Some(at) = line.find(wanted) {
                let _ = found.send(line[at..].to_owned());
            }
            let mut tail = tail.lock().expect("the tail is not poisoned");
            if tail.len() == 50 {
                tail.pop_front();
            }
            tail.push_back(line);
        }
    })
}

impl ChildSimulators {
    /// Starts the child with `partners` generated TG partners and waits (at most
    /// [`SIMULATORS_START`]) for its URLs.
    ///
    /// # Panics
    /// If the child does not start, or prints no URLs in time: the message carries its exit
    /// status and the last lines of its stdout and stderr.
    pub fn spawn(partners: usize) -> Self {
        let mut child = std::process::Command::new(std::env::current_exe().expect("this test"))
            .args([
                "simulators_for_the_benchmark",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(SIMULATORS_PARTNERS, partners.to_string())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the simulators' process starts");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let mut child = KillOnDrop(child);
        let (found, urls) = std::sync::mpsc::channel();
        let (out_tail, err_tail) = (Tail::default(), Tail::default());
        let readers = [
            drain(stdout, out_tail.clone(), SIMULATORS_LINE, found.clone()),
            drain(stderr, err_tail.clone(), SIMULATORS_LINE, found),
        ];
        let line = match urls.recv_timeout(SIMULATORS_START) {
            Ok(line) => line,
            Err(waited) => {
                let status = match child.0.try_wait() {
                    Ok(Some(status)) => format!("it ended: {status}"),
                    _ => "it was still running; killed".to_owned(),
                };
                let _ = child.0.kill();
                let _ = child.0.wait();
                for reader in readers {
                    let _ = reader.join();
                }
                let lines = |tail: &Tail| {
                    Vec::from(tail.lock().expect("the tail is not poisoned").clone()).join("\n")
                };
                panic!(
                    "the simulators' process printed no `{SIMULATORS_LINE} <xecm> <tg>` line \
                     within {SIMULATORS_START:?} ({waited}; {status})\n\
                     --- its stdout (last lines) ---\n{}\n--- its stderr (last lines) ---\n{}",
                    lines(&out_tail),
                    lines(&err_tail),
                );
            }
        };
        let mut parts = line.split_whitespace().skip(1);
        let (Some(xecm), Some(tg)) = (parts.next(), parts.next()) else {
            panic!("not `{SIMULATORS_LINE} <xecm> <tg>`: {line}");
        };
        Self {
            child,
            xecm_base_url: xecm.to_owned(),
            tg_url: tg.parse().expect("the TG URL"),
        }
    }

    /// The child's resident set now and at its peak, in KiB.
    pub fn rss_kib(&self) -> (u64, u64) {
        gridlink_store::testing::rss_kib_of(self.child.0.id())
    }
}

/// A stack (embedded storage, manual clock) whose function talks to `sims` in their child
/// process: its configuration names their URLs (`config` added). The stack's own simulators
/// still start, with the demo seeds, and are sent nothing.
pub async fn stack_beside(sims: &ChildSimulators, config: Vec<(String, String)>) -> Stack {
    let mut pairs = vec![
        ("XECM_BASE_URL".to_owned(), sims.xecm_base_url.clone()),
        ("TG_BASE_URL".to_owned(), sims.tg_url.to_string()),
    ];
    pairs.extend(config);
    Stack::start_with(
        Storage::Embedded,
        StackOptions {
            manual_clock: true,
            config: pairs,
            ..StackOptions::default()
        },
    )
    .await
}

/// The world of [`stack_beside`]: every client of the test on `sims` too.
pub async fn world_beside(stack: Stack, sims: &ChildSimulators) -> World {
    let xecm = session(&sims.xecm_base_url, "otadmin", "gridlink-demo");
    world_at(stack, xecm, &sims.xecm_base_url, sims.tg_url.clone()).await
}

pub async fn recall_workspace(xecm: &XecmClient, recall_id: &str) -> NodeId {
    kit::workspace_with(xecm, 61, CATEGORY, "Recall ID", recall_id).await
}

pub fn category() -> CategoryId {
    CategoryId::new(CATEGORY).expect("id")
}

/// `who` writes recall attributes.
pub async fn write(who: &XecmClient, incident: NodeId, values: &[(&str, AttributeValue)]) {
    let values: NamedAttributes = values
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    who.write_attributes(incident, category(), &values)
        .await
        .expect("attributes written");
}

/// The approval as the approver gives it: names themself and sets the status.
pub async fn approve_as(who: &XecmClient, incident: NodeId, approver: i64) {
    write(
        who,
        incident,
        &[
            ("Approved By", AttributeValue::User(approver)),
            ("Status", AttributeValue::Text("approved".into())),
        ],
    )
    .await;
}

pub async fn status(world: &World, incident: NodeId) -> Option<AttributeValue> {
    world
        .xecm
        .read_attributes(incident, category())
        .await
        .expect("attributes")
        .get("Status")
        .cloned()
}

pub async fn fire(world: &World, schedule: &str) -> Result<Value, FunctionError> {
    kit::fire(&world.function, schedule).await
}

pub async fn poll(world: &World) -> Value {
    fire(world, "recall-campaign-poll-xecm")
        .await
        .expect("the poll succeeds")
}

/// Approves the demo recall properly (initiator ≠ approver) and polls: issued.
pub async fn issue_demo(world: &World) -> Value {
    approve_as(&world.approver, world.incident, APPROVER).await;
    poll(world).await
}

/// The campaigns a partner sees.
pub async fn partner_campaigns(world: &World, partner: &str) -> Vec<Value> {
    world
        .partner
        .get(&format!("__sim/partners/{partner}/campaigns"))
        .await
        .expect("partner campaigns")["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub async fn campaign_of(world: &World, partner: &str) -> String {
    let campaigns = partner_campaigns(world, partner).await;
    assert_eq!(
        campaigns.len(),
        1,
        "one campaign for {partner}: {campaigns:?}"
    );
    campaigns[0]["campaign_id"].as_str().expect("id").to_owned()
}

/// All campaigns in TG (tenant view).
pub async fn all_campaigns(world: &World) -> Vec<Value> {
    let mut items = Vec::new();
    each_campaign_page(world, 500, |page| items.extend(page)).await;
    items
}

/// Every campaign in TG (tenant view), `limit` a page: `each` takes each page's items, which
/// are dropped after it (a benchmark counting thousands of campaigns, each with its response
/// form, holds one small page at a time, not all of them in the process it measures).
pub async fn each_campaign_page(world: &World, limit: usize, mut each: impl FnMut(Vec<Value>)) {
    let mut cursor: Option<String> = None;
    loop {
        let mut url = world
            .tg_url
            .join(&format!("v1/campaigns?limit={limit}"))
            .expect("url");
        if let Some(c) = &cursor {
            url.query_pairs_mut().append_pair("cursor", c);
        }
        let token = world.tg_token().await;
        let mut page: Value = reqwest::Client::new()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("list")
            .error_for_status()
            .expect("200")
            .json()
            .await
            .expect("json");
        let next = page["next_cursor"].as_str().map(str::to_owned);
        match page["items"].take() {
            Value::Array(items) => each(items),
            _ => each(Vec::new()),
        }
        match next {
            Some(next) => cursor = Some(next),
            None => return,
        }
    }
}

impl World {
    async fn tg_token(&self) -> String {
        let seed = tg_seed_with(0);
        let tenant = seed.tenant;
        let url = self
            .tg_url
            .join(&format!("tenants/{}/oauth2/token", tenant.tenant_id))
            .expect("url");
        let answer: Value = reqwest::Client::new()
            .post(url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", tenant.client_id.as_str()),
                ("client_secret", tenant.client_secret.as_str()),
            ])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("json");
        answer["access_token"].as_str().expect("token").to_owned()
    }
}

/// The partner answers its campaign (JSON form).
pub async fn respond(world: &World, partner: &str, form: Value) -> Value {
    let campaign = campaign_of(world, partner).await;
    world
        .partner
        .answer_campaign(partner, &campaign, "respond", &form, &[])
        .await
        .expect("the partner answers")
}

/// The partner answers with a file (multipart).
pub async fn respond_with_file(
    world: &World,
    partner: &str,
    form: Value,
    file_name: &str,
    content: &'static [u8],
) {
    let campaign = campaign_of(world, partner).await;
    let multipart = reqwest::multipart::Form::new()
        .text("form_data", form.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(content)
                .file_name(file_name.to_owned())
                .mime_str("image/jpeg")
                .expect("mime"),
        );
    reqwest::Client::new()
        .post(
            world
                .tg_url
                .join(&format!(
                    "__sim/partners/{partner}/campaigns/{campaign}/respond"
                ))
                .expect("url"),
        )
        .multipart(multipart)
        .send()
        .await
        .expect("answer")
        .error_for_status()
        .expect("the partner answers with a file");
}

/// The response events of a partner, oldest first.
pub async fn response_events(world: &World, partner: &str) -> Vec<Event> {
    kit::events_of(&world.tg, EventType::CampaignResponseReceived)
        .await
        .into_iter()
        .filter(|e| {
            e.campaign_response()
                .is_some_and(|r| r.response.partner_id.as_str() == partner)
        })
        .collect()
}

/// Delivers a TG event as a signed webhook; the 202 body.
pub async fn deliver(world: &World, event: &Event) -> Value {
    kit::deliver(&world.function, event, world.clock.unix_seconds()).await
}

/// `GET /recall-campaign/recalls/{id}` through the function: (status, body).
pub async fn rollup_route(world: &World, recall_id: &str) -> (u16, Value) {
    route(world, "GET", &format!("recalls/{recall_id}")).await
}

/// `POST /recall-campaign/recalls/{id}/bundle` through the function: (status, body).
pub async fn bundle_route(world: &World, recall_id: &str) -> (u16, Value) {
    route(world, "POST", &format!("recalls/{recall_id}/bundle")).await
}

/// An operator route of the function (path relative to it): (status, body).
pub async fn route(world: &World, method: &str, path: &str) -> (u16, Value) {
    let request = gridlink_lambda::HttpRequest {
        method: method.into(),
        path: format!("/{NAME}/{path}"),
        ..gridlink_lambda::HttpRequest::default()
    };
    let response = match world.function.handle(Invocation::Http(request)).await {
        Ok(Reply::Http(response)) => response,
        Ok(Reply::Scheduled(_)) => panic!("a route answers over HTTP"),
        Err(error) => error.into_http(),
    };
    (
        response.status,
        serde_json::from_slice(&response.body).unwrap_or(Value::Null),
    )
}

/// The documents and folders (name, id) in a folder path of a workspace.
pub async fn documents_in(world: &World, workspace: NodeId, path: &str) -> Vec<(String, NodeId)> {
    kit::children_in(&world.xecm, workspace, path).await
}

pub async fn content(world: &World, document: NodeId) -> Vec<u8> {
    kit::content(&world.xecm, document).await
}

/// The generator: a new incident workspace for `recall_id` with two lots, a notice and a
/// distribution giving each partner (`partners`) lot A and every second one lot B too;
/// `extra_rows` are appended to the CSV as they are. Initiated by the QA manager.
pub async fn generated_incident(
    world: &World,
    recall_id: &str,
    partners: &[String],
    extra_rows: &str,
) -> NodeId {
    let mut csv = String::from("partner_id,lot_code,quantity,unit,shipped_on\n");
    for (i, partner) in partners.iter().enumerate() {
        let _ = writeln!(csv, "{partner},GA-1,{},EA,2026-05-01", 10 + i);
        if i % 2 == 1 {
            let _ = writeln!(csv, "{partner},GB-2,5,EA,2026-05-02");
        }
    }
    csv.push_str(extra_rows);
    generated_incident_with(
        world,
        recall_id,
        &[("GA-1".into(), 1_000_000), ("GB-2".into(), 500_000)],
        csv,
    )
    .await
}

/// The lot codes of [`generated_lots_incident`]: `GL-01`…
pub fn generated_lot(i: usize) -> String {
    format!("GL-{i:02}")
}

/// The generator for many lots: `lots` lots, each shipped to every partner (`10 + i` units
/// of lot `i`).
pub async fn generated_lots_incident(
    world: &World,
    recall_id: &str,
    partners: &[String],
    lots: usize,
) -> NodeId {
    let mut csv = String::from("partner_id,lot_code,quantity,unit,shipped_on\n");
    for partner in partners {
        for i in 1..=lots {
            let _ = writeln!(
                csv,
                "{partner},{},{},EA,2026-05-01",
                generated_lot(i),
                10 + i
            );
        }
    }
    let codes: Vec<(String, i64)> = (1..=lots).map(|i| (generated_lot(i), 1_000_000)).collect();
    generated_incident_with(world, recall_id, &codes, csv).await
}

/// A new incident workspace for `recall_id` with `lots` (code, quantity), a notice and the
/// distribution `csv`. Initiated by the QA manager.
pub async fn generated_incident_with(
    world: &World,
    recall_id: &str,
    lots: &[(String, i64)],
    csv: String,
) -> NodeId {
    let lots = AttributeValue::Rows(
        lots.iter()
            .map(|(code, quantity)| {
                let mut row = NamedAttributes::new();
                row.insert("Lot Code".into(), code.as_str().into());
                row.insert("GTIN".into(), "04012345000031".into());
                row.insert("Material".into(), "M-GEN".into());
                row.insert("Quantity".into(), AttributeValue::Integer(*quantity));
                row.insert("Unit".into(), "EA".into());
                row
            })
            .collect(),
    );
    let mut values = NamedAttributes::new();
    values.insert("Recall ID".into(), recall_id.into());
    values.insert("Class".into(), "II".into());
    values.insert("Reason Code".into(), "MISLABEL".into());
    values.insert("Status".into(), "draft".into());
    values.insert("Initiated By".into(), AttributeValue::User(QA_MANAGER));
    values.insert("Response Due Hours".into(), AttributeValue::Integer(48));
    values.insert("Market".into(), "US".into());
    values.insert("Lots".into(), lots);
    let workspace = world
        .qa
        .create_workspace_idempotent(&WorkspaceSpec {
            type_id: WorkspaceTypeId::new(61).expect("id"),
            template_id: None,
            name: format!("QI {recall_id}"),
            description: String::new(),
            business_object: None,
            parent_id: None,
            categories: vec![(category(), values)],
        })
        .await
        .expect("incident created")
        .workspace
        .id;
    file(world, workspace, "Approvals", "Distribution.csv", csv).await;
    file(
        world,
        workspace,
        "Notice",
        &format!("Notice {recall_id}.txt"),
        format!("RECALL {recall_id}\n"),
    )
    .await;
    workspace
}

pub async fn file(
    world: &World,
    workspace: NodeId,
    folder: &str,
    name: &str,
    text: String,
) -> NodeId {
    world
        .qa
        .file_document(
            workspace,
            folder,
            &DocumentSpec {
                name: name.into(),
                ..DocumentSpec::default()
            },
            &BytesSource(Bytes::from(text)),
        )
        .await
        .expect("filed")
        .document
        .id
}

/// The full answer of an affected partner for its lots (`(lot, shipped)`), all destroyed.
pub fn all_destroyed(lots: &[(&str, i64)]) -> Value {
    let mut form = json!({"acknowledged": true, "affected": true, "further_distributed": false, "disposition_date": "2026-12-03"});
    for (lot, shipped) in lots {
        form[format!("{lot}.on_hand")] = json!(0);
        form[format!("{lot}.quarantined")] = json!(0);
        form[format!("{lot}.returned")] = json!(0);
        form[format!("{lot}.destroyed")] = json!(shipped);
    }
    form
}
