//! The platform a use case runs on: storage, clients, secrets — built once per process: at
//! start, or, when a secret is given by its ARN, at the first invocation
//! ([`Parts::start_from_env`], [`crate::serve`]). The AWS SDK's configuration and clients are
//! built by the first call that needs them (`crate::aws_lazy`): a start does no more than read
//! and check the configuration, and asks AWS nothing.
//!
//! # Configuration
//! | Key | Meaning |
//! |---|---|
//! | `GRIDLINK_STORAGE` | `aws` (S3 + DynamoDB; needs the crate's `aws` feature) or `local` (files + SQLite); default `aws` on Lambda, `local` elsewhere |
//! | `GRIDLINK_BUCKET`, `GRIDLINK_TABLE` | with `aws`: the S3 bucket and the DynamoDB table |
//! | `GRIDLINK_DATA_DIR` | with `local`: where blobs and `ledger.sqlite3` live (default `.gridlink`) |
//! | `XECM_BASE_URL`, `XECM_USERNAME`, `XECM_PASSWORD`¹ | the Content Server and its service account |
//! | `TG_BASE_URL`, `TG_TENANT_ID`, `TG_CLIENT_ID`, `TG_CLIENT_SECRET`¹ | the Trading Grid tenant |
//! | `TG_WEBHOOK_SECRET`¹ | the secret TG signs webhook deliveries with |
//! | `XECM_PUSH_SECRET`¹ | the secret xECM push events are signed with (optional: no push route without it) |
//! | `HTTP_RETRY_MAX_ATTEMPTS`, `HTTP_RETRY_MAX_ELAPSED_SECS` | the xECM and TG clients' retries of one call (default 6 attempts within 60 s) |
//! | `GRIDLINK_METRICS`, `GRIDLINK_METRICS_NAMESPACE` | business metrics as CloudWatch EMF lines on standard output (`emf`, the default on Lambda) or none (`off`, the default elsewhere), in the namespace given (default `gridlink`); [`crate::metrics`] |
//! | `GRIDLINK_EFFECT_LEASE_SECS` | how long an effect's claim is leased ([`EFFECT_LEASE`], 300 s, unless set): a worker killed mid-effect holds it that long. Must exceed the longest effect; the chaos command sets 30 s |
//! | `GRIDLINK_INBOX_CONCURRENCY` | pending inbox items one run attempts at the same time ([`crate::Inbox::process_pending_concurrently`]; default 1, at most 64); the chaos command sets 8 |
//!
//! ¹ A secret: give either the value (local runs) or its ARN variable — `XECM_PASSWORD_SECRET_ARN`,
//! `TG_CLIENT_SECRET_ARN`, `TG_WEBHOOK_SECRET_ARN`, `XECM_PUSH_SECRET_ARN` —, the ARN of an AWS
//! Secrets Manager secret whose `SecretString` is the value (deployments). Values are never
//! logged; a configuration that is wrong in a way the function can see without the network
//! fails at start with every problem listed. Secrets given by ARN are **not** read at start —
//! that would put Secrets Manager, over TLS, between a cold start and the Lambda runtime's first
//! `next`: the start checks every other variable (the parts are built once, and dropped, with
//! a placeholder standing in for each such secret) and the first invocation reads them, all at
//! once, and builds the parts over them ([`PendingParts::build`]), once per process. A secret
//! that cannot be read (missing, refused) fails that invocation, named by its ARN variable, and
//! the next invocation reads again (`crate::serve`).
//!
//! The AWS parts (S3, DynamoDB, Secrets Manager) are the `aws` feature, on by default and in
//! every function's Lambda build; `gridlink-local` builds without it (docs/deploy.md, "The
//! `aws` feature"), and such a build refuses `GRIDLINK_STORAGE=aws` and `*_SECRET_ARN` at start.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use gridlink_core::clock::{SharedClock, SystemClock};
use gridlink_core::config::{ConfigError, ConfigProblem, ConfigSource};
use gridlink_store::{BlobStore, FsBlobStore, Ledger, SqliteLedger};
use gridlink_tgrid::{TenantId, TgClient, TgConfig, TradingGrid};
use gridlink_xecm::{Workspaces, XecmAuth, XecmClient, XecmConfig};
use secrecy::SecretString;

use crate::effects::Effects;
use crate::inbox::Inbox;
use crate::metrics::{DEFAULT_NAMESPACE, Metric, Metrics, MetricsChoice};

