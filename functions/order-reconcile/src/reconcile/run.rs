//! Reconciliation as the function runs it: after a partner document is filed, record it, then
//! — one run per order at a time — read the order and everything received for it, reconcile,
//! file the report and write `Match Status`.

use std::time::Duration;

use bytes::Bytes;
use gridlink_edi::BusinessDocument;
use gridlink_flow::{EffectKey, Platform};
use gridlink_inbound::{Filing, InboundError, ReceivedDocument, file_once};
use gridlink_store::{Claim, LedgerError, RecordId};
use gridlink_xecm::{AttributeValue, BytesSource, NamedAttributes, NodeId, XecmError};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::baseline::{BaselineSource, choose_baseline};
use super::ledger::{self, Recording};
use super::order::{MATCH_STATUS, order_record};
use super::outcome::MatchStatus;
use super::{report, rules};
use crate::OrderReconcile;

/// How long one reconciliation may hold its order.
const LEASE: Duration = Duration::from_secs(120);
/// How long to wait for another reconciliation of the same order before retrying later.
const WAIT_FOR_TURN: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(200);

/// What a reconciliation did.
#[derive(Debug, Clone, Serialize)]
pub struct ReconcileOutcome {
    /// The verdict written to `Match Status`.
    pub match_status: MatchStatus,
    /// Exceptions and missing documents found.
    pub findings: usize,
    /// The folder of the report.
    pub folder: String,
    /// The JSON report's document node.
    pub json_document_id: i64,
    /// The HTML report's document node.
    pub html_document_id: i64,
    /// Whether this run added a new version of the report.
    pub new_version: bool,
    /// SHA-256 of the JSON report.
    pub report_sha256: String,
}

/// A document just filed in `workspace` for `po_number`.
#[derive(Debug, Clone, Copy)]
pub struct FiledDocument<'a> {
    /// The order workspace.
    pub workspace: NodeId,
    /// The PO number.
    pub po_number: &'a str,
    /// Who sent it.
    pub sender: &'a str,
    /// Its business number.
    pub number: &'a str,
    /// The interchange.
    pub received: &'a ReceivedDocument,
    /// The parsed document.
    pub document: &'a BusinessDocument,
}

/// Records a filed acknowledgment, ship notice or invoice and re-reconciles its order.
/// `None` for other documents.
pub async fn after_filing(
    function: &OrderReconcile,
    filed: FiledDocument<'_>,
) -> Result<Option<ReconcileOutcome>, InboundError> {
    let platform = function.platform();
    let recorded = ledger::record(
        platform,
        function.document_cache(),
        Recording {
            po_number: filed.po_number,
            sender: filed.sender,
            number: filed.number,
            received: filed.received,
            document: filed.document,
        },
    )
    .await?;
    if recorded.is_none() {
        return Ok(None);
    }
    reconcile_order(function, filed.workspace, filed.po_number, filed.sender)
        .await
        .map(Some)
}

/// A partner's functional acknowledgment of a document the buyer sent for `po_number`,
/// matched to it by control numbers (see [`super::functional_ack`]).
#[derive(Debug, Clone, Copy)]
pub struct AcknowledgedForOrder<'a> {
    /// The order workspace.
    pub workspace: NodeId,
    /// The PO number of the acknowledged 850 / ORDERS / 860 / ORDCHG.
    pub po_number: &'a str,
    /// Who sent the acknowledgment.
    pub sender: &'a str,
    /// The interchange it came in.
    pub received: &'a ReceivedDocument,
    /// The answer about the order's document.
    pub transaction: &'a super::functional_ack::AcknowledgedTransaction,
}

/// Records a partner's functional acknowledgment on its order and re-reconciles the order:
/// an accepted one is listed among the order's documents, an error or rejection becomes an
/// exception carrying the partner's codes. Never answered with an acknowledgment.
pub async fn after_functional_ack(
    function: &OrderReconcile,
    acknowledged: AcknowledgedForOrder<'_>,
) -> Result<ReconcileOutcome, InboundError> {
    ledger::record_functional_ack(
        function.platform(),
        function.document_cache(),
        ledger::RecordingFunctionalAck {
            po_number: acknowledged.po_number,
            sender: acknowledged.sender,
            received: acknowledged.received,
            transaction: acknowledged.transaction,
        },
    )
    .await?;
    reconcile_order(
        function,
        acknowledged.workspace,
        acknowledged.po_number,
        acknowledged.sender,
    )
    .await
}

