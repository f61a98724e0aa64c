//! `gridlink-edi`: check, acknowledge and convert partner EDI files (X12 or EDIFACT).
//!
//! ```text
//! gridlink-edi check FILE   # summary and every error/note on stdout, every warning on stderr; exit 1 = reject
//! gridlink-edi ack FILE     # the 997/999/CONTRL gridlink would send back
//! gridlink-edi json FILE    # the canonical documents, one JSON object per line
//! ```
//! Files are streamed: memory stays bounded whatever their size.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use gridlink_edi::stream::{Item, StreamReader};
use gridlink_edi::{
    AckKind, AckOptions, PartyId, Report, Severity, Syntax, ack_for, validate_reader_keeping,
};

/// Files up to this size get an acknowledgment that lists every set, not only the faulty ones.
const LIST_EVERY_SET_BELOW: u64 = 64 << 20;

#[derive(Debug, Parser)]
#[command(
    name = "gridlink-edi",
    version,
    about = "Check, acknowledge and convert X12 / EDIFACT partner files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a file; print a summary and every error (stdout) and every warning (stderr).
    /// Exit status 1 when it must be rejected.
    Check { file: PathBuf },
    /// Print the acknowledgment gridlink would send back for the file.
    Ack {
        file: PathBuf,
        /// 997 or 999 for X12 (default 997), contrl for EDIFACT (default).
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        /// Our interchange control number.
        #[arg(long, default_value_t = 1)]
        control_number: u32,
        /// Our id as QUALIFIER:ID (default: the receiver named in the file).
        #[arg(long)]
        sender: Option<String>,
    },
    /// Print the canonical documents as JSON, one per line.
    Json { file: PathBuf },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    #[value(name = "997")]
    Ack997,
    #[value(name = "999")]
    Ack999,
    #[value(name = "contrl")]
    Contrl,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check { file } => check(&file),
        Command::Ack {
            file,
            kind,
            control_number,
            sender,
        } => ack(&file, kind, control_number, sender.as_deref()),
        Command::Json { file } => json(&file),
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("gridlink-edi: {message}");
            ExitCode::from(2)
        }
    }
}

fn open(file: &PathBuf) -> Result<File, String> {
    File::open(file).map_err(|e| format!("{}: {e}", file.display()))
}

/// The report on `file`; `listing` keeps clean transactions too (for an acknowledgment that
/// lists every set) when the file is small enough for that to stay cheap.
fn report_of(file: &PathBuf, listing: bool) -> Result<Report, String> {
    let source = open(file)?;
    let keep_all = listing
        && source
            .metadata()
            .is_ok_and(|m| m.len() < LIST_EVERY_SET_BELOW);
    validate_reader_keeping(source, keep_all).map_err(|e| format!("{}: {e}", file.display()))
}

/// `check` prints the counts and the errors, never the clean transactions: it keeps only the
/// faulty ones, so its memory stays bounded whatever the file's size.
fn check(file: &PathBuf) -> Result<ExitCode, String> {
    let report = report_of(file, false)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let counts = report.counts;
    let format = report.syntax.map_or("unknown", Syntax::name);
    write(
        &mut out,
        &format!(
            "format={format} interchanges={} groups={} transactions={} segments={}",
            counts.interchanges, counts.groups, counts.transactions, counts.segments
        ),
    )?;
    for error in report.errors() {
        let label = if error.severity() == Severity::Reject {
            "error"
        } else {
            "note"
        };
        write(&mut out, &format!("{label} {error}"))?;
    }
    if report.errors_dropped > 0 {
        write(
            &mut out,
            &format!("error {} more errors not shown", report.errors_dropped),
        )?;
    }
    out.flush().map_err(|e| e.to_string())?;
    let mut warnings = BufWriter::new(std::io::stderr().lock());
    for warning in report.warnings() {
        write(&mut warnings, &format!("warning {warning}"))?;
    }
    if report.warnings_dropped > 0 {
        write(
            &mut warnings,
            &format!(
                "warning {} more warnings not shown",
                report.warnings_dropped
            ),
        )?;
    }
    warnings.flush().map_err(|e| e.to_string())?;
    Ok(if report.must_reject() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn write(out: &mut impl Write, line: &str) -> Result<(), String> {
    writeln!(out, "{line}").map_err(|e| e.to_string())
}

fn ack(
    file: &PathBuf,
    kind: Option<KindArg>,
    control_number: u32,
    sender: Option<&str>,
) -> Result<ExitCode, String> {
    let report = report_of(file, true)?;
    let now = time::OffsetDateTime::now_utc();
    let prepared_at = time::PrimitiveDateTime::new(now.date(), now.time());
    let mut options = AckOptions::for_syntax(
        report.syntax.unwrap_or(Syntax::X12),
        control_number,
        prepared_at,
    );
    if let Some(kind) = kind {
        options.kind = match kind {
            KindArg::Ack997 => AckKind::Ack997,
            KindArg::Ack999 => AckKind::Ack999,
            KindArg::Contrl => AckKind::Contrl,
        };
    }
    if let Some(sender) = sender {
        let (qualifier, id) = sender
            .split_once(':')
            .ok_or("--sender must be QUALIFIER:ID")?;
        options.sender = Some(PartyId::new(qualifier, id));
    }
    let ack = ack_for(&report, &options).map_err(|e| e.to_string())?;
    std::io::stdout()
        .write_all(&ack)
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// The interchange a `json` line names: who sent it to whom, under which control number.
#[derive(serde::Serialize)]
struct InterchangeLine {
    control_number: String,
    receiver: String,
    sender: String,
    syntax: Syntax,
}

/// One line of `json`: the document with its envelope and business keys, written straight from
/// the model (no intermediate `serde_json::Value` tree; fields in alphabetical order, as before).
#[derive(serde::Serialize)]
struct DocumentLine<'a> {
    control_number: &'a str,
    document: &'a gridlink_edi::BusinessDocument,
    interchange: Option<&'a InterchangeLine>,
    keys: gridlink_edi::BusinessKeys,
    set_id: &'a str,
}

fn json(file: &PathBuf) -> Result<ExitCode, String> {
    let mut reader = StreamReader::new(open(file)?);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut rejected = false;
    let mut interchange = None;
    while let Some(item) = reader.next_item().map_err(|e| e.to_string())? {
        let errors = match &item {
            Item::InterchangeStart { header, errors, .. } => {
                interchange = Some(InterchangeLine {
                    control_number: header.control_number.clone(),
                    receiver: header.receiver.to_string(),
                    sender: header.sender.to_string(),
                    syntax: header.syntax,
                });
                errors.clone()
            }
            Item::Transaction(transaction) => {
                let (document, mut errors) = transaction.document();
                errors.extend(transaction.errors().iter().cloned());
                if let Some(document) = &document {
                    let line = DocumentLine {
                        control_number: &transaction.header().control_number,
                        document,
                        interchange: interchange.as_ref(),
                        keys: document.business_keys(),
                        set_id: &transaction.header().set_id,
                    };
                    serde_json::to_writer(&mut out, &line).map_err(|e| e.to_string())?;
                    writeln!(out).map_err(|e| e.to_string())?;
                }
                errors
            }
            Item::GroupEnd { errors } | Item::InterchangeEnd { errors } => errors.clone(),
            Item::Stray(error) => vec![error.clone()],
            Item::GroupStart { .. } => Vec::new(),
        };
        for error in errors {
            rejected |= error.severity() == Severity::Reject;
            eprintln!("{error}");
        }
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(if rejected || interchange.is_none() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
