//! The supplier-onboarding benchmarks of docs/benchmarks.md — ignored, they print figures
//! and time nothing against a threshold:
//! - `bench_renewal_sweep_over_10_000_requirement_rows`: one renewals sweep over 2 500
//!   tracked suppliers × 4 dated requirements, of which 25 suppliers (100 rows) are inside
//!   their renewal window and get a renewal request, a projection and a compliance record;
//!   then the same sweep again (nothing left to do). Wall time and the process's resident
//!   set before and after (the simulators run in the same process, so their growth counts).
//! - `bench_10_mb_submission_validated_and_filed`: 20 suppliers each submit a 10 MB
//!   certificate of insurance; each signed webhook → the handler's answer is timed: the
//!   file's type read from its first 16 bytes, the fields validated, the file streamed from
//!   TG into xECM with its category, the requirement accepted through TG's review call and
//!   the compliance record refiled. p50 / p95 / max.
//!
//! Run: `cargo test --profile perf -p supplier-onboarding --test benchmark -- --ignored
//! --nocapture --test-threads 1`. Embedded storage (files + SQLite), simulators on loopback.

mod common;

use std::time::{Duration, Instant};

use common::*;
use gridlink_core::clock::Clock as _;
use gridlink_store::{NewRecord, RecordId};
use gridlink_tests::stack::Storage;
use gridlink_xecm::{
    AttributeValue, CategoryId, NamedAttributes, NodeId, WorkspaceSpec, Workspaces,
};
use serde_json::json;
use supplier_onboarding::standing::{RequirementState, STANDING_KIND, SUPPLIERS, Standing, State};

const KINDS: [&str; 4] = [
    "insurance_certificate",
    "iso9001",
    "code_of_conduct",
    "bank_letter",
];

/// A supplier workspace of Brightwire's partner (many suppliers may share a TG partner).
async fn supplier_workspace(world: &World, n: usize) -> NodeId {
    let mut values = NamedAttributes::new();
    for (name, value) in [
        ("Supplier Number", format!("09{n:08}")),
        ("Trading Partner ID", BRIGHTWIRE.to_owned()),
        ("Country", "US".to_owned()),
        ("Legal Name", "Brightwire Electric, Inc.".to_owned()),
        ("Tax Country", "US".to_owned()),
        ("Tax ID", "27-1234567".to_owned()),
        ("Supplier Class", "services".to_owned()),
    ] {
        values.insert(name.into(), AttributeValue::Text(value));
    }
    world
        .xecm
        .create_workspace_idempotent(&WorkspaceSpec {
            type_id: gridlink_xecm::WorkspaceTypeId::new(21).expect("id"),
            template_id: None,
            name: format!("Bench supplier {n}"),
            description: String::new(),
            business_object: None,
            parent_id: None,
            categories: vec![(CategoryId::new(9001).expect("id"), values)],
        })
        .await
        .expect("the workspace is created")
        .workspace
        .id
}

