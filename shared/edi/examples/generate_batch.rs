//! Writes a batch of sample documents (BUYERCO ↔ ACMESUPPLY) to stdout, for trying the
//! command-line tool on large files and for comparing parsers.
//!
//! ```text
//! cargo run --release -p gridlink-edi --example generate_batch -- x12 orders 50 > orders.x12
//! cargo run --release -p gridlink-edi --example generate_batch -- edifact invoices 50 > invoices.edi
//! ```
//! Arguments: syntax (`x12` | `edifact`), kind (`orders` | `invoices`), size in MB.

use std::io::Write;
use std::process::ExitCode;

use gridlink_edi::{BusinessDocument, sample, write_edifact_batch, write_x12_batch};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [syntax, kind, megabytes] = args.as_slice() else {
        eprintln!("usage: generate_batch x12|edifact orders|invoices MEGABYTES");
        return ExitCode::from(2);
    };
    let make: fn(usize) -> BusinessDocument = match kind.as_str() {
        "orders" => sample::purchase_order,
        "invoices" => sample::invoice,
        _ => {
            eprintln!("kind must be orders or invoices");
            return ExitCode::from(2);
        }
    };
    let Ok(megabytes) = megabytes.parse::<usize>() else {
        eprintln!("size must be a number of megabytes");
        return ExitCode::from(2);
    };
    let params = sample::envelope("BUYERCO", "ACMESUPPLY");
    let write = |documents: &[BusinessDocument]| match syntax.as_str() {
        "edifact" => write_edifact_batch(documents, &params),
        _ => write_x12_batch(documents, &params),
    };
    let one = match (write(&[make(0)]), write(&[make(0), make(1)])) {
        (Ok(single), Ok(pair)) => pair.len() - single.len(),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let documents: Vec<BusinessDocument> =
        (0..megabytes * 1_000_000 / one.max(1)).map(make).collect();
    match write(&documents) {
        Ok(bytes) if std::io::stdout().write_all(&bytes).is_ok() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
