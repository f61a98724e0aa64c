//! Cold start of every function against a hello-world `lambda_runtime` binary (issue 19,
//! item 4): the time from starting the process to its first `GET /runtime/invocation/next`
//! on the Runtime-API emulator — everything a function does before it can take its first
//! event — and the size of each binary.
//!
//! Reproduce (`scripts/bench-cold-start.sh` does all three):
//! ```text
//! cargo build --profile perf --locked --bins -p case-collab -p po-exception -p contract-share \
//!     -p shipment-delay -p supplier-onboarding -p recall-campaign -p order-reconcile
//! cargo build --profile perf --locked -p gridlink-tests --example hello_lambda
//! cargo bench --profile perf --locked -p gridlink-tests --bench cold_start
//! ```
//! `GRIDLINK_BIN_DIR` (default `target/perf`) is where the binaries are, `RUNS` (default 30)
//! how many starts of each; the starts are interleaved, one of each binary per round, so a
//! change in the machine's load touches every binary alike.
//!
//! Each function starts three times per round: with local storage (files + SQLite in a
//! temporary directory); with the AWS storage a deployment uses (`GRIDLINK_STORAGE=aws`, static
//! credentials, an endpoint on a closed loopback port: nothing may be called before the first
//! event, so nothing answers); and as `infra/template.yaml` deploys it, the same AWS storage
//! with its secrets given by ARN (`*_SECRET_ARN`, read at the first invocation: a start that
//! read them would fail on the closed endpoint, and the bench with it). All use plain-HTTP
//! simulator URLs; HTTPS needs no work before the first handshake either
//! (`gridlink_core::tls`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gridlink_tests::runtime_api::RuntimeApi;

const FUNCTIONS: [&str; 7] = [
    "case-collab",
    "po-exception",
    "contract-share",
    "shipment-delay",
    "supplier-onboarding",
    "recall-campaign",
    "order-reconcile",
];

struct Candidate {
    label: String,
    bin: PathBuf,
    env: Vec<(String, String)>,
    samples: Vec<Duration>,
}

/// How a function is configured for one start.
#[derive(Clone, Copy)]
enum Setup {
    /// Files + SQLite, secrets as values.
    Local,
    /// S3 + DynamoDB, secrets as values.
    Aws,
    /// S3 + DynamoDB, secrets given by ARN (as deployed).
    AwsSecretArns,
}

impl Setup {
    fn label(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Aws => "aws",
            Self::AwsSecretArns => "aws, secrets by ARN",
        }
    }
}

const SECRETS: [(&str, &str); 4] = [
    ("XECM_PASSWORD", "XECM_PASSWORD_SECRET_ARN"),
    ("TG_CLIENT_SECRET", "TG_CLIENT_SECRET_ARN"),
    ("TG_WEBHOOK_SECRET", "TG_WEBHOOK_SECRET_ARN"),
    ("XECM_PUSH_SECRET", "XECM_PUSH_SECRET_ARN"),
];

fn function_env(data_dir: &Path, setup: Setup) -> Vec<(String, String)> {
    let mut env = vec![
        ("XECM_BASE_URL", "http://127.0.0.1:9/otcs/cs.exe".to_owned()),
        ("XECM_USERNAME", "otadmin".to_owned()),
        ("TG_BASE_URL", "http://127.0.0.1:9".to_owned()),
        ("TG_TENANT_ID", "buyerco".to_owned()),
        ("TG_CLIENT_ID", "gridlink-bench".to_owned()),
        ("GRIDLINK_METRICS", "off".to_owned()),
    ];
    for (key, arn_key) in SECRETS {
        env.push(match setup {
            Setup::AwsSecretArns => (
                arn_key,
                format!(
                    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gridlink/{key}-AbCdEf"
                ),
            ),
            Setup::Local | Setup::Aws => (key, "bench".to_owned()),
        });
    }
    match setup {
        Setup::Aws | Setup::AwsSecretArns => env.extend([
            ("GRIDLINK_STORAGE", "aws".to_owned()),
            ("GRIDLINK_BUCKET", "gridlink-bench".to_owned()),
            ("GRIDLINK_TABLE", "gridlink-bench".to_owned()),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".to_owned()),
            ("AWS_ACCESS_KEY_ID", "AKIDBENCH".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "bench".to_owned()),
        ]),
        Setup::Local => env.extend([
            ("GRIDLINK_STORAGE", "local".to_owned()),
            ("GRIDLINK_DATA_DIR", data_dir.display().to_string()),
        ]),
    }
    env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The `pct`-th percentile of `sorted` (nearest rank).
fn percentile(sorted: &[Duration], pct: usize) -> Duration {
    let rank = ((sorted.len() - 1) * pct + 50) / 100;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let dir = PathBuf::from(
        std::env::var("GRIDLINK_BIN_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/perf").to_owned()),
    );
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(30);
    let data = tempfile::tempdir().expect("a temporary data directory");

    let mut candidates = vec![Candidate {
        label: "hello world (lambda_runtime)".to_owned(),
        bin: dir.join("examples/hello_lambda"),
        env: Vec::new(),
        samples: Vec::new(),
    }];
    for function in FUNCTIONS {
        for setup in [Setup::Local, Setup::Aws, Setup::AwsSecretArns] {
            candidates.push(Candidate {
                label: format!("{function} ({})", setup.label()),
                bin: dir.join(function),
                env: function_env(&data.path().join(function), setup),
                samples: Vec::new(),
            });
        }
    }
    for candidate in &candidates {
        assert!(
            candidate.bin.is_file(),
            "{} is missing: build it first (see the bench's doc comment)",
            candidate.bin.display()
        );
    }

    for _ in 0..runs {
        for candidate in &mut candidates {
            let rt = RuntimeApi::start().await.expect("the Runtime API emulator");
            let env: Vec<(&str, &str)> = candidate
                .env
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let started = Instant::now();
            let process = rt
                .spawn_function(&candidate.bin, &env)
                .expect("the binary starts");
            let Some(ready) = rt.first_next(Duration::from_secs(20)).await else {
                panic!(
                    "{} never asked for an event:\n{}",
                    candidate.label,
                    process.output()
                );
            };
            candidate.samples.push(ready - started);
            drop(process);
        }
    }

    let baseline = {
        let mut s = candidates[0].samples.clone();
        s.sort();
        percentile(&s, 50)
    };
    println!(
        "cold start, exec -> first GET /invocation/next, {runs} starts each, binaries in {}",
        dir.display()
    );
    println!("| binary | size (MiB) | p50 (ms) | p90 (ms) | min (ms) | p50 / hello world |");
    println!("|---|---|---|---|---|---|");
    for candidate in &candidates {
        let mut s = candidate.samples.clone();
        s.sort();
        let kib = std::fs::metadata(&candidate.bin).map_or(0, |m| m.len() / 1024);
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2}x |",
            candidate.label,
            f64::from(u32::try_from(kib).unwrap_or(u32::MAX)) / 1024.0,
            ms(percentile(&s, 50)),
            ms(percentile(&s, 90)),
            ms(s[0]),
            percentile(&s, 50).as_secs_f64() / baseline.as_secs_f64(),
        );
    }
}
