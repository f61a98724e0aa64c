//! A case workspace mirrored to its partner: the space, the case thread, the links both
//! ways, then the selected documents ([`crate::documents`]), the action requests
//! ([`crate::actions`]), status updates and the thread's resolution.

use gridlink_flow::EffectKey;
use gridlink_store::{LedgerError, NewRecord, RecordId};
use gridlink_tgrid::model::{
    ExternalRef, NewMessage, NewSpace, NewThread, ThreadKind, ThreadStatus,
};
use gridlink_tgrid::{IdempotencyKey, PartnerId};
use gridlink_xecm::model::subtype;
use gridlink_xecm::{AttributeValue, NamedAttributes, Node, NodeId};

use crate::actions::PostedAction;
use crate::documents::SharedVersion;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::CaseCollab;
use crate::error::CaseError;

/// The ledger kind linking a TG thread back to its case workspace.
pub const THREAD_LINK_KIND: &str = "case-thread";

/// The status of a case link whose partner access ended ([`crate::withdraw`]).
pub const ENDED: &str = "ENDED";

/// What one sync of a case did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaseSync {
    /// The workspace.
    pub workspace_id: i64,
    /// Why nothing was done, when it is not a shareable case.
    pub skipped: Option<String>,
    /// The space.
    pub space_id: Option<String>,
    /// The thread.
    pub thread_id: Option<String>,
    /// Document versions posted to the thread in this sync.
    pub documents_shared: Vec<SharedVersion>,
    /// Action requests posted (new, or with a changed due date) in this sync.
    pub actions_requested: Vec<PostedAction>,
    /// A status update posted in this sync.
    pub status_posted: Option<String>,
    /// Whether the thread was resolved in this sync.
    pub resolved: bool,
    /// Documents and action requests withdrawn in this sync ([`crate::withdraw`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withdrawn: Vec<crate::withdraw::Withdrawn>,
    /// Why the partner's access ended (`archived`, `deleted`), when it has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_ended: Option<String>,
}

/// The link of a thread to its case, kept in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseLink {
    /// The case workspace.
    pub workspace_id: i64,
    /// The partner.
    pub partner_id: String,
    /// The space.
    pub space_id: String,
    /// The thread.
    pub thread_id: String,
}

fn text(values: &NamedAttributes, name: &str) -> Option<String> {
    match values.get(name) {
        Some(AttributeValue::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_owned()),
        _ => None,
    }
}

/// Whether an attribute read failed only because the node does not carry the category.
pub(crate) fn not_applicable(error: &gridlink_xecm::XecmError) -> bool {
    matches!(
        gridlink_core::error::Classify::kind(error),
        gridlink_core::error::ErrorKind::BadRequest | gridlink_core::error::ErrorKind::NotFound
    )
}

/// The idempotency key an effect hands over, as Trading Grid takes it.
pub(crate) fn idempotency_key(text: &str) -> Result<IdempotencyKey, CaseError> {
    IdempotencyKey::parse(text).map_err(|e| CaseError::Malformed {
        event_id: text.to_owned(),
        reason: e.to_string(),
    })
}

