//! The one Lambda handler every use case runs in: [`Function`].
//!
//! # What it does for every use case
//! - `GET /{function}/health` → `200 {"function", "status": "up", "implemented": true}`.
//! - `POST /{function}/tg/events` (Trading Grid webhooks) and `POST /{function}/xecm/events`
//!   (signed xECM pushes) through **one** acceptance path: the signature and timestamp are
//!   verified over the raw body (`401` otherwise), the body must be an event (`400` naming
//!   what is wrong), the raw body and an inbox record are stored **before** the answer
//!   (`202 {"accepted", "duplicate"}`; `503` + `Retry-After` when storage is down), and a new
//!   event is then processed inline. A redelivery is recognised and not processed again.
//! - An xECM push about a node xECM does not have is accepted like any other (the door cannot
//!   judge it: "not found" may be the news itself — a deleted workspace — and only the use
//!   case knows what that means). When the use case fails with not-found and xECM confirms the
//!   pushed `node_id` (or `workspace_id`) is missing, the push is **skipped**: done, with the
//!   outcome `{"skipped": "node N not found in xECM", "field": "node_id"}` on the item (an
//!   operator reads it under `dead-letters/{item_id}`), never retried or dead-lettered.
//! - The inbox, processed by [`Function::process_pending`] after every schedule firing: one
//!   retry rule ([`InboxPolicy`]), then the **dead-letter** state.
//! - Dead letters for operators ([`crate::dead_letters`]): list, inspect (the item, every
//!   attempt and its error, the raw event), requeue one (processed once, inline) or all (a
//!   batch per call), discard with a reason.
//! - Replay for operators ([`crate::replay`]): `POST /{function}/inbox/{item_id}/replay`, a
//!   real replay through the normal path (a no-op where the item's effects happened) or a dry
//!   run that writes nothing and says what a real one would do.
//! - Pauses for operators ([`crate::pause`]): `GET /{function}/pauses`,
//!   `POST /{function}/pause` and `/resume` (the whole function), `POST
//!   /{function}/partners/{partner_id}/pause` and `/resume` (one trading partner, in every
//!   function). Paused traffic is accepted and kept as always (`202`), only not processed
//!   until resumed.
//! - The timeline of a business key: `GET /{function}/timeline/{key}?limit=N&after=CURSOR`
//!   (see [`crate::timeline`]); every invocation runs in a timeline scope, every inbox item
//!   in one of its own.
//! - Every other route and schedule goes to the use case, typed ([`UseCase`]); the use
//!   case's error is mapped to a status / Lambda error type in one place
//!   ([`FunctionError::from_error`]).
//!
//! [`Skeleton`] is the same surface for a use case not built yet: health says
//! `"implemented": false`, every other route answers `501`, every schedule fails as
//! `NonRetryable`.

use std::marker::PhantomData;
use std::sync::Arc;

use bytes::Bytes;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_lambda::{
    BoxFuture, FunctionError, Handler, HttpRequest, HttpResponse, Invocation, Reply,
    ScheduleFiring, not_implemented,
};
use gridlink_tgrid::PartnerId;
use gridlink_tgrid::events::Event;
use gridlink_xecm::{NodeId, XecmError};
use serde_json::{Value, json};
use tracing::Instrument;

use crate::inbox::{Acceptance, InboxError, InboxItem, InboxPolicy, RunSummary, Settled};
use crate::pause::{
    Active, Pause, PauseError, Pauses, Target, check_partner_id, check_reason, partners_named,
};
use crate::platform::Platform;
use crate::push::{PushEvent, verify_push};
use crate::tg_webhook::verify_delivery;
use crate::timeline;
use crate::usecase::{
    Received, Routes, Schedules, UseCase, UseCaseSpec, param, relative, relative_schedule,
};

/// The inbox source of Trading Grid events.
pub const TG_SOURCE: &str = "tg";
/// The inbox source of xECM pushes.
pub const XECM_SOURCE: &str = "xecm";

/// A use case running on its platform: the Lambda handler (and the local runner's).
#[derive(Debug)]
pub struct Function<U: UseCase> {
    usecase: U,
    platform: Platform,
    policy: InboxPolicy,
    /// Held while this process works through the pending list ([`Function::process_pending`]).
    pending_run: Arc<tokio::sync::Mutex<()>>,
}

