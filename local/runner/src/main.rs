//! `gridlink-local`: run the whole set on one machine.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use gridlink_core::telemetry::{self, LogFormat};
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
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init(LogFormat::detect());
    match Cli::parse().command {
        Command::Up {
            data_dir,
            port,
            speed,
        } => {
            let stack = RunningStack::start(StackConfig {
                data_dir,
                listen: SocketAddr::from(([127, 0, 0, 1], port)),
                speed: Some(speed),
            })
            .await?;
            println!("{}", stack.banner());
            tokio::signal::ctrl_c().await?;
            println!("stopping");
        }
    }
    Ok(())
}
