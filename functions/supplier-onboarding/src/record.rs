//! The standing projected to xECM: `Onboarding Status` on the supplier category, the
//! `Supplier Compliance` category's `Requirements` rows, and the compliance record — a
//! `.json` and a `.html` in the workspace's `Compliance` folder, each a new version
//! whenever the standing changes (filed once per content hash).
//!
//! The attributes are written only when they differ from what xECM holds; writing them
//! twice is harmless, so they are a projection, not an exactly-once effect.

use std::fmt::Write as _;

use gridlink_flow::{EffectKey, Filing};
use gridlink_xecm::{AttributeValue, BytesSource, DocumentSpec, NamedAttributes, NodeId};
use serde_json::json;
use sha2::Digest;

use crate::SupplierOnboarding;
use crate::error::OnboardingError;
use crate::standing::Standing;
use crate::validate::parse_date;

fn date_value(text: Option<&String>) -> AttributeValue {
    text.and_then(|t| parse_date(t))
        .map_or(AttributeValue::Empty, |d| {
            AttributeValue::Date(d.midnight())
        })
}

fn optional_text(text: Option<&String>) -> AttributeValue {
    text.map_or(AttributeValue::Empty, |t| AttributeValue::Text(t.clone()))
}

/// The `Requirements` rows and the other `Supplier Compliance` values of a standing.
pub fn compliance_values(standing: &Standing) -> NamedAttributes {
    let rows = standing
        .requirements
        .values()
        .map(|r| {
            let mut row = NamedAttributes::new();
            row.insert("Kind".into(), AttributeValue::Text(r.kind.clone()));
            row.insert("Required".into(), AttributeValue::Boolean(r.required));
            row.insert(
                "Status".into(),
                AttributeValue::Text(r.state.label().into()),
            );
            row.insert("Valid From".into(), date_value(r.valid_from.as_ref()));
            row.insert("Valid Until".into(), date_value(r.valid_until.as_ref()));
            row.insert(
                "Document".into(),
                r.document_id
                    .map_or(AttributeValue::Empty, AttributeValue::Integer),
            );
            row.insert("TG Request".into(), optional_text(r.request_id.as_ref()));
            row.insert("TG Item".into(), optional_text(r.item_id.as_ref()));
            row.insert(
                "Reminders Sent".into(),
                AttributeValue::Integer(i64::from(r.reminders_sent)),
            );
            row.insert("Reviewer".into(), optional_text(r.reviewer.as_ref()));
            row.insert("Reason".into(), optional_text(r.reason.as_ref()));
            row
        })
        .collect();
    let mut values = NamedAttributes::new();
    values.insert(
        "Matrix Version".into(),
        AttributeValue::Integer(i64::from(standing.matrix_version)),
    );
    values.insert(
        "Status Reason".into(),
        optional_text(
            standing
                .parked
                .clone()
                .or_else(|| standing.escalation())
                .as_ref(),
        ),
    );
    values.insert(
        "Escalated To".into(),
        match (standing.escalation(), standing.owner) {
            (Some(_), Some(owner)) => AttributeValue::User(owner),
            _ => AttributeValue::Empty,
        },
    );
    values.insert("Requirements".into(), AttributeValue::Rows(rows));
    values
}

fn same(read: &NamedAttributes, wanted: &NamedAttributes) -> bool {
    wanted.iter().all(|(name, value)| {
        let have = read.get(name).unwrap_or(&AttributeValue::Empty);
        match (have, value) {
            (AttributeValue::Rows(a), AttributeValue::Rows(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
            }
            (AttributeValue::Text(t), AttributeValue::Empty)
            | (AttributeValue::Empty, AttributeValue::Text(t)) => t.is_empty(),
            (a, b) => a == b,
        }
    })
}

/// The compliance record as JSON.
pub fn record_json(standing: &Standing, name: &str) -> String {
    let requirements: Vec<_> = standing
        .requirements
        .values()
        .map(|r| {
            json!({
                "kind": r.kind, "required": r.required, "status": r.state.label(),
                "valid_from": r.valid_from, "valid_until": r.valid_until,
                "document_id": r.document_id, "document_version": r.document_version,
                "request_id": r.request_id, "item_id": r.item_id,
                "renewal_steps": r.renewal_steps, "reminders_sent": r.reminders_sent,
                "escalated": r.escalated, "reviewer": r.reviewer, "reason": r.reason,
            })
        })
        .collect();
    let record = json!({
        "supplier": name,
        "workspace_id": standing.workspace_id,
        "partner_id": standing.partner_id,
        "legal_name": standing.supplier.legal_name,
        "tax_country": standing.supplier.tax_country,
        "supplier_class": standing.supplier.supplier_class,
        "onboarding_status": standing.onboarding_status(),
        "parked": standing.parked,
        "matrix_version": standing.matrix_version,
        "requirements": requirements,
        "history": standing.history,
    });
    serde_json::to_string_pretty(&record).unwrap_or_default() + "\n"
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The compliance record as HTML.
pub fn record_html(standing: &Standing, name: &str) -> String {
    let mut html = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Compliance record — {n}</title></head><body>\n<h1>Compliance record — {n}</h1>\n<p>Onboarding status: <strong>{status}</strong>{parked}. Legal name: {legal}. Tax country: {country}. Class: {class}. Partner: {partner}. Requirement matrix version {version}.</p>\n<table border=\"1\"><tr><th>Kind</th><th>Required</th><th>Status</th><th>Valid from</th><th>Valid until</th><th>Document</th><th>TG request / item</th><th>Reviewer</th><th>Reason</th></tr>\n",
        n = escape(name),
        status = standing.onboarding_status(),
        parked = standing
            .parked
            .as_ref()
            .map(|p| format!(" ({})", escape(p)))
            .unwrap_or_default(),
        legal = escape(&standing.supplier.legal_name),
        country = escape(&standing.supplier.tax_country),
        class = escape(&standing.supplier.supplier_class),
        partner = escape(standing.partner_id.as_deref().unwrap_or("none")),
        version = standing.matrix_version,
    );
    let cell = |v: Option<&String>| escape(v.map_or("", String::as_str));
    for r in standing.requirements.values() {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.kind),
            if r.required { "yes" } else { "no" },
            r.state.label(),
            cell(r.valid_from.as_ref()),
            cell(r.valid_until.as_ref()),
            r.document_id
                .map(|d| format!("{d} v{}", r.document_version.unwrap_or(1)))
                .unwrap_or_default(),
            cell(r.request_id.as_ref()),
            cell(r.item_id.as_ref()),
            cell(r.reviewer.as_ref()),
            cell(r.reason.as_ref()),
        );
    }
    html.push_str("</table>\n<h2>History</h2>\n<ul>\n");
    for h in &standing.history {
        let _ = writeln!(
            html,
            "<li>{} — {}: {} {}</li>",
            escape(&h.at),
            escape(&h.kind),
            escape(&h.event),
            escape(&h.detail)
        );
    }
    html.push_str("</ul>\n</body></html>\n");
    html
}

