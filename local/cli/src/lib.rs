//! `gridlink`, the operator's command line (issue 18): one binary over the operator HTTP API
//! every function serves — timelines by business key, dead letters, replay and dry runs,
//! pauses, the unmatched queue, recall rollups.
//!
//! It talks to the deployed HTTP API with SigV4 (service `execute-api`; the operator routes
//! are IAM-authorised) and to the local stack (`gridlink-local up`) without: by default a
//! request is signed unless the endpoint is on loopback (`--sign` / `--no-sign` decide
//! otherwise). Human tables by default, `--json` for the API's JSON; exit codes in
//! [`CliError::exit_code`]. docs/operator.md documents every command with its output.

pub mod args;
pub mod client;
pub mod commands;
pub mod error;
pub mod render;

use args::Cli;
use client::{Client, Signer, Signing};
pub use error::CliError;

/// Runs the command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let signing = if cli.sign {
        Signing::Always
    } else if cli.no_sign {
        Signing::Never
    } else {
        Signing::Auto
    };
    if !matches!(cli.endpoint.scheme(), "http" | "https") {
        return Err(CliError::Usage(format!(
            "--endpoint {} must be an http or https URL",
            cli.endpoint
        )));
    }
    let signer = if signing.applies_to(&cli.endpoint) {
        Some(Signer::from_aws_chain(cli.region.clone()).await?)
    } else {
        None
    };
    let client = Client::new(cli.endpoint.clone(), signer)?;
    commands::run(&client, cli.command, commands::Output { json: cli.json }).await
}
