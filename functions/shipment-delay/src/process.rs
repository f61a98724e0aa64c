//! A `document.received` item: a 214 / IFTSTA interchange, fetched, validated, acknowledged,
//! and each shipment status in it filed into its order's `Shipping` folder.
//!
//! # Identity
//! One filed document per
//! `{sender}|{doc type}|{shipment}|{PO}|{latest status code}|{its time}` (`shipment` =
//! shipment id, else BOL, else PRO, else PO; `PO` = the order it is filed into — a shipment
//! carrying several orders gets one report per order, each its own order's document, never a
//! version of another order's; `its time` = the event's AT705/06 / DTM+334, else the
//! interchange's ISA09/10 / UNB S004, else a hash of the status's content — never when TG
//! received it): the same status sent again (a
//! redelivery, or the same interchange as a new TG document) is the same document; a changed
//! revision of it becomes a new version; a new status for the shipment is a new document.
//!
//! # Latest
//! A report's status is its event at the greatest instant: AT707 time codes (`ET`, `CT`,
//! `MT`, `PT`, their standard / daylight forms, `UT`, `GM`) are applied; a local (`LT`) or
//! absent code compares as given. The order shows the report whose status is the greatest
//! instant, whichever arrived last. IFTSTA times carry no zone here and compare as given.

use gridlink_edi::{BusinessDocument, InterchangeHeader, ShipmentStatus, Syntax};
use gridlink_flow::{InboxItem, timeline};
use gridlink_inbound::correlate::{Correlation, UnmatchedReason};
use gridlink_inbound::intake::syntax_name;
use gridlink_inbound::shipments::{self, is_shipment_status};
use gridlink_inbound::{
    Filing, InboundError, Intake, ReceivedDocument, ShipmentRefs, correlate_order, fetch_content,
    file_once, intake, unmatched,
};
use gridlink_tgrid::Event;
use gridlink_tgrid::model::Direction;
use gridlink_xecm::Node;
use serde_json::{Value, json};
use time::{PrimitiveDateTime, Time};

use crate::ShipmentDelay;
use crate::notice::StatusReport;

/// Where a report goes: found by correlation (partner-checked), or where an operator said.
#[derive(Debug, Clone)]
pub(crate) enum Route {
    /// Correlate by PO number or taught shipment reference; the sender must be the order's
    /// partner.
    Correlate,
    /// An operator's assignment: this workspace; `po_number` is the order it stands for
    /// (taught for the report's shipment references when `teach`).
    Assigned {
        /// The workspace.
        workspace: Box<Node>,
        /// Its order.
        po_number: String,
        /// Whether `po_number` is a real PO number worth teaching.
        teach: bool,
        /// The unmatched item assigned (the evidence of the sender's authorisation).
        item_id: String,
    },
}

/// What became of one report.
#[derive(Debug, Clone)]
pub(crate) enum Disposition {
    /// Filed; what was done.
    Filed(Value),
    /// Parked in the unmatched queue.
    Parked {
        /// The queue item.
        item_id: String,
        /// Why.
        reason: UnmatchedReason,
    },
}

impl Disposition {
    /// As recorded in the inbox outcome.
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Self::Filed(value) => value.clone(),
            Self::Parked { item_id, reason } => {
                json!({"unmatched": item_id, "reason": reason.to_string()})
            }
        }
    }
}

