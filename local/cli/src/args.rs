//! The command line (clap derive). docs/operator.md documents every command.

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};
use url::Url;

/// The seven functions, as the manifest names them (a test checks they agree).
pub const FUNCTIONS: [&str; 7] = [
    "case-collab",
    "po-exception",
    "contract-share",
    "shipment-delay",
    "supplier-onboarding",
    "recall-campaign",
    "order-reconcile",
];

/// The functions with an unmatched queue.
pub const UNMATCHED_FUNCTIONS: [&str; 2] = ["shipment-delay", "order-reconcile"];

/// The local stack's gateway (`gridlink-local up`).
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:8080";

/// gridlink's operator command line: timelines, dead letters, replay, pauses, the unmatched
/// queue and recall rollups, over the operator HTTP API.
#[derive(Debug, Parser)]
#[command(name = "gridlink", version, about, long_about = None)]
pub struct Cli {
    /// The API: the local stack's gateway, or the deployed HTTP API's invoke URL (with its
    /// stage path, if any).
    #[arg(long, env = "GRIDLINK_ENDPOINT", default_value = DEFAULT_ENDPOINT, global = true)]
    pub endpoint: Url,
    /// AWS region for SigV4 (default: AWS_REGION or the profile's region).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Sign every request with SigV4, even to a loopback endpoint.
    #[arg(long, global = true, conflicts_with = "no_sign")]
    pub sign: bool,
    /// Never sign (default: sign unless the endpoint is localhost / 127.0.0.0/8 / ::1).
    #[arg(long, global = true)]
    pub no_sign: bool,
    /// Print the API's JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `--function`, one of the seven.
#[derive(Debug, Clone, Args)]
pub struct FunctionArg {
    /// The function to ask (default: see the command).
    #[arg(short = 'f', long, value_parser = PossibleValuesParser::new(FUNCTIONS))]
    pub function: Option<String>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Where a business key stands: per function, its entries, its last step, what is still open.
    Status {
        /// `4500001234` (a PO number) or `{kind}:{value}`: po, shipment, bol, invoice, case,
        /// contract, supplier, recall, partner, exception.
        key: String,
        #[command(flatten)]
        function: FunctionArg,
    },
    /// Everything that happened to a business key, oldest first, with ids in both systems.
    Timeline {
        /// `4500001234` (a PO number) or `{kind}:{value}`.
        key: String,
        #[command(flatten)]
        function: FunctionArg,
        /// Entries per request (1–500); every page is read.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=500))]
        page_size: u16,
    },
    /// The unmatched queue of order-reconcile and shipment-delay.
    #[command(subcommand)]
    Unmatched(UnmatchedCommand),
    /// Dead letters: list, inspect, requeue, discard.
    #[command(subcommand)]
    DeadLetter(DeadLetterCommand),
    /// Replays inbox items through the normal path, or dry-runs them (nothing written).
    Replay {
        /// Inbox item ids (`tg:evt_123`, `xecm:…`, or a TG event id alone).
        #[arg(required = true)]
        items: Vec<String>,
        /// Say what a real replay would do; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The function whose inbox holds the items (default: the one that has each).
        #[command(flatten)]
        function: FunctionArg,
    },
    /// Pauses a function (its name) or a trading partner (any other id), keeping its traffic.
    Pause {
        /// A function name or a TG partner id (`prt_acme`).
        target: String,
        /// Why (kept with the pause).
        #[arg(long)]
        reason: String,
    },
    /// Resumes a function or a partner and processes what waited.
    Resume {
        /// A function name or a TG partner id.
        target: String,
        /// Why (optional).
        #[arg(long)]
        reason: Option<String>,
    },
    /// The pauses in force, and what a function set aside for paused partners.
    Pauses {
        #[command(flatten)]
        function: FunctionArg,
    },
    /// A recall campaign's rollup: per lot and partner, shipped vs accounted for.
    Recall {
        /// The recall id (`Recall ID` of the incident workspace).
        id: String,
    },
    /// A supplier's onboarding standing: its status and each requirement's state.
    Onboarding {
        /// The supplier workspace's xECM node id.
        workspace_id: u64,
    },
}

/// `gridlink unmatched …`.
#[derive(Debug, Subcommand)]
pub enum UnmatchedCommand {
    /// The open items, oldest first.
    List {
        /// order-reconcile or shipment-delay (default: both).
        #[arg(short = 'f', long, value_parser = PossibleValuesParser::new(UNMATCHED_FUNCTIONS))]
        function: Option<String>,
    },
    /// One item; with `--content`, its document as it arrived (the first 256 KiB).
    Show {
        /// The unmatched item id.
        item: String,
        /// Print the parked document's content instead of the item's record.
        #[arg(long)]
        content: bool,
        /// Its function (default: the one that has it).
        #[arg(short = 'f', long, value_parser = PossibleValuesParser::new(UNMATCHED_FUNCTIONS))]
        function: Option<String>,
    },
    /// Files the item into a purchase order's workspace, or a workspace by id.
    Assign {
        /// The unmatched item id.
        item: String,
        /// The PO number whose workspace gets it.
        #[arg(
            long,
            conflicts_with = "workspace",
            required_unless_present = "workspace"
        )]
        po: Option<String>,
        /// The business workspace (xECM node id) that gets it.
        #[arg(long)]
        workspace: Option<u64>,
        /// Its function (default: the one that has it).
        #[arg(short = 'f', long, value_parser = PossibleValuesParser::new(UNMATCHED_FUNCTIONS))]
        function: Option<String>,
    },
    /// Closes the item without filing it.
    Reject {
        /// The unmatched item id.
        item: String,
        /// Why.
        #[arg(long)]
        comment: Option<String>,
        /// Its function (default: the one that has it).
        #[arg(short = 'f', long, value_parser = PossibleValuesParser::new(UNMATCHED_FUNCTIONS))]
        function: Option<String>,
    },
}

/// `gridlink dead-letter …`.
#[derive(Debug, Subcommand)]
pub enum DeadLetterCommand {
    /// The dead letters (every function, or `-f`).
    List {
        #[command(flatten)]
        function: FunctionArg,
    },
    /// One inbox item: every attempt and its error, and the raw event.
    Show {
        /// The inbox item id (`tg:evt_123`).
        item: String,
        #[command(flatten)]
        function: FunctionArg,
    },
    /// Requeues one dead letter (or all of them) and processes it once.
    Requeue {
        /// The inbox item id.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        item: Option<String>,
        /// Every dead letter of the function (`-f`), or of every function.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        function: FunctionArg,
    },
    /// Discards a dead letter for good, with a reason (kept, with its raw event).
    Discard {
        /// The inbox item id.
        item: String,
        /// Why (1–500 characters).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        function: FunctionArg,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
