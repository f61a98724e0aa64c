//! Reconciliation of an order acknowledgment (855 / ORDRSP) against the order: each line of
//! the order's `Lines` set is looked up by its line number in the acknowledgment; it matches
//! when the partner accepted it (`IA`) with the ordered quantity. The verdict goes into the
//! order's `Match Status` attribute.
//!
//! # Format
//! `Match Status` is `Matched`, or `Discrepancy: ` followed by `; `-separated findings such as
//! `line 20 quantity 4000 (ordered 5000)`, `line 20 backordered`, `line 30 not acknowledged`.

use gridlink_edi::{AckLine, LineStatus, OrderAcknowledgment};
use gridlink_flow::EffectKey;
use gridlink_inbound::InboundError;
use gridlink_xecm::{AttributeValue, NamedAttributes, NodeId, XecmError};
use rust_decimal::Decimal;

use crate::OrderReconcile;

/// One order line as the order workspace holds it.
struct OrderLine {
    line: i64,
    quantity: Option<i64>,
}

fn order_lines(values: &NamedAttributes) -> Vec<OrderLine> {
    let Some(AttributeValue::Rows(rows)) = values.get("Lines") else {
        return Vec::new();
    };
    rows.iter()
        .filter_map(|row| match row.get("Line") {
            Some(AttributeValue::Integer(line)) => Some(OrderLine {
                line: *line,
                quantity: match row.get("Quantity") {
                    Some(AttributeValue::Integer(q)) => Some(*q),
                    _ => None,
                },
            }),
            _ => None,
        })
        .collect()
}

fn acknowledged(ack: &OrderAcknowledgment, line: i64) -> Option<&AckLine> {
    ack.lines
        .iter()
        .find(|l| l.line_number.trim().parse::<i64>().ok() == Some(line))
}

/// The verdict for `ack` against the order's `values`.
fn verdict(ack: &OrderAcknowledgment, values: &NamedAttributes) -> String {
    let mut findings = Vec::new();
    for order_line in order_lines(values) {
        let line = order_line.line;
        let Some(acked) = acknowledged(ack, line) else {
            findings.push(format!("line {line} not acknowledged"));
            continue;
        };
        match &acked.status {
            LineStatus::Accepted => {}
            LineStatus::Rejected => findings.push(format!("line {line} rejected")),
            LineStatus::Backordered => findings.push(format!("line {line} backordered")),
            other => findings.push(format!("line {line} {other:?}")),
        }
        let confirmed = acked
            .status_quantity
            .as_ref()
            .or(acked.ordered_quantity.as_ref());
        if let (Some(ordered), Some(confirmed)) = (order_line.quantity, confirmed)
            && confirmed.value != Decimal::from(ordered)
        {
            findings.push(format!(
                "line {line} quantity {} (ordered {ordered})",
                confirmed.value.normalize()
            ));
        }
    }
    if findings.is_empty() {
        "Matched".to_owned()
    } else {
        format!("Discrepancy: {}", findings.join("; "))
    }
}

impl OrderReconcile {
    /// Compares `ack` with the order in `workspace` and writes `Match Status` once per
    /// acknowledgment revision (`identity#sha256`). Returns the verdict.
    pub(crate) async fn reconcile_order_ack(
        &self,
        workspace: NodeId,
        ack: &OrderAcknowledgment,
        revision: &str,
    ) -> Result<String, InboundError> {
        let platform = self.platform();
        let category = self.config.inbound.order_category;
        let values = platform.xecm.read_attributes(workspace, category).await?;
        let status = verdict(ack, &values);
        let key = EffectKey::new("xecm-match-status", revision.to_owned());
        let written = status.clone();
        platform
            .effects
            .once(&key, None, |_| async move {
                let mut change = NamedAttributes::new();
                change.insert("Match Status".to_owned(), AttributeValue::Text(written));
                platform
                    .xecm
                    .write_attributes(workspace, category, &change)
                    .await?;
                Ok::<_, XecmError>(())
            })
            .await?;
        tracing::info!(workspace_id = workspace.get(), match_status = %status, "order reconciled");
        Ok(status)
    }
}