impl SupplierOnboarding {
    /// Projects the standing to xECM (attributes, compliance record); the status it shows.
    ///
    /// The rows are read first: a buyer's decision on them ([`crate::review`]) is applied
    /// before they are written again, so none is overwritten unseen.
    pub(crate) async fn project(&self, workspace: NodeId) -> Result<&'static str, OnboardingError> {
        let xecm = &self.platform.xecm;
        let read_rows = match xecm
            .read_attributes(workspace, self.config.compliance_category)
            .await
        {
            Ok(values) => values,
            Err(error) if error.is_category_absent() => NamedAttributes::new(),
            Err(error) => return Err(error.into()),
        };
        self.apply_buyer_decisions(workspace, &read_rows).await?;
        let Some(standing) = self.standing(workspace.get()).await? else {
            return Ok(crate::standing::status::NOT_STARTED);
        };
        let status = standing.onboarding_status();
        let mut wanted = NamedAttributes::new();
        wanted.insert(
            "Onboarding Status".into(),
            AttributeValue::Text(status.into()),
        );
        let read = xecm
            .read_attributes(workspace, self.config.supplier_category)
            .await?;
        if !same(&read, &wanted) {
            xecm.write_attributes(workspace, self.config.supplier_category, &wanted)
                .await?;
            tracing::info!(workspace_id = %workspace, status, "onboarding status written");
        }
        let wanted = compliance_values(&standing);
        if !same(&read_rows, &wanted) {
            xecm.write_attributes(workspace, self.config.compliance_category, &wanted)
                .await?;
        }
        // the rows now show these submissions in review: a buyer's decision from here on is
        // about them (recorded after the write, so a failed write never claims a row it did
        // not change)
        let shown: Vec<(String, String)> = standing
            .requirements
            .values()
            .filter(|r| r.state == crate::standing::State::InReview)
            .filter(|r| r.shown_submission != r.decided_submission)
            .filter_map(|r| Some((r.kind.clone(), r.decided_submission.clone()?)))
            .collect();
        if !shown.is_empty() {
            self.change_standing(workspace.get(), |s| {
                let mut changed = false;
                for (kind, submission) in &shown {
                    if let Some(r) = s.requirements.get_mut(kind)
                        && r.shown_submission.as_ref() != Some(submission)
                    {
                        r.shown_submission = Some(submission.clone());
                        changed = true;
                    }
                }
                changed
            })
            .await?;
        }
        let name = xecm.get_node(workspace).await?.name;
        let first = self.config.renewal_days.first().copied().unwrap_or(0);
        for (ext, mime, content) in [
            ("json", "application/json", record_json(&standing, &name)),
            ("html", "text/html", record_html(&standing, &name)),
            (
                "ics",
                "text/calendar",
                crate::calendar::calendar_ics(&standing, &name, first),
            ),
        ] {
            let sha = hex::encode(sha2::Sha256::digest(content.as_bytes()));
            let file_name = if ext == "ics" {
                "Expiry calendar.ics".to_owned()
            } else {
                format!("Compliance record.{ext}")
            };
            let spec = DocumentSpec {
                name: file_name.clone(),
                description: format!("supplier-onboarding compliance record ({ext})"),
                file_name: Some(file_name),
                mime_type: Some(mime.into()),
                categories: Vec::new(),
            };
            let filing = Filing::new(
                EffectKey::new("xecm-compliance-record", format!("{workspace}/{ext}")),
                workspace,
                self.config.compliance_folder.clone(),
                spec,
            )
            .with_revisions(sha);
            self.platform
                .file_once(&filing, &BytesSource(content.into()))
                .await
                .map_err(OnboardingError::from_xecm_effect)?;
        }
        Ok(status)
    }
}
