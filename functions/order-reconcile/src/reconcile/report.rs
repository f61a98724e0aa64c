//! The discrepancy report: the [`Reconciliation`] as JSON (machine-readable) and as an HTML
//! page (for people). Both are deterministic — the same reconciliation gives the same bytes —
//! so a re-run over the same documents files nothing new.
//!
//! Every string that may come from a partner (document numbers, shipment ids, messages that
//! quote them) is escaped in the HTML.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::outcome::{
    AckOutcome, Finding, FindingCode, LineResult, MatchStatus, Reconciliation, Severity,
};

/// The report as pretty-printed JSON (see [`super::outcome`] for the format).
pub fn to_json(reconciliation: &Reconciliation) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(reconciliation)
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}").into_bytes());
    bytes.push(b'\n');
    bytes
}

/// Writes the report as JSON into `out` (for large reports).
pub fn write_json<W: std::io::Write>(
    reconciliation: &Reconciliation,
    out: W,
) -> serde_json::Result<()> {
    serde_json::to_writer(out, reconciliation)
}

/// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn dec(value: Decimal) -> String {
    value.normalize().to_string()
}

fn opt_dec(value: Option<Decimal>) -> String {
    value.map_or_else(|| "—".to_owned(), dec)
}

fn status_class(status: MatchStatus) -> &'static str {
    match status {
        MatchStatus::Matched => "ok",
        MatchStatus::WaitingForDocuments => "wait",
        MatchStatus::Exceptions => "bad",
    }
}

fn ack_text(line: &LineResult) -> String {
    match &line.acknowledged {
        None => "—".to_owned(),
        Some(ack) => {
            let outcome = match ack.outcome {
                AckOutcome::Accepted => "accepted",
                AckOutcome::Changed => "changed",
                AckOutcome::Backordered => "backordered",
                AckOutcome::Rejected => "rejected",
                AckOutcome::NotAcknowledged => "not acknowledged",
            };
            let mut text = outcome.to_owned();
            if let Some(quantity) = ack.quantity {
                let _ = write!(text, " {}", dec(quantity));
            }
            if let Some(price) = ack.unit_price {
                let _ = write!(text, " @ {}", dec(price));
            }
            if let Some(date) = ack.date {
                let kind = match ack.date_kind {
                    Some(gridlink_edi::DateKind::Shipment) => "ship ",
                    Some(gridlink_edi::DateKind::Delivery) => "delivery ",
                    None => "",
                };
                let _ = write!(text, " {kind}on {date}");
            }
            escape(&text)
        }
    }
}

fn finding_row(out: &mut String, finding: &Finding) {
    let severity = match finding.severity {
        Severity::Exception => "exception",
        Severity::Waiting => "waiting",
    };
    let code = finding.code.as_str();
    let _ = writeln!(
        out,
        "<tr class=\"{}\"><td>{severity}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        if finding.severity == Severity::Exception {
            "bad"
        } else {
            "wait"
        },
        escape(code),
        escape(finding.line.as_deref().unwrap_or("")),
        escape(finding.document.as_deref().unwrap_or("")),
        escape(&finding.message)
    );
}