/// Why the platform could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// Configuration is missing or malformed.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Storage could not be opened.
    #[error("storage: {0}")]
    Storage(String),
    /// A client could not be built.
    #[error("client: {0}")]
    Client(String),
}

/// Where blobs and the ledger live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageChoice {
    /// S3 and DynamoDB.
    Aws {
        /// The bucket.
        bucket: String,
        /// The table.
        table: String,
    },
    /// A directory: `blobs/` and `ledger.sqlite3`.
    Local {
        /// The directory.
        data_dir: PathBuf,
    },
}

/// The secrets a function uses.
#[derive(Debug, Clone)]
pub struct Secrets {
    /// Trading Grid's webhook signing secret.
    pub tg_webhook: SecretString,
    /// The xECM push-event signing secret, if push is configured.
    pub xecm_push: Option<SecretString>,
}

/// What the functions of one process share: storage, clients, secrets. Built once; each
/// function's [`Platform`] is made from it with [`Platform::from_parts`].
#[derive(Clone)]
pub struct Parts {
    /// The clock.
    pub clock: SharedClock,
    /// Blobs.
    pub blobs: Arc<dyn BlobStore>,
    /// The ledger.
    pub ledger: Arc<dyn Ledger>,
    /// Extended ECM, as the use cases' port.
    pub xecm: Arc<dyn Workspaces>,
    /// The Trading Grid client (also the [`TradingGrid`] of every platform).
    pub tg_client: TgClient,
    /// Secrets.
    pub secrets: Secrets,
    /// How long an effect's claim is leased (`GRIDLINK_EFFECT_LEASE_SECS`, default
    /// [`EFFECT_LEASE`]).
    pub effect_lease: Duration,
    /// Pending inbox items one run attempts at once (`GRIDLINK_INBOX_CONCURRENCY`, default 1).
    pub inbox_concurrency: usize,
    /// Where business metrics go (`GRIDLINK_METRICS`, `GRIDLINK_METRICS_NAMESPACE`).
    pub metrics: MetricsChoice,
}

impl std::fmt::Debug for Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parts")
            .field("blobs", &self.blobs)
            .field("ledger", &self.ledger)
            .finish_non_exhaustive()
    }
}

/// What a function's start left of its parts ([`Parts::start_from_env`]).
#[derive(Debug)]
pub enum Start {
    /// Built: every secret was given as a value (or there is none to read).
    Built(Box<Parts>),
    /// Checked, not built: a secret is given by its ARN, and is read — with the parts built
    /// over it — by [`PendingParts::build`], at the first invocation.
    AtFirstUse(PendingParts),
}

/// Parts whose configuration was checked at start but which wait for their secrets, given by
/// ARN, to be read from Secrets Manager ([`PendingParts::build`]).
#[cfg(feature = "aws")]
pub struct PendingParts {
    /// The configuration, with the ARN variables (no secret values).
    source: ConfigSource,
    on_lambda: bool,
    aws: SharedAwsConfig,
    clock: SharedClock,
    ledger_clock: SharedClock,
}

/// Built without the `aws` feature, a secret given by its ARN is refused at start: there are
/// never pending parts.
#[cfg(not(feature = "aws"))]
#[derive(Debug)]
pub struct PendingParts {
    never: AwsConfig,
}

#[cfg(feature = "aws")]
impl std::fmt::Debug for PendingParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `ConfigSource`'s `Debug` shows keys only.
        f.debug_struct("PendingParts")
            .field("source", &self.source)
            .field("on_lambda", &self.on_lambda)
            .field("aws", &self.aws)
            .finish_non_exhaustive()
    }
}

impl PendingParts {
    /// Reads every secret given by its ARN from Secrets Manager, all at once, and builds the
    /// parts over them. Nothing is kept from a failed build: calling it again reads again.
    ///
    /// # Errors
    /// Every secret that cannot be read, each named by its ARN variable (never a value); a
    /// configuration problem only a secret's value shows.
    #[cfg(feature = "aws")]
    pub async fn build(&self) -> Result<Parts, PlatformError> {
        let resolved = resolve_secret_arns(self.source.clone(), self.aws.value().await).await?;
        Parts::build_over(
            &resolved,
            self.on_lambda,
            Some(self.aws.clone()),
            self.clock.clone(),
            self.ledger_clock.clone(),
        )
        .await
    }

    /// There are never pending parts without the `aws` feature.
    #[cfg(not(feature = "aws"))]
    #[expect(
        clippy::unused_async,
        reason = "the `aws` build's signature; there is nothing to await"
    )]
    pub async fn build(&self) -> Result<Parts, PlatformError> {
        match self.never {}
    }
}

