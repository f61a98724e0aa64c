//! The whole `main` of a function, written once: logs, configuration and platform from the
//! environment — every problem listed at once, readably — then the Lambda loop.
//!
//! A configuration that is wrong in a way the function can see without the network (a missing
//! or malformed variable) stops the start, every problem listed. A secret given by its ARN
//! (`TG_WEBHOOK_SECRET_ARN`…; [`crate::platform`]) is not read at start: nothing is asked of
//! AWS before the Lambda runtime's first `next` (issue 19, item 4). The platform is built, its
//! secrets read from Secrets Manager (all at once), by the **first invocation**, once per
//! process. If that fails — a secret missing, its read refused — the invocation fails
//! (`Unavailable`: HTTP `503` with `Retry-After`, or a `Retryable` invocation error) naming
//! each ARN variable at fault, the function's log says why, and the next invocation tries
//! again. With every secret given as a value (local runs, tests) the platform is built at
//! start, as before.

use std::process::ExitCode;
use std::sync::Arc;

use gridlink_core::config::{ConfigError, ConfigProblem, ConfigSource};
use gridlink_core::error::ErrorKind;
use gridlink_core::telemetry::{self, LogFormat};
use gridlink_lambda::{BoxFuture, FunctionError, FunctionSpec, Handler, Invocation, Reply};
use tokio::sync::OnceCell;

use crate::function::{Function, Skeleton};
use crate::platform::{Parts, Platform, PlatformError, Start};
use crate::usecase::{UseCase, UseCaseSpec};

fn problems(error: PlatformError) -> Vec<ConfigProblem> {
    match error {
        PlatformError::Config(e) => e.problems,
        PlatformError::Storage(e) => vec![ConfigProblem {
            key: "GRIDLINK_STORAGE".into(),
            problem: format!("storage could not be opened: {e}"),
        }],
        PlatformError::Client(e) => vec![ConfigProblem {
            key: "XECM_BASE_URL / TG_BASE_URL".into(),
            problem: format!("a client could not be built: {e}"),
        }],
    }
}

/// Runs use case `U`: reads its configuration with `config`, builds the platform, makes the
/// function with `make`, and serves the Runtime API until the process ends. A bad
/// configuration is printed as a list (`KEY: problem`, never a value) and the process exits
/// with status 1 before the first invocation. With a secret given by its ARN the platform and
/// the function are built by the first invocation instead (see the module docs).
pub async fn serve<U, C>(
    config: impl FnOnce(&ConfigSource) -> Result<C, ConfigError>,
    make: impl Fn(Platform, C) -> Function<U> + Send + Sync + 'static,
) -> ExitCode
where
    U: UseCase,
    C: Clone + Send + Sync + 'static,
{
    telemetry::init(LogFormat::detect());
    let source = ConfigSource::from_env();
    let config = config(&source);
    let start = Parts::start_from_env().await;
    match (config, start) {
        (Ok(config), Ok(Start::Built(parts))) => {
            run(make(Platform::from_parts(U::NAME, &parts), config)).await
        }
        (Ok(config), Ok(Start::AtFirstUse(pending))) => {
            let (pending, make) = (Arc::new(pending), Arc::new(make));
            run(AtFirstInvocation::new(U::spec(), move || {
                let (pending, make, config) = (pending.clone(), make.clone(), config.clone());
                Box::pin(async move {
                    let parts = pending.build().await.map_err(|error| ConfigError {
                        problems: problems(error),
                    })?;
                    Ok(make(Platform::from_parts(U::NAME, &parts), config))
                })
            }))
            .await
        }
        (config, start) => {
            let mut all = config.err().map(|e| e.problems).unwrap_or_default();
            all.extend(start.err().map(problems).unwrap_or_default());
            init_failed(U::NAME, &ConfigError { problems: all })
        }
    }
}

type Build<H> = Box<dyn Fn() -> BoxFuture<'static, Result<H, ConfigError>> + Send + Sync>;

