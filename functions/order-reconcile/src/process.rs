//! One inbox item, end to end: fetch, validate, acknowledge or file, and say what was done.

use gridlink_edi::BusinessDocument;
use gridlink_flow::{InboxItem, timeline};
use gridlink_inbound::correlate::Correlation;
use gridlink_inbound::unmatched;
use gridlink_inbound::{
    Filing, InboundError, Intake, ReceivedDocument, correlate_order, fetch_content, file_once,
    intake,
};
use gridlink_tgrid::model::Direction;
use gridlink_tgrid::{Event, EventType};
use gridlink_xecm::{AttributeValue, NamedAttributes, Node};
use serde_json::{Value, json};

use crate::OrderReconcile;
use crate::reconcile::functional_ack;

/// The business number that names a document of its kind.
fn business_number(document: &BusinessDocument) -> Option<String> {
    let keys = document.business_keys();
    match document {
        BusinessDocument::Invoice(_) => keys.invoice_number,
        BusinessDocument::ShipNotice(_) => keys.shipment_id,
        _ => keys.po_number,
    }
}

impl OrderReconcile {
    fn folder_for(&self, document: Option<&BusinessDocument>) -> &str {
        match document {
            Some(BusinessDocument::OrderAcknowledgment(_)) => &self.config.folder_order_acks,
            Some(BusinessDocument::ShipNotice(_)) => &self.config.folder_ship_notices,
            Some(BusinessDocument::Invoice(_)) => &self.config.folder_invoices,
            _ => &self.config.folder_other,
        }
    }
}

/// Processes one `document.received` item; other events are recorded as skipped.
pub(crate) async fn process_event(
    function: &OrderReconcile,
    item: &InboxItem,
    event: &Event,
) -> Result<Value, InboundError> {
    // A buyer's 850 / 860 the partner acknowledged (997 / 999 / CONTRL): tracked on the order
    // (rule 6, [`crate::acknowledged`]).
    if let (EventType::DocumentStatusChanged, Some(document)) =
        (&event.event_type, event.document())
        && document.direction == Direction::Outbound
    {
        return crate::acknowledged::process_status_change(function, item, &document).await;
    }
    // Only `document.received` is an arrival. `document.status_changed` carries the same
    // document (TG emits one when gridlink marks it downloaded, and for every outbound
    // status), and must not go through correlation and filing again (issue 20, defect 7).
    let (EventType::DocumentReceived, Some(document)) = (&event.event_type, event.document())
    else {
        return Ok(
            json!({"skipped": format!("event type {} is not a received document", event.event_type)}),
        );
    };
    if document.direction != Direction::Inbound {
        return Ok(json!({"skipped": "outbound document"}));
    }
    // Both inbound functions receive every `document.received`; shipment statuses (214 /
    // IFTSTA) are shipment-delay's to file and acknowledge.
    if gridlink_inbound::shipments::is_shipment_status(&document.metadata.doc_type) {
        return Ok(
            json!({"skipped": format!("{} is a shipment status (shipment-delay files it)", document.metadata.doc_type)}),
        );
    }
    let platform = function.platform();
    let received = fetch_content(platform, document).await?;
    if !received.is_edi() {
        let identified = Identified::of(&received, None);
        return file_received(function, &received, None, identified, item.event_id()).await;
    }
    let accepted = match intake(platform, &received, item.event_id()).await? {
        Intake::Rejected(outcome) => return Ok(outcome),
        Intake::Accepted(accepted) => accepted,
    };
    let documents: Vec<&BusinessDocument> = accepted
        .interchanges
        .iter()
        .flat_map(|i| i.documents.iter())
        .collect();
    if !documents.is_empty()
        && documents
            .iter()
            .all(|d| functional_ack::is_functional_ack(d))
    {
        // A partner's 997 / 999 / CONTRL is never answered with one of ours (that would
        // start an endless exchange); what it says is recorded on the item.
        let answered: Vec<_> = documents
            .iter()
            .filter_map(|d| match d {
                BusinessDocument::FunctionalAck(ack) => Some(functional_ack::classify(ack)),
                _ => None,
            })
            .flatten()
            .collect();
        for transaction in answered.iter().filter(|t| !t.errors.is_empty()) {
            tracing::warn!(set_id = ?transaction.set_id, control_number = ?transaction.control_number, errors = ?transaction.errors, "a partner's functional acknowledgment reports errors");
        }
        return Ok(json!({
            "functional_acks": serde_json::to_value(&answered).unwrap_or_default(),
            "ack": null,
            "why": "a functional acknowledgment is never answered with one",
        }));
    }
    let mut filed = Vec::new();
    for document in documents {
        if functional_ack::is_functional_ack(document) {
            continue;
        }
        // A ship notice for several orders is filed into, and reconciled for, each order
        // it names — each part correlated on its own, so the sender must be every order's
        // partner (a part it is not is parked, never filed there).
        for identified in Identified::parts(&received, Some(document)) {
            filed.push(
                file_received(
                    function,
                    &received,
                    Some(document),
                    identified,
                    item.event_id(),
                )
                .await?,
            );
        }
    }
    let ack = accepted.acknowledge(platform, &received).await?;
    Ok(json!({"documents": filed, "ack": ack, "syntax": accepted.syntax_name()}))
}

