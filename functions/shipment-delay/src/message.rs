//! A `message.posted` item: a partner's free-text message (delay, missing shipment,
//! customs hold…) on a Trading Grid thread of kind `shipment` or `order`, filed with its
//! attachments into the order's `Shipping` folder.
//!
//! # Which order
//! The first of:
//! 1. the thread's `external_ref` `{"system":"po","id":"4500001234"}` (or any system with
//!    an id `po:4500001234`);
//! 2. `structured.po_number` of the message;
//! 3. the text: a token after `PO`, `P.O.`, `order` or `purchase order` (optionally followed
//!    by `#`, `no`, `number` or `:`) that contains a digit — `PO 4500001234`,
//!    `order #4500001234`, `PO#4500001234`;
//! 4. else a shipment reference in `structured` looked up as earlier documents taught it.
//!
//! The author (a TG partner) must be the order's trading partner: one of the partner's EDI
//! addresses must be the order supplier's `Trading Partner ID`. Otherwise the message is
//! parked in the unmatched queue and nothing is filed.
//!
//! # Format
//! Optional `structured` fields the partner (or its portal form) may send:
//! ```json
//! {"po_number":"4500001234","shipment_id":"SHP-77001","bol":"BOL-1","pro_number":"PRO-1",
//!  "status_code":"SD","reason":"AS","expected_date":"2026-12-04"}
//! ```
//! (`bill_of_lading` is read like `bol`, `pro` like `pro_number`, `reason_code` like `reason`.)
//!
//! # Identity
//! The message is filed once per TG message id (`{partner_id}|message|{message_id}`), each
//! attachment once per attachment id.

use gridlink_flow::{InboxItem, timeline};
use gridlink_inbound::correlate::{Correlation, UnmatchedReason};
use gridlink_inbound::shipments;
use gridlink_inbound::unmatched::{self, ParkedMessage};
use gridlink_inbound::{
    Filing, InboundError, ShipmentRefs, correlate_order, fetch_attachment, file_once,
};
use gridlink_tgrid::model::{AuthorKind, ExternalRef, ThreadKind};
use gridlink_tgrid::{Event, PartyId};
use gridlink_xecm::{AttributeValue, BytesSource, NamedAttributes, Node};
use serde_json::{Value, json};
use time::PrimitiveDateTime;

use crate::ShipmentDelay;
use crate::notice::StatusReport;
use crate::process::{Disposition, Route};

/// The PO a thread's external reference names (`po` system, or an id `po:…`).
pub fn po_from_thread(external_ref: Option<&ExternalRef>) -> Option<String> {
    let external_ref = external_ref?;
    let id = external_ref.id.trim();
    if external_ref.system.trim().eq_ignore_ascii_case("po") {
        return (!id.is_empty()).then(|| id.to_owned());
    }
    let (prefix, po) = id.split_once(':')?;
    (prefix.trim().eq_ignore_ascii_case("po") && !po.trim().is_empty())
        .then(|| po.trim().to_owned())
}