/// Everything a use case needs, built once per process.
#[derive(Clone)]
pub struct Platform {
    /// The function this platform serves.
    pub function: &'static str,
    /// The clock.
    pub clock: SharedClock,
    /// Blobs.
    pub blobs: Arc<dyn BlobStore>,
    /// The ledger.
    pub ledger: Arc<dyn Ledger>,
    /// Extended ECM.
    pub xecm: Arc<dyn Workspaces>,
    /// Trading Grid.
    pub tg: Arc<dyn TradingGrid>,
    /// Secrets.
    pub secrets: Secrets,
    /// Exactly-once effects over the ledger.
    pub effects: Effects,
    /// The function's durable inbox.
    pub inbox: Inbox,
    /// Business metrics ([`crate::metrics`]); off unless configured.
    pub metrics: Metrics,
    /// How long `effects` leases a claim ([`Platform::effect_lease`]).
    effect_lease: Duration,
    /// Pending inbox items one run attempts at once ([`Platform::inbox_concurrency`]).
    inbox_concurrency: usize,
}

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform")
            .field("function", &self.function)
            .field("blobs", &self.blobs)
            .field("ledger", &self.ledger)
            .finish_non_exhaustive()
    }
}

/// How long an effect's claim is leased unless `GRIDLINK_EFFECT_LEASE_SECS` says otherwise:
/// longer than any single effect takes (each of its calls retries for at most
/// `HTTP_RETRY_MAX_ELAPSED_SECS`, 60 s by default).
pub const EFFECT_LEASE: Duration = Duration::from_secs(300);

/// The configuration key of the effect lease.
pub const EFFECT_LEASE_KEY: &str = "GRIDLINK_EFFECT_LEASE_SECS";

/// The configuration key of the pending inbox items one run attempts at once.
pub const INBOX_CONCURRENCY_KEY: &str = "GRIDLINK_INBOX_CONCURRENCY";

/// The most pending inbox items one run may attempt at once.
pub const MAX_INBOX_CONCURRENCY: usize = 64;

/// The configuration key of the metrics sink (`emf` or `off`; [`crate::metrics`]).
pub const METRICS_KEY: &str = "GRIDLINK_METRICS";

/// The configuration key of the metrics' CloudWatch namespace.
pub const METRICS_NAMESPACE_KEY: &str = "GRIDLINK_METRICS_NAMESPACE";

impl Platform {
    /// Assembles a platform from parts (tests, the local runner).
    pub fn assemble(
        function: &'static str,
        clock: SharedClock,
        blobs: Arc<dyn BlobStore>,
        ledger: Arc<dyn Ledger>,
        xecm: Arc<dyn Workspaces>,
        tg: Arc<dyn TradingGrid>,
        secrets: Secrets,
    ) -> Self {
        // Every write of the platform's storage is refused inside a dry run (crate::dry_run).
        let blobs = crate::dry_run::GuardedBlobs::wrap(blobs);
        let ledger = crate::dry_run::GuardedLedger::wrap(ledger);
        let effects = Effects::new(ledger.clone(), EFFECT_LEASE);
        let inbox = Inbox::new(function, blobs.clone(), ledger.clone(), clock.clone());
        let metrics = Metrics::off(function, clock.clone());
        Self {
            function,
            metrics,
            clock,
            blobs,
            ledger,
            xecm,
            tg,
            secrets,
            effects,
            inbox,
            effect_lease: EFFECT_LEASE,
            inbox_concurrency: 1,
        }
    }

    /// The same platform with `concurrency` pending inbox items attempted at once (at least 1).
    #[must_use]
    pub fn with_inbox_concurrency(mut self, concurrency: usize) -> Self {
        self.inbox_concurrency = concurrency.max(1);
        self
    }

    /// Pending inbox items one run attempts at once (`GRIDLINK_INBOX_CONCURRENCY`, default 1;
    /// [`crate::Inbox::process_pending_concurrently`]).
    pub fn inbox_concurrency(&self) -> usize {
        self.inbox_concurrency
    }

    /// The same platform with effects leased for `lease` instead of [`EFFECT_LEASE`].
    #[must_use]
    pub fn with_effect_lease(mut self, lease: Duration) -> Self {
        self.effects = Effects::new(self.ledger.clone(), lease);
        self.effect_lease = lease;
        self
    }

