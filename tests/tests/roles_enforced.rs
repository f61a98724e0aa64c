//! Each function's role, as `infra/template.yaml` deploys it, lets the function do what its code
//! does and nothing else — proved against moto with IAM enforced.
//!
//! For every function in the manifest: its role policy is read from the template, its
//! `!Ref`/`!GetAtt`/`!Sub` resolved to a fresh bucket, table and four secrets; a role with that
//! policy is assumed; and through the `BlobStore` and `Ledger` adapters (the ones the function
//! runs on) it is shown that
//! - a blob under each of its prefixes can be written and read back;
//! - a write under every other function's prefix, beside its own, or anywhere else is refused
//!   (HTTP 403), and so is a delete;
//! - every ledger operation succeeds if it uses the ledger, and none is allowed if it does not;
//! - it can read exactly the secrets it reads (at its first invocation).
//!
//! `a_role_allowed_nothing_is_refused_everything` first proves the server refuses at all, so
//! none of this passes on a moto that checks nothing.

use std::time::Duration;

use bytes::Bytes;
use gridlink_lambda::manifest::{FUNCTIONS, FunctionSpec};
use gridlink_store::blob::body_from_bytes;
use gridlink_store::testing::iam::{IamMoto, StorageUnderRoles, StoresUnderRole, is_access_denied};
use gridlink_store::{
    BlobKey, Claim, IndexName, LedgerWrite, NewRecord, PutOptions, Query, RecordId, Sequence,
};
use serde_json::json;

/// Secret configuration keys, the template parameters holding their ARNs, and the secret's name.
const SECRETS: [(&str, &str); 4] = [
    ("XECM_PASSWORD", "XecmPasswordSecretArn"),
    ("TG_CLIENT_SECRET", "TgClientSecretArn"),
    ("TG_WEBHOOK_SECRET", "TgWebhookSecretArn"),
    ("XECM_PUSH_SECRET", "XecmPushSecretArn"),
];