/// A handler built by the first invocation that needs it (a function whose secrets are given
/// by ARN), once per process: a failed build fails that invocation — `Unavailable`, naming
/// each configuration key at fault — and leaves nothing behind, so the next one builds again.
pub(crate) struct AtFirstInvocation<H> {
    spec: &'static FunctionSpec,
    build: Build<H>,
    built: OnceCell<H>,
}

impl<H: Handler> AtFirstInvocation<H> {
    /// The handler of `spec`'s function that `build` makes.
    pub(crate) fn new(
        spec: &'static FunctionSpec,
        build: impl Fn() -> BoxFuture<'static, Result<H, ConfigError>> + Send + Sync + 'static,
    ) -> Self {
        Self {
            spec,
            build: Box::new(build),
            built: OnceCell::new(),
        }
    }

    /// The handler, built now if no invocation has built it yet. Invocations arriving while it
    /// is built wait for that build (one at a time: a failed one lets the next waiter try).
    async fn handler(&self) -> Result<&H, FunctionError> {
        self.built
            .get_or_try_init(|| (self.build)())
            .await
            .map_err(|error| {
                // The whole story for the operator (keys and problems, never a value)…
                tracing::error!(
                    function = self.spec.name,
                    error = %error,
                    "the function could not be built at its first invocation; the next invocation tries again"
                );
                // …and for the caller, the keys at fault only: an SDK error may name the
                // account and the role.
                let keys: Vec<&str> = error.problems.iter().map(|p| p.key.as_str()).collect();
                FunctionError::new(
                    ErrorKind::Unavailable,
                    format!(
                        "{} could not be built: {} (the function's log says why; the next \
                         invocation tries again)",
                        self.spec.name,
                        keys.join(", ")
                    ),
                )
            })
    }

    /// Whether an invocation has built the handler.
    #[cfg(all(test, feature = "aws"))]
    pub(crate) fn is_built(&self) -> bool {
        self.built.initialized()
    }
}

impl<H: Handler> Handler for AtFirstInvocation<H> {
    fn spec(&self) -> &'static FunctionSpec {
        self.spec
    }

    fn handle(&self, invocation: Invocation) -> BoxFuture<'_, Result<Reply, FunctionError>> {
        Box::pin(async move { self.handler().await?.handle(invocation).await })
    }
}

/// Runs a use case that is not built yet ([`Skeleton`]): no platform, nothing to configure.
pub async fn serve_skeleton<U: UseCaseSpec>() -> ExitCode {
    telemetry::init(LogFormat::detect());
    run(Skeleton::<U>::new()).await
}

async fn run<H: Handler>(handler: H) -> ExitCode {
    let name = handler.spec().name;
    match gridlink_lambda::run(handler).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(function = name, error = %error, "the Runtime API loop ended");
            ExitCode::FAILURE
        }
    }
}

fn init_failed(function: &str, error: &ConfigError) -> ExitCode {
    eprintln!("{function} cannot start: {error}");
    ExitCode::FAILURE
}

