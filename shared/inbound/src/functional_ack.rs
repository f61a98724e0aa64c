//! A partner's functional acknowledgment (997 / 999 / CONTRL) of a document gridlink sent,
//! read and classified: what order-reconcile tracks on the order (850 / ORDERS, 860 /
//! ORDCHG) and po-exception on the exception whose change (860 / ORDCHG) it answers.
//!
//! A functional acknowledgment is never answered with one of ours ([`is_functional_ack`]).
//!
//! [`classify`] splits an acknowledgment into one [`AcknowledgedTransaction`] per transaction
//! set / message it answers (per group when the group lists none, per interchange when a
//! CONTRL answers only the interchange). [`answers`] matches each to the document sent by
//! control numbers (group GS06 / UNG, set ST02 / UNH 0062, interchange ISA13 / UNB 0020).
//!
//! [`read_acknowledgment`] is the way in from Trading Grid: TG matches a partner's
//! acknowledgment to the document it answers, marks that outbound document `acknowledged`
//! with `acknowledged_by` = the acknowledgment's document id and emits
//! `document.status_changed` (`docs/trading-grid-api.md`). From that outbound document it
//! 1. reads `GET /v1/documents/{acknowledged_by}`; an acknowledgment from anyone but the
//!    outbound document's receiver is [`AcknowledgmentRead::ForeignSender`] — partner
//!    isolation: logged here (a warning with the document, PO number and both parties) and
//!    the caller records nothing;
//! 2. streams the acknowledgment's content to the blob store ([`fetch_content`]; or reads it
//!    into memory, [`read_acknowledgment_unkept`], for a function that keeps none), parses it,
//!    [`classify`]s every 997 / 999 / CONTRL in it, and keeps the answers naming the outbound
//!    document's control numbers ([`answers`]).

use bytes::Bytes;
use futures::TryStreamExt;
use gridlink_edi::{AckKind, AckStatus, BusinessDocument, FunctionalAck, TransactionAck};
use gridlink_flow::Platform;
use gridlink_tgrid::model::{ControlNumbers, Direction, Document, DocumentStatus};
use gridlink_tgrid::{DocumentId, PartyId};
use serde::{Deserialize, Serialize};

use crate::error::InboundError;
use crate::received::{ReceivedDocument, fetch_content};

/// What the partner's system said about a document it received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunctionalAckVerdict {
    /// `A` / `7` without errors: accepted.
    Accepted,
    /// CONTRL `8`: received, not yet checked. Recorded, nothing to do.
    Received,
    /// `E` / `7` with errors listed: accepted with errors — an exception.
    AcceptedWithErrors,
    /// `R`, `M`, `W`, `X`, `P` / `4`, or any code this list does not know: rejected — an
    /// exception.
    Rejected,
}

/// The partner's answer about one document gridlink sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcknowledgedTransaction {
    /// 997, 999 or CONTRL.
    pub ack_kind: AckKind,
    /// CONTRL UCI 0020, when the answer is about a whole interchange.
    pub interchange_control_number: Option<String>,
    /// AK101 / UCF 0038 (`PO`, `ORDERS`…).
    pub functional_id: Option<String>,
    /// AK102 / UCF 0048.
    pub group_control_number: Option<String>,
    /// AK201 / UCM S009 (`850`, `ORDERS`…); `None` for a group- or interchange-level answer.
    pub set_id: Option<String>,
    /// AK202 / UCM 0062.
    pub control_number: Option<String>,
    /// The verdict.
    pub verdict: FunctionalAckVerdict,
    /// The partner's error codes, as received: `AK5/IK5/UCM 0085` codes, then per segment
    /// error `segment {id} at {position}: {code}` and per element error
    /// `element {position}: {code}`.
    pub errors: Vec<String>,
}

impl AcknowledgedTransaction {
    /// Whether it answers a document the buyer sends for an order: 850 / ORDERS, 860 / ORDCHG
    /// (by set id, or by functional id `PO` / `PC` when only the group is answered).
    pub fn answers_an_order(&self) -> bool {
        match (&self.set_id, &self.functional_id) {
            (Some(set), _) => matches!(set.trim(), "850" | "860" | "ORDERS" | "ORDCHG"),
            (None, Some(group)) => matches!(group.trim(), "PO" | "PC" | "ORDERS" | "ORDCHG"),
            (None, None) => false,
        }
    }
}

