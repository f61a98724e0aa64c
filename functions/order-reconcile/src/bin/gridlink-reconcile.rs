//! `gridlink-reconcile`: an order and a partner's files in, the reconciliation report the
//! order-reconcile function would file out — the same engine, offline. See
//! `order_reconcile::reconcile::offline` for the accepted files.
//!
//! ```text
//! gridlink-reconcile [--po PO] [--html] [--as-of YYYY-MM-DD] ORDER FILE...
//! ```
//! `ORDER` is an 850 / ORDERS interchange or order JSON; each `FILE` an X12 or EDIFACT
//! interchange (855/856/810/997/999, ORDRSP/DESADV/INVOIC/CONTRL). The JSON report (or with
//! `--html` the HTML page) goes to standard output, skipped documents to standard error. The
//! rules are the function's: the same settings (`PRICE_TOLERANCE_PERCENT`,
//! `PRICE_TOLERANCES`, `INVOICING`, `PARTNER_INVOICING`, `UNIT_CONVERSIONS`…) are read from
//! the environment, for the partner who sent the files. `--as-of` is the run's date for
//! `partial:N` invoicing (default: today, UTC). Exit status: 0 report written, 1 unreadable
//! input, 2 usage.

use std::io::Write as _;
use std::process::ExitCode;

use gridlink_core::config::ConfigSource;
use gridlink_edi::EdiDate;
use order_reconcile::reconcile::offline::{InputFile, reconcile_files};
use order_reconcile::reconcile::{ReconcileConfig, report};

const USAGE: &str =
    "usage: gridlink-reconcile [--po PO] [--html] [--as-of YYYY-MM-DD] ORDER FILE...";

struct Arguments {
    po: Option<String>,
    html: bool,
    as_of: Option<EdiDate>,
    paths: Vec<String>,
}

fn arguments() -> Result<Arguments, String> {
    let mut parsed = Arguments {
        po: None,
        html: false,
        as_of: None,
        paths: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--po" => parsed.po = Some(args.next().ok_or("--po needs a PO number")?),
            "--html" => parsed.html = true,
            "--as-of" => {
                let text = args.next().ok_or("--as-of needs a date")?;
                parsed.as_of = Some(
                    EdiDate::parse_ccyymmdd(&text.replace('-', ""))
                        .ok_or(format!("--as-of {text:?} is not YYYY-MM-DD"))?,
                );
            }
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ => parsed.paths.push(arg),
        }
    }
    if parsed.paths.is_empty() {
        return Err("an ORDER file is required".to_owned());
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let arguments = match arguments() {
        Ok(arguments) => arguments,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("gridlink-reconcile: {problem}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match ReconcileConfig::from_source(&ConfigSource::from_env()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("gridlink-reconcile: {e}");
            return ExitCode::from(2);
        }
    };
    let mut contents = Vec::with_capacity(arguments.paths.len());
    for path in &arguments.paths {
        match std::fs::read(path) {
            Ok(bytes) => contents.push((path.as_str(), bytes)),
            Err(e) => {
                eprintln!("gridlink-reconcile: {path}: {e}");
                return ExitCode::from(1);
            }
        }
    }
    let files: Vec<InputFile<'_>> = contents
        .iter()
        .map(|(name, bytes)| InputFile { name, bytes })
        .collect();
    let as_of = arguments
        .as_of
        .unwrap_or_else(|| EdiDate(time::OffsetDateTime::now_utc().date()));
    let run = reconcile_files(files[0], &files[1..], arguments.po.as_deref(), |partner| {
        let mut rules = config.rules_for(partner.unwrap_or_default());
        rules.as_of = Some(as_of);
        rules
    });
    let run = match run {
        Ok(run) => run,
        Err(e) => {
            eprintln!("gridlink-reconcile: {e}");
            return ExitCode::from(1);
        }
    };
    for note in &run.notes {
        eprintln!("gridlink-reconcile: {note}");
    }
    let bytes = if arguments.html {
        report::to_html(&run.reconciliation)
    } else {
        report::to_json(&run.reconciliation)
    };
    if let Err(e) = std::io::stdout().lock().write_all(&bytes) {
        eprintln!("gridlink-reconcile: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