/// Fresh storage and four secrets; the names resolve the template against them.
async fn storage_with_secrets() -> (StorageUnderRoles, Vec<(&'static str, String)>) {
    let mut storage = StorageUnderRoles::fresh().await;
    let moto = IamMoto::shared();
    let admin =
        aws_sdk_secretsmanager::Client::new(&moto.admin().sdk_config(moto.endpoint()).await);
    let mut arns = Vec::new();
    for (key, parameter) in SECRETS {
        let arn = admin
            .create_secret()
            .name(format!("{}/{key}", storage.table))
            .secret_string(format!("value of {key}"))
            .send()
            .await
            .expect("create the secret as admin")
            .arn
            .expect("an ARN");
        storage.names = storage.names.clone().with_parameter(parameter, &arn);
        arns.push((key, arn));
    }
    (storage, arns)
}

fn key(text: &str) -> BlobKey {
    BlobKey::parse(text).expect("a valid key")
}

/// Keys no function may write: every other function's prefixes, siblings of its own, the
/// pair the old roles allowed, and the bucket root.
fn foreign_keys(spec: &FunctionSpec) -> Vec<String> {
    let mut keys: Vec<String> = FUNCTIONS
        .iter()
        .filter(|other| other.name != spec.name)
        .flat_map(|other| other.blob_prefixes.iter())
        .map(|prefix| format!("{prefix}intruder.json"))
        .collect();
    for prefix in spec.blob_prefixes {
        let parent = prefix
            .trim_end_matches('/')
            .rsplit_once('/')
            .map_or("", |(parent, _)| parent);
        keys.push(format!("{parent}/{}-twin/x.json", spec.name));
        keys.push(format!("{}x.json", prefix.trim_end_matches('/')));
    }
    keys.extend(
        [
            "raw/x.json",
            "docs/x.json",
            "documents/x.json",
            "attachments/x.json",
            "order-documents/x.json",
            "x.json",
        ]
        .map(str::to_owned),
    );
    keys
}

async fn writes_its_prefixes_and_nothing_else(spec: &FunctionSpec, stores: &StoresUnderRole) {
    let store = &stores.blobs.store;
    for prefix in spec.blob_prefixes {
        let blob = key(&format!("{prefix}2025-06-15/evt-1.json"));
        store
            .put(
                &blob,
                body_from_bytes(Bytes::from_static(b"{\"ok\":true}")),
                PutOptions::with_content_type("application/json"),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: put under its prefix {prefix}: {e:?}", spec.name));
        let read = store
            .get(&blob, None)
            .await
            .unwrap_or_else(|e| panic!("{}: get under {prefix}: {e:?}", spec.name))
            .bytes()
            .await
            .expect("read the body");
        assert_eq!(read.as_ref(), b"{\"ok\":true}");
        store
            .head(&blob)
            .await
            .unwrap_or_else(|e| panic!("{}: head under {prefix}: {e:?}", spec.name));
        let deleted = stores
            .s3
            .delete_object()
            .bucket(&stores.bucket)
            .key(blob.as_str())
            .send()
            .await;
        assert!(
            deleted.as_ref().is_err_and(is_access_denied),
            "{}: deleting {blob} must be refused (no code deletes blobs): {deleted:?}",
            spec.name
        );
    }
    for foreign in foreign_keys(spec) {
        let put = stores
            .s3
            .put_object()
            .bucket(&stores.bucket)
            .key(&foreign)
            .body(Bytes::from_static(b"{}").into())
            .send()
            .await;
        assert!(
            put.as_ref().is_err_and(is_access_denied),
            "{}: a write to {foreign} must be refused: {put:?}",
            spec.name
        );
        let through_store = store
            .put(
                &key(&foreign),
                body_from_bytes(Bytes::from_static(b"{}")),
                PutOptions::default(),
            )
            .await;
        assert!(
            through_store.is_err(),
            "{}: the store wrote {foreign}",
            spec.name
        );
    }
}

/// Every ledger operation the functions' code uses, through the `DynamoLedger` adapter.
async fn uses_the_ledger(spec: &FunctionSpec, stores: &StoresUnderRole) {
    let ledger = stores.ledger.ledger.as_ref();
    let name = spec.name;
    let id = RecordId::new("inbox", format!("{name}/tg/evt-1")).expect("id");
    let created = ledger
        .create(
            NewRecord::new(id.clone(), "pending", json!({"attempts": 0}))
                .with_index1(
                    format!("inbox#{name}#pending"),
                    "2025-06-15T14:13:20Z#evt-1",
                )
                .with_index2("due", "2025-06-15T14:13:20Z"),
        )
        .await
        .unwrap_or_else(|e| panic!("{name}: create: {e:?}"));
    assert!(ledger.get(&id).await.expect("get").is_some());
    let mut change = created.change();
    "done".clone_into(&mut change.status);
    let updated = ledger.update(change).await.expect("update");
    let found = ledger
        .query(Query::partition(
            IndexName::One,
            format!("inbox#{name}#pending"),
        ))
        .await
        .expect("query index one");
    assert_eq!(found.len(), 1);
    ledger
        .query(Query::partition(IndexName::Two, "due"))
        .await
        .expect("query index two");
    let other = RecordId::new("poll-cursor", format!("{name}:feed")).expect("id");
    ledger
        .transact(vec![
            LedgerWrite::Create(NewRecord::new(other.clone(), "open", json!({}))),
            LedgerWrite::Update(updated.change()),
        ])
        .await
        .expect("transact");
    let claim = RecordId::new("effect:tg-space", format!("{name}/case-1")).expect("id");
    let Claim::Acquired { token, .. } = ledger
        .claim(&claim, Duration::from_secs(60), Some("hash"))
        .await
        .expect("claim")
    else {
        panic!("{name}: a fresh claim is acquired");
    };
    ledger
        .complete_claim(&claim, &token, json!({"space": 1}), None)
        .await
        .expect("complete the claim");
    let turn = RecordId::new("order-reconcile-lock", format!("{name}/po-1")).expect("id");
    let Claim::Acquired { token, .. } = ledger
        .claim(&turn, Duration::from_secs(60), None)
        .await
        .expect("claim a turn")
    else {
        panic!("{name}: a fresh turn is acquired");
    };
    ledger.release_claim(&turn, &token).await.expect("release");
    Sequence::new(format!("ack-control/{name}"), 1, 999_999_999)
        .expect("sequence")
        .number_for(ledger, "doc-1")
        .await
        .expect("a sequence number");
    let current = ledger.get(&id).await.expect("get").expect("exists");
    ledger.delete(&id, current.version).await.expect("delete");
    let scanned = stores
        .dynamodb
        .scan()
        .table_name(&stores.table)
        .send()
        .await;
    assert!(
        scanned.as_ref().is_err_and(is_access_denied),
        "{name}: a scan of the whole table must be refused: {scanned:?}"
    );
}

async fn cannot_touch_the_ledger(spec: &FunctionSpec, stores: &StoresUnderRole) {
    let id = RecordId::new("inbox", format!("{}/tg/evt-1", spec.name)).expect("id");
    assert!(stores.ledger.ledger.get(&id).await.is_err());
    let read = stores
        .dynamodb
        .get_item()
        .table_name(&stores.table)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S("inbox#x".to_owned()),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("record".to_owned()),
        )
        .send()
        .await;
    assert!(
        read.as_ref().is_err_and(is_access_denied),
        "{}: does not use the ledger, so its role must not read it: {read:?}",
        spec.name
    );
}

async fn reads_exactly_its_secrets(
    spec: &FunctionSpec,
    stores: &StoresUnderRole,
    arns: &[(&'static str, String)],
) {
    let client = aws_sdk_secretsmanager::Client::new(&stores.sdk_config);
    for (key, arn) in arns {
        let read = client.get_secret_value().secret_id(arn).send().await;
        if spec.secrets.contains(key) {
            let value = read.unwrap_or_else(|e| panic!("{}: read {key}: {e:?}", spec.name));
            assert_eq!(
                value.secret_string(),
                Some(format!("value of {key}").as_str())
            );
        } else {
            assert!(
                read.as_ref().is_err_and(is_access_denied),
                "{}: must not read {key}: {read:?}",
                spec.name
            );
        }
    }
}

async fn role_does_what_its_function_does(name: &str) {
    let spec = gridlink_lambda::manifest::function(name).expect("in the manifest");
    let (storage, arns) = storage_with_secrets().await;
    let stores = storage.as_function(name).await;
    writes_its_prefixes_and_nothing_else(spec, &stores).await;
    if spec.uses_ledger {
        uses_the_ledger(spec, &stores).await;
    } else {
        cannot_touch_the_ledger(spec, &stores).await;
    }
    reads_exactly_its_secrets(spec, &stores, &arns).await;
}

macro_rules! role_tests {
    ($($test:ident => $function:literal),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                role_does_what_its_function_does($function).await;
            }
        )*

        #[test]
        fn every_manifest_function_has_its_role_checked_here() {
            let checked = [$($function),*];
            for spec in FUNCTIONS {
                assert!(checked.contains(&spec.name), "{} has no role test", spec.name);
            }
        }
    };
}

role_tests! {
    case_collab_role_writes_its_inbox_and_nothing_else => "case-collab",
    po_exception_role_writes_its_inbox_and_nothing_else => "po-exception",
    contract_share_role_writes_its_inbox_and_nothing_else => "contract-share",
    shipment_delay_role_writes_its_inbox_documents_and_attachments_only => "shipment-delay",
    supplier_onboarding_role_has_no_storage_and_no_secrets => "supplier-onboarding",
    recall_campaign_role_writes_its_inbox_and_nothing_else => "recall-campaign",
    order_reconcile_role_writes_its_inbox_documents_and_order_documents_only => "order-reconcile",
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_allowed_nothing_is_refused_everything() {
    let storage = StorageUnderRoles::fresh().await;
    let nothing = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": "*"}]
    });
    let stores = storage.under_policy("nothing", &nothing).await;
    let put = stores
        .s3
        .put_object()
        .bucket(&stores.bucket)
        .key("raw/tg/case-collab/x.json")
        .body(Bytes::from_static(b"{}").into())
        .send()
        .await;
    assert!(put.as_ref().is_err_and(is_access_denied), "{put:?}");
    let id = RecordId::new("inbox", "x").expect("id");
    assert!(stores.ledger.ledger.get(&id).await.is_err());
    let admin = storage.as_admin().await;
    admin
        .blobs
        .store
        .put(
            &key("raw/tg/case-collab/x.json"),
            body_from_bytes(Bytes::from_static(b"{}")),
            PutOptions::default(),
        )
        .await
        .expect("the admin may write anywhere");
    assert!(
        admin
            .ledger
            .ledger
            .get(&id)
            .await
            .expect("admin reads")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_iam_would_refuse_is_refused() {
    let broken =
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]});
    let refused = IamMoto::shared().assume_new_role("broken", &broken).await;
    assert!(refused.is_err(), "{refused:?}");
}