/// The report as a standalone HTML page.
pub fn to_html(reconciliation: &Reconciliation) -> Vec<u8> {
    let r = reconciliation;
    let mut out = String::with_capacity(4096 + r.lines.len() * 400);
    let po = escape(&r.po_number);
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<title>Reconciliation of purchase order {po}</title>\n<style>\n\
body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin:1em 0}}\
td,th{{border:1px solid #999;padding:.3em .6em;text-align:left}}\
.ok{{background:#e6f4e6}}.wait{{background:#fff6d6}}.bad{{background:#fbe3e3}}\n</style>\n</head>\n<body>"
    );
    let _ = writeln!(
        out,
        "<h1>Purchase order {po}</h1>\n<p>Match status: <strong class=\"{}\" id=\"match-status\">{}</strong></p>",
        status_class(r.status),
        r.status
    );
    let tolerance = match (r.price_tolerance.percent, r.price_tolerance.absolute) {
        (Some(percent), None) => format!("{} % (relative)", dec(percent)),
        (None, Some(absolute)) => format!("{} per unit", dec(absolute)),
        (Some(percent), Some(absolute)) => {
            format!("{} % and {} per unit", dec(percent), dec(absolute))
        }
        (None, None) => "none".to_owned(),
    };
    let _ = writeln!(
        out,
        "<p>Currency: {}. Price tolerance: {}. Invoicing {}. Lines: {}, matched {}, with exceptions {}, waiting {}. \
Ordered amount {}, invoiced amount {}.</p>",
        escape(r.currency.as_deref().unwrap_or("—")),
        escape(&tolerance),
        if r.invoicing_complete {
            "complete"
        } else {
            "not complete"
        },
        r.summary.lines,
        r.summary.matched,
        r.summary.exceptions,
        r.summary.waiting,
        dec(r.summary.ordered_amount),
        dec(r.summary.invoiced_amount)
    );

    out.push_str("<h2>Findings</h2>\n");
    if r.findings.is_empty() {
        out.push_str("<p>None.</p>\n");
    } else {
        out.push_str(
            "<table id=\"findings\">\n<tr><th>Severity</th><th>Code</th><th>Line</th><th>Document</th><th>Finding</th></tr>\n",
        );
        for finding in &r.findings {
            finding_row(&mut out, finding);
        }
        out.push_str("</table>\n");
    }

    out.push_str(
        "<h2>Lines</h2>\n<table id=\"lines\">\n<tr><th>Line</th><th>Material</th><th>Status</th>\
<th>Ordered</th><th>Unit</th><th>Committed</th><th>Unit price</th><th>Delivery</th><th>Ship</th><th>Acknowledged</th><th>Shipped</th>\
<th>Shipments</th><th>Invoiced</th><th>Invoices</th></tr>\n",
    );
    for line in &r.lines {
        let shipments: Vec<String> = line
            .shipped
            .shipments
            .iter()
            .map(|s| format!("{} ({})", escape(&s.shipment_id), dec(s.quantity)))
            .collect();
        let invoices: Vec<String> = line
            .invoiced
            .invoices
            .iter()
            .map(|i| {
                format!(
                    "{} ({} @ {})",
                    escape(&i.invoice_number),
                    dec(i.quantity),
                    dec(i.unit_price)
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            status_class(line.status),
            escape(&line.line),
            escape(line.material.as_deref().unwrap_or("")),
            line.status,
            dec(line.ordered.quantity),
            escape(line.ordered.unit.as_deref().unwrap_or("—")),
            dec(line.ordered.committed),
            opt_dec(line.ordered.unit_price),
            line.ordered
                .delivery_date
                .map_or_else(|| "—".to_owned(), |d| d.to_string()),
            line.ordered
                .ship_date
                .map_or_else(|| "—".to_owned(), |d| d.to_string()),
            ack_text(line),
            dec(line.shipped.quantity),
            shipments.join(", "),
            dec(line.invoiced.quantity),
            invoices.join(", ")
        );
    }
    out.push_str("</table>\n");

    if !r.invoices.is_empty() {
        out.push_str(
            "<h2>Invoices</h2>\n<table id=\"invoices\">\n<tr><th>Invoice</th><th>Currency</th>\
<th>Lines</th><th>Charges − allowances</th><th>Tax</th><th>Stated total</th></tr>\n",
        );
        for invoice in &r.invoices {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&invoice.invoice_number),
                escape(invoice.currency.as_deref().unwrap_or("—")),
                dec(invoice.line_total),
                dec(invoice.charges),
                opt_dec(invoice.tax),
                dec(invoice.stated_total)
            );
        }
        out.push_str("</table>\n");
    }

    out.push_str(
        "<h2>Documents read</h2>\n<table id=\"documents\">\n<tr><th>Kind</th><th>Number</th>\
<th>Sender</th><th>Received</th><th>Revision (SHA-256)</th></tr>\n",
    );
    for document in &r.documents {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            document.kind.as_str(),
            escape(&document.number),
            escape(&document.sender),
            escape(&document.received_at),
            escape(&document.revision)
        );
    }
    out.push_str("</table>\n");
    legend(&mut out);
    out.push_str("</body>\n</html>\n");
    out.into_bytes()
}

/// Every finding code with its rule.
fn legend(out: &mut String) {
    out.push_str(
        "<h2>Legend</h2>\n<table id=\"legend\">\n<tr><th>Code</th><th>Severity</th><th>Rule</th></tr>\n",
    );
    for code in FindingCode::ALL {
        let severity = match code.severity() {
            Severity::Exception => "exception",
            Severity::Waiting => "waiting",
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{severity}</td><td>{}</td></tr>",
            code.as_str(),
            escape(code.meaning())
        );
    }
    out.push_str("</table>\n");
}