impl CaseCollab {
    /// Brings one case workspace's partner side up to date. Safe to repeat: every effect
    /// runs once.
    #[tracing::instrument(skip_all, fields(workspace_id = %workspace_id))]
    pub async fn sync_case(&self, workspace_id: NodeId) -> Result<CaseSync, CaseError> {
        gridlink_flow::timeline::about("case", &workspace_id.to_string());
        let mut sync = CaseSync {
            workspace_id: workspace_id.get(),
            ..CaseSync::default()
        };
        let workspace = match self.platform.xecm.get_node(workspace_id).await {
            Ok(workspace) => workspace,
            Err(error)
                if gridlink_core::error::Classify::kind(&error)
                    == gridlink_core::error::ErrorKind::NotFound =>
            {
                return self.case_deleted(workspace_id, sync).await;
            }
            Err(error) => return Err(error.into()),
        };
        if workspace.subtype != subtype::WORKSPACE
            || workspace
                .workspace_type_id
                .is_some_and(|t| t != self.config.workspace_type.get())
        {
            sync.skipped = Some("not a case workspace".into());
            return Ok(sync);
        }
        let values = match self
            .platform
            .xecm
            .read_attributes(workspace_id, self.config.case_category)
            .await
        {
            Ok(values) => values,
            Err(error) if not_applicable(&error) => {
                sync.skipped = Some("no case category".into());
                return Ok(sync);
            }
            Err(error) => return Err(error.into()),
        };
        let case_type = text(&values, &self.config.case_type_attribute);
        if !case_type.as_ref().is_some_and(|t| {
            self.config
                .case_types
                .iter()
                .any(|c| c.eq_ignore_ascii_case(t))
        }) {
            sync.skipped = Some(format!(
                "case type {case_type:?} is not configured for partner collaboration"
            ));
            return Ok(sync);
        }
        let Some(partner) = text(&values, &self.config.partner_attribute) else {
            sync.skipped = Some("no partner reference".into());
            return Ok(sync);
        };
        let status = text(&values, &self.config.status_attribute);
        let archived = status.as_ref().is_some_and(|status| {
            self.config
                .archived_statuses
                .iter()
                .any(|c| c.eq_ignore_ascii_case(status))
        });
        if archived && text(&values, &self.config.thread_attribute).is_none() {
            sync.skipped = Some("archived before anything was shared with the partner".into());
            return Ok(sync);
        }
        let link = self
            .open_collaboration(&workspace, &partner, &values)
            .await?;
        sync.space_id = Some(link.space_id.clone());
        sync.thread_id = Some(link.thread_id.clone());
        if archived {
            self.end_access(Some(&workspace), &link, "archived").await?;
            sync.access_ended = Some("archived".into());
            return Ok(sync);
        }
        if self.link_ended(&link).await? {
            sync.skipped = Some(
                "the partner's access to this case ended (archived or deleted); it is not reopened"
                    .into(),
            );
            return Ok(sync);
        }
        self.live()
            .register(
                workspace_id,
                serde_json::to_value(&link).unwrap_or_default(),
            )
            .await?;
        let selected = self.selected_documents(workspace.id).await?;
        sync.withdrawn = self
            .withdraw_unselected_documents(&workspace, &link, &selected)
            .await?;
        sync.withdrawn.extend(
            self.withdraw_removed_actions(&workspace, &link, &values)
                .await?,
        );
        sync.documents_shared = self
            .share_selected_documents(&workspace, &link, selected)
            .await?;
        let closed = status.as_ref().is_some_and(|status| {
            self.config
                .closed_statuses
                .iter()
                .any(|c| c.eq_ignore_ascii_case(status))
        });
        if !closed {
            sync.actions_requested = self.request_actions(&link, &values).await?;
        }
        if let Some(status) = status {
            if self.post_status(&link, &status).await? {
                sync.status_posted = Some(status.clone());
            }
            if closed {
                sync.resolved = self.resolve_thread(&link).await?;
            }
        }
        Ok(sync)
    }