/// Whether `document` is a functional acknowledgment — which gridlink must never answer with
/// an acknowledgment of its own (that would start an endless exchange of 997s).
pub fn is_functional_ack(document: &BusinessDocument) -> bool {
    matches!(document, BusinessDocument::FunctionalAck(_))
}

fn verdict(status: &AckStatus, has_errors: bool) -> FunctionalAckVerdict {
    match status {
        AckStatus::Accepted if has_errors => FunctionalAckVerdict::AcceptedWithErrors,
        AckStatus::Accepted => FunctionalAckVerdict::Accepted,
        AckStatus::Received => FunctionalAckVerdict::Received,
        AckStatus::AcceptedWithErrors => FunctionalAckVerdict::AcceptedWithErrors,
        AckStatus::PartiallyAccepted | AckStatus::Rejected | AckStatus::Other(_) => {
            FunctionalAckVerdict::Rejected
        }
    }
}

fn errors_of(transaction: &TransactionAck) -> Vec<String> {
    let mut errors = transaction.error_codes.clone();
    for segment in &transaction.segment_errors {
        if let Some(code) = &segment.code {
            errors.push(format!(
                "segment {} at {}: {code}",
                segment.segment_id.as_deref().unwrap_or("?"),
                segment.position
            ));
        }
        for element in &segment.element_errors {
            errors.push(format!("element {}: {}", element.position, element.code));
        }
    }
    if let AckStatus::Other(code) = &transaction.status {
        errors.insert(0, code.clone());
    }
    errors
}

/// One entry per answered transaction set / message, group or interchange (see the module
/// documentation), in the order the acknowledgment lists them.
pub fn classify(ack: &FunctionalAck) -> Vec<AcknowledgedTransaction> {
    let transaction = |group: Option<(&str, &str)>, t: &TransactionAck| {
        let errors = errors_of(t);
        AcknowledgedTransaction {
            ack_kind: ack.kind,
            interchange_control_number: ack.interchange.as_ref().map(|i| i.control_number.clone()),
            functional_id: group.map(|(id, _)| id.to_owned()),
            group_control_number: group.map(|(_, n)| n.to_owned()),
            set_id: Some(t.set_id.clone()),
            control_number: Some(t.control_number.clone()),
            verdict: verdict(&t.status, !errors.is_empty()),
            errors,
        }
    };
    let mut answered = Vec::new();
    for group in &ack.groups {
        let key = Some((group.functional_id.as_str(), group.control_number.as_str()));
        if group.transactions.is_empty() {
            let mut errors = group.error_codes.clone();
            if let AckStatus::Other(code) = &group.status {
                errors.insert(0, code.clone());
            }
            answered.push(AcknowledgedTransaction {
                ack_kind: ack.kind,
                interchange_control_number: ack
                    .interchange
                    .as_ref()
                    .map(|i| i.control_number.clone()),
                functional_id: Some(group.functional_id.clone()),
                group_control_number: Some(group.control_number.clone()),
                set_id: None,
                control_number: None,
                verdict: verdict(&group.status, !errors.is_empty()),
                errors,
            });
        } else {
            answered.extend(group.transactions.iter().map(|t| transaction(key, t)));
        }
    }
    answered.extend(ack.messages.iter().map(|t| transaction(None, t)));
    if answered.is_empty()
        && let Some(interchange) = &ack.interchange
    {
        let errors: Vec<String> = interchange.error_code.iter().cloned().collect();
        answered.push(AcknowledgedTransaction {
            ack_kind: ack.kind,
            interchange_control_number: Some(interchange.control_number.clone()),
            functional_id: None,
            group_control_number: None,
            set_id: None,
            control_number: None,
            verdict: verdict(&interchange.status, !errors.is_empty()),
            errors,
        });
    }
    answered
}

