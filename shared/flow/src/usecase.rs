//! What a use case is, to the runtime: a name, its typed triggers, its steps.
//!
//! A use case implements [`UseCase`]: the events kept in its inbox ([`UseCase::on_event`]),
//! its schedules ([`UseCase::on_schedule`]) and its operator routes ([`UseCase::on_route`]),
//! each with a typed trigger parsed once by the runtime ([`Routes`], [`Schedules`]). Everything
//! else — health, signed Trading Grid webhooks and xECM pushes, the durable inbox with its one
//! retry rule and dead letters, the error → HTTP / Lambda mapping — is
//! [`Function`](crate::function::Function)'s, written once for all seven functions.
//!
//! # Routes are declared once
//! The manifest (`gridlink_lambda::manifest`) lists every route and schedule; a use case's
//! [`Routes::TEMPLATES`] and [`Schedules::NAMES`] name the ones it serves, **relative to the
//! function's prefix** (`unmatched/{item_id}/assign` for `/order-reconcile/unmatched/{item_id}/assign`,
//! `poll-inbox` for the schedule `order-reconcile-poll-inbox`). [`check_bindings`] proves that
//! the manifest and the dispatch agree both ways; every function crate runs it in a test.

use std::future::Future;

use gridlink_core::error::Classify;
use gridlink_lambda::manifest::{self, FunctionSpec};
use gridlink_lambda::{HttpRequest, HttpResponse};
use gridlink_tgrid::events::Event;
use serde_json::Value;

use crate::inbox::InboxItem;
use crate::push::PushEvent;

/// The path parameters of a matched route, in template order.
pub type RouteParams = [(&'static str, String)];

/// The routes every function has, served by the runtime itself (relative templates).
pub const RUNTIME_ROUTES: [(&str, &str); 15] = [
    ("GET", "health"),
    ("POST", "tg/events"),
    ("POST", "xecm/events"),
    ("GET", "dead-letters"),
    ("GET", "dead-letters/{item_id}"),
    ("POST", "dead-letters/{item_id}/requeue"),
    ("POST", "dead-letters/requeue"),
    ("POST", "dead-letters/{item_id}/discard"),
    ("GET", "pauses"),
    ("POST", "pause"),
    ("POST", "resume"),
    ("POST", "partners/{partner_id}/pause"),
    ("POST", "partners/{partner_id}/resume"),
    ("GET", "timeline/{key}"),
    ("POST", "inbox/{item_id}/replay"),
];

/// A use case's own HTTP routes, typed.
pub trait Routes: Sized + Send + Sync + 'static {
    /// Every route this type stands for: method and path template relative to the function's
    /// prefix.
    const TEMPLATES: &'static [(&'static str, &'static str)];

    /// The route for a (relative) template of [`Routes::TEMPLATES`] with its path parameters.
    fn parse(method: &str, template: &str, params: &RouteParams) -> Option<Self>;
}

/// A use case's schedules, typed.
pub trait Schedules: Sized + Send + Sync + 'static {
    /// Every schedule this type stands for, relative to the function's name (`poll-inbox`).
    const NAMES: &'static [&'static str];

    /// The schedule of a (relative) name of [`Schedules::NAMES`].
    fn parse(name: &str) -> Option<Self>;
}

/// No routes of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoRoutes {}

impl Routes for NoRoutes {
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[];

    fn parse(_: &str, _: &str, _: &RouteParams) -> Option<Self> {
        None
    }
}

/// The value of a path parameter.
pub fn param(params: &RouteParams, name: &str) -> String {
    params
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// One event kept in the inbox, read back for processing.
#[derive(Debug, Clone)]
pub enum Received {
    /// A Trading Grid event (a webhook delivery, or one the inbox poller made).
    Tg(Event),
    /// A signed xECM push: a hint of where to look.
    Xecm(PushEvent),
}

/// What a use case is named and which triggers it has: enough to route, to check the
/// manifest, and to answer honestly while it is not built.
pub trait UseCaseSpec: Send + Sync + 'static {
    /// Its name in the manifest, the template and the runner (`order-reconcile`).
    const NAME: &'static str;
    /// Its operator routes.
    type Route: Routes;
    /// Its schedules.
    type Schedule: Schedules;

    /// Its manifest entry.
    fn spec() -> &'static FunctionSpec {
        manifest::function(Self::NAME).unwrap_or_else(|| {
            panic!(
                "invariant: use case `{}` is in gridlink_lambda::manifest::FUNCTIONS",
                Self::NAME
            )
        })
    }
}

