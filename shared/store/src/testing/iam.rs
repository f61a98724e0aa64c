//! Storage under a role: blob store and ledger handles whose SDK clients carry the temporary
//! credentials of an IAM role with a given policy, against a moto server that enforces IAM.
//!
//! A function's tests can so prove that its deployed role lets it do what it does: a blob key
//! outside its prefixes, or a DynamoDB action its role lacks, fails the test with `403` instead
//! of failing in AWS after the deploy.
//!
//! ```no_run
//! # async fn demo() {
//! use gridlink_store::testing::iam::StorageUnderRoles;
//! // Fresh bucket and table; the stores act as order-reconcile's role in infra/template.yaml.
//! let storage = StorageUnderRoles::fresh().await;
//! let stores = storage.as_function("order-reconcile").await;
//! let (blobs, ledger) = (stores.blobs.store.clone(), stores.ledger.ledger.clone());
//! # let _ = (blobs, ledger);
//! # }
//! ```
//!
//! # How IAM is enforced
//! [`IamMoto::shared`] runs moto's server through `moto_iam.py` (beside this file): moto with
//! `INITIAL_NO_AUTH_ACTION_COUNT=0` (every request's SigV4 signature and the caller's policies
//! are checked), DynamoDB authorised against the table and index ARNs (`TransactWriteItems` as
//! its item actions, as in AWS) and Secrets Manager against the secret's ARN; moto itself checks
//! both against `*`. A role session is made by `POST /__gridlink/role-session`: an IAM role with
//! the policy inline (validated by moto as IAM would), assumed through STS.
//!
//! What moto does not evaluate: `Condition` blocks other than `StringEquals` (ignored, so a
//! condition never narrows a grant here), resource policies (the bucket policy), and the 403
//! AWS gives instead of 404 for a missing object when the caller lacks `s3:ListBucket`.

use std::sync::{Arc, OnceLock};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use gridlink_core::clock::SharedClock;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::fixtures::{Backing, BlobsUnderTest, LedgerUnderTest, test_clock};
use super::moto::MotoServer;
use super::role::{DeployedNames, role_policy};
use super::unique_name;
use crate::{DynamoLedger, S3BlobStore};

/// The account moto runs everything in.
pub const ACCOUNT: &str = "123456789012";
/// The region the clients use.
pub const REGION: &str = "us-east-1";

/// A policy that allows everything: the test's own hands (creating buckets and tables,
/// looking behind a role's back).
fn admin_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    })
}

/// moto's server with IAM enforced (see the module docs), and an all-allowed session.
#[derive(Debug)]
pub struct IamMoto {
    server: MotoServer,
    admin: RoleCredentials,
}

impl IamMoto {
    /// One server for the whole test binary, started on first use, beside (not instead of)
    /// [`MotoServer::shared`].
    ///
    /// # Panics
    /// If moto is missing or does not start; the message says how to install it.
    pub fn shared() -> &'static IamMoto {
        static SHARED: OnceLock<IamMoto> = OnceLock::new();
        SHARED.get_or_init(|| {
            let server = match MotoServer::start_enforcing_iam() {
                Ok(server) => server,
                Err(error) => panic!("{error}"),
            };
            let endpoint = server.endpoint().to_owned();
            let admin = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the admin session")
                    .block_on(role_session(
                        &endpoint,
                        "gridlink-test-admin",
                        &admin_policy(),
                    ))
            })
            .join()
            .expect("the admin session thread")
            .unwrap_or_else(|e| panic!("cannot create the admin role in moto: {e}"));
            IamMoto { server, admin }
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        self.server.endpoint()
    }

    /// Credentials allowed everything.
    pub fn admin(&self) -> &RoleCredentials {
        &self.admin
    }

    /// A new role named `<role>-<random>` with `policy` inline, assumed: its credentials.
    ///
    /// # Errors
    /// moto refused the policy document (as IAM would) or did not answer.
    pub async fn assume_new_role(
        &self,
        role: &str,
        policy: &Value,
    ) -> Result<RoleCredentials, String> {
        let name = unique_name(role);
        // IAM role names are at most 64 characters.
        let name = &name[..name.len().min(64)];
        role_session(self.endpoint(), name, policy).await
    }
}