    /// The same platform with business metrics going where `choice` says; the inbox counts
    /// into them too.
    #[must_use]
    pub fn with_metrics(mut self, choice: &MetricsChoice) -> Self {
        self.metrics = Metrics::new(self.function, self.clock.clone(), choice);
        self.inbox = self.inbox.with_metrics(self.metrics.clone());
        self
    }

    /// How long an effect's claim is leased (`GRIDLINK_EFFECT_LEASE_SECS`, default
    /// [`EFFECT_LEASE`]): what a worker killed mid-effect costs the work waiting on it. A
    /// use case's own turn leases (order-reconcile's reconciliation of one order) are no
    /// longer than this either.
    pub fn effect_lease(&self) -> Duration {
        self.effect_lease
    }

    /// Files `content` once per business identity (see [`crate::filing`]).
    pub async fn file_once(
        &self,
        filing: &crate::filing::Filing,
        content: &dyn gridlink_xecm::ContentSource,
    ) -> Result<
        crate::effects::Outcome<crate::filing::Filed>,
        crate::effects::EffectError<gridlink_xecm::XecmError>,
    > {
        let outcome =
            crate::filing::file_once(&self.effects, self.xecm.as_ref(), filing, content).await?;
        if outcome.ran_now() {
            self.metrics.count(Metric::DocumentsFiled, &[]);
        }
        Ok(outcome)
    }

    /// The platform of `function` over shared parts.
    pub fn from_parts(function: &'static str, parts: &Parts) -> Self {
        let platform = Self::assemble(
            function,
            parts.clock.clone(),
            parts.blobs.clone(),
            parts.ledger.clone(),
            parts.xecm.clone(),
            Arc::new(parts.tg_client.clone()),
            parts.secrets.clone(),
        );
        let platform = platform
            .with_metrics(&parts.metrics)
            .with_inbox_concurrency(parts.inbox_concurrency);
        if parts.effect_lease == EFFECT_LEASE {
            platform
        } else {
            platform.with_effect_lease(parts.effect_lease)
        }
    }

    /// Builds the platform from configuration values (secrets already resolved).
    pub async fn from_source(
        function: &'static str,
        source: &ConfigSource,
        on_lambda: bool,
        aws: Option<&AwsConfig>,
    ) -> Result<Self, PlatformError> {
        Ok(Self::from_parts(
            function,
            &Parts::from_source(source, on_lambda, aws).await?,
        ))
    }
}

impl Parts {
    /// What a function's start does with the process environment (see the module docs):
    /// every variable is read and checked; with every secret given as a value the parts are
    /// built ([`Start::Built`]); with a secret given by its ARN variable nothing is built and
    /// nothing is asked of AWS ([`Start::AtFirstUse`]): the secrets are read, and the parts
    /// built, by [`PendingParts::build`] at the first invocation.
    ///
    /// # Errors
    /// Every configuration problem that can be found without the network, at once.
    pub async fn start_from_env() -> Result<Start, PlatformError> {
        let source = ConfigSource::from_env();
        let on_lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
        // AWS storage is the default on Lambda; `GRIDLINK_STORAGE=local` there needs no AWS
        // configuration unless a secret is given by its ARN.
        let needs_aws = source
            .get("GRIDLINK_STORAGE")
            .map_or(on_lambda, |storage| storage == "aws")
            || source_has_secret_arns(&source);
        #[cfg(feature = "aws")]
        {
            // Loaded at the first AWS request (`crate::aws_lazy`): at the first storage call,
            // or at the first invocation if a secret is given by its ARN.
            let aws = needs_aws.then(crate::aws_lazy::sdk_config_from_env);
            let system: SharedClock = Arc::new(SystemClock);
            Self::start_over(source, on_lambda, aws, system.clone(), system).await
        }
        #[cfg(not(feature = "aws"))]
        {
            if needs_aws {
                return Err(without_aws(if source_has_secret_arns(&source) {
                    "*_SECRET_ARN"
                } else {
                    "GRIDLINK_STORAGE"
                }));
            }
            Ok(Start::Built(Box::new(
                Self::from_source(&source, on_lambda, None).await?,
            )))
        }
    }

