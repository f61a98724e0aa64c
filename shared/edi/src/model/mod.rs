//! The canonical model: one set of types whichever syntax a document arrived in.

mod changes;
mod codes;
mod common;
mod documents;

pub use changes::{
    ChangeAckLine, ChangeLine, ChangePurpose, LineChange, PurchaseOrderChange,
    PurchaseOrderChangeAck,
};
pub use common::{
    Address, BusinessKeys, EdiDate, EdiTime, IdScheme, Party, PartyIdentifier, PartyRole,
    ProductId, ProductIdKind, Purpose, Quantity,
};
pub use documents::{
    AckKind, AckLine, AckStatus, AckStatusCode, BusinessDocument, Charge, ChargeKind, DateKind,
    ElementError, FunctionalAck, GroupAck, InterchangeAck, Invoice, InvoiceLine, LineStatus,
    OrderAcknowledgment, OrderLine, OrderType, Pack, PurchaseOrder, SegmentError, ShipNotice,
    ShipmentStatus, ShippedItem, ShippedOrder, StatusEvent, TransactionAck,
};