/// Whether `number` and `other` are the same control number (leading zeros aside).
fn same_number(a: Option<&str>, b: Option<&str>) -> bool {
    let normal = |n: &str| n.trim().trim_start_matches('0').to_owned();
    match (a, b) {
        (Some(a), Some(b)) => normal(a) == normal(b),
        _ => false,
    }
}

/// Whether `answer` is about the document sent with `numbers`: the interchange (when both
/// name one) and the group (when the answer names one) must be the document's, and the set
/// (ST02 / UNH 0062) too, unless the answer is about a whole group or interchange.
pub fn answers(answer: &AcknowledgedTransaction, numbers: &ControlNumbers) -> bool {
    if let (Some(theirs), Some(ours)) = (
        answer.interchange_control_number.as_deref(),
        numbers.interchange.as_deref(),
    ) && !same_number(Some(theirs), Some(ours))
    {
        return false;
    }
    if let Some(group) = answer.group_control_number.as_deref()
        && !same_number(Some(group), numbers.group.as_deref())
    {
        return false;
    }
    match answer.control_number.as_deref() {
        Some(set) => same_number(Some(set), numbers.transaction.as_deref()),
        // A group- or interchange-level answer covers every set in it.
        None => {
            answer.group_control_number.is_some() || answer.interchange_control_number.is_some()
        }
    }
}

/// Every answer `bytes` (one or more interchanges) gives about the document sent with
/// `numbers`, classified; nothing when it does not read as EDI.
pub fn answers_in(bytes: &[u8], numbers: &ControlNumbers) -> Vec<AcknowledgedTransaction> {
    gridlink_edi::parse_interchanges(bytes)
        .ok()
        .into_iter()
        .flatten()
        .flat_map(|i| i.documents)
        .filter_map(|d| match d {
            BusinessDocument::FunctionalAck(ack) => Some(classify(&ack)),
            _ => None,
        })
        .flatten()
        .filter(|t| answers(t, numbers))
        .collect()
}

/// A partner's acknowledgment of an outbound document, read (see the module documentation).
#[derive(Debug, Clone)]
pub struct Acknowledgment<C = ReceivedDocument> {
    /// The acknowledgment's TG document id (the outbound document's `acknowledged_by`).
    pub acknowledged_by: String,
    /// The acknowledgment as Trading Grid describes it (its sender is the outbound
    /// document's receiver).
    pub document: Document,
    /// Its content: kept in the blob store ([`read_acknowledgment`]) or read into memory
    /// ([`read_acknowledgment_unkept`]).
    pub received: C,
    /// Its answers naming the outbound document's control numbers, classified (empty: it
    /// answers nothing that document carried).
    pub answered: Vec<AcknowledgedTransaction>,
}

/// An acknowledgment from another party than the outbound document's receiver.
#[derive(Debug, Clone)]
pub struct ForeignAcknowledgment {
    /// The acknowledgment's TG document id.
    pub acknowledged_by: String,
    /// Who sent it.
    pub sender: PartyId,
    /// Who the outbound document went to.
    pub receiver: PartyId,
    /// The reason, as one sentence.
    pub reason: String,
}

/// What [`read_acknowledgment`] found.
#[derive(Debug, Clone)]
pub enum AcknowledgmentRead<C = ReceivedDocument> {
    /// Nothing to read: the document is not an acknowledged outbound one, or names no
    /// acknowledgment (the reason).
    Skipped(String),
    /// The acknowledgment comes from another party than the document's receiver: nothing
    /// may be recorded from it (partner isolation; already logged, as a warning).
    ForeignSender(ForeignAcknowledgment),
    /// Read from the receiver.
    Read(Box<Acknowledgment<C>>),
}