/// A tracked supplier with four accepted, dated requirements valid until `until`.
fn standing(workspace: i64, until: time::Date) -> Standing {
    let mut s = Standing {
        workspace_id: workspace,
        partner_id: Some(BRIGHTWIRE.into()),
        matrix_version: 1,
        ..Standing::default()
    };
    for kind in KINDS {
        s.requirements.insert(
            kind.into(),
            RequirementState {
                kind: kind.into(),
                required: true,
                state: State::Accepted,
                valid_from: Some("2026-01-01".into()),
                valid_until: Some(until.to_string()),
                ..RequirementState::default()
            },
        );
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with --ignored --nocapture"]
async fn bench_renewal_sweep_over_10_000_requirement_rows() {
    const SUPPLIERS_TRACKED: usize = 2_500;
    const DUE_EVERY: usize = 100;
    // the annual attestation off: this is the renewals' cost alone
    let world = world_configured(stack_on(Storage::Embedded).await, None, |c| {
        c.attestation_day = None;
    })
    .await;
    world.function.usecase().matrix().await.expect("the matrix");
    let today = world.clock.now().date();
    let ledger = world.function.platform().ledger.clone();
    let mut due = 0;
    for n in 0..SUPPLIERS_TRACKED {
        // every 100th supplier is inside its renewal window (a real workspace, since its
        // standing is projected there); the others expire 61 to 1 060 days from now
        let (workspace, until) = if n % DUE_EVERY == 0 {
            due += 1;
            (
                supplier_workspace(&world, n).await.get(),
                today + time::Duration::days(20),
            )
        } else {
            (
                8_000_000 + i64::try_from(n).expect("small"),
                today + time::Duration::days(61 + i64::try_from(n % 1_000).expect("small")),
            )
        };
        let data = serde_json::to_value(standing(workspace, until)).expect("json");
        ledger
            .create(
                NewRecord::new(
                    RecordId::new(STANDING_KIND, workspace.to_string()).expect("id"),
                    "TRACKED",
                    data,
                )
                .with_index1(SUPPLIERS, format!("{workspace:012}")),
            )
            .await
            .expect("the standing is stored");
    }
    let rows = SUPPLIERS_TRACKED * KINDS.len();
    let (rss_before, _) = gridlink_store::testing::rss_kib();
    let started = Instant::now();
    let swept = sweep(&world).await;
    let first = started.elapsed();
    let (rss_after, rss_peak) = gridlink_store::testing::rss_kib();
    let steps = swept["renewals"].as_array().map_or(0, Vec::len);
    assert_eq!(
        steps,
        due * KINDS.len(),
        "every row in its window is renewed: {}",
        swept.to_string().chars().take(400).collect::<String>()
    );
    let started = Instant::now();
    let again = sweep(&world).await;
    let second = started.elapsed();
    assert_eq!(again["renewals"].as_array().map_or(0, Vec::len), 0);
    println!(
        "BENCH supplier-onboarding renewal sweep: {rows} requirement rows ({SUPPLIERS_TRACKED} suppliers), {steps} renewal steps ({due} suppliers asked): first sweep {:.2} s, repeated sweep {:.2} s; RSS {} MiB before, {} MiB after (growth {} MiB), peak {} MiB",
        first.as_secs_f64(),
        second.as_secs_f64(),
        rss_before / 1024,
        rss_after / 1024,
        rss_after.saturating_sub(rss_before) / 1024,
        rss_peak / 1024
    );
}

/// A 10 MB PDF (magic bytes first).
fn ten_megabytes(n: usize) -> Vec<u8> {
    let mut pdf = format!("%PDF-1.7\n% bench certificate {n}\n").into_bytes();
    pdf.resize(10_000_000 - 6, b'.');
    pdf.extend_from_slice(b"\n%%EOF");
    pdf
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with --ignored --nocapture"]
async fn bench_10_mb_submission_validated_and_filed() {
    const SUBMISSIONS: usize = 20;
    let world = world(stack_on(Storage::Embedded).await).await;
    let until = (world.clock.now().date() + time::Duration::days(365)).to_string();
    let mut times = Vec::new();
    for n in 0..SUBMISSIONS {
        let workspace = supplier_workspace(&world, n).await;
        world
            .function
            .usecase()
            .sync_supplier(workspace)
            .await
            .expect("the supplier is synced");
        let (request, item, _) =
            request_item(&world, BRIGHTWIRE, workspace, "insurance_certificate").await;
        let form = reqwest::multipart::Form::new()
            .text("fields", insurance_fields().to_string())
            .text("valid_from", "2026-01-01")
            .text("valid_until", until.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(ten_megabytes(n))
                    .file_name("certificate.pdf")
                    .mime_str("application/pdf")
                    .expect("mime"),
            );
        reqwest::Client::new()
            .post(
                world
                    .tg_base
                    .join(&format!(
                        "__sim/partners/{BRIGHTWIRE}/document_requests/{request}/items/{item}/submit"
                    ))
                    .expect("url"),
            )
            .multipart(form)
            .send()
            .await
            .expect("submit")
            .error_for_status()
            .expect("the partner submits");
        let event = submitted_event(&world, &item).await;
        let started = Instant::now();
        deliver(&world, &event).await;
        times.push(started.elapsed());
        assert_eq!(
            tg_item(&world, &request, &item).await["status"],
            "accepted",
            "submission {n}"
        );
        let filed = documents_in(&world, workspace, "Certificates/Insurance").await;
        assert_eq!(filed.len(), 1, "{filed:?}");
        assert_eq!(content(&world, filed[0].1).await.len(), 10_000_000);
    }
    times.sort();
    // the nearest-rank percentile
    let at =
        |percent: usize| times[(percent * times.len()).div_ceil(100).clamp(1, times.len()) - 1];
    let ms = |d: Duration| d.as_millis();
    println!(
        "BENCH supplier-onboarding 10 MB submission validated + filed ({SUBMISSIONS} submissions, webhook → answer): p50 {} ms, p95 {} ms, max {} ms; {}",
        ms(at(50)),
        ms(at(95)),
        ms(*times.last().expect("times")),
        json!(times.iter().map(Duration::as_millis).collect::<Vec<_>>())
    );
}
