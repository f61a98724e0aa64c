//! The HTTP client of every AWS SDK client a function builds (feature `aws`): the SDK's own
//! default — hyper on rustls/aws-lc, the system trust store, `HTTPS_PROXY`/`NO_PROXY` from the
//! environment — except that it reads the trust store at the **first AWS request**, not when
//! the configuration is loaded.
//!
//! Why: the SDK's client deliberately builds its TLS connector when a configuration or a
//! service client is created (`validate_base_client_config`: "so that native certs load at
//! client initialization time"), so `aws_config::load` read the whole trust store (292 files on
//! a Debian machine, about half of a function's cold start: `strace` in docs/benchmarks.md)
//! before the Lambda runtime could ask for the first event — which a function never needs
//! that early: nothing calls AWS before the first invocation. This wrapper forwards everything
//! but that check, so the connector (and the trust store, read once per process by the SDK and
//! cached) is built by the first request that needs it.

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::{Builder, ConnectorBuilder, tls};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::shared::IntoShared;

/// The SDK's default HTTPS client, building its connector at the first request.
#[derive(Debug)]
struct ConnectOnFirstRequest {
    inner: SharedHttpClient,
}

impl HttpClient for ConnectOnFirstRequest {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.inner.http_connector(settings, components)
    }

    // `validate_base_client_config` and `validate_final_config` are left at the trait's
    // defaults (nothing to check): the inner client builds its TLS connector in the first,
    // which is what this type exists to defer; it does not override the second.

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

/// The HTTP client for [`aws_config::ConfigLoader::http_client`]: the SDK's default HTTPS
/// client (same TLS provider, proxy settings from the environment, connector settings and
/// sleep from each service client), with its TLS connector — and the trust store — built at
/// the first request instead of at configuration time.
pub fn sdk_http_client() -> SharedHttpClient {
    connect_on_first_request(
        Builder::new().build_with_connector_fn(|settings, components| {
            let mut connector = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ));
            connector.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                connector.set_sleep_impl(components.sleep_impl());
            }
            connector.set_proxy_config(Some(ProxyConfig::from_env()));
            connector.build()
        }),
    )
}

/// `inner`, asked for a connector only when a request needs one.
fn connect_on_first_request(inner: SharedHttpClient) -> SharedHttpClient {
    ConnectOnFirstRequest { inner }.into_shared()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use aws_config::BehaviorVersion;
    use aws_config::retry::RetryConfig;
    use aws_sdk_s3::config::{Credentials, Region};
    use aws_smithy_runtime_api::box_error::BoxError;
    use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorFuture};
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
    use aws_smithy_types::config_bag::ConfigBag;

    use super::*;

    /// How often the SDK validated the client — where the SDK's default builds its TLS
    /// connector; the SDK does it whenever it builds a service client — asked it for a
    /// connector, and sent it a request.
    #[derive(Debug, Default)]
    pub(crate) struct Counts {
        validations: AtomicUsize,
        connectors: AtomicUsize,
        requests: AtomicUsize,
    }

    impl Counts {
        pub(crate) fn validations(&self) -> usize {
            self.validations.load(Ordering::SeqCst)
        }

        pub(crate) fn connectors(&self) -> usize {
            self.connectors.load(Ordering::SeqCst)
        }

        pub(crate) fn requests(&self) -> usize {
            self.requests.load(Ordering::SeqCst)
        }
    }

    /// An HTTP client that counts, and whose connector refuses every request.
    #[derive(Debug)]
    pub(crate) struct Counting(pub(crate) Arc<Counts>);

    #[derive(Debug)]
    struct Refusing(Arc<Counts>);

    impl HttpConnector for Refusing {
        fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
            self.0.requests.fetch_add(1, Ordering::SeqCst);
            HttpConnectorFuture::ready(Err(ConnectorError::io("refused by the test".into())))
        }
    }

    impl HttpClient for Counting {
        fn http_connector(
            &self,
            _settings: &HttpConnectorSettings,
            _components: &RuntimeComponents,
        ) -> SharedHttpConnector {
            self.0.connectors.fetch_add(1, Ordering::SeqCst);
            SharedHttpConnector::new(Refusing(self.0.clone()))
        }

        fn validate_base_client_config(
            &self,
            _components: &RuntimeComponentsBuilder,
            _cfg: &ConfigBag,
        ) -> Result<(), BoxError> {
            self.0.validations.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    /// An HTTP client that counts the requests it sends through `inner`'s connector (and the
    /// connectors it is asked for).
    #[derive(Debug)]
    struct CountingForward {
        counts: Arc<Counts>,
        inner: SharedHttpClient,
    }

    #[derive(Debug)]
    struct Forwarding {
        counts: Arc<Counts>,
        inner: SharedHttpConnector,
    }

    impl HttpConnector for Forwarding {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            self.counts.requests.fetch_add(1, Ordering::SeqCst);
            self.inner.call(request)
        }
    }

    impl HttpClient for CountingForward {
        fn http_connector(
            &self,
            settings: &HttpConnectorSettings,
            components: &RuntimeComponents,
        ) -> SharedHttpConnector {
            self.counts.connectors.fetch_add(1, Ordering::SeqCst);
            SharedHttpConnector::new(Forwarding {
                counts: self.counts.clone(),
                inner: self.inner.http_connector(settings, components),
            })
        }
    }

    /// `inner`, counting every request it sends into `counts`.
    pub(crate) fn counting(counts: &Arc<Counts>, inner: SharedHttpClient) -> SharedHttpClient {
        CountingForward {
            counts: counts.clone(),
            inner,
        }
        .into_shared()
    }

    /// A configuration loaded on `client` (static credentials, `us-east-1` — the region of
    /// `gridlink_store::testing`'s clients, which matters on moto —, no retries), sending to
    /// `endpoint` when given.
    pub(crate) async fn config_over(
        client: SharedHttpClient,
        endpoint: Option<&str>,
    ) -> aws_config::SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(client)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .retry_config(RetryConfig::disabled());
        if let Some(endpoint) = endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        loader.load().await
    }

    /// Loads a configuration on `client` and builds the two storage clients a function built
    /// before its first event (before `crate::aws_lazy`).
    async fn configure(client: SharedHttpClient) -> aws_sdk_dynamodb::Client {
        let config = config_over(client, None).await;
        let _s3 = aws_sdk_s3::Client::new(&config);
        aws_sdk_dynamodb::Client::new(&config)
    }

    #[tokio::test]
    async fn the_sdk_client_is_asked_for_a_connector_at_the_first_request_not_at_configuration() {
        // The control: unwrapped, the SDK validates the client while configuring — where its
        // default client builds the TLS connector and reads the trust store.
        let bare = Arc::new(Counts::default());
        configure(SharedHttpClient::new(Counting(bare.clone()))).await;
        assert!(bare.validations() >= 1);

        let counts = Arc::new(Counts::default());
        let dynamo = configure(connect_on_first_request(SharedHttpClient::new(Counting(
            counts.clone(),
        ))))
        .await;
        assert_eq!(counts.validations(), 0);
        assert_eq!(counts.connectors(), 0);

        let refused = dynamo.list_tables().send().await;
        assert!(refused.is_err(), "the connector refuses: {refused:?}");
        assert!(counts.connectors() >= 1);
    }
}
