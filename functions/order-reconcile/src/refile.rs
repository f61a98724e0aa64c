//! Unmatched items filed later — by an operator's assignment or by the retry schedule.
//!
//! The document is rebuilt from what its unmatched record holds: the TG document as it
//! arrived, its content in the blob store (re-parsed, never fetched from TG again) and its
//! business identity, which picks the transaction out of a multi-document interchange. It then
//! goes through the same filing as a matched document ([`file_into`]: category, folder by
//! kind, once per business identity, reconciliation). Its 997 / CONTRL went out when it
//! arrived; nothing is acknowledged again.

use gridlink_edi::BusinessDocument;
use gridlink_flow::Platform;
use gridlink_inbound::correlate::Correlation;
use gridlink_inbound::operator::{AssignTarget, Refiler};
use gridlink_inbound::taught::{self, TaughtRoute};
use gridlink_inbound::unmatched::{self, RetryVerdict, UnmatchedItem};
use gridlink_inbound::{InboundConfig, InboundError, ReceivedDocument, correlate_order};
use gridlink_xecm::Node;
use serde_json::{Value, json};

use crate::OrderReconcile;
use crate::process::{Identified, file_into};

/// A parked document, ready to be filed.
pub(crate) struct Parked {
    received: ReceivedDocument,
    document: Option<BusinessDocument>,
    identified: Identified,
}

fn unreadable(item: &UnmatchedItem, reason: impl Into<String>) -> InboundError {
    InboundError::UnreadableEvent {
        event_id: item.text("event_id").unwrap_or_default().to_owned(),
        reason: format!("unmatched item {}: {}", item.item_id, reason.into()),
    }
}

/// Rebuilds the parked document of `item`.
pub(crate) async fn load(
    function: &OrderReconcile,
    item: &UnmatchedItem,
) -> Result<Parked, InboundError> {
    let platform = function.platform();
    let identity = item
        .text("identity")
        .ok_or_else(|| unreadable(item, "no business identity"))?;
    let received = unmatched::parked_document(platform, item).await?;
    if !received.is_edi() {
        let identified = Identified::of(&received, None);
        return Ok(Parked {
            received,
            document: None,
            identified,
        });
    }
    let bytes = received.bytes(platform).await?;
    let interchanges = gridlink_edi::parse_interchanges(&bytes)
        .map_err(|e| unreadable(item, format!("content no longer parses: {e}")))?;
    let (document, identified) = interchanges
        .into_iter()
        .flat_map(|i| i.documents)
        .filter(|d| !matches!(d, BusinessDocument::FunctionalAck(_)))
        .find_map(|d| {
            Identified::parts(&received, Some(&d))
                .into_iter()
                .find(|part| part.identity == identity)
                .map(|part| (d, part))
        })
        .ok_or_else(|| unreadable(item, format!("no transaction {identity} in its content")))?;
    Ok(Parked {
        received,
        document: Some(document),
        identified,
    })
}

/// Files `item` into `workspace` (an operator's decision) and teaches the correlation index
/// that the sender's reference means this workspace.
pub(crate) async fn assign(
    function: &OrderReconcile,
    item: &UnmatchedItem,
    workspace: &Node,
    po_number: &str,
) -> Result<Value, InboundError> {
    let parked = load(function, item).await?;
    let mut filed = file_into(
        function,
        &parked.received,
        parked.document.as_ref(),
        &parked.identified,
        workspace,
        po_number,
    )
    .await?;
    if let Some(reference) = &parked.identified.po_number {
        let route = TaughtRoute {
            sender: parked.identified.sender.clone(),
            reference: reference.clone(),
            workspace_id: workspace.id.get(),
            po_number: po_number.to_owned(),
            item_id: item.item_id.clone(),
        };
        taught::teach(function.platform(), &route).await?;
        if let Some(map) = filed.as_object_mut() {
            map.insert(
                "taught".to_owned(),
                json!({"sender": route.sender, "reference": route.reference}),
            );
        }
    }
    Ok(filed)
}

/// Correlates `item` again; files it when it now matches.
pub(crate) async fn retry(
    function: &OrderReconcile,
    item: UnmatchedItem,
) -> Result<RetryVerdict, InboundError> {
    let parked = load(function, &item).await?;
    let correlation = correlate_order(
        function.platform(),
        &function.config.inbound,
        parked.identified.po_number.as_deref(),
        &parked.received.document.metadata.sender,
    )
    .await?;
    match correlation {
        Correlation::Matched {
            workspace,
            po_number,
        } => Ok(RetryVerdict::Filed(
            file_into(
                function,
                &parked.received,
                parked.document.as_ref(),
                &parked.identified,
                &workspace,
                &po_number,
            )
            .await?,
        )),
        Correlation::Unmatched(reason) => Ok(RetryVerdict::StillUnmatched(reason)),
    }
}

impl Refiler for OrderReconcile {
    fn platform(&self) -> &Platform {
        &self.platform
    }

    fn inbound(&self) -> &InboundConfig {
        &self.config.inbound
    }

    /// Everything but shipment statuses (those are shipment-delay's).
    fn takes(&self, doc_type: &str) -> bool {
        !gridlink_inbound::shipments::is_shipment_status(doc_type)
    }

    /// A buyer order document's acknowledgment (rule 6) arrives as an outbound
    /// `document.status_changed`, which the TG inbox poll cannot see: the event feed is its
    /// safety net.
    fn takes_event(&self) -> Option<fn(&gridlink_tgrid::Event) -> bool> {
        Some(crate::acknowledged::is_tracked_status_change)
    }

    async fn assign(
        &self,
        item: UnmatchedItem,
        workspace: Node,
        label: String,
        _target: AssignTarget,
    ) -> Result<Value, InboundError> {
        assign(self, &item, &workspace, &label).await
    }

    async fn retry(&self, item: UnmatchedItem) -> Result<RetryVerdict, InboundError> {
        retry(self, item).await
    }
}
