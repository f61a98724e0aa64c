//! Validation reports: every error of a file, with its position, arranged by envelope.

use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::envelope::{GroupHeader, InterchangeHeader, TransactionHeader};
use crate::error::{EdiError, Severity};
use crate::stream::{Item, SliceReader, StreamReader};
use crate::syntax::Syntax;

/// How many errors a report keeps before it only counts them.
pub const MAX_KEPT_ERRORS: usize = 10_000;

/// Counts printed by `gridlink-edi check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    pub interchanges: u64,
    pub groups: u64,
    pub transactions: u64,
    pub segments: u64,
}

/// One transaction set or message and its errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionReport {
    pub header: TransactionHeader,
    pub segment_count: u64,
    pub errors: Vec<EdiError>,
}

impl TransactionReport {
    /// True when an error rejects this transaction.
    pub fn is_rejected(&self) -> bool {
        self.errors.iter().any(|e| e.severity() == Severity::Reject)
    }
}

/// One functional group and its transactions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupReport {
    /// `None` for EDIFACT messages sent without UNG (or X12 sets without GS).
    pub header: Option<GroupHeader>,
    pub errors: Vec<EdiError>,
    /// Transactions received (all of them, counted even when not kept).
    pub received: u64,
    /// Transactions without a rejecting error.
    pub accepted: u64,
    /// The transactions kept (all, or only those with errors when reading in summary mode).
    pub transactions: Vec<TransactionReport>,
}

/// One interchange and its groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterchangeReport {
    pub header: InterchangeHeader,
    pub errors: Vec<EdiError>,
    pub groups: Vec<GroupReport>,
}

impl InterchangeReport {
    /// True when an envelope error rejects the whole interchange.
    pub fn is_rejected(&self) -> bool {
        self.errors.iter().any(|e| e.severity() == Severity::Reject)
    }
}

/// What [`crate::validate`] found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Report {
    /// Syntax of the first interchange, if any was found.
    pub syntax: Option<Syntax>,
    pub counts: Counts,
    pub interchanges: Vec<InterchangeReport>,
    /// Problems outside any interchange (garbage, an unreadable ISA, no interchange at all).
    pub stray_errors: Vec<EdiError>,
    /// Errors found beyond [`MAX_KEPT_ERRORS`] and not kept.
    pub errors_dropped: u64,
    /// Everything of [`Severity::Warning`], wherever found, in input order: accepted, not told
    /// to the partner (the acknowledgment never mentions them).
    pub warnings: Vec<EdiError>,
    /// Warnings found beyond [`MAX_KEPT_ERRORS`] and not kept.
    pub warnings_dropped: u64,
}

/// The one judgment on a file that `gridlink-edi check`, the acknowledgment and gridlink's
/// inbound functions all act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing wrong (warnings aside).
    Accepted,
    /// Usable; the partner is told what was noted (AK5/AK9 `E`, CONTRL with errors listed).
    AcceptedWithErrors,
    /// Something must be rejected (a set, a group, an interchange or the whole file).
    Rejected,
}

impl Report {
    /// Every kept error, in input order (by byte offset).
    pub fn errors(&self) -> Vec<&EdiError> {
        let mut all: Vec<&EdiError> = self.unordered_errors().collect();
        all.sort_by_key(|e| (e.position().offset, e.position().segment));
        all
    }

    fn unordered_errors(&self) -> impl Iterator<Item = &EdiError> {
        self.stray_errors
            .iter()
            .chain(self.interchanges.iter().flat_map(|i| {
                i.errors.iter().chain(i.groups.iter().flat_map(|g| {
                    g.errors
                        .iter()
                        .chain(g.transactions.iter().flat_map(|t| t.errors.iter()))
                }))
            }))
    }

    /// True when the file must be rejected: nothing readable, or any rejecting error.
    pub fn must_reject(&self) -> bool {
        self.verdict() == Verdict::Rejected
    }

    /// The judgment on the whole file.
    pub fn verdict(&self) -> Verdict {
        if self.interchanges.is_empty()
            || self.errors_dropped > 0
            || self
                .unordered_errors()
                .any(|e| e.severity() == Severity::Reject)
        {
            Verdict::Rejected
        } else if self.unordered_errors().next().is_some() {
            Verdict::AcceptedWithErrors
        } else {
            Verdict::Accepted
        }
    }

    /// Why every interchange of the file is rejected although none of them is faulty itself:
    /// a rejecting error outside all interchanges (an unreadable interchange header, garbage
    /// before the first one), or errors beyond what the report keeps. The acknowledgment then
    /// rejects every interchange, so that it never accepts what gridlink will not file.
    pub fn rejected_outside_interchanges(&self) -> Option<&EdiError> {
        self.stray_errors
            .iter()
            .find(|e| e.severity() == Severity::Reject)
    }

    /// True when [`Report::rejected_outside_interchanges`] or dropped errors reject the file.
    pub fn rejects_every_interchange(&self) -> bool {
        self.errors_dropped > 0 || self.rejected_outside_interchanges().is_some()
    }

    /// Every kept warning, in input order.
    pub fn warnings(&self) -> Vec<&EdiError> {
        let mut all: Vec<&EdiError> = self.warnings.iter().collect();
        all.sort_by_key(|e| (e.position().offset, e.position().segment));
        all
    }
}

/// Builds a [`Report`] item by item (the command-line tool drives it while streaming).
#[derive(Debug)]
pub struct ReportBuilder {
    report: Report,
    keep_all_transactions: bool,
    kept_errors: usize,
}