    async fn open_collaboration(
        &self,
        workspace: &Node,
        partner: &str,
        values: &NamedAttributes,
    ) -> Result<CaseLink, CaseError> {
        let ws = workspace.id.to_string();
        let external = ExternalRef::new("xecm", ws.clone());
        let effects = &self.platform.effects;
        let tg = self.platform.tg.clone();
        let new_space = NewSpace {
            partner_id: PartnerId::new(partner),
            title: workspace.name.clone(),
            external_ref: Some(external.clone()),
            context: Some(json!({"case_number": text(values, "Case Number")})),
        };
        let space = effects
            .once(&EffectKey::new("tg-space", &ws), None, |k| async move {
                Ok::<_, CaseError>(tg.open_space(&idempotency_key(&k)?, &new_space).await?)
            })
            .await
            .map_err(CaseError::from_effect)?
            .into_inner();
        let tg = self.platform.tg.clone();
        let new_thread = NewThread {
            subject: workspace.name.clone(),
            kind: ThreadKind::Case,
            external_ref: Some(external),
        };
        let space_id = space.space_id.clone();
        let thread = effects
            .once(
                &EffectKey::new("tg-case-thread", &ws),
                None,
                |k| async move {
                    Ok::<_, CaseError>(
                        tg.open_thread(&idempotency_key(&k)?, &space_id, &new_thread)
                            .await?,
                    )
                },
            )
            .await
            .map_err(CaseError::from_effect)?
            .into_inner();
        let link = CaseLink {
            workspace_id: workspace.id.get(),
            partner_id: partner.to_owned(),
            space_id: space.space_id.as_str().to_owned(),
            thread_id: thread.thread_id.as_str().to_owned(),
        };
        let record = NewRecord::new(
            RecordId::new(THREAD_LINK_KIND, &link.thread_id)?,
            "OPEN",
            serde_json::to_value(&link).map_err(|e| CaseError::Malformed {
                event_id: ws.clone(),
                reason: e.to_string(),
            })?,
        );
        match self.platform.ledger.create(record).await {
            Ok(_) | Err(LedgerError::AlreadyExists { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        let xecm = self.platform.xecm.clone();
        let mut back: NamedAttributes = NamedAttributes::new();
        back.insert(
            self.config.space_attribute.clone(),
            link.space_id.clone().into(),
        );
        back.insert(
            self.config.thread_attribute.clone(),
            link.thread_id.clone().into(),
        );
        let category = self.config.case_category;
        let workspace_id = workspace.id;
        effects
            .once(
                &EffectKey::new("xecm-case-link", &ws),
                None,
                |_| async move {
                    xecm.write_attributes(workspace_id, category, &back).await?;
                    Ok::<_, CaseError>(true)
                },
            )
            .await
            .map_err(CaseError::from_effect)?;
        Ok(link)
    }

    /// The case workspace is gone: its partner's access ends, when it had any.
    async fn case_deleted(
        &self,
        workspace_id: NodeId,
        mut sync: CaseSync,
    ) -> Result<CaseSync, CaseError> {
        let Some(live) = self.live().get(workspace_id).await? else {
            sync.skipped = Some("the workspace is deleted; no partner access is open".into());
            return Ok(sync);
        };
        let link: CaseLink =
            serde_json::from_value(live.data).map_err(|e| CaseError::Malformed {
                event_id: workspace_id.to_string(),
                reason: e.to_string(),
            })?;
        sync.space_id = Some(link.space_id.clone());
        sync.thread_id = Some(link.thread_id.clone());
        self.end_access(None, &link, "deleted").await?;
        sync.access_ended = Some("deleted".into());
        Ok(sync)
    }

    async fn link_ended(&self, link: &CaseLink) -> Result<bool, CaseError> {
        Ok(self
            .platform
            .ledger
            .get(&RecordId::new(THREAD_LINK_KIND, &link.thread_id)?)
            .await?
            .is_some_and(|r| r.status == ENDED))
    }

    async fn post_status(&self, link: &CaseLink, status: &str) -> Result<bool, CaseError> {
        let message = NewMessage {
            body: format!("Case status: {status}"),
            attachment_ids: Vec::new(),
            structured: Some(json!({"case_status": status})),
            action_request: None,
        };
        let key = EffectKey::new(
            "tg-case-status",
            format!("{}/{}", link.workspace_id, status.to_lowercase()),
        );
        Ok(self.post_once(link, key, message).await?.1)
    }

    async fn resolve_thread(&self, link: &CaseLink) -> Result<bool, CaseError> {
        let tg = self.platform.tg.clone();
        let thread = gridlink_tgrid::ThreadId::new(&link.thread_id);
        let resolved = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-case-resolve", link.workspace_id.to_string()),
                None,
                |_| async move {
                    Ok::<_, CaseError>(
                        tg.set_thread_status(&thread, ThreadStatus::Resolved)
                            .await?,
                    )
                },
            )
            .await
            .map_err(CaseError::from_effect)?;
        Ok(resolved.ran_now())
    }
}