/// Why an inbox item could not be processed: the runtime's part (reading it back) or the
/// use case's.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ItemError<E> {
    #[error(transparent)]
    Inbox(#[from] InboxError),
    #[error("event {event_id} does not read as a {kind} event: {reason}")]
    Unreadable {
        event_id: String,
        kind: &'static str,
        reason: String,
    },
    #[error(transparent)]
    UseCase(E),
}

impl<E: Classify> Classify for ItemError<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Inbox(e) => e.kind(),
            Self::Unreadable { .. } => ErrorKind::Unprocessable,
            Self::UseCase(e) => e.kind(),
        }
    }
}

fn failure<E: Classify + std::fmt::Display>(error: &E) -> FunctionError {
    FunctionError::from_error(error)
}

impl<U: UseCase> Function<U> {
    /// `usecase` on `platform`, with the default inbox policy.
    pub fn new(platform: Platform, usecase: U) -> Self {
        Self {
            usecase,
            platform,
            policy: InboxPolicy::default(),
            pending_run: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// With another inbox policy (batch size, attempt cap).
    #[must_use]
    pub fn with_policy(mut self, policy: InboxPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The use case.
    pub fn usecase(&self) -> &U {
        &self.usecase
    }

    /// The platform it runs on.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The inbox policy.
    pub fn policy(&self) -> InboxPolicy {
        self.policy
    }

    /// Processes up to a batch of pending inbox items, oldest first, each settled by the
    /// inbox policy.
    ///
    /// Pauses ([`crate::pause`]) are read first: a paused function processes nothing
    /// (`"function_paused": true`); items set aside for a partner that is no longer paused go
    /// back on the pending list; a pending item of a paused partner is set aside, not
    /// attempted.
    pub async fn process_pending(&self) -> Result<RunSummary, InboxError> {
        let active = self.pauses().active().await?;
        self.process_pending_under(&active).await
    }

    /// [`Function::process_pending`] under the pauses `active` (read once by the caller).
    async fn process_pending_under(&self, active: &Active) -> Result<RunSummary, InboxError> {
        let inbox = &self.platform.inbox;
        if active.function_paused(U::NAME) {
            tracing::info!("the function is paused: its inbox waits");
            return Ok(RunSummary {
                function_paused: true,
                ..RunSummary::default()
            });
        }
        let mut resumed = 0;
        for item in inbox.paused(self.policy.batch).await? {
            if self.paused_partners(&item, active).await.is_empty() {
                match inbox.unpause(&item).await {
                    Ok(_) => resumed += 1,
                    Err(error) => {
                        tracing::warn!(event_id = item.event_id(), error = %error, "a set-aside event was not put back; the next run tries again");
                    }
                }
            }
        }
        let mut set_aside = 0;
        if active.any_partner() {
            for item in inbox.pending(self.policy.batch).await? {
                match self.set_aside_if_paused(&item, active).await {
                    Ok(true) => set_aside += 1,
                    Ok(false) => {}
                    Err(error) => {
                        tracing::warn!(event_id = item.event_id(), error = %error, "a paused partner's event was not set aside; the next run tries again");
                    }
                }
            }
        }
        // One run through the pending list at a time in this process: two schedules firing
        // together (the TG inbox poll and the unmatched retry) would otherwise take the same
        // oldest items and race for each of them, one of the two only finding it held.
        let Ok(_running) = self.pending_run.try_lock() else {
            tracing::debug!("the pending inbox is being worked through by another run");
            return Ok(RunSummary {
                set_aside,
                resumed,
                already_running: true,
                ..RunSummary::default()
            });
        };
        let mut summary = inbox
            .process_pending_concurrently(
                self.policy,
                self.platform.inbox_concurrency(),
                |item| async move { self.attempt(&item).await },
            )
            .await?;
        summary.set_aside = set_aside;
        summary.resumed = resumed;
        Ok(summary)
    }

    /// The pause records ([`crate::pause`]).
    pub(crate) fn pauses(&self) -> Pauses {
        Pauses::new(self.platform.ledger.clone(), self.platform.clock.clone())
    }

    /// The paused partners `item` names (none when no partner is paused).
    pub(crate) async fn paused_partners(&self, item: &InboxItem, active: &Active) -> Vec<String> {
        if !active.any_partner() {
            return Vec::new();
        }
        let names = match item.partners() {
            Some(names) => names,
            // Accepted before partners were recorded: read them from the event itself.
            None => match self.platform.inbox.raw(item).await {
                Ok(raw) => serde_json::from_slice::<Value>(&raw)
                    .map(|event| partners_named(&event))
                    .unwrap_or_default(),
                Err(_) => Vec::new(),
            },
        };
        active
            .paused_among(&names)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// Sets `item` aside when a partner it names is paused; whether it did.
    async fn set_aside_if_paused(
        &self,
        item: &InboxItem,
        active: &Active,
    ) -> Result<bool, InboxError> {
        let paused = self.paused_partners(item, active).await;
        if paused.is_empty() {
            return Ok(false);
        }
        let paused: Vec<&str> = paused.iter().map(String::as_str).collect();
        self.platform.inbox.set_aside(item, &paused).await?;
        Ok(true)
    }

    /// One attempt at one item, in a span carrying its event id and type.
    pub(crate) async fn attempt(&self, item: &InboxItem) -> Result<Value, ItemError<U::Error>> {
        let span = tracing::info_span!(
            "inbox_item",
            event_id = item.event_id(),
            event_type = item.event_type(),
            source = item.source()
        );
        async {
            let raw = self.platform.inbox.raw(item).await?;
            let unreadable = |kind: &'static str, e: serde_json::Error| ItemError::Unreadable {
                event_id: item.event_id().to_owned(),
                kind,
                reason: e.to_string(),
            };
            let (received, push) = if item.source() == XECM_SOURCE {
                let push: PushEvent =
                    serde_json::from_slice(&raw).map_err(|e| unreadable("xECM push", e))?;
                (Received::Xecm(push.clone()), Some(push))
            } else {
                let event = serde_json::from_slice::<Event>(&raw)
                    .map_err(|e| unreadable("Trading Grid", e))?;
                (Received::Tg(event), None)
            };
            match (self.usecase.on_event(item, received).await, push) {
                (Err(error), Some(push)) if error.kind() == ErrorKind::NotFound => {
                    // The pushed node (or its workspace) may have gone between the push and
                    // now: that is an outcome, not a failure to retry or to dead-letter.
                    match self.missing_pushed_node(&push).await {
                        Ok(Some((field, node))) => {
                            tracing::warn!(
                                node_id = %push.node_id,
                                missing_field = field,
                                missing_node = %node,
                                error = %error,
                                "xECM push skipped: its node is not in xECM"
                            );
                            Ok(skipped_push(field, node))
                        }
                        Ok(None) | Err(_) => Err(ItemError::UseCase(error)),
                    }
                }
                (result, _) => result.map_err(ItemError::UseCase),
            }
        }
        .instrument(span)
        .await
    }

    /// Processes one item now and settles it, unless a pause holds it: a paused function
    /// leaves it pending, a paused partner's item is set aside ([`crate::pause`]).
    pub(crate) async fn process_one(&self, item: &InboxItem) -> Processed {
        let active = match self.pauses().active().await {
            Ok(active) => active,
            Err(error) => {
                tracing::warn!(error = %error, "pauses not readable; the event stays pending for the next run");
                return Processed::Settled(Settled::Retrying);
            }
        };
        if active.function_paused(U::NAME) {
            tracing::info!(
                event_id = item.event_id(),
                "the function is paused: the event waits in the inbox"
            );
            return Processed::FunctionPaused;
        }
        match self.set_aside_if_paused(item, &active).await {
            Ok(true) => return Processed::SetAside,
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(error = %error, "a paused partner's event was not set aside; the next run tries again");
                return Processed::Settled(Settled::Retrying);
            }
        }
        Processed::Settled(
            self.platform
                .inbox
                .attempt(item, self.policy, |item| async move {
                    self.attempt(&item).await
                })
                .await,
        )
    }

    /// A signed trigger: verified, kept, answered, and processed inline when new.
    async fn accept(
        &self,
        source: &'static str,
        request: &HttpRequest,
    ) -> Result<Reply, FunctionError> {
        let platform = &self.platform;
        let (event_id, event_type) = if source == TG_SOURCE {
            let event = verify_delivery(
                request,
                &platform.secrets.tg_webhook,
                platform.clock.as_ref(),
            )
            .map_err(|e| failure(&e))?;
            (
                event.event_id.as_str().to_owned(),
                event.event_type.as_str().to_owned(),
            )
        } else {
            let push = verify_push(
                request,
                platform.secrets.xecm_push.as_ref(),
                platform.clock.as_ref(),
            )
            .map_err(|e| failure(&e))?;
            (push.event_id(), push.event_type.clone())
        };
        let acceptance = platform
            .inbox
            .accept(
                source,
                &event_id,
                &event_type,
                Bytes::from(request.body.clone()),
            )
            .await
            .map_err(|e| failure(&e))?;
        if let Acceptance::Accepted(item) = &acceptance {
            self.process_one(item).await;
        }
        Ok(Reply::Http(acceptance.answer()))
    }

    /// Which of a push's nodes xECM says it does not have (`node_id` first, then
    /// `workspace_id`), if any; an error when xECM could not answer (the item is then settled
    /// by the use case's own error, as if not checked).
    async fn missing_pushed_node(
        &self,
        push: &PushEvent,
    ) -> Result<Option<(&'static str, NodeId)>, XecmError> {
        let nodes = std::iter::once(("node_id", push.node_id))
            .chain(push.workspace_id.map(|w| ("workspace_id", w)))
            .filter(|(field, node)| *field == "node_id" || *node != push.node_id);
        for (field, node) in nodes {
            match self.platform.xecm.get_node(node).await {
                Ok(_) => {}
                Err(error) if error.kind() == ErrorKind::NotFound => {
                    return Ok(Some((field, node)));
                }
                Err(error) => return Err(error),
            }
        }
        Ok(None)
    }

    async fn pause_route(
        &self,
        template: &str,
        partner_id: &str,
        request: &HttpRequest,
    ) -> Result<Reply, RouteError> {
        let pauses = self.pauses();
        if template == "pauses" {
            let items: Vec<Value> = pauses.list().await?.iter().map(Pause::summary).collect();
            let set_aside = self.platform.inbox.paused(100).await?;
            let set_aside: Vec<Value> = set_aside.iter().map(InboxItem::summary).collect();
            return Ok(Reply::Http(HttpResponse::json(
                200,
                &json!({"pauses": items, "set_aside": set_aside}),
            )));
        }
        let target = if template.starts_with("partners/") {
            check_partner_id(partner_id)?;
            Target::Partner(partner_id.to_owned())
        } else {
            Target::Function(U::NAME.to_owned())
        };
        if template.ends_with("/pause") || template == "pause" {
            let reason = pause_reason(&request.body)?;
            let edi_addresses = match &target {
                Target::Partner(id) => {
                    let id = PartnerId::new(id.clone());
                    let partner = self.platform.tg.partner(&id).await?;
                    partner
                        .edi_addresses
                        .iter()
                        .map(|a| format!("{}:{}", a.qualifier, a.id))
                        .collect()
                }
                Target::Function(_) => Vec::new(),
            };
            let (pause, new) = pauses.pause(&target, &reason, &edi_addresses).await?;
            let mut body = pause.summary();
            body["already_paused"] = json!(!new);
            return Ok(Reply::Http(HttpResponse::json(
                if new { 201 } else { 200 },
                &body,
            )));
        }
        if !request.body.is_empty() {
            resume_body(&request.body)?;
        }
        let resumed = pauses.resume(&target).await?;
        // What waited is processed now, through the normal path.
        let inbox = self.process_pending().await?;
        Ok(Reply::Http(HttpResponse::json(
            200,
            &json!({
                "resumed": target.describe(),
                "was_paused": resumed.is_some(),
                "pause": resumed.as_ref().map(Pause::summary),
                "inbox": inbox,
            }),
        )))
    }

    /// `GET /{function}/timeline/{key}?limit=N&after=CURSOR`: the key's timeline, oldest
    /// first (every function's entries: the ledger is one).
    async fn timeline_route(
        &self,
        request: &HttpRequest,
        key: &str,
    ) -> Result<Reply, timeline::TimelineError> {
        let key = gridlink_lambda::percent_decode_path(key);
        let page = timeline::read(
            self.platform.ledger.as_ref(),
            &key,
            request.query_param("limit"),
            request.query_param("after"),
        )
        .await?;
        tracing::info!(timeline_key = %page.key, entries = page.entries.len(), more = page.more, "timeline read");
        Ok(Reply::Http(HttpResponse::json(200, &page.answer())))
    }

    async fn http(&self, request: HttpRequest) -> Result<Reply, FunctionError> {
        let spec = U::spec();
        let Some((route, params)) = spec.route_for(&request.method, &request.path) else {
            return Err(FunctionError::new(
                ErrorKind::NotFound,
                format!("{}: no route {} {}", U::NAME, request.method, request.path),
            ));
        };
        let template = relative(U::NAME, route.path);
        match (route.method, template) {
            ("GET", "health") => Ok(not_implemented::health(spec, true)),
            ("POST", "tg/events") => self.accept(TG_SOURCE, &request).await,
            ("POST", "xecm/events") => self.accept(XECM_SOURCE, &request).await,
            (
                _,
                "pauses"
                | "pause"
                | "resume"
                | "partners/{partner_id}/pause"
                | "partners/{partner_id}/resume",
            ) => self
                .pause_route(template, &param(&params, "partner_id"), &request)
                .await
                .map_err(|e| failure(&e)),
            (
                _,
                "dead-letters"
                | "dead-letters/{item_id}"
                | "dead-letters/{item_id}/requeue"
                | "dead-letters/requeue"
                | "dead-letters/{item_id}/discard",
            ) => {
                self.dead_letter_route(template, &request, &param(&params, "item_id"))
                    .await
            }
            ("POST", "inbox/{item_id}/replay") => {
                self.replay_route(&request, &param(&params, "item_id"))
                    .await
            }
            ("GET", "timeline/{key}") => self
                .timeline_route(&request, &param(&params, "key"))
                .await
                .map_err(|e| failure(&e)),
            (method, template) => {
                let Some(own) = U::Route::parse(method, template, &params) else {
                    return Err(FunctionError::new(
                        ErrorKind::Internal,
                        format!(
                            "{}: the manifest route `{}` has no handler",
                            U::NAME,
                            route.route_key()
                        ),
                    ));
                };
                self.usecase
                    .on_route(own, &request)
                    .await
                    .map(Reply::Http)
                    .map_err(|e| failure(&e))
            }
        }
    }

    async fn schedule(&self, firing: &ScheduleFiring) -> Result<Reply, FunctionError> {
        let Some(schedule) = U::Schedule::parse(relative_schedule(U::NAME, &firing.schedule))
        else {
            return Err(FunctionError::new(
                ErrorKind::NotFound,
                format!("{}: no schedule `{}`", U::NAME, firing.schedule),
            ));
        };
        // The pauses are read once for the whole firing.
        let active = self
            .pauses()
            .active()
            .await
            .map_err(|e| failure(&InboxError::from(e)))?;
        if active.function_paused(U::NAME) {
            tracing::info!("the function is paused: the schedule does nothing");
            return Ok(Reply::Scheduled(json!({
                "schedule": firing.schedule,
                "paused": true,
                "inbox": RunSummary { function_paused: true, ..RunSummary::default() },
            })));
        }
        // The schedule's own work (a poll of xECM or of TG's inbox) may fail on a peer that is
        // down; the events already kept in the inbox are processed all the same, so one
        // failing poll never starves them. The firing still fails with the poll's error.
        let outcome = self.usecase.on_schedule(schedule).await;
        let inbox = self.process_pending_under(&active).await;
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                match &inbox {
                    Ok(summary) => tracing::warn!(
                        error = %error,
                        inbox = ?summary,
                        "the schedule's own work failed; the pending inbox was processed anyway"
                    ),
                    Err(inbox_error) => tracing::warn!(
                        error = %error,
                        inbox_error = %inbox_error,
                        "the schedule's own work failed, and so did reading the pending inbox"
                    ),
                }
                return Err(failure(&error));
            }
        };
        let inbox = inbox.map_err(|e| failure(&e))?;
        let mut reply = match outcome {
            Value::Object(fields) => Value::Object(fields),
            other => json!({"outcome": other}),
        };
        reply["schedule"] = json!(firing.schedule);
        reply["inbox"] = json!(inbox);
        Ok(Reply::Scheduled(reply))
    }
}