/// Temporary credentials of an assumed role.
#[derive(Debug, Clone)]
pub struct RoleCredentials {
    /// `ASIA…`.
    pub access_key_id: String,
    /// The secret key.
    pub secret_access_key: String,
    /// The session token.
    pub session_token: String,
    /// The role assumed.
    pub role_arn: String,
}

impl RoleCredentials {
    /// SDK configuration for `endpoint` acting with these credentials.
    pub async fn sdk_config(&self, endpoint: &str) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new(
                self.access_key_id.clone(),
                self.secret_access_key.clone(),
                Some(self.session_token.clone()),
                None,
                "gridlink-role-session",
            ))
            .endpoint_url(endpoint)
            .load()
            .await
    }

    /// The standard AWS environment for a child process acting as this role on `endpoint`.
    pub fn env_vars(&self, endpoint: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", endpoint.to_owned()),
            ("AWS_ACCESS_KEY_ID", self.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret_access_key.clone()),
            ("AWS_SESSION_TOKEN", self.session_token.clone()),
            ("AWS_REGION", REGION.to_owned()),
        ]
    }
}

/// Asks the server for a role session (`POST /__gridlink/role-session`, see `moto_iam.py`).
async fn role_session(
    endpoint: &str,
    role: &str,
    policy: &Value,
) -> Result<RoleCredentials, String> {
    let address = endpoint.trim_start_matches("http://");
    let body = json!({"role": role, "policy": policy}).to_string();
    let request = format!(
        "POST /__gridlink/role-session HTTP/1.0\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("connect to {address}: {e}"))?;
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("send: {e}"))?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .map_err(|e| format!("read: {e}"))?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no HTTP answer: {answer}"))?;
    if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
        return Err(format!("role {role}: {body}"));
    }
    let json: Value = serde_json::from_str(body).map_err(|e| format!("{e}: {body}"))?;
    let field = |name: &str| {
        json.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("no {name} in {body}"))
    };
    Ok(RoleCredentials {
        access_key_id: field("access_key_id")?,
        secret_access_key: field("secret_access_key")?,
        session_token: field("session_token")?,
        role_arn: field("role_arn")?,
    })
}

/// A fresh bucket and table in [`IamMoto::shared`], created with the admin session, and the
/// names that resolve a role policy from `infra/template.yaml` against them.
#[derive(Debug, Clone)]
pub struct StorageUnderRoles {
    /// The bucket (the template's `Bucket`).
    pub bucket: String,
    /// The table (the template's `Table`), laid out as `DynamoLedger` needs it.
    pub table: String,
    /// What `!Ref`, `!GetAtt` and `!Sub` resolve to; add secret ARNs to
    /// [`DeployedNames::parameters`] to test the `Secrets` grants.
    pub names: DeployedNames,
}

impl StorageUnderRoles {
    /// Creates a bucket and a ledger table no other test uses.
    ///
    /// # Panics
    /// If moto is missing or refuses to create them.
    pub async fn fresh() -> Self {
        let moto = IamMoto::shared();
        let admin = moto.admin().sdk_config(moto.endpoint()).await;
        let bucket = unique_name("blobs");
        s3_client(&admin)
            .create_bucket()
            .bucket(&bucket)
            .send()
            .await
            .expect("create the bucket in moto as admin");
        let table = unique_name("ledger");
        let shared: SharedClock = test_clock();
        DynamoLedger::new(aws_sdk_dynamodb::Client::new(&admin), table.clone(), shared)
            .ensure_table()
            .await
            .expect("create the ledger table in moto as admin");
        let names = DeployedNames::new(&bucket, &table);
        Self {
            bucket,
            table,
            names,
        }
    }

