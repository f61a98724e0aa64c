//! A supplier's submission (`document_request.item_submitted`): validated
//! ([`crate::validate`]), then rejected through TG's review call with a reason naming the
//! field, sent to a buyer's review, or accepted — the file filed into the supplier
//! workspace once (`Certificates/<kind folder>`, category `Compliance Document`), a renewal
//! or a later submission of the same kind becoming a new version of that document — and
//! the requirement's state moved by compare-and-set.
//!
//! The event is only a trigger: the request is read from TG again and must be one
//! supplier-onboarding made (its ledger record) for the supplier whose partner it is
//! addressed to — a partner can never answer another supplier's request, and a file is only
//! ever filed into the workspace of the partner who sent it. A submission to a request that
//! was superseded and cancelled ([`crate::sync`]), or to an item no longer asked for, is
//! ignored with a warning naming the workspace, partner, request and item — never filed. Each
//! submission (request,
//! item, `submitted_at`) is decided once: the review call and the filing are effects keyed
//! by it, so a duplicate event or a re-run after a crash changes nothing twice.

use gridlink_flow::content::tg_attachment_content;
use gridlink_flow::{EffectKey, Filing};
use gridlink_tgrid::ByteRange;
use gridlink_tgrid::events::{Event, EventType};
use gridlink_tgrid::model::{ItemStatus, RequestStatus, ReviewDecision};
use gridlink_xecm::{AttributeValue, DocumentSpec, NamedAttributes, NodeId};
use serde::Serialize;
use time::Date;

use crate::SupplierOnboarding;
use crate::error::OnboardingError;
use crate::standing::{Pending, State};
use crate::sync::rfc3339;
use crate::validate::{FileFacts, Submission, Verdict, format_date, validate};

/// What handling one submission did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Decided {
    /// Why nothing was done, if so.
    pub ignored: Option<String>,
    /// The supplier workspace.
    pub workspace_id: Option<i64>,
    /// The kind.
    pub kind: Option<String>,
    /// `accepted`, `rejected` or `in review`.
    pub decision: Option<String>,
    /// The reason (a rejection's names the field).
    pub reason: Option<String>,
    /// The filed document.
    pub document_id: Option<i64>,
    /// Its version holding this submission.
    pub version: Option<u32>,
    /// The onboarding status afterwards.
    pub status: Option<String>,
}

fn ignored(why: impl Into<String>) -> Decided {
    Decided {
        ignored: Some(why.into()),
        ..Decided::default()
    }
}

/// The sub-folder of `Certificates` a kind is filed in.
pub fn kind_folder(kind: &str) -> &'static str {
    match kind {
        "w9" | "w8ben" | "w8ben_e" => "Tax Forms",
        "insurance_certificate" => "Insurance",
        "iso9001" => "Quality",
        "code_of_conduct" => "Attestations",
        "bank_letter" => "Banking",
        _ => "Other",
    }
}

