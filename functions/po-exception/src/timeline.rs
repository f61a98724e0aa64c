//! The exception's audit trail filed in its folder: `Exceptions/<id>/timeline.json` and
//! `timeline.html`, one new version of each at every transition.
//!
//! Both are rendered from the ledger record alone (no clock, no lookup), so a re-run after a
//! crash renders the same bytes and files nothing twice: each is filed once per exception,
//! and each new content (by SHA-256) is added once as a version ([`Filing::with_revisions`]).
//!
//! # Format
//! ```json
//! {"exception_id":"EXC-1","po_number":"4500001234","workspace_id":123,
//!  "partner_id":"prt_acme","partner_name":"ACME Supply","state":"resolved",
//!  "space_id":"spc_…","thread_id":"thr_…",
//!  "row":{"type":"price","line":20,"expected":"0.08","actual":"0.09","revision":"…"},
//!  "entries":[{"seq":1,"at":"2026-…Z","actor":"xecm","event":"detected: …","state":"detected",
//!              "tg":{"space_id":…,"thread_id":…,"message_id":…,"attachment_ids":[…]},
//!              "files":[{"name":…,"document_id":…,"sha256":…,"attachment_id":…}],
//!              "cause":"detected"}]}
//! ```
//! The HTML shows the same as a table.

use std::fmt::Write as _;

use gridlink_flow::{EffectKey, Filing};
use gridlink_xecm::{BytesSource, DocumentSpec, NodeId};
use serde_json::json;

use crate::PoException;
use crate::error::ExceptionError;
use crate::machine::ExceptionRecord;
use crate::row::safe_name;

/// The timeline as JSON.
pub fn timeline_json(record: &ExceptionRecord) -> String {
    let row = record.row.as_ref().map(|r| {
        json!({"type": r.kind, "line": r.line, "expected": r.expected, "actual": r.actual,
               "owner": r.owner, "response_due": r.response_due, "revision": r.revision})
    });
    let value = json!({
        "exception_id": record.exception_id,
        "po_number": record.po_number,
        "workspace_id": record.workspace_id,
        "partner_id": record.partner_id,
        "partner_name": record.partner_name,
        "state": record.state,
        "status": record.status_text(),
        "due_at": record.due_at,
        "space_id": record.space_id,
        "thread_id": record.thread_id,
        "row": row,
        "entries": record.history,
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The timeline as an HTML page.
pub fn timeline_html(record: &ExceptionRecord) -> String {
    let mut rows = String::new();
    for entry in &record.history {
        let tg = [
            entry.tg.space_id.as_deref().map(|s| format!("space {s}")),
            entry.tg.thread_id.as_deref().map(|s| format!("thread {s}")),
            entry
                .tg
                .message_id
                .as_deref()
                .map(|s| format!("message {s}")),
            entry
                .tg
                .document_id
                .as_deref()
                .map(|s| format!("document {s}")),
            entry
                .tg
                .control_numbers
                .as_deref()
                .map(|s| format!("control numbers {s}")),
        ]
        .into_iter()
        .flatten()
        .chain(
            entry
                .tg
                .attachment_ids
                .iter()
                .map(|a| format!("attachment {a}")),
        )
        .collect::<Vec<_>>()
        .join("<br>");
        let files = entry
            .files
            .iter()
            .map(|f| {
                format!(
                    "{} (document {})<br><code>sha256 {}</code>",
                    escape(&f.name),
                    f.document_id,
                    f.sha256
                )
            })
            .collect::<Vec<_>>()
            .join("<br>");
        let _ = writeln!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{tg}</td><td>{files}</td></tr>",
            entry.seq,
            escape(&entry.at),
            escape(&entry.actor),
            escape(&entry.event),
            entry.state.label(),
        );
    }
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Exception {id} on PO {po}</title></head><body>\n<h1>Exception {id} on PO {po}</h1>\n<p>Partner: {partner} · Status: {status} · Due: {due}</p>\n<table border=\"1\">\n<tr><th>#</th><th>At</th><th>Actor</th><th>Event</th><th>State</th><th>Trading Grid</th><th>Files</th></tr>\n{rows}</table>\n</body></html>\n",
        id = escape(&record.exception_id),
        po = escape(&record.po_number),
        partner = escape(record.partner_id.as_deref().unwrap_or("none")),
        status = escape(&record.status_text()),
        due = escape(record.due_at.as_deref().unwrap_or("—")),
    )
}

impl PoException {
    /// Files the timeline (JSON and HTML) of the record as it is: once per exception, a new
    /// version whenever the content changed.
    pub async fn file_timeline(&self, record: &ExceptionRecord) -> Result<(), ExceptionError> {
        if record.history.is_empty() {
            return Ok(());
        }
        let workspace = NodeId::new(record.workspace_id)?;
        let folder = format!("{}/{}", self.config.folder, safe_name(&record.exception_id));
        for (ext, mime, text) in [
            ("json", "application/json", timeline_json(record)),
            ("html", "text/html", timeline_html(record)),
        ] {
            let sha256 = gridlink_flow::payload_hash(text.as_bytes());
            let name = format!("timeline.{ext}");
            let spec = DocumentSpec {
                name: name.clone(),
                description: format!(
                    "timeline of exception {} on PO {}",
                    record.exception_id, record.po_number
                ),
                file_name: Some(name),
                mime_type: Some(mime.into()),
                categories: Vec::new(),
            };
            let filing = Filing::new(
                EffectKey::new("xecm-pox-timeline", format!("{}/{ext}", record.key())),
                workspace,
                folder.clone(),
                spec,
            )
            .with_revisions(sha256);
            self.platform
                .file_once(&filing, &BytesSource(text.into()))
                .await
                .map_err(ExceptionError::from_xecm_effect)?;
        }
        Ok(())
    }
}
