//! The test kit's moto stack runs each function's storage as that function's deployed role, so
//! every `on_both_stacks!` test of a function also proves its role allows what it does.
//! Here: the platform a stack hands a function writes under its own blob prefixes and is
//! refused under another function's, while the embedded stack (no IAM) writes anywhere.

use bytes::Bytes;
use gridlink_lambda::manifest::FUNCTIONS;
use gridlink_store::blob::body_from_bytes;
use gridlink_store::{BlobKey, PutOptions, StoreError};
use gridlink_tests::stack::{Stack, Storage};

async fn put(stack: &Stack, function: &'static str, key: &str) -> Result<(), StoreError> {
    let key = BlobKey::parse(key).expect("a valid key");
    stack
        .platform(function)
        .blobs
        .put(
            &key,
            body_from_bytes(Bytes::from_static(b"x")),
            PutOptions::default(),
        )
        .await
        .map(|_| ())
}

/// A function with blob prefixes, and a prefix of another function that is not also its own.
fn two_functions() -> (&'static str, &'static str, &'static str, &'static str) {
    for a in FUNCTIONS.iter().filter(|f| !f.blob_prefixes.is_empty()) {
        for b in FUNCTIONS.iter().filter(|b| b.name != a.name) {
            if let Some(foreign) = b
                .blob_prefixes
                .iter()
                .find(|p| !a.blob_prefixes.iter().any(|own| p.starts_with(own)))
            {
                return (a.name, a.blob_prefixes[0], b.name, foreign);
            }
        }
    }
    panic!("the manifest has two functions with distinct blob prefixes");
}

fn under(prefix: &str) -> String {
    format!("{}/stack-under-roles/probe", prefix.trim_end_matches('/'))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_moto_a_function_writes_its_own_prefix_and_is_refused_another_functions() {
    let (function, own, other, foreign) = two_functions();
    let stack = Stack::start(Storage::Moto).await;
    put(&stack, function, &under(own))
        .await
        .unwrap_or_else(|e| panic!("{function} writes under its own prefix {own}: {e}"));
    let refused = put(&stack, function, &under(foreign)).await;
    assert!(
        refused.is_err(),
        "{function}'s role must not write under {other}'s prefix {foreign}"
    );
    // The same key is fine for the function it belongs to.
    put(&stack, other, &under(foreign))
        .await
        .unwrap_or_else(|e| panic!("{other} writes under its own prefix {foreign}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_stack_has_no_roles_to_refuse_with() {
    let (function, _, _, foreign) = two_functions();
    let stack = Stack::start(Storage::Embedded).await;
    put(&stack, function, &under(foreign))
        .await
        .expect("no IAM on the embedded stack");
}
