//! The one source of truth for what each function serves: its HTTP routes and its schedules.
//!
//! `infra/template.yaml` must agree with this manifest (a test in `tests/` proves it both ways),
//! and the local runner serves and fires exactly what it lists.
//!
//! Besides routes and schedules, each [`FunctionSpec`] says what its role may touch: the blob
//! key prefixes its code writes and reads ([`FunctionSpec::blob_prefixes`]), whether it uses the
//! ledger, and which secrets it reads (at its first invocation). The template grants exactly
//! that, and a function not [`implemented`](FunctionSpec::implemented) yet gets no storage, no
//! secrets and only disabled schedules.

/// An HTTP API route (API Gateway HTTP API, payload format 2.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// The path template, API Gateway style: `/shipment-delay/unmatched/{item_id}`.
    pub path: &'static str,
    /// What the route is for.
    pub purpose: &'static str,
}

impl Route {
    /// The API Gateway route key: `POST /case-collab/tg/events`.
    pub fn route_key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// Matches a concrete path against the template, returning the path parameters.
    pub fn matches(&self, method: &str, path: &str) -> Option<Vec<(&'static str, String)>> {
        if !self.method.eq_ignore_ascii_case(method) {
            return None;
        }
        let mut template = self.path.trim_matches('/').split('/');
        let mut concrete = path.trim_matches('/').split('/');
        let mut params = Vec::new();
        loop {
            match (template.next(), concrete.next()) {
                (None, None) => return Some(params),
                (Some(t), Some(c)) => {
                    if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                        if c.is_empty() {
                            return None;
                        }
                        params.push((name, c.to_owned()));
                    } else if t != c {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    }
}

/// An EventBridge Scheduler schedule (SAM `ScheduleV2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The name the function receives in its input: `{"schedule": "<name>"}`.
    pub name: &'static str,
    /// `rate(5 minutes)` or `cron(0 8 * * ? *)` (UTC).
    pub expression: &'static str,
    /// What firing it does.
    pub purpose: &'static str,
}

/// One deployable function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionSpec {
    /// The crate, binary and function name: `case-collab`.
    pub name: &'static str,
    /// The SAM logical id: `CaseCollabFunction`.
    pub logical_id: &'static str,
    /// One line for the README and the runner's banner.
    pub summary: &'static str,
    /// Its HTTP routes.
    pub routes: &'static [Route],
    /// Its schedules.
    pub schedules: &'static [Schedule],
    /// The Trading Grid event types its webhook route subscribes to.
    pub tg_event_types: &'static [&'static str],
    /// Memory in MB on Lambda.
    pub memory_mb: u32,
    /// Timeout in seconds on Lambda.
    pub timeout_secs: u32,
    /// Whether the use case is built. A function that is not answers `501` and deploys
    /// quietly: its schedules are `DISABLED` in the template, and its role grants no blobs, no
    /// ledger and no secrets.
    pub implemented: bool,
    /// The blob key prefixes the function's code puts and gets objects under, each ending in
    /// `/`; its role may get, put and abort uploads under these and no others.
    pub blob_prefixes: &'static [&'static str],
    /// Whether the function reads and writes the ledger (the DynamoDB table).
    pub uses_ledger: bool,
    /// The secrets the function reads (at its first invocation), by configuration key
    /// (`TG_WEBHOOK_SECRET`): the template sets `<KEY>_SECRET_ARN` for exactly these, and its
    /// role may read only them.
    pub secrets: &'static [&'static str],
}

impl FunctionSpec {
    /// The route matching a request, with its path parameters.
    pub fn route_for(
        &self,
        method: &str,
        path: &str,
    ) -> Option<(&'static Route, Vec<(&'static str, String)>)> {
        self.routes
            .iter()
            .find_map(|route| route.matches(method, path).map(|params| (route, params)))
    }
}

/// The secrets of a function that works through xECM and Trading Grid and takes TG webhooks
/// (`gridlink_flow::platform` requires all three at start).
const PLATFORM_SECRETS: &[&str] = &["XECM_PASSWORD", "TG_CLIENT_SECRET", "TG_WEBHOOK_SECRET"];

/// [`PLATFORM_SECRETS`] and the key xECM push events are signed with.
const PLATFORM_AND_PUSH_SECRETS: &[&str] = &[
    "XECM_PASSWORD",
    "TG_CLIENT_SECRET",
    "TG_WEBHOOK_SECRET",
    "XECM_PUSH_SECRET",
];