fn safe(text: &str) -> String {
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

/// The name a kind's document is filed under: its title and the file's extension.
pub(crate) fn document_name(rule: &crate::matrix::Requirement, file_name: &str) -> String {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .filter(|e| e.len() <= 5)
        .unwrap_or_else(|| "pdf".into());
    safe(&format!("{}.{ext}", rule.title()))
}

/// Where a filed compliance document came from, as its `Compliance Document` values and
/// description say ([`SupplierOnboarding::file_compliance_document`]).
pub(crate) struct Provenance {
    /// `Source Request`: the TG document request or campaign.
    pub(crate) source_request: String,
    /// `Source Item`: the request item, or the campaign's cycle.
    pub(crate) source_item: String,
    /// The document's description.
    pub(crate) description: String,
    /// `Review Status`: `accepted` or `in review`.
    pub(crate) review_status: &'static str,
}

fn date_value(date: Option<Date>) -> AttributeValue {
    date.map_or(AttributeValue::Empty, |d| {
        AttributeValue::Date(d.midnight())
    })
}

impl SupplierOnboarding {
    /// Handles a `document_request.item_submitted` event (see the module docs).
    #[tracing::instrument(skip_all, fields(event_id = %event.event_id))]
    pub async fn on_submission(&self, event: &Event) -> Result<Decided, OnboardingError> {
        if event.event_type != EventType::DocumentRequestItemSubmitted {
            return Ok(ignored(format!(
                "{} is not for supplier-onboarding",
                event.event_type
            )));
        }
        let submitted = event.request_item_submitted().ok_or_else(|| {
            OnboardingError::malformed(event.event_id.as_str(), "the data is not a submitted item")
        })?;
        let request_id = submitted.request.request_id.clone();
        let mut record = self.request_record(request_id.as_str()).await?;
        // made, but its record was lost to a crash: the sync finishes it
        if record.is_none()
            && let Some(workspace) = submitted
                .request
                .external_ref
                .as_ref()
                .filter(|r| r.system == "xecm")
                .and_then(|r| r.id.parse::<i64>().ok())
                .and_then(|id| NodeId::new(id).ok())
            && self.standing(workspace.get()).await?.is_some()
        {
            self.sync_supplier(workspace).await?;
            record = self.request_record(request_id.as_str()).await?;
        }
        let Some(record) = record else {
            return Ok(ignored("not a request supplier-onboarding made"));
        };
        gridlink_flow::timeline::about("supplier", &record.workspace_id.to_string());
        let request = self.platform.tg.document_request(&request_id).await?;
        let workspace = NodeId::new(record.workspace_id)?;
        let Some(standing) = self.standing(record.workspace_id).await? else {
            return Ok(ignored("the supplier is not tracked"));
        };
        if request.partner_id.as_str() != record.partner_id
            || standing.partner_id.as_deref() != Some(request.partner_id.as_str())
        {
            tracing::warn!(request_id = %request_id, partner_id = %request.partner_id, workspace_id = record.workspace_id, "a request's partner is not the supplier's partner: nothing filed");
            return Ok(ignored(
                "the request's partner is not this supplier's partner",
            ));
        }
        if request.status == RequestStatus::Cancelled
            || standing.superseded.iter().any(|r| r == request_id.as_str())
        {
            tracing::warn!(workspace_id = record.workspace_id, partner_id = %request.partner_id, request_id = %request_id, item_id = %submitted.item_id, "a submission to a superseded request: refused, nothing filed");
            return Ok(ignored(format!(
                "request {request_id} was superseded and cancelled: its submissions are not taken"
            )));
        }
        let Some(item) = request
            .items
            .iter()
            .find(|i| i.item_id == submitted.item_id)
            .cloned()
        else {
            return Err(OnboardingError::malformed(
                event.event_id.as_str(),
                format!("request {request_id} has no item {}", submitted.item_id),
            ));
        };
        let kind = item.kind.clone();
        let Some(requirement) = standing.requirements.get(&kind).cloned() else {
            return Ok(ignored(format!(
                "{kind} is not a requirement of this supplier"
            )));
        };
        if requirement.item_id.as_deref() != Some(item.item_id.as_str()) {
            tracing::warn!(workspace_id = record.workspace_id, partner_id = %request.partner_id, request_id = %request_id, item_id = %item.item_id, kind, "a submission to an item that is no longer asked for: nothing filed");
            return Ok(ignored(format!(
                "item {} is not the current request for {kind}",
                item.item_id
            )));
        }
        // to the nanosecond: a resubmission in the same second is another submission
        let Some(submitted_at) = item
            .submitted_at
            .map(|t| t.unix_timestamp_nanos().to_string())
        else {
            return Ok(ignored(format!("item {} was not submitted", item.item_id)));
        };
        if item.status == ItemStatus::Pending {
            return Ok(ignored(format!("item {} is not submitted", item.item_id)));
        }
        let submission_key = format!("{request_id}/{}/{submitted_at}", item.item_id);
        if requirement.decided_submission.as_deref() == Some(submission_key.as_str()) {
            return Ok(ignored("this submission was decided already"));
        }
        let matrix = self.matrix().await?;
        let Some(rule) = matrix.requirement(&kind).cloned() else {
            return Ok(ignored(format!("the matrix no longer lists {kind}")));
        };
        let item_key = item.item_id.as_str().to_owned();
        self.change_standing(record.workspace_id, |s| {
            let Some(r) = s.requirements.get_mut(&kind) else {
                return false;
            };
            if r.item_id.as_deref() != Some(item_key.as_str())
                || !matches!(r.state, State::Requested | State::Rejected)
            {
                return false;
            }
            r.state = State::Submitted;
            true
        })
        .await?;
        // the file: exactly one, its size from TG, its type from its first bytes
        let attachment = match item.attachment_ids.as_slice() {
            [one] => Some(self.platform.tg.attachment(one).await?),
            _ => None,
        };
        let verdict = match &attachment {
            None => Verdict::Rejected {
                field: "file".into(),
                reason: format!(
                    "send exactly one file for {} ({} were sent)",
                    rule.title(),
                    item.attachment_ids.len()
                ),
                checks: Vec::new(),
            },
            Some(attachment) => {
                let head = if attachment.size_bytes == 0 {
                    Vec::new()
                } else {
                    self.platform
                        .tg
                        .attachment_content(
                            &attachment.attachment_id,
                            Some(ByteRange {
                                start: 0,
                                end: Some(attachment.size_bytes.min(16) - 1),
                            }),
                        )
                        .await?
                        .into_bytes()
                        .await?
                        .to_vec()
                };
                validate(
                    &matrix,
                    &rule,
                    &standing.supplier,
                    &Submission {
                        file: FileFacts {
                            size: attachment.size_bytes,
                            head,
                        },
                        valid_from: item.valid_from.as_deref(),
                        valid_until: item.valid_until.as_deref(),
                        fields: &item.fields,
                    },
                    self.platform.clock.now(),
                )
            }
        };
        let at = rfc3339(self.platform.clock.now());
        let today = self.platform.clock.now().date();
        let mut decided = Decided {
            workspace_id: Some(record.workspace_id),
            kind: Some(kind.clone()),
            ..Decided::default()
        };
        match &verdict {
            Verdict::Rejected { .. } => {
                let reason = verdict.rejection().unwrap_or_default();
                self.review(
                    &request_id,
                    &item.item_id,
                    &submission_key,
                    ReviewDecision::Reject,
                    &reason,
                )
                .await?;
                self.change_standing(record.workspace_id, |s| {
                    let Some(r) = s.requirements.get_mut(&kind) else {
                        return false;
                    };
                    if r.decided_submission.as_deref() == Some(submission_key.as_str()) {
                        return false;
                    }
                    r.state = r.after_rejection(today);
                    r.lapsed = None;
                    r.reason = Some(reason.clone());
                    r.decided_submission = Some(submission_key.clone());
                    s.note(&at, &kind, "rejected", reason.clone());
                    true
                })
                .await?;
                tracing::info!(workspace_id = record.workspace_id, request_id = %request_id, item_id = %item.item_id, kind, reason, "submission rejected");
                decided.decision = Some("rejected".into());
                decided.reason = Some(reason);
            }
            Verdict::Review {
                valid_from,
                valid_until,
                checks,
                ..
            }
            | Verdict::Accepted {
                valid_from,
                valid_until,
                checks,
            } if attachment.is_some() => {
                let accepted = matches!(verdict, Verdict::Accepted { .. });
                let attachment = attachment.as_ref().expect("checked");
                let review_reason = match &verdict {
                    Verdict::Review { reason, .. } => Some(reason.clone()),
                    _ => None,
                };
                let previous = requirement.document_version;
                let (document_id, version) = self
                    .file_compliance_document(
                        workspace,
                        &rule,
                        attachment,
                        &Provenance {
                            source_request: request_id.as_str().into(),
                            source_item: item.item_id.as_str().into(),
                            description: format!(
                                "{} from TG request {request_id} item {} (sha256 {})",
                                rule.title(),
                                item.item_id,
                                attachment.sha256
                            ),
                            review_status: if accepted { "accepted" } else { "in review" },
                        },
                        *valid_from,
                        *valid_until,
                        checks,
                        previous,
                    )
                    .await?;
                if accepted {
                    self.review(
                        &request_id,
                        &item.item_id,
                        &submission_key,
                        ReviewDecision::Accept,
                        "accepted",
                    )
                    .await?;
                }
                let (from, until) = (valid_from.map(format_date), valid_until.map(format_date));
                self.change_standing(record.workspace_id, |s| {
                    let Some(r) = s.requirements.get_mut(&kind) else {
                        return false;
                    };
                    if r.decided_submission.as_deref() == Some(submission_key.as_str()) {
                        return false;
                    }
                    if accepted {
                        r.state = State::Accepted;
                        r.valid_from.clone_from(&from);
                        r.valid_until.clone_from(&until);
                        r.document_id = Some(document_id);
                        r.document_version = Some(version);
                        r.renewal_steps = 0;
                        r.pending = None;
                        r.lapsed = None;
                        r.reset_reminders();
                    } else {
                        // an expired document stays expired while its renewal is reviewed
                        if r.state == State::Expired {
                            r.lapsed.clone_from(&r.valid_until);
                        } else if r.state != State::InReview {
                            r.lapsed = None;
                        }
                        // the evidence waits for the buyer (crate::review); what was
                        // accepted before stays the requirement's until then
                        r.state = State::InReview;
                        r.pending = Some(Pending {
                            valid_from: from.clone(),
                            valid_until: until.clone(),
                            document_id,
                            version,
                        });
                        r.escalated = None;
                    }
                    r.reviewer = None;
                    r.reason.clone_from(&review_reason);
                    r.decided_submission = Some(submission_key.clone());
                    let detail = format!(
                        "document {document_id} version {version}{}; checks: {}",
                        previous
                            .filter(|p| *p != version)
                            .map(|p| format!(" (supersedes version {p})"))
                            .unwrap_or_default(),
                        checks.join("; ")
                    );
                    s.note(
                        &at,
                        &kind,
                        if accepted { "accepted" } else { "in review" },
                        detail,
                    );
                    true
                })
                .await?;
                tracing::info!(workspace_id = record.workspace_id, request_id = %request_id, item_id = %item.item_id, kind, document_id, version, accepted, "submission filed");
                decided.decision = Some(if accepted { "accepted" } else { "in review" }.into());
                decided.reason = review_reason;
                decided.document_id = Some(document_id);
                decided.version = Some(version);
            }
            _ => return Ok(ignored("no file")),
        }
        decided.status = Some(self.project(workspace).await?.to_owned());
        Ok(decided)
    }

    /// Files a TG attachment as the kind's document of the supplier (once per content; a
    /// different file for the same kind becomes a new version) with its `Compliance
    /// Document` values; the document and its version number. Submissions to a document
    /// request and attestation campaign answers are filed through here alike.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn file_compliance_document(
        &self,
        workspace: NodeId,
        rule: &crate::matrix::Requirement,
        attachment: &gridlink_tgrid::model::Attachment,
        provenance: &Provenance,
        valid_from: Option<Date>,
        valid_until: Option<Date>,
        checks: &[String],
        previous: Option<u32>,
    ) -> Result<(i64, u32), OnboardingError> {
        let name = document_name(rule, &attachment.file_name);
        let mut values = NamedAttributes::new();
        values.insert("Kind".into(), AttributeValue::Text(rule.kind.clone()));
        values.insert("Valid From".into(), date_value(valid_from));
        values.insert("Valid Until".into(), date_value(valid_until));
        values.insert(
            "Source Request".into(),
            AttributeValue::Text(provenance.source_request.clone()),
        );
        values.insert(
            "Source Item".into(),
            AttributeValue::Text(provenance.source_item.clone()),
        );
        values.insert(
            "SHA-256".into(),
            AttributeValue::Text(attachment.sha256.clone()),
        );
        values.insert("Checks Run".into(), AttributeValue::Text(checks.join("; ")));
        values.insert(
            "Supersedes".into(),
            previous.map_or(AttributeValue::Empty, |p| {
                AttributeValue::Integer(i64::from(p))
            }),
        );
        values.insert(
            "Review Status".into(),
            AttributeValue::Text(provenance.review_status.into()),
        );
        let spec = DocumentSpec {
            name: name.clone(),
            description: provenance.description.clone(),
            file_name: Some(attachment.file_name.clone()),
            mime_type: Some(attachment.content_type.clone()),
            categories: vec![(self.config.document_category, values.clone())],
        };
        let folder = format!(
            "{}/{}",
            self.config.certificates_folder,
            kind_folder(&rule.kind)
        );
        let filing = Filing::new(
            EffectKey::new(
                "xecm-compliance-document",
                format!("{workspace}/{}", rule.kind),
            ),
            workspace,
            folder,
            spec,
        )
        .with_revisions(attachment.sha256.clone());
        let content = tg_attachment_content(self.platform.tg.clone(), attachment);
        let filed = self
            .platform
            .file_once(&filing, &content)
            .await
            .map_err(OnboardingError::from_xecm_effect)?
            .into_inner();
        let document = NodeId::new(filed.document_id)?;
        let version = self
            .platform
            .xecm
            .versions(document)
            .await?
            .last()
            .map_or(1, |v| v.version_number);
        // the values of this revision (a new version keeps the category; its values change)
        self.platform
            .xecm
            .write_attributes(document, self.config.document_category, &values)
            .await?;
        Ok((filed.document_id, version))
    }
}
