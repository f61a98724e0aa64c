//! Business documents: routing checks, storing, the status life cycle, and linking
//! functional acknowledgments (997/999/CONTRL) to the documents they acknowledge.
//! Both the tenant's `POST /v1/documents` and the partner controls come through here.

use gridlink_tgrid::model::{
    Direction, Document, DocumentMetadata, DocumentStatus, Standard, StatusChange,
};
use gridlink_tgrid::{DocumentId, EventType, PartnerId};

use crate::edi;
use crate::error::{ApiError, ApiResult};
use crate::routes::attachments::ReceivedFile;
use crate::sim::Sim;
use crate::state::{DocumentRecord, State};

/// The outbound happy path, in order.
const HAPPY_PATH: [DocumentStatus; 5] = [
    DocumentStatus::Submitted,
    DocumentStatus::Validated,
    DocumentStatus::Sent,
    DocumentStatus::Delivered,
    DocumentStatus::Acknowledged,
];

/// Checks who may send what to whom; returns the partner and the tenant mailbox involved.
pub(crate) fn check_route(
    state: &State,
    direction: Direction,
    metadata: &DocumentMetadata,
    acting_partner: Option<&PartnerId>,
) -> ApiResult<(PartnerId, gridlink_tgrid::MailboxId)> {
    let (tenant_address, partner_address) = match direction {
        Direction::Inbound => (&metadata.receiver, &metadata.sender),
        _ => (&metadata.sender, &metadata.receiver),
    };
    let mailbox = state.mailbox_of(tenant_address).ok_or_else(|| {
        ApiError::unprocessable(format!("{tenant_address} is not one of the tenant's EDI addresses"))
            .with_details(serde_json::json!({"field": if direction == Direction::Inbound { "receiver" } else { "sender" }}))
    })?;
    let partner = state.partner_by_address(partner_address).ok_or_else(|| {
        ApiError::unprocessable(format!("no partner in the community has the EDI address {partner_address}"))
            .with_details(serde_json::json!({"field": if direction == Direction::Inbound { "sender" } else { "receiver" }}))
    })?;
    if let Some(acting) = acting_partner
        && acting != &partner.partner.partner_id
    {
        return Err(ApiError::forbidden(format!(
            "{partner_address} is not an EDI address of partner {acting}"
        )));
    }
    if partner.partner.status == gridlink_tgrid::model::PartnerStatus::Suspended {
        return Err(ApiError::unprocessable(format!(
            "partner {} is suspended",
            partner.partner.partner_id
        )));
    }
    let allowed = partner.partnerships.iter().any(|ship| {
        let types = if direction == Direction::Inbound {
            &ship.receive
        } else {
            &ship.send
        };
        &ship.my_address == tenant_address
            && &ship.partner_address == partner_address
            && ship.status == "active"
            && types.iter().any(|t| t == "*" || t == &metadata.doc_type)
    });
    if !allowed {
        return Err(ApiError::unprocessable(format!(
            "no active partnership between {tenant_address} and {partner_address} for document type {}",
            metadata.doc_type
        ))
        .with_details(serde_json::json!({"doc_type": metadata.doc_type})));
    }
    Ok((partner.partner.partner_id.clone(), mailbox))
}

/// Fills control numbers the sender left out from the payload's envelope.
pub(crate) async fn complete_control_numbers(metadata: &mut DocumentMetadata, file: &ReceivedFile) {
    let numbers = &metadata.control_numbers;
    if numbers.interchange.is_some() && numbers.group.is_some() && numbers.transaction.is_some() {
        return;
    }
    let Ok(head) = read_head(&file.written.temp).await else {
        return;
    };
    if let Some(envelope) = edi::envelope(&head) {
        let numbers = &mut metadata.control_numbers;
        numbers.interchange = numbers.interchange.take().or(envelope.interchange);
        numbers.group = numbers.group.take().or(envelope.group);
        numbers.transaction = numbers.transaction.take().or(envelope.transaction);
    }
}

/// The first 64 KiB of a stored payload (enough for the envelope and an acknowledgment).
pub(crate) async fn read_head(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut head = Vec::with_capacity(64 * 1024);
    tokio::fs::File::open(path)
        .await?
        .take(64 * 1024)
        .read_to_end(&mut head)
        .await?;
    Ok(head)
}