const fn tg_events(path: &'static str) -> Route {
    Route {
        method: "POST",
        path,
        purpose: "Trading Grid webhook deliveries (signed)",
    }
}

const fn xecm_events(path: &'static str) -> Route {
    Route {
        method: "POST",
        path,
        purpose: "xECM push events (signed; Event Action Center, WebReport or workflow step)",
    }
}

const fn health(path: &'static str) -> Route {
    Route {
        method: "GET",
        path,
        purpose: "Liveness and configuration summary",
    }
}

const fn dead_letters(path: &'static str) -> Route {
    Route {
        method: "GET",
        path,
        purpose: "Operator: list the inbox's dead letters",
    }
}

const fn dead_letter(path: &'static str) -> Route {
    Route {
        method: "GET",
        path,
        purpose: "Operator: one inbox item (a dead letter, or any other), every attempt and its error, and the raw event",
    }
}

const fn requeue(path: &'static str) -> Route {
    Route {
        method: "POST",
        path,
        purpose: "Operator: requeue a dead letter and process it once",
    }
}

const fn requeue_all(path: &'static str) -> Route {
    Route {
        method: "POST",
        path,
        purpose: "Operator: requeue the function's dead letters, a batch per call, and process them",
    }
}

const fn discard(path: &'static str) -> Route {
    Route {
        method: "POST",
        path,
        purpose: "Operator: discard a dead letter with a reason (kept, with its raw event; no longer a dead letter)",
    }
}

const fn pauses(path: &'static str) -> Route {
    Route {
        method: "GET",
        path,
        purpose: "Operator: the pauses in force and the events set aside for a paused partner",
    }
}

const fn pause(path: &'static str) -> Route {
    Route {
        method: "POST",
        path,
        purpose: "Operator: pause the function (traffic kept, not processed until resumed)",
    }
}

const fn resume(path: &'static str) -> Route {
    Route {
        method: "POST",
        path,
        purpose: "Operator: resume the function and process what waited",
    }
}

const fn partner_pause(path: &'static str) -> Route {
    Route {
        method: "POST",
        path,
        purpose: "Operator: pause a trading partner in every function (its traffic kept, not processed)",
    }
}

const fn partner_resume(path: &'static str) -> Route {
    Route {
        method: "POST",
        path,
        purpose: "Operator: resume a trading partner and process what waited for it",
    }
}

const fn replay(path: &'static str) -> Route {
    Route {
        method: "POST",
        path,
        purpose: "Operator: replay an inbox item through the normal path (a no-op where its effects happened), or dry-run it: what it would file and send, nothing written",
    }
}

const fn timeline(path: &'static str) -> Route {
    Route {
        method: "GET",
        path,
        purpose: "Operator: the timeline of a business key (po:4711, shipment:…, case:…), oldest first",
    }
}