/// Parses a kept interchange and files each shipment status in it (no acknowledgment: that
/// went out when it arrived). Used on arrival and to refile an unmatched item.
pub(crate) async fn file_statuses(
    function: &ShipmentDelay,
    received: &ReceivedDocument,
    event_id: &str,
    route: &Route,
) -> Result<Vec<Disposition>, InboundError> {
    let bytes = received.bytes(function.platform()).await?;
    let syntax = gridlink_edi::detect(&bytes).ok_or_else(|| InboundError::UnreadableEvent {
        event_id: event_id.to_owned(),
        reason: "payload is neither X12 nor EDIFACT".into(),
    })?;
    let interchanges =
        gridlink_edi::parse_interchanges(&bytes).map_err(|e| InboundError::UnreadableEvent {
            event_id: event_id.to_owned(),
            reason: e.to_string(),
        })?;
    let zones = event_zones(&bytes);
    let mut dispositions = Vec::new();
    for interchange in &interchanges {
        for (index, document) in interchange.documents.iter().enumerate() {
            if let BusinessDocument::ShipmentStatus(status) = document {
                let zones = zones_of(&zones, interchange, index);
                dispositions.push(
                    file_status(
                        function,
                        received,
                        Source {
                            header: &interchange.header,
                            zones,
                        },
                        status,
                        syntax,
                        event_id,
                        route,
                    )
                    .await?,
                );
            }
        }
    }
    Ok(dispositions)
}

/// Processes one `document.received` item; documents that are not shipment statuses are
/// recorded as skipped (order-reconcile takes them).
pub(crate) async fn process_document(
    function: &ShipmentDelay,
    item: &InboxItem,
    event: &Event,
) -> Result<Value, InboundError> {
    let Some(document) = event.document() else {
        return Err(InboundError::UnreadableEvent {
            event_id: item.event_id().to_owned(),
            reason: "document.received without a readable document".into(),
        });
    };
    if document.direction != Direction::Inbound {
        return Ok(json!({"skipped": "outbound document"}));
    }
    if crate::carrier::is_ship_notice(&document.metadata.doc_type) {
        return crate::carrier::learn_from_ship_notice(function, document).await;
    }
    if !is_shipment_status(&document.metadata.doc_type) {
        return Ok(json!({
            "skipped": format!("{} is not a shipment status", document.metadata.doc_type)
        }));
    }
    let platform = function.platform();
    let received = fetch_content(platform, document).await?;
    let accepted = match intake(platform, &received, item.event_id()).await? {
        Intake::Rejected(outcome) => return Ok(outcome),
        Intake::Accepted(accepted) => accepted,
    };
    let syntax = accepted.syntax;
    let interchanges = &accepted.interchanges;
    let zones = event_zones(&received.bytes(platform).await?);
    let mut statuses = Vec::new();
    for interchange in interchanges {
        for (index, document) in interchange.documents.iter().enumerate() {
            match document {
                BusinessDocument::ShipmentStatus(status) => statuses.push(
                    file_status(
                        function,
                        &received,
                        Source {
                            header: &interchange.header,
                            zones: zones_of(&zones, interchange, index),
                        },
                        status,
                        syntax,
                        item.event_id(),
                        &Route::Correlate,
                    )
                    .await?
                    .to_json(),
                ),
                other => statuses.push(json!({"skipped": other.kind()})),
            }
        }
    }
    let ack = accepted.acknowledge(platform, &received).await?;
    Ok(json!({"statuses": statuses, "ack": ack, "syntax": accepted.syntax_name()}))
}

/// Where a shipment status was read: its interchange's header, and the time zone of each of
/// its events (see [`event_zones`]).
#[derive(Clone, Copy)]
struct Source<'a> {
    header: &'a InterchangeHeader,
    zones: &'a [Option<i8>],
}

