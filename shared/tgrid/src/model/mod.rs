//! The resources of the contract, as they travel on the wire.
//!
//! Every resource keeps fields it does not know in `extra`, and every status enum has an
//! `Unknown` variant, so a newer Trading Grid never breaks an older client. The simulator
//! serialises the same types, so client and simulator cannot drift apart on field names.

pub mod attachments;
pub mod campaigns;
pub mod collaboration;
pub mod common;
pub mod documents;
pub mod partners;
pub mod requests;
pub mod shares;
pub mod subscriptions;

pub use attachments::*;
pub use campaigns::*;
pub use collaboration::*;
pub use common::*;
pub use documents::*;
pub use partners::*;
pub use requests::*;
pub use shares::*;
pub use subscriptions::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_keep_unknown_fields_and_tolerate_unknown_statuses() {
        let raw = serde_json::json!({
            "document_id": "doc_1", "sender": {"qualifier": "ZZ", "id": "A"}, "receiver": {"qualifier": "ZZ", "id": "B"},
            "standard": "X12", "doc_type": "850", "direction": "outbound", "status": "redelivered",
            "status_history": [], "size_bytes": 3, "sha256": "00", "file_name": "a", "content_type": "x/y",
            "created_at": "2026-11-24T10:00:00Z", "van_reference": "R-9"
        });
        let document: Document = serde_json::from_value(raw).expect("tolerant");
        assert_eq!(document.status, DocumentStatus::Unknown);
        assert_eq!(document.extra["van_reference"], "R-9");
        assert_eq!(document.metadata.doc_type, "850");
        let back = serde_json::to_value(&document).expect("serialises");
        assert_eq!(back["van_reference"], "R-9");
        assert_eq!(back["sender"]["id"], "A");

        let partner: Partner = serde_json::from_value(serde_json::json!({
            "partner_id": "prt_1", "name": "N", "status": "archived", "van": "OFTP", "tier": 2
        }))
        .expect("tolerant");
        assert_eq!(
            (partner.status, partner.van),
            (PartnerStatus::Unknown, Van::Unknown)
        );
        assert_eq!(partner.extra["tier"], 2);
    }
}
