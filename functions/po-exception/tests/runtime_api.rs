//! The deployed artifact itself: the compiled `po-exception` binary, started against an emulated
//! Lambda Runtime API, answers every route and schedule its manifest entry lists, and reports
//! its handler errors as invocation errors without dying.

use gridlink_tests::runtime_api::{check_deployable_function, check_startup_failure_is_reported};

#[tokio::test]
async fn the_compiled_binary_answers_every_route_and_schedule_of_its_manifest_entry() {
    let report =
        check_deployable_function(env!("CARGO_BIN_EXE_po-exception"), po_exception::NAME).await;
    println!("{report}");
}

#[tokio::test]
async fn a_binary_that_cannot_start_is_reported_as_exited_in_its_own_words() {
    let error = check_startup_failure_is_reported(env!("CARGO_BIN_EXE_po-exception")).await;
    println!("{error}");
}