/// Who sent a document, what it is and which order it names: its business identity.
#[derive(Debug, Clone)]
pub(crate) struct Identified {
    /// The sender's EDI address (`qualifier:id`).
    pub(crate) sender: String,
    /// The PO number it names, as the sender wrote it.
    pub(crate) po_number: Option<String>,
    /// The business number naming it among its kind.
    pub(crate) number: String,
    /// `sender|doc type|business number`: one filed document each.
    pub(crate) identity: String,
}

impl Identified {
    /// The identity of `document` (an EDI transaction), or of the whole received document.
    pub(crate) fn of(received: &ReceivedDocument, document: Option<&BusinessDocument>) -> Self {
        let metadata = &received.document.metadata;
        let sender = format!("{}:{}", metadata.sender.qualifier, metadata.sender.id);
        let po_number = match document {
            Some(d) => d.business_keys().po_number,
            None => metadata.business_refs.po_number.clone(),
        };
        let number = document
            .and_then(business_number)
            .or_else(|| po_number.clone())
            .unwrap_or_else(|| received.sha256.clone());
        let doc_type = match document {
            Some(d) => d.kind().to_owned(),
            None => metadata.doc_type.clone(),
        };
        let identity = format!("{sender}|{doc_type}|{number}");
        Self {
            sender,
            po_number,
            number,
            identity,
        }
    }

    /// The parts of `document` filed on their own: one per order for a document naming
    /// several (a multi-order 856 / DESADV; identity `…|{number}|{po}`), else the document
    /// itself ([`Self::of`], whose identity is unchanged).
    pub(crate) fn parts(
        received: &ReceivedDocument,
        document: Option<&BusinessDocument>,
    ) -> Vec<Self> {
        let whole = Self::of(received, document);
        let orders = document
            .map(BusinessDocument::po_numbers)
            .unwrap_or_default();
        if orders.len() < 2 {
            return vec![whole];
        }
        orders
            .into_iter()
            .map(|po| Self {
                identity: format!("{}|{po}", whole.identity),
                po_number: Some(po),
                ..whole.clone()
            })
            .collect()
    }
}

/// Names what `document` is about for the timeline: the order `po`, its shipment id and
/// invoice number.
pub(crate) fn about_document(document: Option<&BusinessDocument>, po: Option<&str>) {
    if let Some(po) = po {
        timeline::about("po", po);
    }
    if let Some(document) = document {
        let keys = document.business_keys();
        if let Some(shipment) = keys.shipment_id {
            timeline::about("shipment", &shipment);
        }
        if let Some(invoice) = keys.invoice_number {
            timeline::about("invoice", &invoice);
        }
    }
}