/// What became of an item processed inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Processed {
    /// Attempted and settled.
    Settled(Settled),
    /// Set aside: its partner is paused.
    SetAside,
    /// Left pending: the function is paused.
    FunctionPaused,
}

impl Processed {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Settled(Settled::Done) => "done",
            Self::Settled(Settled::Retrying) | Self::FunctionPaused => "pending",
            Self::Settled(Settled::DeadLettered) => "dead_letter",
            Self::SetAside => "paused",
        }
    }
}

/// Why an operator route failed: each kind keeps its own status.
#[derive(Debug, thiserror::Error)]
enum RouteError {
    #[error(transparent)]
    Inbox(#[from] InboxError),
    #[error(transparent)]
    Pause(#[from] PauseError),
    #[error(transparent)]
    Ledger(#[from] gridlink_store::LedgerError),
    #[error("Trading Grid: {0}")]
    Tg(#[from] gridlink_tgrid::TgError),
    #[error("{0}")]
    Body(String),
}

impl Classify for RouteError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Inbox(e) => e.kind(),
            Self::Pause(e) => e.kind(),
            Self::Ledger(_) => ErrorKind::Unavailable,
            Self::Tg(e) => e.kind(),
            Self::Body(_) => ErrorKind::BadRequest,
        }
    }
}

/// The body of a pause: `{"reason": "…"}` (1–500 printable characters), nothing else.
fn pause_reason(body: &[u8]) -> Result<String, RouteError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct PauseRequest {
        reason: String,
    }
    let request: PauseRequest = serde_json::from_slice(body)
        .map_err(|e| RouteError::Body(format!("the body must be {{\"reason\": \"…\"}}: {e}")))?;
    check_reason(&request.reason)?;
    Ok(request.reason)
}

