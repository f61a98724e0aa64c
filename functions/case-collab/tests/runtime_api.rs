//! The deployed artifact itself: the compiled `case-collab` binary, configured for local storage
//! and pointed at both simulators, started against an emulated Lambda Runtime API, answers
//! every route and schedule its manifest entry lists and reports its handler errors as
//! invocation errors without dying; without configuration it exits naming what is missing; with
//! its secrets given by ARN it starts without AWS and reads them at its first invocation.

use gridlink_tests::runtime_api::{
    check_configured_function, check_missing_configuration_is_named,
    check_secrets_by_arn_are_read_at_the_first_invocation,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_compiled_binary_answers_every_route_and_schedule_of_its_manifest_entry() {
    let report =
        check_configured_function(env!("CARGO_BIN_EXE_case-collab"), case_collab::NAME).await;
    println!("{report}");
}

#[tokio::test]
async fn a_binary_without_configuration_exits_naming_every_missing_key() {
    let error =
        check_missing_configuration_is_named(env!("CARGO_BIN_EXE_case-collab"), case_collab::NAME)
            .await;
    println!("{error}");
}

/// Deployed with its secrets given by ARN, the binary asks for its first event before it asks
/// Secrets Manager anything, reads them at its first invocation, and retries a read that failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_given_by_arn_are_read_at_the_first_invocation_and_retried_if_unreadable() {
    check_secrets_by_arn_are_read_at_the_first_invocation(
        env!("CARGO_BIN_EXE_case-collab"),
        case_collab::NAME,
    )
    .await;
}

#[test]
fn the_manifest_and_the_dispatch_agree() {
    assert_eq!(
        gridlink_flow::check_bindings::<case_collab::CaseCollab>(),
        Ok(())
    );
}