    /// [`Parts::start_from_env`] over `source` and an SDK configuration loaded at its first use
    /// (`None`: no AWS configuration, so a secret given by its ARN is refused).
    ///
    /// With a secret given by its ARN, every variable is still checked here: the parts are
    /// built once over `source` with each such secret standing in by a placeholder — storage
    /// and clients are built without I/O (`crate::aws_lazy`, `gridlink_core::tls`) — and that
    /// build is dropped; [`PendingParts::build`] builds them over the secrets read.
    #[cfg(feature = "aws")]
    pub(crate) async fn start_over(
        source: ConfigSource,
        on_lambda: bool,
        aws: Option<SharedAwsConfig>,
        clock: SharedClock,
        ledger_clock: SharedClock,
    ) -> Result<Start, PlatformError> {
        let by_arn: Vec<&str> = SECRET_KEYS
            .into_iter()
            .filter(|key| source.get(&secret_arn_key(key)).is_some())
            .collect();
        if by_arn.is_empty() {
            return Ok(Start::Built(Box::new(
                Self::build_over(&source, on_lambda, aws, clock, ledger_clock).await?,
            )));
        }
        let Some(aws) = aws else {
            return Err(PlatformError::Config(ConfigError {
                problems: by_arn
                    .iter()
                    .map(|key| ConfigProblem {
                        key: secret_arn_key(key),
                        problem: "a secret given by its ARN needs an AWS configuration".into(),
                    })
                    .collect(),
            }));
        };
        let checked = by_arn.iter().fold(source.clone(), |checked, key| {
            checked.with(*key, "(read from Secrets Manager at the first invocation)")
        });
        Self::build_over(
            &checked,
            on_lambda,
            Some(aws.clone()),
            clock.clone(),
            ledger_clock.clone(),
        )
        .await?;
        Ok(Start::AtFirstUse(PendingParts {
            source,
            on_lambda,
            aws,
            clock,
            ledger_clock,
        }))
    }

    /// Builds storage, clients and secrets from configuration values (secrets already
    /// resolved), reporting every configuration problem at once.
    pub async fn from_source(
        source: &ConfigSource,
        on_lambda: bool,
        aws: Option<&AwsConfig>,
    ) -> Result<Self, PlatformError> {
        let system: SharedClock = Arc::new(SystemClock);
        Self::from_source_with_clocks(source, on_lambda, aws, system.clone(), system).await
    }

    /// [`Parts::from_source`] with the clocks injected: `clock` for the use cases and the
    /// inbox, `ledger_clock` for the ledger's leases and expiries (tests advance them; a
    /// deployment uses the system clock for both).
    pub async fn from_source_with_clocks(
        source: &ConfigSource,
        on_lambda: bool,
        aws: Option<&AwsConfig>,
        clock: SharedClock,
        ledger_clock: SharedClock,
    ) -> Result<Self, PlatformError> {
        Self::build_over(source, on_lambda, aws.map(loaded), clock, ledger_clock).await
    }

