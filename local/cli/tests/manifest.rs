//! The CLI calls only routes the manifest (and so the deployed API) has.

use gridlink_cli::args::{FUNCTIONS, UNMATCHED_FUNCTIONS};

/// Every route the CLI calls, relative to a function, and the functions it calls it on.
const CALLED_ON_EVERY_FUNCTION: &[(&str, &str)] = &[
    ("GET", "timeline/{key}"),
    ("GET", "dead-letters"),
    ("GET", "dead-letters/{item_id}"),
    ("POST", "dead-letters/{item_id}/requeue"),
    ("POST", "dead-letters/requeue"),
    ("POST", "dead-letters/{item_id}/discard"),
    ("POST", "inbox/{item_id}/replay"),
    ("GET", "pauses"),
    ("POST", "pause"),
    ("POST", "resume"),
    ("POST", "partners/{partner_id}/pause"),
    ("POST", "partners/{partner_id}/resume"),
];

const CALLED_ON_UNMATCHED_FUNCTIONS: &[(&str, &str)] = &[
    ("GET", "unmatched"),
    ("GET", "unmatched/{item_id}"),
    ("GET", "unmatched/{item_id}/content"),
    ("POST", "unmatched/{item_id}/assign"),
    ("POST", "unmatched/{item_id}/reject"),
];

fn has(function: &str, method: &str, template: &str) -> bool {
    let spec = gridlink_lambda::manifest::function(function).expect("a function of the manifest");
    let path = format!("/{function}/{template}");
    spec.routes
        .iter()
        .any(|r| r.method == method && r.path == path)
}

#[test]
fn the_cli_knows_the_manifest_s_functions() {
    let names: Vec<&str> = gridlink_lambda::FUNCTIONS.iter().map(|f| f.name).collect();
    assert_eq!(names, FUNCTIONS);
    for function in gridlink_lambda::FUNCTIONS {
        let unmatched = function
            .routes
            .iter()
            .any(|r| r.path.ends_with("/unmatched"));
        assert_eq!(
            unmatched,
            UNMATCHED_FUNCTIONS.contains(&function.name),
            "{}",
            function.name
        );
    }
}

#[test]
fn every_route_the_cli_calls_is_in_the_manifest() {
    for function in FUNCTIONS {
        for (method, template) in CALLED_ON_EVERY_FUNCTION {
            assert!(
                has(function, method, template),
                "{method} /{function}/{template}"
            );
        }
    }
    for function in UNMATCHED_FUNCTIONS {
        for (method, template) in CALLED_ON_UNMATCHED_FUNCTIONS {
            assert!(
                has(function, method, template),
                "{method} /{function}/{template}"
            );
        }
    }
    assert!(has("recall-campaign", "GET", "recalls/{recall_id}"));
    assert!(has(
        "supplier-onboarding",
        "GET",
        "suppliers/{workspace_id}"
    ));
}
