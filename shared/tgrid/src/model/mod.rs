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