/// Correlates and files one document (an EDI transaction, or a whole PDF / note).
async fn file_received(
    function: &OrderReconcile,
    received: &ReceivedDocument,
    document: Option<&BusinessDocument>,
    identified: Identified,
    event_id: &str,
) -> Result<Value, InboundError> {
    let platform = function.platform();
    about_document(document, identified.po_number.as_deref());
    let correlation = correlate_order(
        platform,
        &function.config.inbound,
        identified.po_number.as_deref(),
        &received.document.metadata.sender,
    )
    .await?;
    match correlation {
        Correlation::Matched {
            workspace,
            po_number,
        } => {
            file_into(
                function,
                received,
                document,
                &identified,
                &workspace,
                &po_number,
            )
            .await
        }
        Correlation::Unmatched(reason) => {
            let parked =
                unmatched::park(platform, received, &identified.identity, &reason, event_id)
                    .await?;
            Ok(json!({"unmatched": parked.item_id, "reason": reason.to_string()}))
        }
    }
}

/// Files one document into `workspace` (once per business identity; a changed revision
/// becomes a version) and reconciles it. The same path for a matched document, an operator's
/// assignment and a successful retry of an unmatched one.
pub(crate) async fn file_into(
    function: &OrderReconcile,
    received: &ReceivedDocument,
    document: Option<&BusinessDocument>,
    identified: &Identified,
    workspace: &Node,
    po_number: &str,
) -> Result<Value, InboundError> {
    let platform = function.platform();
    about_document(document, Some(po_number));
    let metadata = &received.document.metadata;
    let Identified {
        sender,
        number,
        identity,
        ..
    } = identified;
    let mut values = NamedAttributes::new();
    values.insert(
        "Document Type".to_owned(),
        AttributeValue::Text(metadata.doc_type.clone()),
    );
    values.insert(
        "Direction".to_owned(),
        AttributeValue::Text("inbound".to_owned()),
    );
    values.insert(
        "Trading Partner ID".to_owned(),
        AttributeValue::Text(sender.clone()),
    );
    if let Some(control) = &metadata.control_numbers.interchange {
        values.insert(
            "Control Number".to_owned(),
            AttributeValue::Text(control.clone()),
        );
    }
    values.insert(
        "Received".to_owned(),
        AttributeValue::from(received.document.created_at.date()),
    );
    let extension = std::path::Path::new(&received.document.file_name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("edi");
    let name = format!(
        "{} {} {}.{extension}",
        metadata.doc_type, number, metadata.sender.id
    )
    .replace(['/', ':'], "-");
    let filing = Filing {
        identity: identity.clone(),
        sha256: received.sha256.clone(),
        workspace: workspace.id,
        folder: function.folder_for(document).to_owned(),
        name,
        mime_type: received.document.content_type.clone(),
        categories: vec![(function.config.inbound.document_category, values)],
    };
    let content = received.content(platform);
    let filed = file_once(platform, &filing, &content).await?;
    if !filed.replayed {
        tracing::info!(po_number = %po_number, workspace_id = workspace.id.get(), document_id = filed.document_id, "partner document filed");
    }
    if let Some(notice @ BusinessDocument::ShipNotice(_)) = document
        && notice.business_keys().po_number.as_deref().map(str::trim) == Some(po_number.trim())
    {
        // A ship notice tells which order its shipment id / BOL / PRO belong to, so that a
        // later status naming only the shipment (shipment-delay) finds the order. A
        // multi-order notice teaches its first order (a reference names one order).
        gridlink_inbound::shipments::teach(
            platform,
            &metadata.sender,
            &gridlink_inbound::shipments::ShipmentRefs::from_keys(&notice.business_keys()),
            po_number,
        )
        .await?;
    }
    let reconciliation = match document {
        Some(document) => {
            crate::reconcile::run::after_filing(
                function,
                crate::reconcile::run::FiledDocument {
                    workspace: workspace.id,
                    po_number,
                    sender,
                    number,
                    received,
                    document,
                },
            )
            .await?
        }
        None => None,
    };
    let match_status = reconciliation.as_ref().map(|r| r.match_status);
    Ok(
        json!({"po_number": po_number, "workspace_id": workspace.id.get(), "document_id": filed.document_id, "new_version": filed.new_version, "identity": identity, "match_status": match_status, "reconciliation": reconciliation}),
    )
}