/// A use case: its steps for each typed trigger.
///
/// Errors are the use case's own type, classified once ([`Classify`]): the runtime maps the
/// kind to the HTTP status, the Lambda error type and the inbox's retry rule.
pub trait UseCase: UseCaseSpec {
    /// Why a step failed.
    type Error: Classify + std::fmt::Display + Send + Sync + 'static;

    /// Processes one event from the inbox; the value is recorded as the item's outcome.
    fn on_event(
        &self,
        item: &InboxItem,
        event: Received,
    ) -> impl Future<Output = Result<Value, Self::Error>> + Send;

    /// Runs one schedule; the value is the firing's outcome (an object's fields become the
    /// reply's, beside `schedule` and `inbox`). The runtime processes the inbox's pending
    /// items afterwards.
    fn on_schedule(
        &self,
        schedule: Self::Schedule,
    ) -> impl Future<Output = Result<Value, Self::Error>> + Send;

    /// Answers one operator route.
    fn on_route(
        &self,
        route: Self::Route,
        request: &HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, Self::Error>> + Send;
}

/// A route template relative to the function's prefix: `/order-reconcile/unmatched` →
/// `unmatched`.
pub fn relative<'a>(function: &str, path: &'a str) -> &'a str {
    path.trim_start_matches('/')
        .strip_prefix(function)
        .map_or(path, |rest| rest.trim_start_matches('/'))
}

/// A schedule name relative to the function's name: `order-reconcile-poll-inbox` →
/// `poll-inbox`.
pub fn relative_schedule<'a>(function: &str, name: &'a str) -> &'a str {
    name.strip_prefix(function)
        .and_then(|rest| rest.strip_prefix('-'))
        .unwrap_or(name)
}