impl ReportBuilder {
    /// `keep_all_transactions`: keep a [`TransactionReport`] for clean transactions too (memory
    /// then grows with the number of transactions; with `false` only faulty ones are kept).
    pub fn new(keep_all_transactions: bool) -> ReportBuilder {
        ReportBuilder {
            report: Report::default(),
            keep_all_transactions,
            kept_errors: 0,
        }
    }

    /// Adds one item; returns the errors it carried (envelope and content; not the warnings,
    /// which go to [`Report::warnings`]), for printing.
    pub fn add(&mut self, item: &Item<'_>) -> Vec<EdiError> {
        match item {
            Item::InterchangeStart { header, errors, .. } => {
                self.report.syntax.get_or_insert(header.syntax);
                self.report.counts.interchanges += 1;
                let errors = self.keep(errors.clone());
                self.report.interchanges.push(InterchangeReport {
                    header: header.clone(),
                    errors: errors.clone(),
                    groups: Vec::new(),
                });
                errors
            }
            Item::GroupStart { header } => {
                if header.is_some() {
                    self.report.counts.groups += 1;
                }
                if let Some(interchange) = self.report.interchanges.last_mut() {
                    interchange.groups.push(GroupReport {
                        header: header.clone(),
                        errors: Vec::new(),
                        received: 0,
                        accepted: 0,
                        transactions: Vec::new(),
                    });
                }
                Vec::new()
            }
            Item::Transaction(transaction) => {
                self.report.counts.transactions += 1;
                let mut errors = transaction.errors().to_vec();
                errors.extend(transaction.check());
                let errors = self.keep(errors);
                if let Some(group) = self
                    .report
                    .interchanges
                    .last_mut()
                    .and_then(|i| i.groups.last_mut())
                {
                    group.received += 1;
                    if !errors.iter().any(|e| e.severity() == Severity::Reject) {
                        group.accepted += 1;
                    }
                    // The report (its header copied) only for a transaction kept.
                    if self.keep_all_transactions || !errors.is_empty() {
                        group.transactions.push(TransactionReport {
                            header: transaction.header().clone(),
                            segment_count: transaction.segment_count(),
                            errors: errors.clone(),
                        });
                    }
                }
                errors
            }
            Item::GroupEnd { errors } => {
                let errors = self.keep(errors.clone());
                if let Some(group) = self
                    .report
                    .interchanges
                    .last_mut()
                    .and_then(|i| i.groups.last_mut())
                {
                    group.errors.extend(errors.iter().cloned());
                }
                errors
            }
            Item::InterchangeEnd { errors } => {
                let errors = self.keep(errors.clone());
                if let Some(interchange) = self.report.interchanges.last_mut() {
                    interchange.errors.extend(errors.iter().cloned());
                }
                errors
            }
            Item::Stray(error) => {
                let errors = self.keep(vec![error.clone()]);
                self.report.stray_errors.extend(errors.iter().cloned());
                errors
            }
        }
    }

    /// Keeps the errors (up to the limit) and moves the warnings among them to the report's
    /// warning list; returns the kept errors.
    fn keep(&mut self, errors: Vec<EdiError>) -> Vec<EdiError> {
        let (warnings, errors): (Vec<EdiError>, Vec<EdiError>) = errors
            .into_iter()
            .partition(|e| e.severity() == Severity::Warning);
        let room = MAX_KEPT_ERRORS.saturating_sub(self.report.warnings.len());
        if warnings.len() > room {
            self.report.warnings_dropped += (warnings.len() - room) as u64;
        }
        self.report.warnings.extend(warnings.into_iter().take(room));
        self.keep_errors(errors)
    }

    fn keep_errors(&mut self, mut errors: Vec<EdiError>) -> Vec<EdiError> {
        let room = MAX_KEPT_ERRORS.saturating_sub(self.kept_errors);
        if errors.len() > room {
            self.report.errors_dropped += (errors.len() - room) as u64;
            errors.truncate(room);
        }
        self.kept_errors += errors.len();
        errors
    }

    /// The finished report; `segments` is the number of segments read.
    pub fn finish(mut self, segments: u64) -> Report {
        self.report.counts.segments = segments;
        if self.report.interchanges.is_empty() && self.report.stray_errors.is_empty() {
            self.report.stray_errors.push(EdiError::NotEdi {
                at: crate::error::Position::at_offset(0),
            });
        }
        self.report
    }
}

/// Validates a whole file held in memory.
pub fn validate(bytes: &[u8]) -> Report {
    let mut reader = SliceReader::new(bytes);
    let mut builder = ReportBuilder::new(true);
    for item in reader.by_ref() {
        builder.add(&item);
    }
    builder.finish(reader.segments_seen())
}

/// Validates a file read from `source` in bounded memory; only faulty transactions are kept.
pub fn validate_reader<R: Read>(source: R) -> std::io::Result<Report> {
    validate_reader_keeping(source, false)
}

/// Like [`validate_reader`]; `keep_all_transactions` keeps clean transactions in the report too
/// (so an acknowledgment lists every set), at a cost of memory per transaction.
pub fn validate_reader_keeping<R: Read>(
    source: R,
    keep_all_transactions: bool,
) -> std::io::Result<Report> {
    let mut reader = StreamReader::new(source);
    let mut builder = ReportBuilder::new(keep_all_transactions);
    while let Some(item) = reader.next_item()? {
        builder.add(&item);
    }
    let segments = reader.segments_seen();
    Ok(builder.finish(segments))
}