    /// The stores as `function`'s role in `infra/template.yaml` sees them: its policy there,
    /// resolved against this storage, on a new role.
    ///
    /// # Panics
    /// If the template has no such function or role, or moto refuses the policy.
    pub async fn as_function(&self, function: &str) -> StoresUnderRole {
        let policy = role_policy(function, &self.names)
            .unwrap_or_else(|e| panic!("the role of {function} in infra/template.yaml: {e}"));
        self.under_policy(function, &policy).await
    }

    /// The stores under a new role named after `role` with `policy` inline.
    ///
    /// # Panics
    /// If moto refuses the policy (IAM would too).
    pub async fn under_policy(&self, role: &str, policy: &Value) -> StoresUnderRole {
        let moto = IamMoto::shared();
        let credentials = moto
            .assume_new_role(role, policy)
            .await
            .unwrap_or_else(|e| panic!("moto refused the policy of {role}: {e}"));
        self.stores_for(credentials).await
    }

    /// The stores with every permission (to arrange and inspect what a role cannot).
    pub async fn as_admin(&self) -> StoresUnderRole {
        self.stores_for(IamMoto::shared().admin().clone()).await
    }

    async fn stores_for(&self, credentials: RoleCredentials) -> StoresUnderRole {
        let moto = IamMoto::shared();
        let config = credentials.sdk_config(moto.endpoint()).await;
        let admin = moto.admin().sdk_config(moto.endpoint()).await;
        let s3 = s3_client(&config);
        let clock = test_clock();
        let shared: SharedClock = clock.clone();
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        StoresUnderRole {
            blobs: BlobsUnderTest {
                store: Arc::new(S3BlobStore::new(s3.clone(), self.bucket.clone())),
                backing: Backing::S3 {
                    // Damage is done behind the role's back, with every permission.
                    client: s3_client(&admin),
                    bucket: self.bucket.clone(),
                },
            },
            ledger: LedgerUnderTest {
                ledger: Arc::new(DynamoLedger::new(
                    dynamodb.clone(),
                    self.table.clone(),
                    shared,
                )),
                clock,
                _storage: None,
            },
            s3,
            dynamodb,
            sdk_config: config,
            credentials,
            bucket: self.bucket.clone(),
            table: self.table.clone(),
        }
    }
}

/// A blob store and a ledger acting as one role, and the raw clients behind them.
#[derive(Debug)]
pub struct StoresUnderRole {
    /// `S3BlobStore` on the bucket, as the role.
    pub blobs: BlobsUnderTest,
    /// `DynamoLedger` on the table, as the role, with a manual clock.
    pub ledger: LedgerUnderTest,
    /// The S3 client the store uses (to assert a refusal's status).
    pub s3: aws_sdk_s3::Client,
    /// The DynamoDB client the ledger uses.
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// The SDK configuration: endpoint, region, the role's credentials (for other clients, or
    /// `gridlink_flow::platform` building storage the way production does).
    pub sdk_config: SdkConfig,
    /// The role's credentials.
    pub credentials: RoleCredentials,
    /// `GRIDLINK_BUCKET`.
    pub bucket: String,
    /// `GRIDLINK_TABLE`.
    pub table: String,
}

impl StoresUnderRole {
    /// The environment a child process needs to use this storage as this role.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        let mut vars = self.credentials.env_vars(IamMoto::shared().endpoint());
        vars.extend([
            ("GRIDLINK_STORAGE", "aws".to_owned()),
            ("GRIDLINK_BUCKET", self.bucket.clone()),
            ("GRIDLINK_TABLE", self.table.clone()),
        ]);
        vars
    }
}

/// Whether an SDK call failed because IAM refused it (HTTP 403), for any AWS service client.
pub fn is_access_denied<E>(
    error: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> bool {
    error
        .raw_response()
        .is_some_and(|response| response.status().as_u16() == 403)
}

fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    )
}
