//! Test support (feature `test-support`): moto's server, SDK clients pointed at it, and
//! fixtures that build each adapter on fresh, private storage.
//!
//! Other crates' tests use it the same way this crate's do:
//! ```no_run
//! # async fn demo() {
//! use gridlink_store::testing::{MotoServer, s3_client, unique_name};
//! let moto = MotoServer::shared();
//! let s3 = s3_client(moto.endpoint()).await;
//! let bucket = unique_name("docs");
//! s3.create_bucket().bucket(&bucket).send().await.expect("bucket");
//! # }
//! ```

mod fixtures;
mod moto;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

pub use fixtures::{
    BlobsUnderTest, LedgerUnderTest, dynamo_ledger, fs_blobs, s3_blobs, sqlite_ledger, test_clock,
};
pub use moto::{INSTALL_HINT, MOTO_VERSION, MotoError, MotoServer};

/// SDK configuration for `endpoint` with dummy credentials in `us-east-1`.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "test",
            "test",
            None,
            None,
            "gridlink-tests",
        ))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// An S3 client for `endpoint`, path-style (`http://host/bucket/key`).
pub async fn s3_client(endpoint: &str) -> aws_sdk_s3::Client {
    let config = sdk_config(endpoint).await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

/// A DynamoDB client for `endpoint`.
pub async fn dynamodb_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&sdk_config(endpoint).await)
}

/// A name no other test uses, valid for buckets and tables: `<prefix>-<32 hex digits>`.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}
