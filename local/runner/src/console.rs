//! The operator console: one static page (`local/runner/console/index.html`: HTML, CSS and
//! vanilla JavaScript, no build step, no secrets) over the operator routes — a business key's
//! timeline as a swim-lane of xECM / gridlink / Trading Grid, the unmatched queue (inspect,
//! assign, reject) and the dead letters (inspect, requeue, discard). The gateway serves it at
//! [`PATH`]; deployed, it is a static asset (docs/console.md).

/// The page, as it is deployed.
pub const PAGE: &str = include_str!("../console/index.html");

/// Where the gateway serves the page.
pub const PATH: &str = "/console";

/// The console URL showing `key`'s timeline (`po:4500001234`) on the stack at `gateway_url`.
pub fn timeline_url(gateway_url: &str, key: &str) -> String {
    format!(
        "{}{PATH}#key={}",
        gateway_url.trim_end_matches('/'),
        key.replace('%', "%25")
            .replace(' ', "%20")
            .replace('&', "%26")
    )
}

/// The security headers the gateway sends with the page: its own inline script and style
/// only, API calls to any origin (the `api` parameter may name another), nothing framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; \
     style-src 'unsafe-inline'; connect-src 'self' http: https:; img-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in the page's `const NAME = [...]` list.
    fn page_list(name: &str) -> Vec<String> {
        let start = PAGE
            .find(&format!("const {name} = ["))
            .unwrap_or_else(|| panic!("the page declares {name}"));
        let rest = &PAGE[start..];
        let list = &rest[rest.find('[').expect("[") + 1..rest.find(']').expect("]")];
        list.split(',')
            .map(|s| s.trim().trim_matches('"').to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }

    #[test]
    fn the_page_lists_the_manifest_functions_and_their_unmatched_queues() {
        let functions: Vec<String> = gridlink_lambda::FUNCTIONS
            .iter()
            .map(|f| f.name.to_owned())
            .collect();
        assert_eq!(page_list("FUNCTIONS"), functions);
        let unmatched: Vec<String> = gridlink_lambda::FUNCTIONS
            .iter()
            .filter(|f| {
                f.routes
                    .iter()
                    .any(|r| r.path == format!("/{}/unmatched/{{item_id}}/assign", f.name))
            })
            .map(|f| f.name.to_owned())
            .collect();
        let mut listed = page_list("UNMATCHED_FUNCTIONS");
        listed.sort();
        let mut expected = unmatched;
        expected.sort();
        assert_eq!(listed, expected);
        let timeline = PAGE
            .split("const TIMELINE_FUNCTION = \"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("the page names its timeline function");
        assert!(
            gridlink_lambda::FUNCTIONS.iter().any(|f| f.name == timeline
                && f.routes.iter().any(|r| r.path.ends_with("/timeline/{key}"))),
            "{timeline} serves the timeline"
        );
    }

    #[test]
    fn the_page_carries_no_credential_and_signs_nothing() {
        let page = PAGE.to_ascii_lowercase();
        for word in [
            "password",
            "akia",
            "x-amz-",
            "authorization",
            "bearer",
            "_secret",
            "token",
            "localstorage",
            "document.cookie",
        ] {
            assert!(!page.contains(word), "the page mentions {word}");
        }
    }

    #[test]
    fn the_timeline_url_names_the_key_in_the_fragment() {
        assert_eq!(
            timeline_url("http://127.0.0.1:8080/", "po:4500001234"),
            "http://127.0.0.1:8080/console#key=po:4500001234"
        );
        assert_eq!(
            timeline_url("http://h", "exception:45/EX 1"),
            "http://h/console#key=exception:45/EX%201"
        );
    }
}