    /// [`Parts::from_source_with_clocks`] over an SDK configuration loaded at its first use.
    pub(crate) async fn build_over(
        source: &ConfigSource,
        on_lambda: bool,
        aws: Option<SharedAwsConfig>,
        clock: SharedClock,
        ledger_clock: SharedClock,
    ) -> Result<Self, PlatformError> {
        let mut reader = source.reader();
        let storage_kind = reader.optional::<String>(
            "GRIDLINK_STORAGE",
            if on_lambda {
                "aws".into()
            } else {
                "local".into()
            },
        );
        let storage = match storage_kind.as_str() {
            "aws" => {
                let bucket = reader.required::<String>("GRIDLINK_BUCKET");
                let table = reader.required::<String>("GRIDLINK_TABLE");
                bucket
                    .zip(table)
                    .map(|(bucket, table)| StorageChoice::Aws { bucket, table })
            }
            "local" => Some(StorageChoice::Local {
                data_dir: reader.optional("GRIDLINK_DATA_DIR", PathBuf::from(".gridlink")),
            }),
            _ => {
                reader.invalid("GRIDLINK_STORAGE", "must be `aws` or `local`");
                None
            }
        };
        let xecm_url = reader.url("XECM_BASE_URL");
        let xecm_user = reader.required::<String>("XECM_USERNAME");
        let xecm_password = reader.secret("XECM_PASSWORD");
        let tg_url = reader.url("TG_BASE_URL");
        let tg_tenant = reader.required::<String>("TG_TENANT_ID");
        let tg_client_id = reader.required::<String>("TG_CLIENT_ID");
        let tg_client_secret = reader.secret("TG_CLIENT_SECRET");
        let tg_webhook = reader.secret("TG_WEBHOOK_SECRET");
        let xecm_push = source
            .get("XECM_PUSH_SECRET")
            .map(|v| SecretString::from(v.to_owned()));
        let standard = gridlink_core::retry::RetryPolicy::standard();
        let retry = gridlink_core::retry::RetryPolicy {
            max_attempts: reader.optional("HTTP_RETRY_MAX_ATTEMPTS", standard.max_attempts),
            max_elapsed: reader.seconds("HTTP_RETRY_MAX_ELAPSED_SECS", standard.max_elapsed),
            ..standard
        };
        if retry.max_attempts == 0 {
            reader.invalid("HTTP_RETRY_MAX_ATTEMPTS", "must be at least 1");
        }
        let effect_lease = reader.seconds(EFFECT_LEASE_KEY, EFFECT_LEASE);
        if effect_lease.is_zero() {
            reader.invalid(
                EFFECT_LEASE_KEY,
                "must be at least 1 (seconds; longer than the longest effect)",
            );
        }
        let inbox_concurrency = reader.optional::<usize>(INBOX_CONCURRENCY_KEY, 1);
        if !(1..=MAX_INBOX_CONCURRENCY).contains(&inbox_concurrency) {
            reader.invalid(
                INBOX_CONCURRENCY_KEY,
                "must be 1 to 64 (pending inbox items attempted at once)",
            );
        }
        let metrics = match reader
            .optional::<String>(
                METRICS_KEY,
                if on_lambda {
                    "emf".into()
                } else {
                    "off".into()
                },
            )
            .as_str()
        {
            "emf" => MetricsChoice::Emf {
                namespace: reader.optional(METRICS_NAMESPACE_KEY, DEFAULT_NAMESPACE.to_owned()),
            },
            "off" => MetricsChoice::Off,
            _ => {
                reader.invalid(METRICS_KEY, "must be `emf` or `off`");
                MetricsChoice::Off
            }
        };
        reader.finish()?;
        let (Some(storage), Some(xecm_url), Some(xecm_user), Some(xecm_password)) =
            (storage, xecm_url, xecm_user, xecm_password)
        else {
            unreachable_config()?
        };
        let (
            Some(tg_url),
            Some(tg_tenant),
            Some(tg_client_id),
            Some(tg_client_secret),
            Some(tg_webhook),
        ) = (
            tg_url,
            tg_tenant,
            tg_client_id,
            tg_client_secret,
            tg_webhook,
        )
        else {
            unreachable_config()?
        };

        let (blobs, ledger) = open_storage(&storage, ledger_clock, aws).await?;
        let mut xecm_config = XecmConfig::new(
            &xecm_url,
            XecmAuth::Password {
                user: xecm_user,
                password: xecm_password,
            },
        )
        .map_err(|e| PlatformError::Client(e.to_string()))?;
        xecm_config.retry = retry;
        let xecm =
            XecmClient::new(xecm_config).map_err(|e| PlatformError::Client(e.to_string()))?;
        let tg = TgClient::new(TgConfig {
            base_url: url::Url::parse(&tg_url)
                .map_err(|e| PlatformError::Client(format!("TG_BASE_URL: {e}")))?,
            tenant_id: TenantId::new(tg_tenant),
            client_id: tg_client_id,
            client_secret: tg_client_secret,
            retry,
            timeout: Duration::from_secs(30),
        })
        .map_err(|e| PlatformError::Client(e.to_string()))?;
        Ok(Self {
            clock,
            blobs,
            ledger,
            xecm: Arc::new(xecm),
            tg_client: tg,
            secrets: Secrets {
                tg_webhook,
                xecm_push,
            },
            effect_lease,
            inbox_concurrency,
            metrics,
        })
    }
}

/// `finish()` succeeded, so every required value is present; this keeps that promise checked.
fn unreachable_config<T>() -> Result<T, PlatformError> {
    Err(PlatformError::Config(ConfigError {
        problems: vec![ConfigProblem {
            key: "?".into(),
            problem: "a required value went missing after validation".into(),
        }],
    }))
}

/// The AWS SDK configuration the AWS platform is built with (the `aws` feature).
#[cfg(feature = "aws")]
pub type AwsConfig = aws_config::SdkConfig;

/// Built without the `aws` feature there is no AWS configuration: a type with no values.
#[cfg(not(feature = "aws"))]
#[derive(Debug, Clone, Copy)]
pub enum AwsConfig {}

/// The start-up refusal of an AWS setting (`key`) by a build without the `aws` feature.
#[cfg(not(feature = "aws"))]
fn without_aws(key: &str) -> PlatformError {
    PlatformError::Config(ConfigError {
        problems: vec![ConfigProblem {
            key: key.into(),
            problem: "this build has no AWS support (S3, DynamoDB, Secrets Manager): it was \
                      built without the `aws` feature, as `gridlink-local` is; use \
                      `GRIDLINK_STORAGE=local` and give secrets as values, or run a function \
                      built with its default features"
                .into(),
        }],
    })
}

