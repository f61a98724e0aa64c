//! What a shipment status report (a 214 / IFTSTA status, or a partner message) leaves in the
//! order workspace besides the filed documents: the `Shipment Notice` category values, the
//! order's `Shipment Status`, and the internal note.
//!
//! # Format
//! `Shipment Status` (one line, parts left out when unknown):
//! `{status} ({reason}) on {YYYY-MM-DD HH:MM}; expected {YYYY-MM-DD}; shipment {id}; {source} from {partner}`
//! e.g. `SD shipment delayed (AO weather or natural disaster) on 2024-01-22 08:00; expected
//! 2024-01-26; shipment SHP-77001; 214 from ZZ:ACMESUPPLY`. A partner message without a status
//! code reads `Partner message: {first line of the text}` in place of the status.
//!
//! A report older than the one `Shipment Status` already shows (by status time) is filed
//! and noted but does not overwrite it; the ledger keeps the shown one as
//! `("shipment-status", "{po_number}")` `{"at","revision","status"}`.

use gridlink_flow::EffectKey;
use gridlink_inbound::{Filed, Filing, InboundError, ShipmentRefs, file_once};
use gridlink_store::{LedgerError, NewRecord, RecordId};
use gridlink_xecm::{AttributeValue, BytesSource, NamedAttributes, NodeId, XecmError};
use serde::Serialize;
use serde_json::{Value, json};
use time::{Date, PrimitiveDateTime};

use crate::ShipmentDelay;
use crate::codes;

/// The ledger kind of the status each order shows.
const SHOWN_STATUS_KIND: &str = "shipment-status";

/// One shipment status report, whatever it came as.
#[derive(Debug, Clone)]
pub struct StatusReport {
    /// `214`, `IFTSTA` or `message`.
    pub source: String,
    /// `X12`, `EDIFACT`, or empty for a message (which code list the status uses).
    pub syntax: &'static str,
    /// The reporting partner's EDI address (`ZZ:ACMESUPPLY`).
    pub partner: String,
    /// The order.
    pub po_number: String,
    /// The shipment's references.
    pub refs: ShipmentRefs,
    /// Status code as received (AT701 / STS C555 / `structured.status_code`).
    pub status_code: Option<String>,
    /// Reason code as received (AT702 / STS C556 / `structured.reason`).
    pub reason: Option<String>,
    /// When the status happened (the event's date and time; else when the interchange was
    /// prepared, ISA09/10 / UNB S004; else when TG received it).
    pub status_at: PrimitiveDateTime,
    /// `status_at` as the instant it orders by: in UTC when its time zone is known (AT707),
    /// else as given. The order shows the report with the greatest one.
    pub ordered_at: PrimitiveDateTime,
    /// When the shipment is now expected.
    pub expected: Option<Date>,
    /// For a message: its first line.
    pub summary: Option<String>,
}

/// What a report changed on the order.
#[derive(Debug, Clone, Serialize)]
pub struct StatusOutcome {
    /// The `Shipment Status` line this report stands for.
    pub shipment_status: String,
    /// Whether the order shows it (false: a newer status was already shown).
    pub shown: bool,
    /// The note document.
    pub note_document_id: i64,
}

/// `YYYY-MM-DD HH:MM`: readable, and sorts as time does.
fn stamp(at: PrimitiveDateTime) -> String {
    format!(
        "{} {:02}:{:02}",
        at.date(),
        at.time().hour(),
        at.time().minute()
    )
}

impl StatusReport {
    /// The shipment reference people know it by (shipment id, else BOL, else PRO).
    pub fn shipment_label(&self) -> Option<&str> {
        self.refs
            .shipment_id
            .as_deref()
            .or(self.refs.bill_of_lading.as_deref())
            .or(self.refs.pro_number.as_deref())
    }

    /// The `Shipment Notice` category values.
    pub fn category_values(&self) -> NamedAttributes {
        let mut values = NamedAttributes::new();
        let mut text = |name: &str, value: Option<&str>| {
            if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
                values.insert(name.to_owned(), AttributeValue::Text(value.to_owned()));
            }
        };
        text("Partner", Some(&self.partner));
        text("PO Number", Some(&self.po_number));
        text("Shipment ID", self.refs.shipment_id.as_deref());
        text("Bill of Lading", self.refs.bill_of_lading.as_deref());
        text("PRO Number", self.refs.pro_number.as_deref());
        text("Status Code", self.status_code.as_deref());
        text("Reason", self.reason.as_deref());
        text("Source", Some(&self.source));
        values.insert(
            "Status Date".to_owned(),
            AttributeValue::from(self.status_at.date()),
        );
        if let Some(expected) = self.expected {
            values.insert("Expected Date".to_owned(), AttributeValue::from(expected));
        }
        values
    }

    /// The `Shipment Status` line (see the module's `# Format`).
    pub fn status_line(&self) -> String {
        let mut parts = Vec::new();
        let what = match (&self.status_code, &self.summary) {
            (Some(code), _) => codes::describe_status(self.syntax, code),
            (None, Some(summary)) => format!("Partner message: {summary}"),
            (None, None) => "Status reported".to_owned(),
        };
        let reason = self
            .reason
            .as_deref()
            .map(|r| format!(" ({})", codes::describe_reason(r)))
            .unwrap_or_default();
        parts.push(format!("{what}{reason} on {}", stamp(self.status_at)));
        if let Some(expected) = self.expected {
            parts.push(format!("expected {expected}"));
        }
        if let Some(shipment) = self.shipment_label() {
            parts.push(format!("shipment {shipment}"));
        }
        parts.push(format!("{} from {}", self.source, self.partner));
        parts.join("; ")
    }

    fn note_text(&self, filed: &[(String, i64)], outcome_line: &str, origin: &str) -> String {
        let refs = [
            ("shipment id", &self.refs.shipment_id),
            ("bill of lading", &self.refs.bill_of_lading),
            ("PRO", &self.refs.pro_number),
        ]
        .into_iter()
        .filter_map(|(label, value)| value.as_ref().map(|v| format!("{label} {v}")))
        .collect::<Vec<_>>()
        .join(", ");
        let documents = filed
            .iter()
            .map(|(name, id)| format!("  - \"{name}\" (node {id})"))
            .collect::<Vec<_>>()
            .join("\n");
        format!(
            "Internal note (gridlink shipment-delay)\n\n\
             {partner} reported a shipment status for purchase order {po}.\n\
             Shipment: {refs}\n\
             Status: {status}\n\
             Reason: {reason}\n\
             Status time: {at}\n\
             Expected: {expected}\n\
             Came as: {origin}\n\
             Filed in this folder:\n{documents}\n\
             Shipment Status: {outcome_line}\n",
            partner = self.partner,
            po = self.po_number,
            refs = if refs.is_empty() {
                "not named".into()
            } else {
                refs
            },
            status = self.status_code.as_deref().map_or_else(
                || self.summary.clone().unwrap_or_else(|| "not coded".into()),
                |c| codes::describe_status(self.syntax, c)
            ),
            reason = self
                .reason
                .as_deref()
                .map_or_else(|| "not given".into(), codes::describe_reason),
            at = stamp(self.status_at),
            expected = self
                .expected
                .map_or_else(|| "not given".into(), |d| d.to_string()),
        )
    }
}

