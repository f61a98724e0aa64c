//! How to reach and log in to a Content Server.

use std::time::Duration;

use gridlink_core::retry::RetryPolicy;
use secrecy::SecretString;
use url::Url;

use crate::error::XecmError;

/// How the client logs in.
#[derive(Debug, Clone)]
pub enum XecmAuth {
    /// `POST /api/v1/auth` with a Content Server user name and password.
    Password {
        /// User name.
        user: String,
        /// Password.
        password: SecretString,
    },
    /// An OTDS SSO ticket, traded for an `OTCSTicket` through `GET /api/v1/auth` (`OTDSTicket`).
    OtdsTicket(SecretString),
    /// An OTDS OAuth access token, traded through `GET /api/v1/auth` (`Authorization: Bearer`).
    Bearer(SecretString),
}

/// Client configuration.
#[derive(Debug, Clone)]
pub struct XecmConfig {
    /// The Content Server URL without `/api`: `https://ecm.example.com/otcs/cs.exe` (Windows)
    /// or `https://ecm.example.com/cs/cs` (Linux).
    pub base_url: Url,
    /// How to log in.
    pub auth: XecmAuth,
    /// Retries for 5xx, timeouts, dropped connections and non-JSON answers.
    pub retry: RetryPolicy,
    /// Time allowed for one JSON call (connect, send, answer).
    pub timeout: Duration,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// The slowest upload rate tolerated (bytes per second); an upload of `n` bytes may take
    /// `timeout + n / min_upload_rate` (rounded up to a second), one of unknown length 15
    /// minutes ([`gridlink_core::upload::upload_limit`]).
    pub min_upload_rate: u64,
}

impl XecmConfig {
    /// 60 s per call (pyxecm's value), 10 s to connect, uploads at 256 KiB/s or better, the
    /// standard retry policy.
    pub fn new(base_url: &str, auth: XecmAuth) -> Result<Self, XecmError> {
        let mut base_url = Url::parse(base_url)
            .map_err(|e| XecmError::Config(format!("base_url '{base_url}' is not a URL: {e}")))?;
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(XecmError::Config(format!(
                "base_url '{base_url}' must be http or https"
            )));
        }
        let trimmed = base_url
            .path()
            .trim_end_matches('/')
            .trim_end_matches("/api")
            .to_owned();
        base_url.set_path(&format!("{trimmed}/"));
        Ok(Self {
            base_url,
            auth,
            retry: RetryPolicy::standard(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            min_upload_rate: 256 * 1024,
        })
    }

    /// The URL of an API path such as `v2/nodes/2000`.
    pub(crate) fn api_url(&self, path: &str) -> Result<Url, XecmError> {
        self.base_url
            .join(&format!("api/{}", path.trim_start_matches('/')))
            .map_err(|e| XecmError::Config(format!("cannot build a URL for '{path}': {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_url_may_end_with_or_without_api_and_a_slash() {
        let auth = XecmAuth::Bearer(SecretString::from("t"));
        for url in [
            "https://ecm.example.com/otcs/cs.exe",
            "https://ecm.example.com/otcs/cs.exe/",
            "https://ecm.example.com/otcs/cs.exe/api",
        ] {
            let config = XecmConfig::new(url, auth.clone()).unwrap();
            assert_eq!(
                config.api_url("v2/nodes/2000").unwrap().as_str(),
                "https://ecm.example.com/otcs/cs.exe/api/v2/nodes/2000"
            );
        }
        assert!(matches!(
            XecmConfig::new("ftp://x", auth.clone()),
            Err(XecmError::Config(_))
        ));
        assert!(matches!(
            XecmConfig::new("not a url", auth),
            Err(XecmError::Config(_))
        ));
    }
}