/// The AWS SDK configuration a platform's storage is built over: loaded at its first use
/// (`crate::aws_lazy`), or handed in already loaded ([`Parts::from_source`]).
#[cfg(feature = "aws")]
pub type SharedAwsConfig = crate::aws_lazy::SharedSdkConfig;

/// Built without the `aws` feature there is no AWS configuration.
#[cfg(not(feature = "aws"))]
pub type SharedAwsConfig = AwsConfig;

/// `config`, already loaded.
#[cfg(feature = "aws")]
fn loaded(config: &AwsConfig) -> SharedAwsConfig {
    Arc::new(crate::aws_lazy::Deferred::ready(
        "AWS SDK configuration",
        config.clone(),
    ))
}

#[cfg(not(feature = "aws"))]
#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "the `aws` build's signature; there is no value to pass"
)]
fn loaded(config: &AwsConfig) -> SharedAwsConfig {
    match *config {}
}

/// Opens the chosen storage. AWS storage builds its SDK clients at the first call that needs
/// one (`crate::aws_lazy`), so opening it does no I/O.
pub async fn open_storage(
    storage: &StorageChoice,
    clock: SharedClock,
    aws: Option<SharedAwsConfig>,
) -> Result<(Arc<dyn BlobStore>, Arc<dyn Ledger>), PlatformError> {
    match storage {
        StorageChoice::Local { data_dir } => {
            let blobs = FsBlobStore::open(data_dir.join("blobs"))
                .await
                .map_err(|e| PlatformError::Storage(e.to_string()))?;
            let ledger = SqliteLedger::open(data_dir.join("ledger.sqlite3"), clock)
                .await
                .map_err(|e| PlatformError::Storage(e.to_string()))?;
            Ok((Arc::new(blobs), Arc::new(ledger)))
        }
        #[cfg(not(feature = "aws"))]
        StorageChoice::Aws { .. } => {
            let _ = aws;
            Err(without_aws("GRIDLINK_STORAGE"))
        }
        #[cfg(feature = "aws")]
        StorageChoice::Aws { bucket, table } => {
            let config = aws.ok_or_else(|| {
                PlatformError::Storage("AWS storage needs an AWS SDK configuration".into())
            })?;
            Ok((
                Arc::new(crate::aws_lazy::s3_blobs(config.clone(), bucket.clone())),
                Arc::new(crate::aws_lazy::dynamo_ledger(config, table.clone(), clock)),
            ))
        }
    }
}

const SECRET_KEYS: [&str; 4] = [
    "XECM_PASSWORD",
    "TG_CLIENT_SECRET",
    "TG_WEBHOOK_SECRET",
    "XECM_PUSH_SECRET",
];

fn source_has_secret_arns(source: &ConfigSource) -> bool {
    SECRET_KEYS
        .iter()
        .any(|k| source.get(&secret_arn_key(k)).is_some())
}

/// The variable naming the Secrets Manager secret of `key`: `XECM_PASSWORD_SECRET_ARN`, and
/// `TG_CLIENT_SECRET_ARN` (not `…_SECRET_SECRET_ARN`) for a key that ends in `_SECRET`.
pub fn secret_arn_key(key: &str) -> String {
    format!("{}_SECRET_ARN", key.trim_end_matches("_SECRET"))
}

