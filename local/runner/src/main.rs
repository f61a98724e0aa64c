//! `gridlink-local`: run the whole set on one machine.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gridlink_core::telemetry::{self, LogFormat};
use gridlink_local::demo::{self, DemoContext};
use gridlink_local::stack::{RunningStack, StackConfig};

#[derive(Debug, Parser)]
#[command(
    name = "gridlink-local",
    about = "Run gridlink, its simulators and its schedules on one machine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the stack and keep it running (Ctrl-C stops it).
    Up {
        /// Where embedded storage and simulator data live.
        #[arg(long, default_value = ".gridlink", env = "GRIDLINK_DATA_DIR")]
        data_dir: PathBuf,
        /// The gateway's port (0 picks a free one).
        #[arg(long, default_value_t = 8080, env = "GRIDLINK_PORT")]
        port: u16,
        /// How many times faster than AWS the schedules fire.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Use xECM and Trading Grid from the environment (XECM_BASE_URL, TG_BASE_URL, …)
        /// instead of the simulators.
        #[arg(long)]
        external: bool,
        /// Your own partners and orders, loaded over the demo seeds (`tgrid.json`,
        /// `xecm.json`, `orders/*.x12`; see README "Your own partners and orders").
        #[arg(long)]
        seed: Option<PathBuf>,
    },
    /// Print the xECM seed of an order workspace made from an 850 / ORDERS file (category
    /// lines, the file in `Order`).
    #[command(name = "order-from-850")]
    OrderFrom850 {
        /// The 850 / ORDERS file.
        file: PathBuf,
        /// The supplier number (default: the supplier whose Trading Partner ID is the file's
        /// receiver, in `--seed`'s xecm.json or the demo seed).
        #[arg(long)]
        supplier: Option<String>,
        /// A seed directory whose xecm.json holds the supplier.
        #[arg(long)]
        seed: Option<PathBuf>,
    },
    /// Start a fresh stack on the simulators, drive every use case end to end, print a report,
    /// and exit non-zero if anything failed.
    Demo {
        /// Where the demo's data go (emptied first).
        #[arg(long, default_value = ".gridlink/demo")]
        data_dir: PathBuf,
    },
    /// Drive partner documents through Trading Grid under duplicate and reordered delivery,
    /// xECM and TG faults and SIGKILLs of the functions; count what was lost, doubled or
    /// filed in the wrong workspace; exit non-zero if anything was (see docs/chaos.md).
    Chaos {
        /// Partner documents and answers to send (the answers of recall-campaign, supplier-onboarding
        /// and po-exception take 5 % each, at least 4 each from 20 events on).
        #[arg(long, default_value_t = 300)]
        events: usize,
        /// Each webhook delivered up to this many times.
        #[arg(long, default_value_t = 3)]
        duplicates: u32,
        /// Share (0–1) of xECM and TG API calls that fail while documents are sent.
        #[arg(long, default_value_t = 0.1)]
        fault_rate: f64,
        /// SIGKILL + restart of the functions at this many random moments.
        #[arg(long, default_value_t = 2)]
        kills: u32,
        /// Let xECM lose the answers of about a quarter of the failed calls after doing their
        /// work (`--xecm-lost-answers false` to turn off).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
        xecm_lost_answers: bool,
        /// The seed of the plan, the faults and the kill moments.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Where the run's data and the functions' log go (emptied first).
        #[arg(long, default_value = ".gridlink/chaos")]
        data_dir: PathBuf,
        /// Schedules (the TG inbox poll) fire this many times faster than deployed.
        #[arg(long, default_value_t = 60.0)]
        speed: f64,
        /// Documents sent at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Longest wait, in seconds, for everything to be filed or parked after sending.
        #[arg(long, default_value_t = 180)]
        settle_secs: u64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    // The chaos command's stdout is its report: its in-process simulators log only when
    // `RUST_LOG` asks for it (the functions log to `<data-dir>/functions.log`).
    if !matches!(cli.command, Command::Chaos { .. }) || std::env::var_os("RUST_LOG").is_some() {
        telemetry::init(LogFormat::detect());
    }
    match cli.command {
        Command::Up {
            data_dir,
            port,
            speed,
            external,
            seed,
        } => {
            let own = match &seed {
                Some(_) if external => {
                    anyhow::bail!("--seed loads the simulators; not with --external")
                }
                Some(dir) => Some(gridlink_local::own_data::SeedDir::read(dir)?),
                None => None,
            };
            let stack = RunningStack::start(StackConfig {
                data_dir,
                listen: SocketAddr::from(([127, 0, 0, 1], port)),
                speed: Some(speed),
                external,
                body_timeout: gridlink_local::gateway::BODY_TIMEOUT,
            })
            .await?;
            println!("{}", stack.banner());
            if let (Some(own), Some(xecm_root)) = (own, &stack.platforms.endpoints.xecm_sim_root) {
                let endpoints = &stack.platforms.endpoints;
                for line in own
                    .load(&endpoints.tg_url, xecm_root, &reqwest::Client::new())
                    .await?
                {
                    println!("  seed           {line}");
                }
            }
            tokio::signal::ctrl_c().await?;
            println!("stopping");
            Ok(ExitCode::SUCCESS)
        }
        Command::Chaos {
            events,
            duplicates,
            fault_rate,
            kills,
            xecm_lost_answers,
            seed,
            json,
            data_dir,
            speed,
            concurrency,
            settle_secs,
        } => {
            if !(0.0..1.0).contains(&fault_rate) {
                anyhow::bail!("--fault-rate must be at least 0 and below 1");
            }
            let report = gridlink_local::chaos::run(&gridlink_local::chaos::ChaosOptions {
                data_dir,
                events,
                duplicates: duplicates.max(1),
                fault_rate,
                kills,
                xecm_lost_answers,
                seed,
                speed,
                concurrency,
                settle: std::time::Duration::from_secs(settle_secs),
                binary: std::env::current_exe()?,
            })
            .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report.summary());
            }
            Ok(if report.failed() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::OrderFrom850 {
            file,
            supplier,
            seed,
        } => {
            let workspace =
                gridlink_local::own_data::order_seed(&file, supplier.as_deref(), seed.as_deref())?;
            println!("{}", serde_json::to_string_pretty(&workspace)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { data_dir } => {
            if data_dir.exists() {
                std::fs::remove_dir_all(&data_dir)?;
            }
            let kept_in = data_dir.clone();
            let stack = RunningStack::start(StackConfig {
                data_dir,
                listen: SocketAddr::from(([127, 0, 0, 1], 0)),
                speed: None,
                external: false,
                body_timeout: gridlink_local::gateway::BODY_TIMEOUT,
            })
            .await?;
            println!("{}", stack.banner());
            let context = DemoContext {
                gateway_url: stack.gateway_url.clone(),
                tg_url: stack.platforms.endpoints.tg_url.clone(),
                xecm_sim_root: stack.platforms.endpoints.xecm_sim_root.clone(),
                platforms: &stack.platforms,
                http: reqwest::Client::new(),
                stack: &stack,
            };
            let report = demo::run(&context).await;
            println!("{}", report.summary());
            println!("{}", demo::where_to_look(&kept_in));
            Ok(if report.failed() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