/// A stored document not yet entered into the state.
pub(crate) struct Accepted {
    pub document: Document,
    record: DocumentRecord,
    ack_refs: Option<edi::AckReferences>,
}

/// Gives a routed document its id and keeps its payload.
pub(crate) async fn prepare(
    sim: &Sim,
    direction: Direction,
    metadata: DocumentMetadata,
    file: &ReceivedFile,
    partner_id: PartnerId,
    mailbox_id: gridlink_tgrid::MailboxId,
) -> ApiResult<Accepted> {
    let ack_refs = if edi::is_ack(&metadata.doc_type) {
        read_head(&file.written.temp)
            .await
            .ok()
            .and_then(|head| edi::ack_references(&head))
    } else {
        None
    };
    let id = sim.write(|state| Ok(DocumentId::new(state.new_id("doc_"))))?;
    let blob = sim.blobs.keep(&file.written, id.as_str()).await?;
    let now = sim.now();
    let status = if direction == Direction::Inbound {
        DocumentStatus::New
    } else {
        DocumentStatus::Submitted
    };
    let document = Document {
        document_id: id,
        metadata,
        direction,
        status,
        status_history: vec![StatusChange {
            at: now,
            status,
            detail: None,
        }],
        size_bytes: file.written.size_bytes,
        sha256: file.written.sha256.clone(),
        file_name: file.file_name.clone(),
        content_type: file.content_type.clone(),
        mailbox_id: Some(mailbox_id),
        created_at: now,
        extra: serde_json::Map::new(),
    };
    let record = DocumentRecord {
        document: document.clone(),
        blob,
        partner_id,
        partner_status: (direction == Direction::Inbound).then_some(DocumentStatus::Delivered),
    };
    Ok(Accepted {
        document,
        record,
        ack_refs,
    })
}

/// Enters a prepared document: `document.received` for inbound ones, and the
/// acknowledgment links when it is a 997/999/CONTRL.
pub(crate) fn commit(sim: &Sim, state: &mut State, accepted: Accepted) {
    let Accepted {
        document,
        record,
        ack_refs,
    } = accepted;
    let partner_id = record.partner_id.clone();
    state.documents.insert(document.document_id.clone(), record);
    if document.direction == Direction::Inbound {
        sim.emit(
            state,
            EventType::DocumentReceived,
            serde_json::to_value(&document).unwrap_or_default(),
        );
    }
    if let Some(refs) = ack_refs {
        link_acknowledgment(sim, state, &document, &partner_id, &refs);
    }
}

/// Marks what an acknowledgment refers to: outbound documents become `acknowledged` (a
/// partner's 997/CONTRL), inbound documents get `acknowledged_by` and the partner's view
/// turns `acknowledged` (the tenant's 997/CONTRL).
fn link_acknowledgment(
    sim: &Sim,
    state: &mut State,
    ack: &Document,
    partner_id: &PartnerId,
    refs: &edi::AckReferences,
) {
    let target_direction = if ack.direction == Direction::Inbound {
        Direction::Outbound
    } else {
        Direction::Inbound
    };
    let detail = format!(
        "{} {} from {} ({}){}",
        ack.metadata.doc_type,
        if refs.edifact { "UCI" } else { "AK9" },
        ack.metadata.sender,
        ack.document_id,
        refs.code
            .as_ref()
            .map(|c| format!(" code {c}"))
            .unwrap_or_default()
    );
    let now = ack.created_at;
    let matching: Vec<DocumentId> = state
        .documents
        .values()
        .filter(|r| &r.partner_id == partner_id && r.document.direction == target_direction)
        .filter(|r| {
            let numbers = &r.document.metadata.control_numbers;
            let envelope_matches = if refs.edifact {
                r.document.metadata.standard == Standard::Edifact
                    && refs.interchange.is_some()
                    && numbers.interchange == refs.interchange
            } else {
                r.document.metadata.standard == Standard::X12
                    && refs.group.is_some()
                    && numbers.group == refs.group
            };
            let transaction_matches = refs.transactions.is_empty()
                || numbers
                    .transaction
                    .as_ref()
                    .is_some_and(|t| refs.transactions.contains(t));
            envelope_matches && transaction_matches
        })
        .map(|r| r.document.document_id.clone())
        .collect();
    for id in matching {
        let Some(record) = state.documents.get_mut(&id) else {
            continue;
        };
        if target_direction == Direction::Outbound {
            let status = record.document.status;
            if matches!(
                status,
                DocumentStatus::Failed
                    | DocumentStatus::TranslationError
                    | DocumentStatus::Acknowledged
            ) {
                continue;
            }
            record.document.status = DocumentStatus::Acknowledged;
            record.document.status_history.push(StatusChange {
                at: now,
                status: DocumentStatus::Acknowledged,
                detail: Some(detail.clone()),
            });
            record
                .document
                .extra
                .insert("acknowledged_by".into(), ack.document_id.as_str().into());
            let changed = record.document.clone();
            sim.emit(
                state,
                EventType::DocumentStatusChanged,
                serde_json::to_value(changed).unwrap_or_default(),
            );
        } else {
            record.partner_status = Some(DocumentStatus::Acknowledged);
            record
                .document
                .extra
                .insert("acknowledged_by".into(), ack.document_id.as_str().into());
        }
    }
}