/// Replaces every secret's ARN variable ([`secret_arn_key`]) by the secret itself, read from
/// Secrets Manager — all at once, not one after another: they stand before the work of a
/// function's first invocation ([`PendingParts::build`]).
///
/// # Errors
/// Every secret that cannot be read, each named by its ARN variable.
#[cfg(feature = "aws")]
pub async fn resolve_secret_arns(
    source: ConfigSource,
    aws: &AwsConfig,
) -> Result<ConfigSource, PlatformError> {
    if !source_has_secret_arns(&source) {
        // No client either: building one parses the SDK's endpoint rules (cold start).
        return Ok(source);
    }
    let client = aws_sdk_secretsmanager::Client::new(aws);
    let reads = SECRET_KEYS.iter().filter_map(|key| {
        let arn_key = secret_arn_key(key);
        let arn = source.get(&arn_key)?.to_owned();
        let client = client.clone();
        Some(async move {
            let read = match client.get_secret_value().secret_id(&arn).send().await {
                Ok(output) => output
                    .secret_string()
                    .map(str::to_owned)
                    .ok_or_else(|| "the secret has no SecretString".to_owned()),
                Err(e) => Err(format!(
                    "cannot read the secret: {}",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
                )),
            };
            (*key, arn_key, read)
        })
    });
    let mut resolved = source.clone();
    let mut problems = Vec::new();
    for (key, arn_key, read) in futures::future::join_all(reads).await {
        match read {
            Ok(value) => resolved = resolved.with(key, value),
            Err(problem) => problems.push(ConfigProblem {
                key: arn_key,
                problem,
            }),
        }
    }
    if problems.is_empty() {
        Ok(resolved)
    } else {
        Err(ConfigError { problems }.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local_source(dir: &std::path::Path, lease: Option<&str>) -> ConfigSource {
        let mut pairs = vec![
            ("GRIDLINK_STORAGE", "local".to_owned()),
            ("GRIDLINK_DATA_DIR", dir.display().to_string()),
            ("XECM_BASE_URL", "http://127.0.0.1:9/otcs/cs.exe".to_owned()),
            ("XECM_USERNAME", "gridlink".to_owned()),
            ("XECM_PASSWORD", "pw".to_owned()),
            ("TG_BASE_URL", "http://127.0.0.1:9".to_owned()),
            ("TG_TENANT_ID", "buyerco".to_owned()),
            ("TG_CLIENT_ID", "gridlink".to_owned()),
            ("TG_CLIENT_SECRET", "secret".to_owned()),
            ("TG_WEBHOOK_SECRET", "webhook".to_owned()),
        ];
        if let Some(lease) = lease {
            pairs.push((EFFECT_LEASE_KEY, lease.to_owned()));
        }
        ConfigSource::from_pairs(pairs)
    }

    #[tokio::test]
    async fn the_effect_lease_is_300_s_unless_configured_and_a_bad_value_is_refused_by_name() {
        let dir = tempfile::tempdir().expect("dir");
        let deployed = Parts::from_source(&local_source(dir.path(), None), false, None)
            .await
            .expect("parts");
        assert_eq!(deployed.effect_lease, Duration::from_secs(300));
        let short = Parts::from_source(&local_source(dir.path(), Some("20")), false, None)
            .await
            .expect("parts");
        assert_eq!(short.effect_lease, Duration::from_secs(20));
        for bad in ["0", "-5", "20s", "five"] {
            let error = Parts::from_source(&local_source(dir.path(), Some(bad)), false, None)
                .await
                .map(|_| ())
                .expect_err(bad);
            let text = error.to_string();
            assert!(
                text.contains("GRIDLINK_EFFECT_LEASE_SECS"),
                "{bad:?}: the error names the variable: {text}"
            );
        }
    }

    #[test]
    fn each_secret_is_read_from_the_arn_variable_the_template_sets() {
        let arn_keys: Vec<String> = SECRET_KEYS.iter().map(|k| secret_arn_key(k)).collect();
        assert_eq!(
            arn_keys,
            [
                "XECM_PASSWORD_SECRET_ARN",
                "TG_CLIENT_SECRET_ARN",
                "TG_WEBHOOK_SECRET_ARN",
                "XECM_PUSH_SECRET_ARN"
            ]
        );
        let template = include_str!("../../../infra/template.yaml");
        for key in &arn_keys {
            assert!(
                template.contains(&format!("{key}:")),
                "infra/template.yaml sets no {key}"
            );
        }
    }

    #[tokio::test]
    async fn the_inbox_runs_one_item_at_a_time_unless_configured_and_a_bad_value_is_refused_by_name()
     {
        let dir = tempfile::tempdir().expect("dir");
        let with = |value: Option<&str>| match value {
            Some(value) => local_source(dir.path(), None).with(INBOX_CONCURRENCY_KEY, value),
            None => local_source(dir.path(), None),
        };
        let deployed = Parts::from_source(&with(None), false, None)
            .await
            .expect("parts");
        assert_eq!(deployed.inbox_concurrency, 1);
        let eight = Parts::from_source(&with(Some("8")), false, None)
            .await
            .expect("parts");
        assert_eq!(eight.inbox_concurrency, 8);
        assert_eq!(
            Platform::from_parts("order-reconcile", &eight).inbox_concurrency(),
            8
        );
        for bad in ["0", "65", "-1", "eight"] {
            let error = Parts::from_source(&with(Some(bad)), false, None)
                .await
                .map(|_| ())
                .expect_err(bad);
            assert!(
                error.to_string().contains(INBOX_CONCURRENCY_KEY),
                "{bad:?}: the error names the variable: {error}"
            );
        }
    }
}