#[cfg(all(test, feature = "aws"))]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use gridlink_core::clock::{SharedClock, SystemClock};
    use gridlink_lambda::ScheduleFiring;
    use gridlink_store::testing::{MotoServer, unique_name};
    use secrecy::ExposeSecret;

    use super::*;
    use crate::aws_http::tests::{Counts, config_over, counting};
    use crate::aws_lazy::{Deferred, SharedSdkConfig};
    use crate::platform::PendingParts;

    /// What the test function answers with: the parts its first invocation built.
    struct Built(Parts);

    impl Handler for Built {
        fn spec(&self) -> &'static FunctionSpec {
            gridlink_lambda::manifest::function("case-collab").expect("in the manifest")
        }

        fn handle(&self, _invocation: Invocation) -> BoxFuture<'_, Result<Reply, FunctionError>> {
            Box::pin(async { Ok(Reply::Scheduled(serde_json::json!({"served": true}))) })
        }
    }

    /// The SDK configuration a function loads, on moto, counting its loads and every request
    /// it sends (the SDK's own HTTP client underneath, as deployed: `crate::aws_http`).
    fn counted_config(loads: &Arc<AtomicUsize>, counts: &Arc<Counts>) -> SharedSdkConfig {
        let (loads, counts) = (loads.clone(), counts.clone());
        Arc::new(Deferred::new("moto configuration", move || {
            loads.fetch_add(1, Ordering::SeqCst);
            let counts = counts.clone();
            async move {
                let client = counting(&counts, crate::aws_http::sdk_http_client());
                config_over(client, Some(MotoServer::shared().endpoint())).await
            }
        }))
    }

    async fn secrets_admin() -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(
            &gridlink_store::testing::sdk_config(MotoServer::shared().endpoint()).await,
        )
    }

    /// Creates the secret `name` holding `value`; its ARN.
    async fn create_secret(name: &str, value: &str) -> String {
        secrets_admin()
            .await
            .create_secret()
            .name(name)
            .secret_string(value)
            .send()
            .await
            .expect("moto creates the secret")
            .arn
            .expect("an ARN")
    }

    /// A deployment's configuration with its three required secrets given by ARN variables
    /// (`arns`: key, ARN) and local storage in `dir`.
    fn by_arn(dir: &std::path::Path, arns: &[(&str, String)]) -> ConfigSource {
        let mut source = ConfigSource::from_pairs([
            ("GRIDLINK_STORAGE", "local".to_owned()),
            ("GRIDLINK_DATA_DIR", dir.display().to_string()),
            ("GRIDLINK_METRICS", "off".to_owned()),
            ("XECM_BASE_URL", "http://127.0.0.1:9/otcs/cs.exe".to_owned()),
            ("XECM_USERNAME", "gridlink".to_owned()),
            ("TG_BASE_URL", "http://127.0.0.1:9".to_owned()),
            ("TG_TENANT_ID", "buyerco".to_owned()),
            ("TG_CLIENT_ID", "gridlink".to_owned()),
        ]);
        for (key, arn) in arns {
            source = source.with(crate::platform::secret_arn_key(key), arn.clone());
        }
        source
    }

    async fn start(source: ConfigSource, config: &SharedSdkConfig) -> Result<Start, PlatformError> {
        let system: SharedClock = Arc::new(SystemClock);
        Parts::start_over(source, true, Some(config.clone()), system.clone(), system).await
    }

    fn function(pending: PendingParts) -> AtFirstInvocation<Built> {
        let pending = Arc::new(pending);
        let spec = gridlink_lambda::manifest::function("case-collab").expect("in the manifest");
        AtFirstInvocation::new(spec, move || {
            let pending = pending.clone();
            Box::pin(async move {
                let parts = pending.build().await.map_err(|error| ConfigError {
                    problems: problems(error),
                })?;
                Ok(Built(parts))
            })
        })
    }

    fn firing() -> Invocation {
        Invocation::Schedule(ScheduleFiring {
            schedule: "test".into(),
            scheduled_at: None,
        })
    }

    #[tokio::test]
    async fn secrets_given_by_arn_are_read_by_the_first_invocation_not_at_start() {
        let dir = tempfile::tempdir().expect("dir");
        let prefix = unique_name("gridlink-first-use");
        let mut arns = Vec::new();
        for key in ["XECM_PASSWORD", "TG_CLIENT_SECRET", "TG_WEBHOOK_SECRET"] {
            let arn = create_secret(&format!("{prefix}/{key}"), &format!("value of {key}")).await;
            arns.push((key, arn));
        }
        let (loads, counts) = (Arc::new(AtomicUsize::new(0)), Arc::new(Counts::default()));
        let config = counted_config(&loads, &counts);

        // A bad configuration still stops the start, naming every problem, without AWS.
        let bad = by_arn(dir.path(), &arns).with("TG_BASE_URL", "tg.example");
        let error = start(bad, &config)
            .await
            .map(|_| ())
            .expect_err("a URL that is not one");
        assert!(error.to_string().contains("TG_BASE_URL"), "{error}");
        assert_eq!(
            loads.load(Ordering::SeqCst),
            0,
            "no AWS configuration loaded"
        );

        let Start::AtFirstUse(pending) = start(by_arn(dir.path(), &arns), &config)
            .await
            .expect("the start")
        else {
            panic!("secrets given by ARN wait for the first invocation");
        };
        let function = function(pending);
        assert_eq!(
            loads.load(Ordering::SeqCst),
            0,
            "no AWS configuration loaded"
        );
        assert_eq!(counts.requests(), 0, "nothing asked of AWS at start");
        assert!(!function.is_built());

        let reply = function
            .handle(firing())
            .await
            .expect("the first invocation");
        assert_eq!(reply, Reply::Scheduled(serde_json::json!({"served": true})));
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        assert_eq!(counts.requests(), 3, "one read per secret");
        let built = &function.built.get().expect("built").0;
        assert_eq!(
            built.secrets.tg_webhook.expose_secret(),
            "value of TG_WEBHOOK_SECRET"
        );

        function
            .handle(firing())
            .await
            .expect("the second invocation");
        assert_eq!(counts.requests(), 3, "read once per process");
    }

    #[tokio::test]
    async fn a_secret_that_cannot_be_read_fails_the_invocation_by_name_and_the_next_one_reads_again()
     {
        let dir = tempfile::tempdir().expect("dir");
        let prefix = unique_name("gridlink-retry");
        // Two secrets that do not exist yet (Secrets Manager takes a secret's name where it
        // takes its ARN), and one that does.
        let missing = [
            ("XECM_PASSWORD", format!("{prefix}/XECM_PASSWORD")),
            ("TG_WEBHOOK_SECRET", format!("{prefix}/TG_WEBHOOK_SECRET")),
        ];
        let client_secret = create_secret(&format!("{prefix}/TG_CLIENT_SECRET"), "cs").await;
        let mut arns = missing.to_vec();
        arns.push(("TG_CLIENT_SECRET", client_secret));
        let (loads, counts) = (Arc::new(AtomicUsize::new(0)), Arc::new(Counts::default()));
        let config = counted_config(&loads, &counts);
        let Start::AtFirstUse(pending) = start(by_arn(dir.path(), &arns), &config)
            .await
            .expect("a secret that cannot be read does not stop the start")
        else {
            panic!("secrets given by ARN wait for the first invocation");
        };
        let function = function(pending);
        assert_eq!(counts.requests(), 0);

        for attempt in 1..=2 {
            let error = function
                .handle(firing())
                .await
                .expect_err("the secrets cannot be read");
            assert_eq!(error.kind, ErrorKind::Unavailable, "{error:?}");
            for key in ["XECM_PASSWORD_SECRET_ARN", "TG_WEBHOOK_SECRET_ARN"] {
                assert!(error.message.contains(key), "{key}: {error:?}");
            }
            assert!(!error.message.contains("TG_CLIENT_SECRET_ARN"), "{error:?}");
            assert!(!function.is_built());
            assert_eq!(
                counts.requests(),
                3 * attempt,
                "attempt {attempt} read again"
            );
        }

        for (name, key) in [&missing[0], &missing[1]].map(|(key, name)| (name, key)) {
            create_secret(name, &format!("value of {key}")).await;
        }
        function
            .handle(firing())
            .await
            .expect("the secrets exist now");
        assert_eq!(counts.requests(), 9);
        let built = &function.built.get().expect("built").0;
        assert_eq!(
            built.secrets.tg_webhook.expose_secret(),
            "value of TG_WEBHOOK_SECRET"
        );
        function.handle(firing()).await.expect("served");
        assert_eq!(counts.requests(), 9, "nothing read again once built");
        assert_eq!(
            loads.load(Ordering::SeqCst),
            1,
            "one configuration throughout"
        );
    }
}