/// Reconciles `po_number` (its workspace `workspace`) against everything received for it,
/// files the report and writes `Match Status`. One run per order at a time: within the
/// process, callers queue for the order and share a run that started after their document
/// was recorded ([`super::turns`]); between processes, the ledger's per-order claim decides,
/// and a run that waits too long for it fails as transient and the inbox retries it.
#[tracing::instrument(skip_all, fields(po_number = %po_number, workspace_id = workspace.get()))]
pub async fn reconcile_order(
    function: &OrderReconcile,
    workspace: NodeId,
    po_number: &str,
    partner: &str,
) -> Result<ReconcileOutcome, InboundError> {
    let platform = function.platform();
    let lock = RecordId::new(
        "order-reconcile-lock",
        format!("{}/{}", platform.function, po_number.trim()),
    )?;
    // Shared only by callers for the same order *and* workspace: a run's outcome is never
    // handed to a document resolved to another workspace.
    let run = || async {
        let token = take_turn(platform, &lock).await?;
        let outcome = reconcile_holding_turn(function, workspace, po_number, partner).await;
        if let Err(e) = platform.ledger.release_claim(&lock, &token).await {
            tracing::warn!(error = %e, "reconciliation turn not released; it expires with its lease");
        }
        outcome
    };
    // A dry run neither shares a real run's outcome (it reports the effects it would have)
    // nor hands its own to a real delivery (it wrote nothing).
    if gridlink_core::dry_run::active() {
        return run().await;
    }
    let turn_key = format!("{}@{}", lock.key(), workspace.get());
    let turn = function.turns.run(&turn_key, run).await?;
    if turn.shared {
        tracing::debug!(
            match_status = %turn.outcome.match_status,
            "order reconciled by a run that started after this document was recorded"
        );
    }
    Ok(turn.outcome)
}

