//! The fuzz targets of the operator routes' bodies (the unmatched queue's assign and reject),
//! shared by the cargo-fuzz project (`fuzz/`, nightly) and the proptest smoke in `cargo test`
//! (`tests/tests/fuzz_smoke.rs`): both run exactly this code. See `docs/fuzzing.md`.

use crate::operator::{AssignError, AssignTarget, MAX_COMMENT_CHARS, reject_comment};

/// An arbitrary assign body: refused naming what is wrong, or exactly one target the
/// resolution can look up (a PO number of 1–35 allowed characters, or a positive node id).
pub fn assign_body(data: &[u8]) {
    match AssignTarget::parse(data) {
        Ok(AssignTarget::PurchaseOrder(po)) => {
            assert!(
                !po.is_empty() && po.len() <= 35,
                "accepted po_number {po:?}"
            );
            assert!(
                po.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.')),
                "accepted po_number {po:?}"
            );
        }
        Ok(AssignTarget::Workspace(id)) => assert!(id > 0, "accepted workspace_id {id}"),
        Err(AssignError::Field { field, .. }) => {
            assert!(matches!(field, "po_number" | "workspace_id" | "body"));
        }
        Err(AssignError::Body(_)) => {}
    }
}

/// An arbitrary reject body: refused naming the field or the body, or a comment of at most
/// [`MAX_COMMENT_CHARS`] characters.
pub fn reject_body(data: &[u8]) {
    match reject_comment(data) {
        Ok(comment) => assert!(comment.chars().count() <= MAX_COMMENT_CHARS),
        Err(reason) => assert!(reason.starts_with("reject body: "), "{reason}"),
    }
}