impl ShipmentDelay {
    /// Updates the order's `Shipment Status` (unless a newer status is shown) and files the
    /// internal note, once per report revision (`identity#sha256`).
    #[tracing::instrument(skip_all, fields(po_number = %report.po_number, workspace_id = workspace.get()))]
    pub(crate) async fn record_status(
        &self,
        workspace: NodeId,
        report: &StatusReport,
        identity: &str,
        sha256: &str,
        filed: &[(String, i64)],
        origin: &str,
    ) -> Result<StatusOutcome, InboundError> {
        let line = report.status_line();
        let revision = format!("{identity}#{sha256}");
        let shown = self
            .show_status(workspace, report, &line, &revision)
            .await?;
        let outcome_line = if shown {
            format!("set to \"{line}\"")
        } else {
            "left as it was (it shows a newer status)".to_owned()
        };
        let text = report.note_text(filed, &outcome_line, origin);
        let shipment = report.shipment_label().unwrap_or(&report.po_number);
        let name = format!(
            "Note – {} {} {} {}.txt",
            report.source,
            shipment,
            report.status_code.as_deref().unwrap_or("message"),
            report.status_at.date()
        )
        .replace(['/', ':'], "-");
        let filing = Filing {
            identity: format!("note|{identity}"),
            sha256: sha256.to_owned(),
            workspace,
            folder: self.config.folder_shipping.clone(),
            name,
            mime_type: "text/plain".to_owned(),
            categories: vec![(self.config.shipment_category, report.category_values())],
        };
        let note: Filed = file_once(self.platform(), &filing, &BytesSource(text.into())).await?;
        tracing::info!(note_document = note.document_id, shown, shipment_status = %line, "shipment status recorded");
        Ok(StatusOutcome {
            shipment_status: line,
            shown,
            note_document_id: note.document_id,
        })
    }

    /// Writes `line` to the order's `Shipment Status` unless the order shows a status
    /// reported for a later time. Returns whether it is shown.
    async fn show_status(
        &self,
        workspace: NodeId,
        report: &StatusReport,
        line: &str,
        revision: &str,
    ) -> Result<bool, InboundError> {
        let platform = self.platform();
        let at = stamp(report.ordered_at);
        let id = RecordId::new(SHOWN_STATUS_KIND, report.po_number.clone())?;
        let shown = platform.ledger.get(&id).await?;
        if let Some(shown) = &shown {
            let shown_revision = shown.data.get("revision").and_then(Value::as_str);
            let shown_at = shown.data.get("at").and_then(Value::as_str).unwrap_or("");
            if shown_revision != Some(revision) && shown_at > at.as_str() {
                tracing::info!(shown_at, at = %at, "a newer shipment status is shown; not overwritten");
                return Ok(false);
            }
        }
        let key = EffectKey::new("xecm-shipment-status", revision.to_owned());
        let category = self.config.inbound.order_category;
        let attribute = self.config.shipment_status_attribute.clone();
        let written = line.to_owned();
        platform
            .effects
            .once(&key, None, |_| async move {
                let mut change = NamedAttributes::new();
                change.insert(attribute, AttributeValue::Text(written));
                platform
                    .xecm
                    .write_attributes(workspace, category, &change)
                    .await?;
                Ok::<_, XecmError>(())
            })
            .await?;
        let data = json!({"at": at, "revision": revision, "status": line});
        let stored = match shown {
            Some(existing) => {
                let mut change = existing.change();
                change.data = data;
                platform.ledger.update(change).await.map(drop)
            }
            None => platform
                .ledger
                .create(NewRecord::new(id, "shown", data))
                .await
                .map(drop),
        };
        match stored {
            // A concurrent report recorded itself meanwhile; both wrote the attribute once.
            Ok(())
            | Err(LedgerError::VersionConflict { .. } | LedgerError::AlreadyExists { .. }) => {
                Ok(true)
            }
            Err(e) => Err(e.into()),
        }
    }
}