async fn take_turn(
    platform: &Platform,
    lock: &RecordId,
) -> Result<gridlink_store::ClaimToken, InboundError> {
    let deadline = tokio::time::Instant::now() + WAIT_FOR_TURN;
    loop {
        // A shorter effect lease (the chaos command's) shortens the turn's lease with it.
        let lease = LEASE.min(platform.effect_lease());
        match platform.ledger.claim(lock, lease, None).await {
            Ok(Claim::Acquired { token, .. }) => return Ok(token),
            Ok(Claim::AlreadyCompleted { .. }) => {
                return Err(InboundError::Internal(format!(
                    "reconciliation turn {}/{} was completed, never released",
                    lock.kind(),
                    lock.key()
                )));
            }
            Err(LedgerError::ClaimHeld { until, .. }) => {
                if tokio::time::Instant::now() >= deadline {
                    return Err(InboundError::InProgress(format!(
                        "order {} is being reconciled elsewhere (until {until})",
                        lock.key()
                    )));
                }
                tokio::time::sleep(POLL).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Largest order document read as a baseline (a purchase order, not a catalogue).
const MAX_ORDER_DOCUMENT_BYTES: u64 = 16 * 1024 * 1024;

/// The buyer's own 850 / ORDERS for `po_number` in the workspace's `folder`, if one is filed
/// there: the newest document whose content parses as a purchase order of that number.
/// Documents that are not EDI, or name another order, are passed over.
async fn purchase_order_document(
    platform: &Platform,
    workspace: NodeId,
    folder: &str,
    po_number: &str,
) -> Result<Option<gridlink_edi::PurchaseOrder>, InboundError> {
    let Some(folder) = platform.xecm.node_at_path(workspace, folder).await? else {
        return Ok(None);
    };
    let mut documents = platform.xecm.list_children(folder.id).await?;
    documents.sort_by_key(|d| std::cmp::Reverse(d.modify_date));
    for document in documents {
        if document
            .size
            .is_some_and(|size| size > MAX_ORDER_DOCUMENT_BYTES)
        {
            continue;
        }
        let mut bytes = Vec::new();
        platform
            .xecm
            .download_document(document.id)
            .await?
            .write_to(&mut bytes)
            .await?;
        let Ok(interchanges) = gridlink_edi::parse_interchanges(&bytes) else {
            continue;
        };
        let found = interchanges
            .into_iter()
            .flat_map(|i| i.documents)
            .find_map(|d| match d {
                BusinessDocument::PurchaseOrder(po) if po.po_number.trim() == po_number => Some(po),
                _ => None,
            });
        if let Some(po) = found {
            tracing::info!(
                document_id = document.id.get(),
                "the buyer's purchase order document is the order baseline"
            );
            return Ok(Some(po));
        }
    }
    Ok(None)
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn reconcile_holding_turn(
    function: &OrderReconcile,
    workspace: NodeId,
    po_number: &str,
    partner: &str,
) -> Result<ReconcileOutcome, InboundError> {
    let platform = function.platform();
    let config = &function.config.reconcile;
    let category = function.config.inbound.order_category;
    let values = platform.xecm.read_attributes(workspace, category).await?;
    let order = order_record(po_number.trim(), &values);
    let (order, baseline) = if order.lines.is_empty() {
        let document = purchase_order_document(
            platform,
            workspace,
            &config.order_document_folder,
            po_number.trim(),
        )
        .await?;
        choose_baseline(order, document.as_ref())
    } else {
        (order, BaselineSource::Category)
    };
    tracing::debug!(baseline = ?baseline, lines = order.lines.len(), "order baseline");
    let received = ledger::load(platform, function.document_cache(), po_number).await?;
    let partner = received
        .references()
        .first()
        .map_or_else(|| partner.to_owned(), |r| r.sender.clone());
    let mut rules = config.rules_for(&partner);
    rules.as_of = Some(gridlink_edi::EdiDate(platform.clock.now().date()));
    let reconciliation = rules::reconcile(&order, &received, &rules);
    let json = report::to_json(&reconciliation);
    let html = report::to_html(&reconciliation);
    let json_sha = sha256(&json);
    let po = po_number.trim();
    let file = |extension: &str, mime: &str, bytes: Vec<u8>| {
        let sha = sha256(&bytes);
        (
            Filing {
                identity: format!("{po}|reconciliation|{extension}"),
                sha256: sha,
                workspace,
                folder: config.folder.clone(),
                name: format!("Reconciliation {po}.{extension}").replace(['/', ':'], "-"),
                mime_type: mime.to_owned(),
                categories: Vec::new(),
            },
            BytesSource(Bytes::from(bytes)),
        )
    };
    let (json_filing, json_content) = file("json", "application/json", json);
    let (html_filing, html_content) = file("html", "text/html", html);
    let json_filed = file_once(platform, &json_filing, &json_content).await?;
    let html_filed = file_once(platform, &html_filing, &html_content).await?;

    let status = reconciliation.status;
    let key = EffectKey::new(
        "xecm-match-status",
        format!("{}/{po}#{json_sha}", workspace.get()),
    );
    platform
        .effects
        .once(&key, None, |_| async move {
            let mut change = NamedAttributes::new();
            change.insert(
                MATCH_STATUS.to_owned(),
                AttributeValue::Text(status.as_str().to_owned()),
            );
            platform
                .xecm
                .write_attributes(workspace, category, &change)
                .await?;
            Ok::<_, XecmError>(())
        })
        .await?;
    tracing::info!(
        match_status = %status,
        findings = reconciliation.summary.findings,
        documents = reconciliation.documents.len(),
        report_document_id = json_filed.document_id,
        "order reconciled"
    );
    Ok(ReconcileOutcome {
        match_status: status,
        findings: reconciliation.summary.findings,
        folder: config.folder.clone(),
        json_document_id: json_filed.document_id,
        html_document_id: html_filed.document_id,
        new_version: json_filed.new_version,
        report_sha256: json_sha,
    })
}