/// The acknowledgment `outbound` names, when it comes from `outbound`'s receiver.
async fn from_receiver<C>(
    platform: &Platform,
    outbound: &Document,
) -> Result<Result<(String, Document), AcknowledgmentRead<C>>, InboundError> {
    if outbound.direction != Direction::Outbound || outbound.status != DocumentStatus::Acknowledged
    {
        return Ok(Err(AcknowledgmentRead::Skipped(format!(
            "status change of a {:?} {} document to {} (only an acknowledged outbound document names an acknowledgment)",
            outbound.direction,
            outbound.metadata.doc_type,
            outbound.status.as_str()
        ))));
    }
    let Some(ack_id) = outbound
        .extra
        .get("acknowledged_by")
        .and_then(serde_json::Value::as_str)
        .filter(|id| !id.is_empty())
    else {
        return Ok(Err(AcknowledgmentRead::Skipped(
            "acknowledged without `acknowledged_by`: no acknowledgment to read".to_owned(),
        )));
    };
    let ack_document = platform.tg.document(&DocumentId::new(ack_id)).await?;
    let sender = &ack_document.metadata.sender;
    let receiver = &outbound.metadata.receiver;
    if sender != receiver {
        tracing::warn!(
            acknowledged = %outbound.document_id,
            doc_type = %outbound.metadata.doc_type,
            po_number = ?outbound.metadata.business_refs.po_number,
            acknowledged_by = ack_id,
            sender = %sender,
            receiver = %receiver,
            "an acknowledgment from another party than the document's receiver is not recorded"
        );
        return Ok(Err(AcknowledgmentRead::ForeignSender(
            ForeignAcknowledgment {
                acknowledged_by: ack_id.to_owned(),
                sender: sender.clone(),
                receiver: receiver.clone(),
                reason: format!(
                    "acknowledgment {ack_id} comes from {sender}, not the receiver {receiver}"
                ),
            },
        )));
    }
    Ok(Ok((ack_id.to_owned(), ack_document)))
}

/// Reads the acknowledgment Trading Grid linked to `outbound` (see the module
/// documentation): the receiver check, then its content — kept in the blob store under
/// `documents/{function}/{document id}` — parsed and matched.
#[tracing::instrument(skip_all, fields(acknowledged = %outbound.document_id.as_str()))]
pub async fn read_acknowledgment(
    platform: &Platform,
    outbound: &Document,
) -> Result<AcknowledgmentRead, InboundError> {
    let (acknowledged_by, document) = match from_receiver(platform, outbound).await? {
        Ok(found) => found,
        Err(not_read) => return Ok(not_read),
    };
    let received = fetch_content(platform, document.clone()).await?;
    let bytes = received.bytes(platform).await?;
    let answered = answers_in(&bytes, &outbound.metadata.control_numbers);
    Ok(AcknowledgmentRead::Read(Box::new(Acknowledgment {
        acknowledged_by,
        document,
        received,
        answered,
    })))
}

/// [`read_acknowledgment`] for a function that keeps nothing of the acknowledgment: its
/// content is read from Trading Grid into memory (a 997 / CONTRL is small), not stored.
#[tracing::instrument(skip_all, fields(acknowledged = %outbound.document_id.as_str()))]
pub async fn read_acknowledgment_unkept(
    platform: &Platform,
    outbound: &Document,
) -> Result<AcknowledgmentRead<Bytes>, InboundError> {
    let (acknowledged_by, document) = match from_receiver(platform, outbound).await? {
        Ok(found) => found,
        Err(not_read) => return Ok(not_read),
    };
    let download = platform
        .tg
        .document_content(&document.document_id, None)
        .await?;
    let chunks: Vec<Bytes> = download.stream.try_collect().await?;
    let received = Bytes::from(chunks.concat());
    let answered = answers_in(&received, &outbound.metadata.control_numbers);
    Ok(AcknowledgmentRead::Read(Box::new(Acknowledgment {
        acknowledged_by,
        document,
        received,
        answered,
    })))
}

#[cfg(test)]
mod tests {
    use gridlink_edi::{ElementError, GroupAck, SegmentError};

    use super::*;

    fn transaction(set: &str, control: &str, status: AckStatus) -> TransactionAck {
        TransactionAck {
            set_id: set.to_owned(),
            control_number: control.to_owned(),
            status,
            error_codes: Vec::new(),
            segment_errors: Vec::new(),
        }
    }

    fn ack_997(transactions: Vec<TransactionAck>) -> FunctionalAck {
        FunctionalAck {
            kind: AckKind::Ack997,
            interchange: None,
            groups: vec![GroupAck {
                functional_id: "PO".to_owned(),
                control_number: "17".to_owned(),
                version: None,
                status: AckStatus::Accepted,
                error_codes: Vec::new(),
                sets_included: None,
                sets_received: None,
                sets_accepted: None,
                transactions,
            }],
            messages: Vec::new(),
        }
    }