/// Correlates and files one shipment status, updates the order and notes it.
#[tracing::instrument(skip_all, fields(document_id = %received.document.document_id.as_str()))]
async fn file_status(
    function: &ShipmentDelay,
    received: &ReceivedDocument,
    source: Source<'_>,
    status: &ShipmentStatus,
    syntax: Syntax,
    event_id: &str,
    route: &Route,
) -> Result<Disposition, InboundError> {
    let platform = function.platform();
    let metadata = &received.document.metadata;
    let sender = &metadata.sender;
    let partner = format!("{}:{}", sender.qualifier, sender.id);
    let refs = ShipmentRefs {
        shipment_id: status.shipment_id.clone(),
        bill_of_lading: status.bill_of_lading.clone(),
        pro_number: status.pro_number.clone(),
    };
    refs.about();
    let named_po = status
        .po_numbers
        .first()
        .cloned()
        .or_else(|| metadata.business_refs.po_number.clone());
    let po_number = match (&named_po, route) {
        (_, Route::Assigned { po_number, .. }) => Some(po_number.clone()),
        (Some(po), Route::Correlate) => Some(po.clone()),
        (None, Route::Correlate) => match shipments::lookup(platform, sender, &refs).await? {
            Some(po) => Some(po),
            // A carrier does not know the buyer's PO number: the shipment it is authorised
            // on names the order (see `carrier`).
            None => crate::carrier::authorised(function, sender, &refs, None)
                .await?
                .map(|carrier| carrier.po_number),
        },
    };
    if let Some(po) = &po_number {
        timeline::about("po", po);
    }
    let Source { header, zones } = source;
    // The latest status is the one at the greatest instant (AT707 time codes applied; a local
    // or absent time code compares as given), not the last one written.
    let instant = |index: usize| {
        let event = &status.events[index];
        let at = event_time(event)?;
        let offset = zones.get(index).copied().flatten().unwrap_or(0);
        Some(at - time::Duration::hours(i64::from(offset)))
    };
    let latest_index = (0..status.events.len()).max_by_key(|&i| (instant(i), i));
    let latest = latest_index.map(|i| &status.events[i]);
    let zone = latest_index.and_then(|i| zones.get(i).copied().flatten());
    // When the status happened: the event's date (AT705 / DTM+334); without one, when the
    // interchange was prepared (ISA09/10, UNB S004) — both read from the content, never from
    // when Trading Grid received it, so the same report sent again is the same document.
    let event_at = latest.and_then(event_time);
    let content_at = event_at.or_else(|| interchange_at(header));
    let status_at = content_at.unwrap_or_else(|| {
        PrimitiveDateTime::new(
            received.document.created_at.date(),
            received.document.created_at.time(),
        )
    });
    // Neither an event date nor a readable interchange date: the status's own content names it.
    let when = content_at.map_or_else(
        || {
            let content = serde_json::to_vec(status).unwrap_or_default();
            let digest = gridlink_inbound::received::sha256_hex(&content);
            tracing::warn!(
                interchange = %header.control_number,
                date = %header.date,
                time = %header.time,
                "shipment status without an event date (AT705 / DTM+334) and without a readable interchange date; identified by its content"
            );
            format!("content {}", &digest[..16])
        },
        |at| at.to_string(),
    );
    let shipment_key = refs
        .shipment_id
        .clone()
        .or_else(|| refs.bill_of_lading.clone())
        .or_else(|| refs.pro_number.clone())
        .or_else(|| po_number.clone())
        .unwrap_or_else(|| received.sha256.clone());
    let code = latest.map(|e| e.status.clone());
    // The order is part of the identity: one shipment may carry several orders, each with its
    // own report (one 214 per PO), each filed into its own order only.
    let identity_for = |po: Option<&str>| {
        format!(
            "{partner}|{}|{shipment_key}|{}|{}|{}",
            metadata.doc_type,
            po.unwrap_or("-"),
            code.as_deref().unwrap_or("-"),
            when
        )
    };
    let mut carrier = None;
    let (workspace, po_number, teach) = match route {
        Route::Assigned {
            workspace,
            po_number,
            teach,
            item_id,
        } => {
            if *teach {
                // The operator's assignment authorises the sender for this shipment of the
                // order: its next report on it is filed without an operator.
                shipments::grant_carrier(
                    platform,
                    &partner,
                    &refs,
                    po_number,
                    shipments::GrantSource::Operator,
                    "operator",
                    item_id,
                )
                .await?;
            }
            ((**workspace).clone(), po_number.clone(), *teach)
        }
        Route::Correlate => match correlate_order(
            platform,
            &function.config.inbound,
            po_number.as_deref(),
            sender,
        )
        .await?
        {
            Correlation::Matched {
                workspace,
                po_number,
            } => (workspace, po_number, named_po.is_some()),
            Correlation::Unmatched(reason) => {
                // Not the order's partner: a carrier authorised on this shipment of this
                // order may still report on it — into this order's Shipping folder only.
                let authorised = match (&reason, po_number.as_deref()) {
                    (UnmatchedReason::PartnerMismatch { .. }, Some(po)) => {
                        crate::carrier::authorised(function, sender, &refs, Some(po)).await?
                    }
                    _ => None,
                };
                if let Some(authorised) = authorised {
                    let workspace = authorised.workspace.clone();
                    let po = authorised.po_number.clone();
                    carrier = Some(authorised);
                    (workspace, po, named_po.is_some())
                } else {
                    let identity = identity_for(po_number.as_deref());
                    let parked =
                        unmatched::park(platform, received, &identity, &reason, event_id).await?;
                    return Ok(Disposition::Parked {
                        item_id: parked.item_id,
                        reason,
                    });
                }
            }
        },
    };
    timeline::about("po", &po_number);
    let identity = identity_for(Some(&po_number));
    let report = StatusReport {
        source: metadata.doc_type.clone(),
        syntax: syntax_name(syntax),
        partner: partner.clone(),
        po_number: po_number.clone(),
        refs: refs.clone(),
        status_code: code.clone(),
        reason: latest.and_then(|e| e.reason.clone()),
        status_at,
        ordered_at: match (event_at, zone) {
            (Some(at), Some(offset)) => at - time::Duration::hours(i64::from(offset)),
            _ => status_at,
        },
        expected: status.estimated_delivery.map(|d| d.0).or_else(|| {
            // A 214 without G62*17 may say it as an "estimated delivery / arrival" event.
            status
                .events
                .iter()
                .rev()
                .find(|e| matches!(e.status.as_str(), "AG" | "X2"))
                .and_then(|e| e.date)
                .map(|d| d.0)
        }),
        summary: None,
    };
    let extension = std::path::Path::new(&received.document.file_name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("edi");
    let name = format!(
        "{} {shipment_key} {} {} {}.{extension}",
        metadata.doc_type,
        code.as_deref().unwrap_or("status"),
        status_at.date(),
        sender.id
    )
    .replace(['/', ':'], "-");
    let filing = Filing {
        identity: identity.clone(),
        sha256: received.sha256.clone(),
        workspace: workspace.id,
        folder: function.config.folder_shipping.clone(),
        name: name.clone(),
        mime_type: received.document.content_type.clone(),
        categories: vec![
            (
                function.config.inbound.document_category,
                received.partner_document_values(),
            ),
            (function.config.shipment_category, report.category_values()),
        ],
    };
    let filed = file_once(platform, &filing, &received.content(platform)).await?;
    if !filed.replayed {
        tracing::info!(po_number = %po_number, workspace_id = workspace.id.get(), document_id = filed.document_id, "shipment status filed");
    }
    if teach {
        shipments::teach(platform, sender, &refs, &po_number).await?;
    }
    let origin = format!(
        "{} {} in TG document {}{}",
        syntax_name(syntax),
        metadata.doc_type,
        received.document.document_id.as_str(),
        metadata
            .control_numbers
            .interchange
            .as_deref()
            .map(|c| format!(", interchange {c}"))
            .unwrap_or_default()
    );
    let outcome = function
        .record_status(
            workspace.id,
            &report,
            &identity,
            &received.sha256,
            &[(name, filed.document_id)],
            &origin,
        )
        .await?;
    let routed_by = match (route, &named_po) {
        (Route::Assigned { .. }, _) => "operator",
        (Route::Correlate, _) if carrier.is_some() => "carrier",
        (Route::Correlate, Some(_)) => "po_number",
        (Route::Correlate, None) => "shipment_reference",
    };
    Ok(Disposition::Filed(json!({
        "po_number": po_number,
        "workspace_id": workspace.id.get(),
        "document_id": filed.document_id,
        "new_version": filed.new_version,
        "identity": identity,
        "routed_by": routed_by,
        "carrier_grant": carrier.as_ref().map(crate::carrier::Authorised::to_json),
        "shipment_status": outcome.shipment_status,
        "status_shown": outcome.shown,
        "note_document_id": outcome.note_document_id,
    })))
}

/// When the interchange was prepared: ISA09 `YYMMDD` / UNB S004 `YYMMDD` or `CCYYMMDD`, with
/// ISA10 / UNB S004 `HHMM`; `None` when it does not read as a date.
fn interchange_at(header: &InterchangeHeader) -> Option<PrimitiveDateTime> {
    let date = header.date.trim();
    let full = match date.len() {
        6 => format!("20{date}"),
        8 => date.to_owned(),
        _ => return None,
    };
    let date = gridlink_edi::EdiDate::parse_ccyymmdd(&full)?;
    let time = header.time.trim();
    let number = |range: std::ops::Range<usize>| time.get(range)?.parse::<u8>().ok();
    let time = match (number(0..2), number(2..4)) {
        (Some(hour), Some(minute)) if time.len() >= 4 => Time::from_hms(hour, minute, 0).ok()?,
        _ => Time::MIDNIGHT,
    };
    Some(PrimitiveDateTime::new(date.0, time))
}

/// When `event` happened, as given (AT705/06 / DTM+334).
fn event_time(event: &gridlink_edi::StatusEvent) -> Option<PrimitiveDateTime> {
    let date = event.date?;
    let time = event
        .time
        .and_then(|t| Time::from_hms(t.hour, t.minute, 0).ok())
        .unwrap_or(Time::MIDNIGHT);
    Some(PrimitiveDateTime::new(date.0, time))
}

/// The UTC offset (hours) of each AT7's time code (AT707), for each 214 in `bytes`, by the
/// offset of its ST. `None` for a local (`LT`), absent or unknown time code.
fn event_zones(bytes: &[u8]) -> std::collections::HashMap<u64, Vec<Option<i8>>> {
    use gridlink_edi::stream::{Item, SliceReader};
    let mut zones = std::collections::HashMap::new();
    for item in SliceReader::new(bytes) {
        let Item::Transaction(transaction) = item else {
            continue;
        };
        let events = transaction
            .segments()
            .filter(|segment| segment.is(b"AT7"))
            // The parser skips an AT7 without a status code (AT701 / AT703): so does this.
            .filter(|segment| !(segment.element(1).is_empty() && segment.element(3).is_empty()))
            .map(|segment| utc_offset(segment.element(7).raw()))
            .collect();
        zones.insert(transaction.header().offset, events);
    }
    zones
}

/// The time zones of the events of `interchange.documents[index]`.
fn zones_of<'z>(
    zones: &'z std::collections::HashMap<u64, Vec<Option<i8>>>,
    interchange: &gridlink_edi::Interchange,
    index: usize,
) -> &'z [Option<i8>] {
    interchange
        .transactions
        .get(index)
        .and_then(|t| zones.get(&t.offset))
        .map_or(&[], Vec::as_slice)
}

/// The UTC offset in hours of an X12 time code (element 623); `None` for local time (`LT`)
/// and codes that name no fixed offset.
fn utc_offset(code: &[u8]) -> Option<i8> {
    match code {
        b"ED" | b"EDT" => Some(-4),
        b"ET" | b"ES" | b"EST" | b"CD" | b"CDT" => Some(-5),
        b"CT" | b"CS" | b"CST" | b"MD" | b"MDT" => Some(-6),
        b"MT" | b"MS" | b"MST" | b"PD" | b"PDT" => Some(-7),
        b"PT" | b"PS" | b"PST" => Some(-8),
        b"UT" | b"GM" | b"UTC" => Some(0),
        _ => None,
    }
}
