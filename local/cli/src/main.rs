//! `gridlink`: see the crate doc and docs/operator.md.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = gridlink_cli::args::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("gridlink: cannot start: {e}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(gridlink_cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gridlink: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
