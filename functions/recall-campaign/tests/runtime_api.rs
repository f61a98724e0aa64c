//! The deployed artifact itself: the compiled `recall-campaign` binary, configured for local storage
//! and pointed at both simulators, started against an emulated Lambda Runtime API, answers
//! every route and schedule its manifest entry lists and reports its handler errors as
//! invocation errors without dying; without configuration it exits naming what is missing.

use gridlink_tests::runtime_api::{
    check_configured_function, check_missing_configuration_is_named,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_compiled_binary_answers_every_route_and_schedule_of_its_manifest_entry() {
    let report =
        check_configured_function(env!("CARGO_BIN_EXE_recall-campaign"), recall_campaign::NAME)
            .await;
    println!("{report}");
}

#[tokio::test]
async fn a_binary_without_configuration_exits_naming_every_missing_key() {
    let error = check_missing_configuration_is_named(
        env!("CARGO_BIN_EXE_recall-campaign"),
        recall_campaign::NAME,
    )
    .await;
    println!("{error}");
}

#[test]
fn the_manifest_and_the_dispatch_agree() {
    assert_eq!(
        gridlink_flow::check_bindings::<recall_campaign::RecallCampaign>(),
        Ok(())
    );
}