/// Checks that the manifest and `U`'s dispatch agree both ways: every manifest route is
/// served (by the runtime or by `U::Route`), every `U::Route` template is in the manifest,
/// every manifest schedule parses as a `U::Schedule`, and every `U::Schedule` name is in the
/// manifest. Returns every mismatch.
pub fn check_bindings<U: UseCaseSpec>() -> Result<(), Vec<String>> {
    let spec = U::spec();
    let mut problems = Vec::new();
    let in_manifest = |method: &str, template: &str| {
        spec.routes
            .iter()
            .any(|r| r.method == method && relative(spec.name, r.path) == template)
    };
    for route in spec.routes {
        let template = relative(spec.name, route.path);
        let runtime = RUNTIME_ROUTES
            .iter()
            .any(|(m, t)| *m == route.method && *t == template);
        let params: Vec<(&'static str, String)> = route
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| (name, "x".to_owned()))
            .collect();
        let own = U::Route::TEMPLATES
            .iter()
            .any(|(m, t)| *m == route.method && *t == template)
            && U::Route::parse(route.method, template, &params).is_some();
        if !runtime && !own {
            problems.push(format!(
                "manifest route `{}` has no handler in {}",
                route.route_key(),
                spec.name
            ));
        }
    }
    for (method, template) in U::Route::TEMPLATES {
        if !in_manifest(method, template) {
            problems.push(format!(
                "{} handles `{method} /{}/{template}`, which the manifest does not list",
                spec.name, spec.name
            ));
        }
    }
    for schedule in spec.schedules {
        if U::Schedule::parse(relative_schedule(spec.name, schedule.name)).is_none() {
            problems.push(format!(
                "manifest schedule `{}` has no handler in {}",
                schedule.name, spec.name
            ));
        }
    }
    for name in U::Schedule::NAMES {
        if !spec
            .schedules
            .iter()
            .any(|s| relative_schedule(spec.name, s.name) == *name)
        {
            problems.push(format!(
                "{} handles schedule `{}-{name}`, which the manifest does not list",
                spec.name, spec.name
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Declares a use case's schedules as a typed enum: each variant with its name relative to
/// the function (`poll-inbox` for `order-reconcile-poll-inbox`).
///
/// ```ignore
/// gridlink_flow::schedules! {
///     /// order-reconcile's schedules.
///     pub enum Schedule {
///         /// Poll the TG inbox.
///         PollInbox = "poll-inbox",
///         /// Retry unmatched items.
///         RetryUnmatched = "retry-unmatched",
///     }
/// }
/// ```
#[macro_export]
macro_rules! schedules {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name { $($(#[$vmeta])* $variant),* }

        impl $crate::usecase::Schedules for $name {
            const NAMES: &'static [&'static str] = &[$($text),*];

            fn parse(name: &str) -> Option<Self> {
                match name {
                    $($text => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::schedules! {
        enum InboundSchedules {
            PollInbox = "poll-inbox",
            RetryUnmatched = "retry-unmatched",
        }
    }

    crate::schedules! {
        enum OneTooMany {
            PollInbox = "poll-inbox",
            RetryUnmatched = "retry-unmatched",
            Sweep = "sweep",
        }
    }

    /// Serves the unmatched queue of order-reconcile's manifest entry.
    #[derive(Debug)]
    enum Queue {
        Any,
    }

    impl Routes for Queue {
        const TEMPLATES: &'static [(&'static str, &'static str)] = &[
            ("GET", "unmatched"),
            ("GET", "unmatched/{item_id}"),
            ("GET", "unmatched/{item_id}/content"),
            ("POST", "unmatched/{item_id}/assign"),
            ("POST", "unmatched/{item_id}/reject"),
        ];

        fn parse(_: &str, template: &str, _: &RouteParams) -> Option<Self> {
            Self::TEMPLATES
                .iter()
                .any(|(_, t)| *t == template)
                .then_some(Self::Any)
        }
    }

    /// One route more than the manifest lists.
    #[derive(Debug)]
    enum QueueAndMore {
        Any,
    }

    impl Routes for QueueAndMore {
        const TEMPLATES: &'static [(&'static str, &'static str)] = &[
            ("GET", "unmatched"),
            ("GET", "unmatched/{item_id}"),
            ("GET", "unmatched/{item_id}/content"),
            ("POST", "unmatched/{item_id}/assign"),
            ("POST", "unmatched/{item_id}/reject"),
            ("POST", "unmatched/{item_id}/snooze"),
        ];

        fn parse(_: &str, _: &str, _: &RouteParams) -> Option<Self> {
            Some(Self::Any)
        }
    }

    struct Matching;
    impl UseCaseSpec for Matching {
        const NAME: &'static str = "order-reconcile";
        type Route = Queue;
        type Schedule = InboundSchedules;
    }

    struct MissingRoutes;
    impl UseCaseSpec for MissingRoutes {
        const NAME: &'static str = "order-reconcile";
        type Route = NoRoutes;
        type Schedule = InboundSchedules;
    }

    struct ExtraRoute;
    impl UseCaseSpec for ExtraRoute {
        const NAME: &'static str = "order-reconcile";
        type Route = QueueAndMore;
        type Schedule = InboundSchedules;
    }

    struct ExtraSchedule;
    impl UseCaseSpec for ExtraSchedule {
        const NAME: &'static str = "order-reconcile";
        type Route = Queue;
        type Schedule = OneTooMany;
    }

    #[test]
    fn the_bindings_check_passes_only_when_the_manifest_and_the_dispatch_agree() {
        assert_eq!(check_bindings::<Matching>(), Ok(()));
        let missing = check_bindings::<MissingRoutes>().expect_err("unserved routes");
        assert_eq!(missing.len(), 5, "{missing:?}");
        assert!(missing[0].contains("has no handler"), "{missing:?}");
        let extra = check_bindings::<ExtraRoute>().expect_err("a route the manifest lacks");
        assert_eq!(extra.len(), 1, "{extra:?}");
        assert!(extra[0].contains("snooze"), "{extra:?}");
        let schedule =
            check_bindings::<ExtraSchedule>().expect_err("a schedule the manifest lacks");
        assert!(
            schedule[0].contains("order-reconcile-sweep"),
            "{schedule:?}"
        );
    }

    #[test]
    fn templates_and_schedules_are_read_relative_to_the_function() {
        assert_eq!(
            relative("order-reconcile", "/order-reconcile/unmatched/{item_id}"),
            "unmatched/{item_id}"
        );
        assert_eq!(relative("case-collab", "/case-collab/health"), "health");
        assert_eq!(
            relative_schedule("order-reconcile", "order-reconcile-poll-inbox"),
            "poll-inbox"
        );
    }
}