/// The body of a resume, when there is one: `{}` or `{"reason": "…"}`.
fn resume_body(body: &[u8]) -> Result<(), RouteError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ResumeRequest {
        #[serde(default)]
        reason: Option<String>,
    }
    let request: ResumeRequest = serde_json::from_slice(body).map_err(|e| {
        RouteError::Body(format!(
            "the body must be empty, {{}} or {{\"reason\": \"…\"}}: {e}"
        ))
    })?;
    if let Some(reason) = &request.reason {
        check_reason(reason)?;
    }
    Ok(())
}

/// The recorded outcome of a push whose node xECM does not have (any more): done, not
/// retried, not a dead letter; an operator reads it on the item.
fn skipped_push(field: &str, node: NodeId) -> Value {
    json!({"skipped": format!("node {node} not found in xECM"), "field": field})
}

impl<U: UseCase> Handler for Function<U> {
    fn spec(&self) -> &'static gridlink_lambda::FunctionSpec {
        U::spec()
    }

    fn handle(&self, invocation: Invocation) -> BoxFuture<'_, Result<Reply, FunctionError>> {
        let context = self.platform.inbox.timeline_context();
        // Boxed before it goes into the scope: the handler's future type nested in the
        // scope's would be too deep for the compiler to lay out.
        let work: BoxFuture<'_, Result<Reply, FunctionError>> = Box::pin(async move {
            match invocation {
                Invocation::Http(request) => {
                    let span = tracing::info_span!(
                        "request",
                        route = %format!("{} {}", request.method, request.path),
                        gateway_request_id = request.request_id.as_deref().unwrap_or_default()
                    );
                    self.http(request).instrument(span).await
                }
                Invocation::Schedule(firing) => {
                    let span = tracing::info_span!("schedule", schedule = %firing.schedule);
                    self.schedule(&firing).instrument(span).await
                }
            }
        });
        Box::pin(timeline::scoped(context, work))
    }
}

/// A use case not built yet, answering honestly on the same surface (see the module docs).
#[derive(Debug, Default)]
pub struct Skeleton<U: UseCaseSpec> {
    usecase: PhantomData<fn() -> U>,
}

impl<U: UseCaseSpec> Skeleton<U> {
    /// The skeleton of `U`.
    pub fn new() -> Self {
        Self {
            usecase: PhantomData,
        }
    }
}

impl<U: UseCaseSpec> Handler for Skeleton<U> {
    fn spec(&self) -> &'static gridlink_lambda::FunctionSpec {
        U::spec()
    }

    fn handle(&self, invocation: Invocation) -> BoxFuture<'_, Result<Reply, FunctionError>> {
        let answer = not_implemented::answer(U::spec(), &invocation);
        Box::pin(async move { answer })
    }
}