/// Every gridlink function, in use-case order.
pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "case-collab",
        logical_id: "CaseCollabFunction",
        summary: "Case workspaces get a TG collaboration space; selected documents, status updates and action requests go out, partner replies come back.",
        routes: &[
            tg_events("/case-collab/tg/events"),
            xecm_events("/case-collab/xecm/events"),
            health("/case-collab/health"),
            dead_letters("/case-collab/dead-letters"),
            dead_letter("/case-collab/dead-letters/{item_id}"),
            requeue("/case-collab/dead-letters/{item_id}/requeue"),
            requeue_all("/case-collab/dead-letters/requeue"),
            discard("/case-collab/dead-letters/{item_id}/discard"),
            pauses("/case-collab/pauses"),
            pause("/case-collab/pause"),
            resume("/case-collab/resume"),
            partner_pause("/case-collab/partners/{partner_id}/pause"),
            partner_resume("/case-collab/partners/{partner_id}/resume"),
            timeline("/case-collab/timeline/{key}"),
            replay("/case-collab/inbox/{item_id}/replay"),
        ],
        schedules: &[Schedule {
            name: "case-collab-poll-xecm",
            expression: "rate(5 minutes)",
            purpose: "Find case workspaces and documents changed since the cursor",
        }],
        tg_event_types: &["message.posted"],
        memory_mb: 512,
        timeout_secs: 120,
        implemented: true,
        blob_prefixes: &["raw/tg/case-collab/", "raw/xecm/case-collab/"],
        uses_ledger: true,
        secrets: PLATFORM_AND_PUSH_SECRETS,
    },
    FunctionSpec {
        name: "po-exception",
        logical_id: "PoExceptionFunction",
        summary: "PO exceptions are published to the supplier; corrected documents, explanations and revised confirmations are filed back.",
        routes: &[
            tg_events("/po-exception/tg/events"),
            xecm_events("/po-exception/xecm/events"),
            health("/po-exception/health"),
            dead_letters("/po-exception/dead-letters"),
            dead_letter("/po-exception/dead-letters/{item_id}"),
            requeue("/po-exception/dead-letters/{item_id}/requeue"),
            requeue_all("/po-exception/dead-letters/requeue"),
            discard("/po-exception/dead-letters/{item_id}/discard"),
            pauses("/po-exception/pauses"),
            pause("/po-exception/pause"),
            resume("/po-exception/resume"),
            partner_pause("/po-exception/partners/{partner_id}/pause"),
            partner_resume("/po-exception/partners/{partner_id}/resume"),
            timeline("/po-exception/timeline/{key}"),
            replay("/po-exception/inbox/{item_id}/replay"),
        ],
        schedules: &[
            Schedule {
                name: "po-exception-poll-xecm",
                expression: "rate(5 minutes)",
                purpose: "Find PO exceptions raised or changed since the cursor; take the partners' answers to our changes from TG's event feed (the lost-webhook safety net)",
            },
            Schedule {
                name: "po-exception-deadlines",
                expression: "rate(1 hour)",
                purpose: "Remind partners of overdue PO exceptions; escalate after the last reminder",
            },
        ],
        tg_event_types: &[
            "message.posted",
            "document.received",
            "document.status_changed",
        ],
        memory_mb: 512,
        timeout_secs: 120,
        implemented: true,
        blob_prefixes: &["raw/tg/po-exception/", "raw/xecm/po-exception/"],
        uses_ledger: true,
        secrets: PLATFORM_AND_PUSH_SECRETS,
    },
    FunctionSpec {
        name: "contract-share",
        logical_id: "ContractShareFunction",
        summary: "Approved contract versions are shared for review or acknowledgment; per-partner evidence is filed in the workspace.",
        routes: &[
            tg_events("/contract-share/tg/events"),
            xecm_events("/contract-share/xecm/events"),
            health("/contract-share/health"),
            dead_letters("/contract-share/dead-letters"),
            dead_letter("/contract-share/dead-letters/{item_id}"),
            requeue("/contract-share/dead-letters/{item_id}/requeue"),
            requeue_all("/contract-share/dead-letters/requeue"),
            discard("/contract-share/dead-letters/{item_id}/discard"),
            pauses("/contract-share/pauses"),
            pause("/contract-share/pause"),
            resume("/contract-share/resume"),
            partner_pause("/contract-share/partners/{partner_id}/pause"),
            partner_resume("/contract-share/partners/{partner_id}/resume"),
            timeline("/contract-share/timeline/{key}"),
            replay("/contract-share/inbox/{item_id}/replay"),
        ],
        schedules: &[
            Schedule {
                name: "contract-share-poll-xecm",
                expression: "rate(5 minutes)",
                purpose: "Find contract versions approved since the cursor",
            },
            Schedule {
                name: "contract-share-ack-reminders",
                expression: "cron(0 8 * * ? *)",
                purpose: "Remind partners of overdue acknowledgments",
            },
        ],
        tg_event_types: &["share.acknowledged", "share.declined"],
        memory_mb: 512,
        timeout_secs: 120,
        implemented: true,
        blob_prefixes: &["raw/tg/contract-share/", "raw/xecm/contract-share/"],
        uses_ledger: true,
        secrets: PLATFORM_AND_PUSH_SECRETS,
    },
    FunctionSpec {
        name: "shipment-delay",
        logical_id: "ShipmentDelayFunction",
        summary: "Delay, missing-shipment and customs messages (free text, X12 214, EDIFACT IFTSTA) are routed into the right order or shipment workspace.",
        routes: &[
            tg_events("/shipment-delay/tg/events"),
            Route {
                method: "GET",
                path: "/shipment-delay/unmatched",
                purpose: "Operator: list unmatched items",
            },
            Route {
                method: "GET",
                path: "/shipment-delay/unmatched/{item_id}",
                purpose: "Operator: inspect one unmatched item",
            },
            Route {
                method: "GET",
                path: "/shipment-delay/unmatched/{item_id}/content",
                purpose: "Operator: read an unmatched item's document as it arrived",
            },
            Route {
                method: "POST",
                path: "/shipment-delay/unmatched/{item_id}/assign",
                purpose: "Operator: file an unmatched item into a workspace",
            },
            Route {
                method: "POST",
                path: "/shipment-delay/unmatched/{item_id}/reject",
                purpose: "Operator: reject an unmatched item",
            },
            health("/shipment-delay/health"),
            dead_letters("/shipment-delay/dead-letters"),
            dead_letter("/shipment-delay/dead-letters/{item_id}"),
            requeue("/shipment-delay/dead-letters/{item_id}/requeue"),
            requeue_all("/shipment-delay/dead-letters/requeue"),
            discard("/shipment-delay/dead-letters/{item_id}/discard"),
            pauses("/shipment-delay/pauses"),
            pause("/shipment-delay/pause"),
            resume("/shipment-delay/resume"),
            partner_pause("/shipment-delay/partners/{partner_id}/pause"),
            partner_resume("/shipment-delay/partners/{partner_id}/resume"),
            timeline("/shipment-delay/timeline/{key}"),
            replay("/shipment-delay/inbox/{item_id}/replay"),
        ],
        schedules: &[
            Schedule {
                name: "shipment-delay-poll-inbox",
                expression: "rate(5 minutes)",
                purpose: "Poll the TG inbox: the safety net under webhooks",
            },
            Schedule {
                name: "shipment-delay-retry-unmatched",
                expression: "rate(15 minutes)",
                purpose: "Retry correlation of unmatched items",
            },
        ],
        tg_event_types: &["document.received", "message.posted"],
        memory_mb: 1024,
        timeout_secs: 300,
        implemented: true,
        blob_prefixes: &[
            "raw/tg/shipment-delay/",
            "documents/shipment-delay/",
            "attachments/shipment-delay/",
        ],
        uses_ledger: true,
        secrets: PLATFORM_SECRETS,
    },
    FunctionSpec {
        name: "supplier-onboarding",
        logical_id: "SupplierOnboardingFunction",
        summary: "Required supplier documents are requested through TG, filed into the supplier workspace, and renewed before they expire.",
        routes: &[
            tg_events("/supplier-onboarding/tg/events"),
            xecm_events("/supplier-onboarding/xecm/events"),
            health("/supplier-onboarding/health"),
            dead_letters("/supplier-onboarding/dead-letters"),
            dead_letter("/supplier-onboarding/dead-letters/{item_id}"),
            requeue("/supplier-onboarding/dead-letters/{item_id}/requeue"),
            requeue_all("/supplier-onboarding/dead-letters/requeue"),
            discard("/supplier-onboarding/dead-letters/{item_id}/discard"),
            pauses("/supplier-onboarding/pauses"),
            pause("/supplier-onboarding/pause"),
            resume("/supplier-onboarding/resume"),
            partner_pause("/supplier-onboarding/partners/{partner_id}/pause"),
            partner_resume("/supplier-onboarding/partners/{partner_id}/resume"),
            timeline("/supplier-onboarding/timeline/{key}"),
            replay("/supplier-onboarding/inbox/{item_id}/replay"),
            Route {
                method: "GET",
                path: "/supplier-onboarding/suppliers/{workspace_id}/calendar",
                purpose: "Operator: a supplier's expiry calendar (.ics)",
            },
            Route {
                method: "GET",
                path: "/supplier-onboarding/suppliers/{workspace_id}",
                purpose: "Operator: a supplier's onboarding standing: its compliance record (status, each requirement's state, validity, document and request, history)",
            },
        ],
        schedules: &[
            Schedule {
                name: "supplier-onboarding-poll-xecm",
                expression: "rate(15 minutes)",
                purpose: "Find supplier workspaces that need documents",
            },
            Schedule {
                name: "supplier-onboarding-renewals",
                expression: "cron(0 6 * * ? *)",
                purpose: "Request renewals of documents about to expire",
            },
        ],
        tg_event_types: &[
            "document_request.item_submitted",
            "campaign.response_received",
        ],
        memory_mb: 512,
        timeout_secs: 120,
        implemented: true,
        blob_prefixes: &[
            "raw/tg/supplier-onboarding/",
            "raw/xecm/supplier-onboarding/",
        ],
        uses_ledger: true,
        secrets: PLATFORM_AND_PUSH_SECRETS,
    },
    FunctionSpec {
        name: "recall-campaign",
        logical_id: "RecallCampaignFunction",
        summary: "Recall notices go to many partners; confirmations and evidence are collected with deadlines, reminders and escalation.",
        routes: &[
            tg_events("/recall-campaign/tg/events"),
            xecm_events("/recall-campaign/xecm/events"),
            Route {
                method: "GET",
                path: "/recall-campaign/recalls/{recall_id}",
                purpose: "Operator: a recall's rollup per lot and partner",
            },
            Route {
                method: "POST",
                path: "/recall-campaign/recalls/{recall_id}/bundle",
                purpose: "Operator: build and file a recall's evidence bundle (zip with manifest and sha256s)",
            },
            health("/recall-campaign/health"),
            dead_letters("/recall-campaign/dead-letters"),
            dead_letter("/recall-campaign/dead-letters/{item_id}"),
            requeue("/recall-campaign/dead-letters/{item_id}/requeue"),
            requeue_all("/recall-campaign/dead-letters/requeue"),
            discard("/recall-campaign/dead-letters/{item_id}/discard"),
            pauses("/recall-campaign/pauses"),
            pause("/recall-campaign/pause"),
            resume("/recall-campaign/resume"),
            partner_pause("/recall-campaign/partners/{partner_id}/pause"),
            partner_resume("/recall-campaign/partners/{partner_id}/resume"),
            timeline("/recall-campaign/timeline/{key}"),
            replay("/recall-campaign/inbox/{item_id}/replay"),
        ],
        schedules: &[
            Schedule {
                name: "recall-campaign-poll-xecm",
                expression: "rate(5 minutes)",
                purpose: "Issue approved recalls and resume unfinished fan-outs",
            },
            Schedule {
                name: "recall-campaign-deadlines",
                expression: "rate(1 hour)",
                purpose: "Send reminders to overdue recall partners",
            },
        ],
        tg_event_types: &["campaign.response_received"],
        memory_mb: 512,
        timeout_secs: 300,
        implemented: true,
        blob_prefixes: &["raw/tg/recall-campaign/", "raw/xecm/recall-campaign/"],
        uses_ledger: true,
        secrets: PLATFORM_AND_PUSH_SECRETS,
    },
    FunctionSpec {
        name: "order-reconcile",
        logical_id: "OrderReconcileFunction",
        summary: "Order acknowledgments, packing lists, invoices and exception notes are matched to the order workspace and reconciled line by line.",
        routes: &[
            tg_events("/order-reconcile/tg/events"),
            Route {
                method: "GET",
                path: "/order-reconcile/unmatched",
                purpose: "Operator: list unmatched items",
            },
            Route {
                method: "GET",
                path: "/order-reconcile/unmatched/{item_id}",
                purpose: "Operator: inspect one unmatched item",
            },
            Route {
                method: "GET",
                path: "/order-reconcile/unmatched/{item_id}/content",
                purpose: "Operator: read an unmatched item's document as it arrived",
            },
            Route {
                method: "POST",
                path: "/order-reconcile/unmatched/{item_id}/assign",
                purpose: "Operator: file an unmatched item into a workspace",
            },
            Route {
                method: "POST",
                path: "/order-reconcile/unmatched/{item_id}/reject",
                purpose: "Operator: reject an unmatched item",
            },
            health("/order-reconcile/health"),
            dead_letters("/order-reconcile/dead-letters"),
            dead_letter("/order-reconcile/dead-letters/{item_id}"),
            requeue("/order-reconcile/dead-letters/{item_id}/requeue"),
            requeue_all("/order-reconcile/dead-letters/requeue"),
            discard("/order-reconcile/dead-letters/{item_id}/discard"),
            pauses("/order-reconcile/pauses"),
            pause("/order-reconcile/pause"),
            resume("/order-reconcile/resume"),
            partner_pause("/order-reconcile/partners/{partner_id}/pause"),
            partner_resume("/order-reconcile/partners/{partner_id}/resume"),
            timeline("/order-reconcile/timeline/{key}"),
            replay("/order-reconcile/inbox/{item_id}/replay"),
        ],
        schedules: &[
            Schedule {
                name: "order-reconcile-poll-inbox",
                expression: "rate(5 minutes)",
                purpose: "Poll the TG inbox: the safety net under webhooks",
            },
            Schedule {
                name: "order-reconcile-retry-unmatched",
                expression: "rate(15 minutes)",
                purpose: "Retry correlation of unmatched items",
            },
        ],
        tg_event_types: &["document.received", "document.status_changed"],
        memory_mb: 1024,
        timeout_secs: 300,
        implemented: true,
        blob_prefixes: &[
            "raw/tg/order-reconcile/",
            "documents/order-reconcile/",
            "order-documents/order-reconcile/",
        ],
        uses_ledger: true,
        secrets: PLATFORM_SECRETS,
    },
];

