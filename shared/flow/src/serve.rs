//! The whole `main` of a function, written once: logs, configuration and platform from the
//! environment — every problem listed at once, readably — then the Lambda loop.

use std::process::ExitCode;

use gridlink_core::config::{ConfigError, ConfigProblem, ConfigSource};
use gridlink_core::telemetry::{self, LogFormat};
use gridlink_lambda::Handler;

use crate::function::{Function, Skeleton};
use crate::platform::{Platform, PlatformError};
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
/// with status 1 before the first invocation.
pub async fn serve<U, C>(
    config: impl FnOnce(&ConfigSource) -> Result<C, ConfigError>,
    make: impl FnOnce(Platform, C) -> Function<U>,
) -> ExitCode
where
    U: UseCase,
{
    telemetry::init(LogFormat::detect());
    let source = ConfigSource::from_env();
    let config = config(&source);
    let platform = Platform::from_env(U::NAME).await;
    match (config, platform) {
        (Ok(config), Ok(platform)) => run(make(platform, config)).await,
        (config, platform) => {
            let mut all = config.err().map(|e| e.problems).unwrap_or_default();
            all.extend(platform.err().map(problems).unwrap_or_default());
            init_failed(U::NAME, &ConfigError { problems: all })
        }
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
