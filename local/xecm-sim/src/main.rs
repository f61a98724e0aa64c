//! `xecm-sim`: runs the Extended ECM simulator.
//!
//! ```text
//! xecm-sim --listen 127.0.0.1:8181 --seed local/xecm-sim/seeds/demo.json --data-dir .xecm-sim
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use gridlink_xecm_sim::{FaultConfig, SeedSource, SimConfig, TicketPolicy};

/// A local OpenText Extended ECM for gridlink.
#[derive(Debug, Parser)]
#[command(name = "xecm-sim", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "XECM_SIM_LISTEN", default_value = "127.0.0.1:8181")]
    listen: SocketAddr,
    /// Seed file (.json or .toml) for a fresh repository.
    #[arg(long, env = "XECM_SIM_SEED")]
    seed: Option<PathBuf>,
    /// Directory to persist to; in memory when absent.
    #[arg(long, env = "XECM_SIM_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Fault switches as JSON (see docs/xecm.md).
    #[arg(long, env = "XECM_SIM_FAULTS")]
    faults: Option<String>,
    /// Ticket lifetime in seconds.
    #[arg(long, env = "XECM_SIM_TICKET_TTL_SECS", default_value_t = 1800)]
    ticket_ttl_secs: u64,
    /// Expire tickets a fixed time after login instead of after inactivity.
    #[arg(long, env = "XECM_SIM_ABSOLUTE_TICKETS")]
    absolute_tickets: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let faults: FaultConfig = match &args.faults {
        Some(json) => serde_json::from_str(json).map_err(|e| anyhow::anyhow!("--faults: {e}"))?,
        None => FaultConfig::default(),
    };
    let config = SimConfig {
        seed: args.seed.map(SeedSource::File),
        data_dir: args.data_dir,
        faults,
        tickets: TicketPolicy {
            ttl: Duration::from_secs(args.ticket_ttl_secs),
            sliding: !args.absolute_tickets,
        },
        ..SimConfig::default()
    };
    let running = gridlink_xecm_sim::start(config, args.listen).await?;
    println!(
        "xecm-sim serving {} (also {})",
        running.base_url, running.linux_base_url
    );
    tokio::signal::ctrl_c().await?;
    running.shutdown().await;
    Ok(())
}