/// The spec of the function called `name`.
pub fn function(name: &str) -> Option<&'static FunctionSpec> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn route_templates_match_concrete_paths_and_capture_parameters() {
        let spec = function("shipment-delay").expect("exists");
        let (route, params) = spec
            .route_for("POST", "/shipment-delay/unmatched/um_42/assign")
            .expect("matches");
        assert_eq!(route.path, "/shipment-delay/unmatched/{item_id}/assign");
        assert_eq!(params, vec![("item_id", "um_42".to_owned())]);
        assert!(
            spec.route_for("GET", "/shipment-delay/unmatched/um_42/assign")
                .is_none()
        );
        assert!(
            spec.route_for("POST", "/shipment-delay/unmatched//assign")
                .is_none()
        );
    }

    #[test]
    fn names_routes_and_schedules_are_unique_across_functions() {
        let mut names = HashSet::new();
        let mut routes = HashSet::new();
        let mut schedules = HashSet::new();
        for f in FUNCTIONS {
            assert!(names.insert(f.name), "duplicate function {}", f.name);
            for r in f.routes {
                assert!(
                    routes.insert(r.route_key()),
                    "duplicate route {}",
                    r.route_key()
                );
                assert!(
                    r.path.starts_with(&format!("/{}/", f.name)),
                    "{} outside its prefix",
                    r.path
                );
            }
            for s in f.schedules {
                assert!(schedules.insert(s.name), "duplicate schedule {}", s.name);
                assert!(s.name.starts_with(f.name));
            }
        }
        assert_eq!(FUNCTIONS.len(), 7);
    }

    #[test]
    fn a_function_touches_storage_and_secrets_only_once_implemented() {
        for f in FUNCTIONS {
            if !f.implemented {
                assert!(
                    f.blob_prefixes.is_empty(),
                    "{} is a stub with blobs",
                    f.name
                );
                assert!(!f.uses_ledger, "{} is a stub using the ledger", f.name);
                assert!(f.secrets.is_empty(), "{} is a stub reading secrets", f.name);
            }
        }
    }

    #[test]
    fn blob_prefixes_are_whole_segments_owned_by_their_function() {
        for f in FUNCTIONS {
            for prefix in f.blob_prefixes {
                assert!(
                    prefix.ends_with('/'),
                    "{prefix} of {} ends mid-segment",
                    f.name
                );
                assert!(
                    prefix.split('/').any(|segment| segment == f.name),
                    "{prefix} of {} does not name its function",
                    f.name
                );
                assert!(
                    !prefix.contains('*') && !prefix.starts_with('/'),
                    "{prefix} of {} is not a plain key prefix",
                    f.name
                );
            }
        }
    }

    #[test]
    fn secrets_are_the_platform_keys_and_push_routes_have_their_key() {
        let known = [
            "XECM_PASSWORD",
            "TG_CLIENT_SECRET",
            "TG_WEBHOOK_SECRET",
            "XECM_PUSH_SECRET",
        ];
        for f in FUNCTIONS {
            for secret in f.secrets {
                assert!(known.contains(secret), "{} reads unknown {secret}", f.name);
            }
            let push_route = f.routes.iter().any(|r| r.path.ends_with("/xecm/events"));
            if f.implemented {
                assert_eq!(
                    f.secrets.contains(&"XECM_PUSH_SECRET"),
                    push_route,
                    "{}: the push key goes with a push route",
                    f.name
                );
            }
        }
    }
}
