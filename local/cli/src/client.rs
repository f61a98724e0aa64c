//! Talking to the operator API: one request, signed with SigV4 for a deployed API, plain for
//! the local stack, its JSON answer or the error it names.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials as _;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::error::CliError;

/// The AWS service name API Gateway's IAM authoriser checks signatures for.
pub const SERVICE: &str = "execute-api";

/// Whether requests are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// Signed unless the endpoint is on loopback (the local stack checks no signature).
    Auto,
    /// Always signed (`--sign`).
    Always,
    /// Never signed (`--no-sign`).
    Never,
}

impl Signing {
    /// Whether a request to `endpoint` is signed.
    pub fn applies_to(self, endpoint: &Url) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => !is_loopback(endpoint),
        }
    }
}

/// Whether the endpoint's host is this machine (`localhost`, `127.0.0.0/8`, `::1`).
pub fn is_loopback(endpoint: &Url) -> bool {
    match endpoint.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Signs requests for API Gateway with one set of credentials.
#[derive(Debug, Clone)]
pub struct Signer {
    credentials: Credentials,
    region: String,
}

impl Signer {
    /// Credentials from the standard AWS chain (environment, shared config and credentials
    /// files, web identity, container and instance roles) and the region from `region` or the
    /// same configuration (`AWS_REGION`, the profile's `region`).
    pub async fn from_aws_chain(region: Option<String>) -> Result<Self, CliError> {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = region {
            loader = loader.region(aws_config::Region::new(region));
        }
        let config = loader.load().await;
        let region = config.region().map(ToString::to_string).ok_or_else(|| {
            CliError::Credentials(
                "no AWS region: pass --region or set AWS_REGION (or a profile's region)".into(),
            )
        })?;
        let provider = config.credentials_provider().ok_or_else(|| {
            CliError::Credentials("no AWS credentials provider is configured".into())
        })?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| CliError::Credentials(format!("no AWS credentials: {e}")))?;
        Ok(Self {
            credentials,
            region,
        })
    }

    /// A signer with these credentials, in this region.
    pub fn new(credentials: Credentials, region: impl Into<String>) -> Self {
        Self {
            credentials,
            region: region.into(),
        }
    }

    /// The headers to add to a request for it to be signed (`authorization`, `x-amz-date`,
    /// `x-amz-security-token` with temporary credentials). `headers` are the ones the request
    /// will carry besides (signed too); `host` is taken from the URL.
    pub fn headers(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        at: SystemTime,
    ) -> Result<Vec<(String, String)>, CliError> {
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SERVICE)
            .time(at)
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| CliError::Credentials(format!("cannot sign: {e}")))?
            .into();
        let request = SignableRequest::new(
            method,
            url,
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| CliError::Credentials(format!("cannot sign {url}: {e}")))?;
        let (instructions, _signature) = sign(request, &params)
            .map_err(|e| CliError::Credentials(format!("cannot sign {url}: {e}")))?
            .into_parts();
        Ok(instructions
            .headers()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect())
    }
}

/// An error and its causes, `: `-separated (reqwest's own text names no cause: "error
/// sending request").
fn with_sources(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// An answer of the API: its status and JSON body.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body as JSON.
    pub body: Value,
}

/// The operator API at one endpoint.
#[derive(Debug, Clone)]
pub struct Client {
    base: Url,
    http: reqwest::Client,
    signer: Option<Signer>,
}

impl Client {
    /// A client of the API at `base` (`http://127.0.0.1:8080`, or the deployed API's invoke
    /// URL with its stage), signing with `signer` when there is one.
    pub fn new(base: Url, signer: Option<Signer>) -> Result<Self, CliError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("gridlink-cli/", env!("CARGO_PKG_VERSION")))
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(|e| CliError::Transport(format!("HTTP client: {e}")))?;
        Ok(Self { base, http, signer })
    }

    /// Whether requests are signed.
    pub fn signs(&self) -> bool {
        self.signer.is_some()
    }

    /// The URL of a route: `segments` appended to the endpoint's path, each percent-encoded
    /// (a `/` in a key or an id stays inside its segment).
    pub fn url(&self, segments: &[&str], query: &[(&str, String)]) -> Result<Url, CliError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| CliError::Usage(format!("--endpoint {} is not a base URL", self.base)))?
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// Sends one request and returns a 2xx answer; any other status is
    /// [`CliError::Api`] with the error the API named.
    pub async fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Answer, CliError> {
        let url = self.url(segments, query)?;
        let body_bytes = body.map(Value::to_string).unwrap_or_default().into_bytes();
        let mut request = self.http.request(method.clone(), url.clone());
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        if let Some(signer) = &self.signer {
            let mut signed: Vec<(&str, &str)> = Vec::new();
            if body.is_some() {
                signed.push(("content-type", "application/json"));
            }
            for (name, value) in signer.headers(
                method.as_str(),
                url.as_str(),
                &signed,
                &body_bytes,
                SystemTime::now(),
            )? {
                request = request.header(name, value);
            }
        }
        if body.is_some() {
            request = request.body(body_bytes);
        }
        let what = format!("{method} {url}");
        let response = request
            .send()
            .await
            .map_err(|e| CliError::Transport(format!("{what}: {}", with_sources(&e))))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|e| CliError::Transport(format!("{what}: reading the answer: {e}")))?;
        let parsed: Option<Value> = serde_json::from_str(&text).ok();
        if !(200..300).contains(&status) {
            return Err(CliError::api(status, &what, parsed.as_ref(), &text));
        }
        let body = parsed.ok_or_else(|| {
            CliError::Transport(format!(
                "{what}: answered {status} with a body that is not JSON: {}",
                text.chars().take(200).collect::<String>()
            ))
        })?;
        Ok(Answer { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_endpoints_are_not_signed_by_default_others_are() {
        let url = |s: &str| Url::parse(s).expect("url");
        assert!(!Signing::Auto.applies_to(&url("http://127.0.0.1:8080")));
        assert!(!Signing::Auto.applies_to(&url("http://localhost:8080")));
        assert!(!Signing::Auto.applies_to(&url("http://[::1]:8080")));
        assert!(Signing::Auto.applies_to(&url(
            "https://abc123.execute-api.eu-central-1.amazonaws.com"
        )));
        assert!(Signing::Always.applies_to(&url("http://127.0.0.1:8080")));
        assert!(!Signing::Never.applies_to(&url("https://example.com")));
    }

    #[test]
    fn segments_are_percent_encoded_and_appended_to_the_endpoint_path() {
        let client = Client::new(
            Url::parse("https://api.example.com/prod/").expect("url"),
            None,
        )
        .expect("client");
        let url = client
            .url(
                &["order-reconcile", "timeline", "shipment:SH 1/2"],
                &[("limit", "5".to_owned())],
            )
            .expect("url");
        assert_eq!(
            url.as_str(),
            "https://api.example.com/prod/order-reconcile/timeline/shipment:SH%201%2F2?limit=5"
        );
    }
}