/// The PO a message's text names (see the module docs), if any.
pub fn po_from_text(text: &str) -> Option<String> {
    let tokens: Vec<String> = text
        .split_whitespace()
        .map(|t| {
            t.trim_matches(|c: char| matches!(c, ',' | ';' | '(' | ')' | '"' | '\'' | '!' | '?'))
                .trim_end_matches(['.', ':'])
                .to_owned()
        })
        .filter(|t| !t.is_empty())
        .collect();
    let is_number = |t: &str| {
        t.chars().any(|c| c.is_ascii_digit())
            && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    for (i, token) in tokens.iter().enumerate() {
        let lower = token.to_ascii_lowercase();
        // `PO#4500001234`, `PO:4500001234`
        for prefix in ["po#", "po:", "p.o.#", "order#"] {
            if let Some(rest) = lower.strip_prefix(prefix)
                && is_number(rest)
            {
                return Some(token[prefix.len()..].to_owned());
            }
        }
        if !matches!(lower.as_str(), "po" | "p.o" | "p.o." | "order") {
            continue;
        }
        let next = tokens[i + 1..].iter().find(|t| {
            !matches!(
                t.to_ascii_lowercase().as_str(),
                "#" | "no" | "nr" | "number" | ":"
            )
        });
        if let Some(candidate) = next {
            let candidate = candidate.trim_start_matches(['#', ':']);
            if is_number(candidate) {
                return Some(candidate.to_owned());
            }
        }
    }
    None
}

fn text_field(structured: Option<&Value>, names: &[&str]) -> Option<String> {
    let structured = structured?;
    names.iter().find_map(|name| {
        structured
            .get(*name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    })
}

fn safe_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// Where a message goes: the workspace, its PO, and the author's address that matched.
struct Destination {
    workspace: Node,
    po_number: String,
    address: PartyId,
    teach: bool,
}

/// What handling a message did.
#[derive(Debug, Clone)]
pub(crate) enum Handled {
    /// Not shipment-delay's (why).
    Skipped(Value),
    /// Filed or parked.
    Done(Disposition),
}

/// Processes one `message.posted` item; messages on other threads, or not by a partner,
/// are recorded as skipped.
pub(crate) async fn process_message(
    function: &ShipmentDelay,
    item: &InboxItem,
    event: &Event,
) -> Result<Value, InboundError> {
    Ok(
        match handle_message(function, item.event_id(), event, &Route::Correlate).await? {
            Handled::Skipped(why) => why,
            Handled::Done(disposition) => disposition.to_json(),
        },
    )
}

/// Files (or parks) the message of a `message.posted` event along `route`. Used on arrival
/// and to refile an unmatched message.
#[tracing::instrument(skip_all, fields(event_id = %event.event_id))]
pub(crate) async fn handle_message(
    function: &ShipmentDelay,
    event_id: &str,
    event: &Event,
    route: &Route,
) -> Result<Handled, InboundError> {
    let Some(posted) = event.message_posted() else {
        return Err(InboundError::UnreadableEvent {
            event_id: event_id.to_owned(),
            reason: "message.posted without a readable message".into(),
        });
    };
    if !matches!(posted.thread_kind, ThreadKind::Shipment | ThreadKind::Order) {
        return Ok(Handled::Skipped(
            json!({"skipped": "not a shipment or order thread"}),
        ));
    }
    let message = &posted.message;
    if message.author.kind != AuthorKind::Partner {
        return Ok(Handled::Skipped(
            json!({"skipped": "not a partner message"}),
        ));
    }
    let Some(partner_id) = message.author.partner_id.clone() else {
        return Err(InboundError::UnreadableEvent {
            event_id: event_id.to_owned(),
            reason: "a partner message without a partner id".into(),
        });
    };
    let platform = function.platform();
    let partner = platform.tg.partner(&partner_id).await?;
    let structured = message.structured.as_ref();
    let refs = ShipmentRefs {
        shipment_id: text_field(structured, &["shipment_id"]),
        bill_of_lading: text_field(structured, &["bol", "bill_of_lading"]),
        pro_number: text_field(structured, &["pro_number", "pro"]),
    };
    refs.about();
    let named_po = po_from_thread(posted.thread_external_ref.as_ref())
        .or_else(|| text_field(structured, &["po_number"]))
        .or_else(|| po_from_text(&message.body));
    if let Some(po) = &named_po {
        timeline::about("po", po);
    }
    let identity = format!(
        "{}|message|{}",
        partner_id.as_str(),
        message.message_id.as_str()
    );

    let mut unmatched_reason = UnmatchedReason::NoOrderNumber;
    let mut destination = None;
    if let Route::Assigned {
        workspace,
        po_number,
        teach,
        ..
    } = route
    {
        let address = partner.edi_addresses.first().cloned().ok_or_else(|| {
            InboundError::UnreadableEvent {
                event_id: event_id.to_owned(),
                reason: format!("partner {} has no EDI address", partner_id.as_str()),
            }
        })?;
        destination = Some(Destination {
            workspace: (**workspace).clone(),
            po_number: po_number.clone(),
            address,
            teach: *teach,
        });
    }
    for address in &partner.edi_addresses {
        if destination.is_some() {
            break;
        }
        let po = match &named_po {
            Some(po) => Some(po.clone()),
            None => shipments::lookup(platform, address, &refs).await?,
        };
        match correlate_order(platform, &function.config.inbound, po.as_deref(), address).await? {
            Correlation::Matched {
                workspace,
                po_number,
            } => {
                destination = Some(Destination {
                    workspace,
                    po_number,
                    address: address.clone(),
                    teach: named_po.is_some(),
                });
            }
            Correlation::Unmatched(reason) => {
                if unmatched_reason == UnmatchedReason::NoOrderNumber {
                    unmatched_reason = reason;
                }
            }
        }
    }
    let Some(Destination {
        workspace,
        po_number,
        address,
        teach,
    }) = destination
    else {
        let parked = unmatched::park_message(
            platform,
            &ParkedMessage {
                message_id: message.message_id.as_str().to_owned(),
                thread_id: posted.thread_id.as_str().to_owned(),
                thread_kind: serde_json::to_value(posted.thread_kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                partner_id: partner_id.as_str().to_owned(),
                attachment_ids: message
                    .attachment_ids
                    .iter()
                    .map(|a| a.as_str().to_owned())
                    .collect(),
            },
            &identity,
            &unmatched_reason,
            event_id,
        )
        .await?;
        return Ok(Handled::Done(Disposition::Parked {
            item_id: parked.item_id,
            reason: unmatched_reason,
        }));
    };

    timeline::about("po", &po_number);
    let partner_address = format!("{}:{}", address.qualifier, address.id);
    let posted_at = PrimitiveDateTime::new(message.posted_at.date(), message.posted_at.time());
    let summary = message
        .body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| l.chars().take(120).collect::<String>());
    let report = StatusReport {
        source: "message".to_owned(),
        // Partners code messages with the X12 status (1650) and reason (1651) lists.
        syntax: "X12",
        partner: partner_address.clone(),
        po_number: po_number.clone(),
        refs: refs.clone(),
        status_code: text_field(structured, &["status_code"]),
        reason: text_field(structured, &["reason", "reason_code"]),
        status_at: posted_at,
        ordered_at: posted_at,
        expected: text_field(structured, &["expected_date"]).and_then(|d| {
            time::Date::parse(
                &d,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .ok()
        }),
        summary,
    };
    let shipment_values = report.category_values();
    let document_values = |doc_type: &str| {
        let mut values = NamedAttributes::new();
        values.insert(
            "Document Type".into(),
            AttributeValue::Text(doc_type.into()),
        );
        values.insert("Direction".into(), AttributeValue::Text("inbound".into()));
        values.insert(
            "Trading Partner ID".into(),
            AttributeValue::Text(partner_address.clone()),
        );
        values.insert(
            "Received".into(),
            AttributeValue::from(message.posted_at.date()),
        );
        values
    };
    let prefix = safe_name(&format!(
        "Partner message {} {} {}",
        posted_at.date(),
        partner.name,
        message.message_id.as_str()
    ));

    let mut filed = Vec::new();
    let mut attachment_names = Vec::new();
    for attachment_id in &message.attachment_ids {
        let attachment = fetch_attachment(platform, attachment_id).await?;
        let file_name = attachment.attachment.file_name.clone();
        let name = safe_name(&format!("{prefix} - {file_name}"));
        let filing = Filing {
            identity: format!("{identity}|attachment|{}", attachment_id.as_str()),
            sha256: attachment.sha256.clone(),
            workspace: workspace.id,
            folder: function.config.folder_shipping.clone(),
            name: name.clone(),
            mime_type: attachment.attachment.content_type.clone(),
            categories: vec![
                (
                    function.config.inbound.document_category,
                    document_values("attachment"),
                ),
                (function.config.shipment_category, shipment_values.clone()),
            ],
        };
        let document = file_once(platform, &filing, &attachment.content(platform)).await?;
        attachment_names.push(file_name);
        filed.push((name, document.document_id));
    }

    let text = format!(
        "From: {} ({partner_address}, TG partner {})\nPosted: {}\nThread: {} ({})\nMessage: {}\nOrder: {po_number}\nAttachments: {}\n\n{}\n",
        partner.name,
        partner_id.as_str(),
        message.posted_at,
        posted.thread_id.as_str(),
        serde_json::to_value(posted.thread_kind).unwrap_or_default(),
        message.message_id.as_str(),
        if attachment_names.is_empty() {
            "none".to_owned()
        } else {
            attachment_names.join(", ")
        },
        message.body
    );
    let message_sha = gridlink_inbound::received::sha256_hex(text.as_bytes());
    let name = format!("{prefix}.txt");
    let filing = Filing {
        identity: identity.clone(),
        sha256: message_sha.clone(),
        workspace: workspace.id,
        folder: function.config.folder_shipping.clone(),
        name: name.clone(),
        mime_type: "text/plain".to_owned(),
        categories: vec![
            (
                function.config.inbound.document_category,
                document_values("message"),
            ),
            (function.config.shipment_category, shipment_values),
        ],
    };
    let document = file_once(platform, &filing, &BytesSource(text.into())).await?;
    filed.insert(0, (name, document.document_id));
    tracing::info!(po_number = %po_number, workspace_id = workspace.id.get(), partner_id = %partner_id.as_str(), "partner message filed");
    if teach {
        shipments::teach(platform, &address, &refs, &po_number).await?;
    }
    let origin = format!(
        "a message by {} on TG thread {} (message {})",
        partner.name,
        posted.thread_id.as_str(),
        message.message_id.as_str()
    );
    let outcome = function
        .record_status(
            workspace.id,
            &report,
            &identity,
            &message_sha,
            &filed,
            &origin,
        )
        .await?;
    Ok(Handled::Done(Disposition::Filed(json!({
        "po_number": po_number,
        "workspace_id": workspace.id.get(),
        "document_id": document.document_id,
        "attachments": filed.iter().skip(1).map(|(_, id)| *id).collect::<Vec<_>>(),
        "identity": identity,
        "shipment_status": outcome.shipment_status,
        "status_shown": outcome.shown,
        "note_document_id": outcome.note_document_id,
    }))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_po_number_is_found_in_the_ways_partners_write_it() {
        for text in [
            "Delay on PO 4500001234: customs hold",
            "our order #4500001234 is late",
            "PO#4500001234 delayed",
            "Purchase order number 4500001234, truck broke down.",
            "P.O. no. 4500001234",
        ] {
            assert_eq!(po_from_text(text).as_deref(), Some("4500001234"), "{text}");
        }
        assert_eq!(po_from_text("the order is late, sorry"), None);
        assert_eq!(po_from_text("no reference at all"), None);
    }

    #[test]
    fn a_thread_names_its_po_by_system_or_prefixed_id() {
        assert_eq!(
            po_from_thread(Some(&ExternalRef::new("po", "4500001234"))).as_deref(),
            Some("4500001234")
        );
        assert_eq!(
            po_from_thread(Some(&ExternalRef::new("erp", "po:4500001234"))).as_deref(),
            Some("4500001234")
        );
        assert_eq!(
            po_from_thread(Some(&ExternalRef::new("xecm", "12345"))),
            None
        );
        assert_eq!(po_from_thread(None), None);
    }
}