/// Moves a document to `target`: along the outbound happy path one step at a time (an event
/// per step), to a failure status from where it can happen, or along the inbox statuses.
pub(crate) fn move_status(
    sim: &Sim,
    state: &mut State,
    id: &DocumentId,
    target: DocumentStatus,
    detail: Option<&str>,
) -> ApiResult<Document> {
    let record = state
        .documents
        .get(id)
        .ok_or_else(|| ApiError::not_found("document", id.as_str()))?;
    let current = record.document.status;
    let steps: Vec<DocumentStatus> = match record.document.direction {
        Direction::Outbound => outbound_steps(current, target)?,
        _ => inbound_steps(current, target)?,
    };
    let now = sim.now();
    let mut last = record.document.clone();
    for step in steps {
        let Some(record) = state.documents.get_mut(id) else {
            break;
        };
        record.document.status = step;
        record.document.status_history.push(StatusChange {
            at: now,
            status: step,
            detail: if step == target {
                detail.map(str::to_owned)
            } else {
                None
            },
        });
        last = record.document.clone();
        sim.emit(
            state,
            EventType::DocumentStatusChanged,
            serde_json::to_value(&last).unwrap_or_default(),
        );
    }
    Ok(last)
}

fn outbound_steps(
    current: DocumentStatus,
    target: DocumentStatus,
) -> ApiResult<Vec<DocumentStatus>> {
    use DocumentStatus as S;
    let position = |s| HAPPY_PATH.iter().position(|p| *p == s);
    let refused = || {
        ApiError::conflict(format!(
            "an outbound document cannot go from {} to {}",
            current.as_str(),
            target.as_str()
        ))
    };
    match (position(current), position(target)) {
        (Some(from), Some(to)) if to > from => Ok(HAPPY_PATH[from + 1..=to].to_vec()),
        _ => match (current, target) {
            (S::Submitted | S::Validated, S::TranslationError)
            | (S::Validated | S::Sent, S::SendFailed)
            | (S::SendFailed, S::Sent)
            | (
                S::Submitted | S::Validated | S::Sent | S::SendFailed | S::TranslationError,
                S::Failed,
            ) => Ok(vec![target]),
            _ => Err(refused()),
        },
    }
}

fn inbound_steps(
    current: DocumentStatus,
    target: DocumentStatus,
) -> ApiResult<Vec<DocumentStatus>> {
    use DocumentStatus as S;
    let order = [S::New, S::Read, S::Downloaded, S::TurnedAround];
    match (
        order.iter().position(|s| *s == current),
        order.iter().position(|s| *s == target),
    ) {
        (Some(from), Some(to)) if to > from => Ok(vec![target]),
        (Some(from), Some(to)) if to == from => Ok(Vec::new()),
        _ => Err(ApiError::conflict(format!(
            "an inbound document cannot go from {} to {}",
            current.as_str(),
            target.as_str()
        ))),
    }
}
