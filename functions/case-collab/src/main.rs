//! The `case-collab` Lambda: initialise logs, build the platform and the function once, run
//! the Runtime API loop.

use std::sync::Arc;

use case_collab::{CaseCollab, CaseCollabConfig, NAME};
use gridlink_core::config::ConfigSource;
use gridlink_core::telemetry::{self, LogFormat};
use gridlink_flow::Platform;
use gridlink_xecm::{XecmAuth, XecmClient, XecmConfig};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init(LogFormat::detect());
    let platform = Platform::from_env(NAME).await?;
    let source = ConfigSource::from_env();
    let config = CaseCollabConfig::from_source(&source)?;
    // The poller's change queries need the concrete client (they are not on the port).
    let mut reader = source.reader();
    let (url, user, password) = (
        reader.url("XECM_BASE_URL"),
        reader.required::<String>("XECM_USERNAME"),
        reader.secret("XECM_PASSWORD"),
    );
    reader.finish()?;
    let (Some(url), Some(user), Some(password)) = (url, user, password) else {
        return Err("XECM_BASE_URL, XECM_USERNAME and XECM_PASSWORD are required".into());
    };
    let changes = XecmClient::new(XecmConfig::new(
        &url,
        XecmAuth::Password { user, password },
    )?)?;
    gridlink_lambda::run(CaseCollab::new(platform, config, Arc::new(changes))).await
}