/// The platform's read of secrets (`resolve_secret_arns`, all four at once, at the first
/// invocation) under a function's role: its own secrets resolve to their values; another
/// function's secret is refused and named by its ARN variable, so no function is built
/// half-configured.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platform_reads_its_secrets_at_start_under_its_role_and_names_a_refused_one() {
    let spec = FUNCTIONS
        .iter()
        .find(|f| f.implemented && !f.secrets.contains(&"XECM_PUSH_SECRET"))
        .expect("a function without the push secret");
    let (storage, arns) = storage_with_secrets().await;
    let stores = storage.as_function(spec.name).await;
    let own: Vec<(String, String)> = arns
        .iter()
        .filter(|(key, _)| spec.secrets.contains(key))
        .map(|(key, arn)| (gridlink_flow::platform::secret_arn_key(key), arn.clone()))
        .collect();
    assert!(!own.is_empty(), "{} reads secrets", spec.name);
    let resolved = gridlink_flow::platform::resolve_secret_arns(
        gridlink_core::config::ConfigSource::from_pairs(own.clone()),
        &stores.sdk_config,
    )
    .await
    .expect("its own secrets resolve");
    for key in spec.secrets {
        assert_eq!(
            resolved.get(key),
            Some(format!("value of {key}").as_str()),
            "{key} read from Secrets Manager"
        );
    }
    let push_arn = &arns
        .iter()
        .find(|(key, _)| *key == "XECM_PUSH_SECRET")
        .expect("the push secret")
        .1;
    let mut with_foreign = own;
    with_foreign.push(("XECM_PUSH_SECRET_ARN".into(), push_arn.clone()));
    let error = gridlink_flow::platform::resolve_secret_arns(
        gridlink_core::config::ConfigSource::from_pairs(with_foreign),
        &stores.sdk_config,
    )
    .await
    .expect_err("a secret its role may not read stops the start");
    assert!(
        error.to_string().contains("XECM_PUSH_SECRET_ARN"),
        "the refused secret is named: {error}"
    );
}
