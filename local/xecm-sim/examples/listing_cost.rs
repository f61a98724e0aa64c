//! What a listing costs when the repository is large: a folder of 10 documents listed while
//! the store holds 50 000 other nodes (250 workspaces of 199 documents each), timed
//! in-process (`Store::children`) and over HTTP (`GET /api/v2/nodes/{id}/nodes`, and
//! `GET /api/v2/businessworkspaces` for one type), plus the two whole-store reads the chaos
//! count can make (a clone, a scan under the lock). A benchmark, not a test: it prints
//! times and checks only that every answer is the expected one.
//!
//! Run (the debug build, as `gridlink-local chaos` runs):
//! ```text
//! cargo build --workspace --examples && target/debug/examples/listing_cost [other-nodes]
//! ```
//! It uses only what the simulator had before its indexes (`Store::insert`, `Persistence`,
//! `start`, `build`), so the same file times an older checkout. docs/chaos.md records the
//! figures.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use gridlink_xecm_sim::model::{Node, User, WorkspaceLink, WorkspaceType, subtype, well_known};
use gridlink_xecm_sim::persist::Persistence;
use gridlink_xecm_sim::store::Store;
use gridlink_xecm_sim::{SimConfig, build, start};
use serde_json::Value;
use time::OffsetDateTime;

const PER_WORKSPACE: i64 = 200;
const LISTED: usize = 10;
const PURCHASE_ORDER: i64 = 31;
const CONTRACT: i64 = 41;

fn node(id: i64, parent: i64, name: String, kind: i64, now: OffsetDateTime) -> Node {
    Node {
        id,
        parent_id: parent,
        name,
        subtype: kind,
        description: String::new(),
        create_date: now,
        modify_date: now,
        owner_user_id: 1000,
        versions: Vec::new(),
        categories: BTreeMap::new(),
        workspace: None,
        inherited_categories: BTreeSet::new(),
    }
}

fn workspace(id: i64, name: String, type_id: i64, now: OffsetDateTime) -> Node {
    let mut node = node(id, well_known::ENTERPRISE, name, subtype::WORKSPACE, now);
    node.workspace = Some(WorkspaceLink {
        type_id,
        template_id: 0,
        references: Vec::new(),
        relations: Vec::new(),
    });
    node
}

/// The repository: `others` nodes in workspaces, then one folder of 10 documents and one
/// contract workspace. Returns the store and the listed folder's id.
fn repository(others: i64) -> (Store, i64) {
    let now = OffsetDateTime::now_utc();
    let mut store = Store::new(now);
    store.users.push(User {
        id: 1000,
        name: "otadmin".to_owned(),
        password: "bench".to_owned(),
        otds_tokens: Vec::new(),
    });
    for (id, name) in [(PURCHASE_ORDER, "Purchase Order"), (CONTRACT, "Contract")] {
        store.workspace_types.insert(
            id,
            WorkspaceType {
                id,
                name: name.to_owned(),
                templates: Vec::new(),
                location_id: well_known::ENTERPRISE,
                business_object: None,
            },
        );
    }
    let mut id = well_known::FIRST_FREE_ID;
    let mut made = 0;
    while made < others {
        let order = id;
        store.insert(workspace(order, format!("PO {order}"), PURCHASE_ORDER, now));
        id += 1;
        made += 1;
        for n in 1..PER_WORKSPACE.min(others - made + 1) {
            store.insert(node(
                id,
                order,
                format!("document {n}.edi"),
                subtype::DOCUMENT,
                now,
            ));
            id += 1;
            made += 1;
        }
    }
    let folder = id;
    store.insert(node(
        folder,
        well_known::ENTERPRISE,
        "Listed".to_owned(),
        subtype::FOLDER,
        now,
    ));
    for n in 0..LISTED {
        id += 1;
        store.insert(node(
            id,
            folder,
            format!("listed {n}.edi"),
            subtype::DOCUMENT,
            now,
        ));
    }
    store.insert(workspace(
        id + 1,
        "The one contract".to_owned(),
        CONTRACT,
        now,
    ));
    (store, folder)
}

/// Runs `work` `rounds` times after 3 warm-up runs; the median and the mean.
async fn timed<F, Fut>(rounds: u32, mut work: F) -> anyhow::Result<(Duration, Duration)>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    for _ in 0..3 {
        work().await?;
    }
    let mut times = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        work().await?;
        times.push(started.elapsed());
    }
    times.sort_unstable();
    let mean = times.iter().sum::<Duration>() / rounds;
    Ok((times[times.len() / 2], mean))
}

fn row(what: &str, (median, mean): (Duration, Duration)) {
    println!(
        "{what:<62} median {:>9.3} ms   mean {:>9.3} ms",
        median.as_secs_f64() * 1000.0,
        mean.as_secs_f64() * 1000.0
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let others: i64 = match std::env::args().nth(1) {
        Some(text) => text.parse().context("the argument is a number of nodes")?,
        None => 50_000,
    };
    let rounds = 50;
    let (store, folder) = repository(others);
    let dir = tempfile::tempdir()?;
    Persistence::in_dir(dir.path()).save(&store)?;
    drop(store);
    let config = SimConfig {
        data_dir: Some(dir.path().to_owned()),
        ..SimConfig::default()
    };
    println!(
        "a folder of {LISTED} documents, listed while the store holds {others} other nodes; \
         {rounds} rounds each"
    );

    let sim = build(&config)?;
    let total = sim.store().nodes.len();
    row(
        "in-process: Store::children of the folder",
        timed(rounds, || async {
            let found = sim.store().children(folder).count();
            ensure!(found == LISTED, "{found} children");
            Ok(())
        })
        .await?,
    );
    row(
        "in-process: a clone of the whole store (the old chaos count)",
        timed(rounds, || async {
            let copy = sim.store().clone();
            ensure!(copy.nodes.len() == total);
            Ok(())
        })
        .await?,
    );
    row(
        "in-process: one scan of every node under the lock",
        timed(rounds, || async {
            let store = sim.store();
            let documents = store
                .nodes
                .values()
                .filter(|node| node.subtype == subtype::DOCUMENT)
                .count();
            ensure!(documents > 0);
            Ok(())
        })
        .await?,
    );
    drop(sim);

    let running = start(config, "127.0.0.1:0".parse()?).await?;
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{}/api/v1/auth", running.base_url))
        .form(&[("username", "otadmin"), ("password", "bench")])
        .send()
        .await?
        .json()
        .await?;
    let ticket = login["ticket"].as_str().context("no ticket")?.to_owned();
    let get = |path: String, expected: usize| {
        let (http, ticket, base) = (http.clone(), ticket.clone(), running.base_url.clone());
        async move {
            let body: Value = http
                .get(format!("{base}/api{path}"))
                .header("OTCSTicket", ticket)
                .send()
                .await?
                .json()
                .await?;
            let found = body["results"].as_array().map_or(0, Vec::len);
            ensure!(found == expected, "{path}: {found} results: {body}");
            anyhow::Ok(())
        }
    };
    row(
        "HTTP: GET /api/v2/nodes/{folder}/nodes (10 items)",
        timed(rounds, || get(format!("/v2/nodes/{folder}/nodes"), LISTED)).await?,
    );
    row(
        "HTTP: GET /api/v2/businessworkspaces?where_workspace_type_id=41",
        timed(rounds, || {
            get(
                format!("/v2/businessworkspaces?where_workspace_type_id={CONTRACT}"),
                1,
            )
        })
        .await?,
    );
    running.shutdown().await;
    Ok(())
}