    #[test]
    fn an_accepted_850_is_accepted_and_answers_an_order() {
        let answered = classify(&ack_997(vec![transaction(
            "850",
            "0001",
            AckStatus::Accepted,
        )]));
        assert_eq!(answered.len(), 1);
        let first = &answered[0];
        assert_eq!(first.verdict, FunctionalAckVerdict::Accepted);
        assert_eq!(first.group_control_number.as_deref(), Some("17"));
        assert_eq!(first.control_number.as_deref(), Some("0001"));
        assert!(first.answers_an_order());
    }

    #[test]
    fn a_rejected_850_is_an_exception_with_the_partners_codes() {
        let mut rejected = transaction("850", "0002", AckStatus::Rejected);
        rejected.error_codes = vec!["5".to_owned()];
        rejected.segment_errors = vec![SegmentError {
            segment_id: Some("PO1".to_owned()),
            position: 7,
            code: Some("8".to_owned()),
            element_errors: vec![ElementError {
                position: 4,
                component: None,
                code: "7".to_owned(),
                bad_value: None,
            }],
        }];
        let mut with_errors = transaction("860", "0003", AckStatus::AcceptedWithErrors);
        with_errors.error_codes = vec!["I5".to_owned()];
        let answered = classify(&ack_997(vec![rejected, with_errors]));
        assert_eq!(answered[0].verdict, FunctionalAckVerdict::Rejected);
        assert_eq!(
            answered[0].errors,
            vec!["5", "segment PO1 at 7: 8", "element 4: 7"]
        );
        assert_eq!(
            answered[1].verdict,
            FunctionalAckVerdict::AcceptedWithErrors
        );
        assert_eq!(answered[1].errors, vec!["I5"]);
    }

    #[test]
    fn a_contrl_accepting_with_errors_listed_is_an_exception() {
        let mut message = transaction("ORDERS", "M1", AckStatus::Accepted);
        message.error_codes = vec!["13".to_owned()];
        let contrl = FunctionalAck {
            kind: AckKind::Contrl,
            interchange: None,
            groups: Vec::new(),
            messages: vec![message],
        };
        let answered = classify(&contrl);
        assert_eq!(
            answered[0].verdict,
            FunctionalAckVerdict::AcceptedWithErrors
        );
        assert!(answered[0].answers_an_order());
    }

    #[test]
    fn only_functional_acks_are_never_answered() {
        let ack = BusinessDocument::FunctionalAck(ack_997(Vec::new()));
        assert!(is_functional_ack(&ack));
        let group_only = classify(&ack_997(Vec::new()));
        assert_eq!(group_only[0].set_id, None);
        assert!(group_only[0].answers_an_order());
    }

    fn numbers(interchange: &str, group: Option<&str>, set: &str) -> ControlNumbers {
        ControlNumbers {
            interchange: Some(interchange.to_owned()),
            group: group.map(str::to_owned),
            transaction: Some(set.to_owned()),
        }
    }

    #[test]
    fn only_answers_naming_the_documents_control_numbers_count() {
        let answered = classify(&ack_997(vec![transaction(
            "860",
            "0001",
            AckStatus::Rejected,
        )]));
        let ours = numbers("000000017", Some("17"), "0001");
        assert!(answers(&answered[0], &ours), "group 17 set 0001");
        assert!(!answers(
            &answered[0],
            &numbers("000000018", Some("18"), "0001")
        ));
        assert!(!answers(
            &answered[0],
            &numbers("000000017", Some("17"), "0002")
        ));
        let contrl = FunctionalAck {
            kind: AckKind::Contrl,
            interchange: None,
            groups: Vec::new(),
            messages: vec![transaction("ORDCHG", "1", AckStatus::Rejected)],
        };
        let message = &classify(&contrl)[0];
        assert!(answers(message, &numbers("000000005", None, "0001")));
        assert!(!answers(message, &numbers("000000005", None, "0002")));
    }
}
