//! Filing exactly once when xECM loses an answer or a filing stops half-way (chaos finding 2,
//! docs/chaos.md), through the real xECM client against the xECM simulator, with the effects
//! claimed in the embedded ledger (SQLite) and in DynamoDB (moto).

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use gridlink_core::retry::RetryPolicy;
use gridlink_flow::filing::{Filing, file_once};
use gridlink_flow::{EffectError, EffectKey, Effects, Outcome};
use gridlink_store::testing::{LedgerUnderTest, dynamo_ledger, sqlite_ledger};
use gridlink_xecm::{
    AttributeValue, BusinessObject, BytesSource, CategoryId, DocumentSpec, NamedAttributes, NodeId,
    Workspaces as _, XecmAuth, XecmClient, XecmConfig,
};
use gridlink_xecm_sim::{FaultConfig, RunningSim};
use secrecy::SecretString;

const PARTNER_DOCUMENT: i64 = 9400;

struct World {
    sim: RunningSim,
    client: XecmClient,
    effects: Effects,
    workspace: NodeId,
    _ledger: LedgerUnderTest,
}

/// The demo company's xECM, a client that retries a call twice, quickly (a fresh client: it
/// does not know category 9400's definition yet, so it applies the category after the
/// document's create — the path the chaos run found), and effects over `ledger`.
async fn world(ledger: LedgerUnderTest) -> World {
    let sim = gridlink_xecm_sim::start(
        gridlink_xecm_sim::SimConfig {
            seed: Some(gridlink_xecm_sim::SeedSource::File(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../local/xecm-sim/seeds/demo.json"),
            )),
            ..gridlink_xecm_sim::SimConfig::default()
        },
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("the xECM simulator starts");
    let mut config = XecmConfig::new(
        &sim.base_url,
        XecmAuth::Password {
            user: "gridlink".to_owned(),
            password: SecretString::from("gridlink-service"),
        },
    )
    .expect("config");
    config.retry = RetryPolicy {
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_attempts: 2,
        max_elapsed: Duration::from_secs(5),
    };
    let client = XecmClient::new(config).expect("client");
    let workspace = client
        .find_workspace_by_business_object(
            &BusinessObject::new("SAP_ERP", "BUS2012", "4500001234").expect("bo"),
        )
        .await
        .expect("find")
        .expect("PO 4500001234")
        .id;
    World {
        sim,
        client,
        effects: Effects::new(ledger.ledger.clone(), Duration::from_secs(60)),
        workspace,
        _ledger: ledger,
    }
}

fn values() -> NamedAttributes {
    [
        (
            "Document Type".to_owned(),
            AttributeValue::Text("214".into()),
        ),
        (
            "Trading Partner ID".to_owned(),
            AttributeValue::Text("ZZ:ACMESUPPLY".into()),
        ),
    ]
    .into_iter()
    .collect()
}

fn filing(world: &World, name: &str) -> Filing {
    Filing::new(
        EffectKey::new("xecm-file", format!("ZZ:ACMESUPPLY|214|{name}")),
        world.workspace,
        "Shipping",
        DocumentSpec {
            name: format!("{name}.edi"),
            description: format!("Received through Trading Grid (ZZ:ACMESUPPLY|214|{name})"),
            file_name: None,
            mime_type: Some("application/edi-x12".to_owned()),
            categories: vec![(
                CategoryId::new(PARTNER_DOCUMENT).expect("category"),
                values(),
            )],
        },
    )
}

async fn file(
    world: &World,
    filing: &Filing,
) -> Result<Outcome<gridlink_flow::filing::Filed>, EffectError<gridlink_xecm::XecmError>> {
    file_once(
        &world.effects,
        &world.client,
        filing,
        &BytesSource(Bytes::from_static(b"ISA*00*          *00~")),
    )
    .await
}

/// The documents in `Shipping` whose name starts with `name`, and the category values of
/// the only one.
async fn only_document(world: &World, name: &str) -> (NodeId, NamedAttributes) {
    let shipping = world
        .client
        .node_at_path(world.workspace, "Shipping")
        .await
        .expect("read")
        .expect("Shipping");
    let named: Vec<_> = world
        .client
        .list_children(shipping.id)
        .await
        .expect("children")
        .into_iter()
        .filter(|n| n.name.starts_with(name))
        .collect();
    assert_eq!(
        named.len(),
        1,
        "exactly one document: {:?}",
        named.iter().map(|n| &n.name).collect::<Vec<_>>()
    );
    let read = world
        .client
        .read_attributes(named[0].id, CategoryId::new(PARTNER_DOCUMENT).expect("id"))
        .await
        .expect("the document has its Partner Document category");
    (named[0].id, read)
}

fn assert_values(read: &NamedAttributes) {
    for (name, value) in values() {
        assert_eq!(read.get(&name), Some(&value), "{name}: {read:?}");
    }
}

async fn a_filing_whose_category_answer_was_lost_is_filed_once_with_its_categories(
    ledger: LedgerUnderTest,
) {
    let world = world(ledger).await;
    let filing = filing(&world, "214 SHP-LOST-1");
    world.sim.set_faults(FaultConfig {
        lose_response_next: 1,
        only_path_containing: Some("/categories".to_owned()),
        only_method: Some("POST".to_owned()),
        ..FaultConfig::default()
    });

    let first = file(&world, &filing)
        .await
        .expect("filed, not dead-lettered");
    assert_eq!(
        world.sim.fault_counts().lost_responses,
        1,
        "the answer was lost"
    );
    assert!(first.ran_now(), "{first:?}");
    let (id, read) = only_document(&world, "214 SHP-LOST-1").await;
    assert_eq!(first.into_inner().document_id, id.get());
    assert_values(&read);

    let replay = file(&world, &filing).await.expect("a replay");
    assert!(!replay.ran_now(), "a replay files nothing");
    assert_eq!(replay.into_inner().document_id, id.get());
    only_document(&world, "214 SHP-LOST-1").await;
}

async fn a_filing_adopted_after_stopping_between_create_and_category_apply_gets_its_categories(
    ledger: LedgerUnderTest,
) {
    let world = world(ledger).await;
    let filing = filing(&world, "214 SHP-HALF-1");
    // Every attempt to apply the category fails: the document is created, its category is
    // not — what a crash between the two leaves in xECM.
    world.sim.set_faults(FaultConfig {
        error_500_next: 2,
        only_path_containing: Some("/categories".to_owned()),
        only_method: Some("POST".to_owned()),
        ..FaultConfig::default()
    });
    let stopped = file(&world, &filing).await;
    assert!(
        matches!(stopped, Err(EffectError::Effect(_))),
        "the first attempt stops after the create: {stopped:?}"
    );
    let shipping = world
        .client
        .node_at_path(world.workspace, "Shipping/214 SHP-HALF-1.edi")
        .await
        .expect("read")
        .expect("the document was created");
    assert!(
        world
            .client
            .read_attributes(shipping.id, CategoryId::new(PARTNER_DOCUMENT).expect("id"))
            .await
            .is_err(),
        "… without its category"
    );

    let adopted = file(&world, &filing).await.expect("the re-run files");
    assert!(adopted.ran_now());
    assert_eq!(
        adopted.into_inner().document_id,
        shipping.id.get(),
        "the created document is adopted, not filed twice"
    );
    let (_, read) = only_document(&world, "214 SHP-HALF-1").await;
    assert_values(&read);
    let replay = file(&world, &filing).await.expect("a replay");
    assert!(!replay.ran_now());
    only_document(&world, "214 SHP-HALF-1").await;
}

async fn adopting_a_complete_document_writes_no_category(ledger: LedgerUnderTest) {
    let world = world(ledger).await;
    let filing = filing(&world, "214 SHP-WHOLE-1");
    // Category 9400's definition is learned by a first filing, so the next create carries
    // its category: a document created at all is complete.
    file(&world, &self::filing(&world, "214 SHP-FIRST-1"))
        .await
        .expect("a first filing");
    let writes_before = category_writes(&world.sim);
    // The create is carried out but every answer to it is lost: the attempt fails, and the
    // re-run adopts the document by its marker.
    world.sim.set_faults(FaultConfig {
        lose_response_next: 2,
        only_path_containing: Some("/v2/nodes".to_owned()),
        only_method: Some("POST".to_owned()),
        ..FaultConfig::default()
    });
    let stopped = file(&world, &filing).await;
    assert!(stopped.is_err(), "{stopped:?}");
    let adopted = file(&world, &filing).await.expect("filed");
    assert!(adopted.ran_now());
    let (_, read) = only_document(&world, "214 SHP-WHOLE-1").await;
    assert_values(&read);
    assert_eq!(
        category_writes(&world.sim),
        writes_before,
        "the category came with the create; adoption wrote nothing more"
    );
}

fn category_writes(sim: &RunningSim) -> u64 {
    let calls = sim.calls();
    [
        "POST /api/v2/nodes/{id}/categories",
        "PUT /api/v2/nodes/{id}/categories/{id}",
    ]
    .iter()
    .map(|key| calls.get(*key).copied().unwrap_or(0))
    .sum()
}

macro_rules! on_both_stacks {
    ($($case:ident),* $(,)?) => {
        mod embedded { $( #[tokio::test] async fn $case() { super::$case(super::sqlite_ledger().await).await } )* }
        mod aws { $( #[tokio::test] async fn $case() { super::$case(super::dynamo_ledger().await).await } )* }
    };
}

on_both_stacks!(
    a_filing_whose_category_answer_was_lost_is_filed_once_with_its_categories,
    a_filing_adopted_after_stopping_between_create_and_category_apply_gets_its_categories,
    adopting_a_complete_document_writes_no_category,
);
