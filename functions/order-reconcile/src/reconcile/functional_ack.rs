//! Rule 6, the engine side: a partner's functional acknowledgment (997 / 999 / CONTRL) is
//! never answered with one of ours; when it answers a document the buyer sent for an order
//! (850 / ORDERS, 860 / ORDCHG), it is tracked on that order — accepted ones are recorded,
//! errors and rejections become exceptions carrying the partner's error codes.
//!
//! [`classify`] splits an acknowledgment into one [`AcknowledgedTransaction`] per transaction
//! set / message it answers (per group when the group lists none, per interchange when a
//! CONTRL answers only the interchange). The processing path matches each to the document it
//! sent by control numbers (group GS06 / UNG, set ST02 / UNH 0062, interchange ISA13 / UNB
//! 0020) and puts the ones of an order into [`super::PartnerDocuments::functional_acks`]; the
//! acknowledgment phase then reports them ([`super::acknowledgment`]).
//!
//! The classification and the matching are shared with po-exception (which tracks the
//! acknowledgment of its 860 / ORDCHG on the exception): they live in
//! [`gridlink_inbound::functional_ack`], re-exported here.

pub use gridlink_inbound::functional_ack::{
    AcknowledgedTransaction, FunctionalAckVerdict, classify, is_functional_ack,
};
