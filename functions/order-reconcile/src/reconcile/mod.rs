//! Line-by-line reconciliation of an order against the acknowledgments (855 / ORDRSP), ship
//! notices (856 / DESADV) and invoices (810 / INVOIC) received for it, and the discrepancy
//! report filed in the order workspace.
//!
//! The engine ([`model`], [`policy`], [`rules`] and its phases, [`outcome`], [`report`]) is
//! pure — no I/O — so it is unit-tested, benchmarked and run offline ([`offline`], the
//! `gridlink-reconcile` command) on its own; [`order`] and [`baseline`] make the order
//! record; the function's side ([`ledger`], [`run`]) records every received document and
//! re-runs the reconciliation whenever one arrives.
//!
//! # The rules
//! **Joining.** Document lines join order lines on the line number (leading zeros and spaces
//! ignored; PO101 / LIN 1082 echoed by the partner). A ship-notice item or invoice line
//! without one (an empty `LIN01`, an empty `RFF+ON` line component) joins on a product id
//! equal to the order line's `Material` — the buyer's part numbers (`BP`, `IN`) first. A line
//! that joins nothing is `unknown_line`.
//!
//! **Units.** Every quantity is taken into the order line's unit before it is compared: the
//! same unit as is, another through the configured table ([`units`], `UNIT_CONVERSIONS`;
//! prices divide by the same factor); a unit that does not convert is `unit_mismatch` for
//! that document, and that line's quantities are not compared at all. An order line without a
//! unit takes every document's unit as its own.
//!
//! **1. Acknowledged vs ordered** (phase [`acknowledgment`]; the latest acknowledgment
//! mentioning a line decides). `IA` / `5` with the ordered quantity, a price within the
//! tolerance and no changed date → `accepted`; another quantity (`ack_quantity_changed`),
//! price (`ack_price_changed`) or date (`ack_date_changed`), or an acceptance "with changes"
//! that shows none (`ack_changed`) → `changed`; `IB` / `QTY+83` → `ack_backordered`;
//! `IR`, `ID` / `7`, `2` → `ack_rejected`; a line the acknowledgment does not mention →
//! `not_acknowledged`. All are exceptions.
//!
//! **2. Committed quantity.** What the partner committed to, and what shipments are judged
//! against: the ordered quantity, less what the acknowledgment backordered (all of it when it
//! does not say how much); 0 for a rejected or deleted line; the confirmed quantity of an
//! accepted or changed line; the ordered quantity while nothing is acknowledged.
//!
//! **3. Dates, like with like.** Each acknowledged date carries its kind from its qualifier
//! ([`gridlink_edi::DateKind`]: X12 ACK04 / DTM01 `068`, `079`, `010`… are ship dates, `067`,
//! `069`, `002`, `017`… delivery dates; EDIFACT DTM `10`, `11`, `200` ship, `2`, `17`, `63`,
//! `64`, `69`… delivery). A ship date is compared with the order line's `Ship Date` (the
//! requested ship date, DTM*010 / DTM+10), a delivery date with its `Delivery Date` (the
//! requested delivery date, DTM*002 / DTM+2); a date whose qualifier is unknown, or whose
//! kind the order does not state, is shown and not compared.
//!
//! **4. Shipped vs committed** (phase [`shipment`]). Shipped = the sum over every ship
//! notice's part for this order (a multi-order ship notice counts only the `PRF` / `RFF+ON`
//! parts naming this PO; split shipments and packs add up). More than committed →
//! `over_shipment`. Less, once a ship notice arrived → `awaiting_shipment` (waiting) while
//! invoicing is not complete, `short_shipment` (exception) once it is.
//!
//! **5. Invoiced** (phase [`invoice`]). Each invoiced unit price within the partner's
//! tolerance of the ordered one (`price_outside_tolerance`; `price_unknown` when the order
//! has no price). Σ invoiced ≤ ordered (`invoiced_more_than_ordered`); once a ship notice
//! arrived, Σ invoiced ≤ Σ shipped (`invoiced_more_than_shipped`) — before, the invoice waits
//! for it. Shipped but not (fully) invoiced: `awaiting_invoice_for_shipped` (waiting) while
//! invoicing is not complete; once it is, under-billing is an exception —
//! `invoiced_less_than_shipped`, or `shipped_not_invoiced` for a line on no invoice.
//!
//! **6. When invoicing is complete** ([`Invoicing`], per partner: `INVOICING`,
//! `PARTNER_INVOICING`). `single` (the default, "one invoice per order"): as soon as an
//! invoice arrived. `partial:N`: N days after the latest invoice's date (BIG01 / DTM+137, or
//! the day it was received), on the run's date. `partial`: never on its own — what is not
//! invoiced stays waiting.
//!
//! **7. Invoice totals** (phase [`totals`]). Per invoice, the stated total (TDS01 / MOA+77)
//! must equal Σ quantity × unit price, plus charges, less allowances (X12 SAC, EDIFACT ALC +
//! MOA, header and line level), plus tax (TXI / MOA+124), to the cent
//! (`invoice_total_mismatch`); its currency must be the order's (`currency_mismatch`).
//!
//! **8. Price tolerance** ([`PriceTolerance`]). Within means |actual − ordered| / ordered ≤
//! the relative limit, inclusive, computed exactly on decimals; the default is 2 %, relative
//! only. An absolute limit per unit applies only when configured (`PRICE_TOLERANCE_ABSOLUTE`
//! or per partner, `PRICE_TOLERANCES`); then both must hold. Quantities have no tolerance:
//! any difference (after unit conversion) counts.
//!
//! **9. Functional acknowledgments** ([`functional_ack`]). A partner's 997 / 999 / CONTRL is
//! never answered with an acknowledgment. One answering a document the buyer sent for the
//! order (850 / ORDERS, 860 / ORDCHG) is listed among the order's documents; rejected
//! (`R` / `4`…) → `functional_ack_rejected`, accepted with errors (`E`, CONTRL with errors)
//! → `functional_ack_errors`, both exceptions naming the partner's error codes.
//!
//! **10. Missing documents** (order level, waiting): no acknowledgment (when required), no
//! ship notice, no invoice.
//!
//! **Status** (phase [`status`]). `exceptions` if any finding is an exception, else
//! `waiting_for_documents` if any finding is waiting, else `matched`. The report's legend
//! lists every finding code with its rule ([`outcome::FindingCode::meaning`]).
//!
//! **Order baseline** ([`baseline`]). The `Purchase Order` category's lines ([`order`]);
//! for an order whose category has no lines, the buyer's 850 / ORDERS filed in the
//! workspace's `FOLDER_ORDER_DOCUMENT` folder (`Order`; the newest document there that parses
//! as a purchase order of this number). The category wins when both exist.
//!
//! **Filing a multi-order ship notice.** The function files a ship notice naming several
//! orders into each of their workspaces (identity `sender|ShipNotice|{shipment}|{po}`) and
//! reconciles each order with its part; each part is correlated on its own, so a part naming
//! an order of another supplier is parked, never filed there.
//!
//! ## Layout
//! - [`model`]: the order record and the received documents. [`policy`]: tolerance,
//!   invoicing, the [`Rules`]. [`units`]: unit conversions.
//! - [`rules`]: [`reconcile`], running the phases [`acknowledgment`], [`shipment`],
//!   [`invoice`], [`totals`], [`status`] over what they share (`lines`).
//! - [`functional_ack`]: a partner's 997 / 999 / CONTRL classified per answered document.
//! - [`outcome`]: the result: status, line results, findings (the JSON report's format).
//! - [`report`]: the result as JSON and as an HTML page with the legend.
//! - [`order`]: the order record from the `Purchase Order` category. [`baseline`]: from an
//!   850 / ORDERS, and which wins.
//! - [`offline`]: files in, the same report out (the `gridlink-reconcile` command).
//! - [`workspace`]: an order workspace (xECM seed entry) from the buyer's 850 / ORDERS file.
//! - [`config`]: folder, tolerances, invoicing, units (default and per partner).
//! - [`ledger`]: every partner document of an order, per revision, in the ledger + blobs.
//! - [`run`]: record → one run per order at a time → reconcile → report filed (JSON + HTML,
//!   one document each, a new version when the result changes) → `Match Status`.

pub mod acknowledgment;
pub mod baseline;
pub mod config;
pub mod functional_ack;
pub mod invoice;
pub mod ledger;
mod lines;
pub mod model;
pub mod offline;
pub mod order;
pub mod outcome;
pub mod policy;
pub mod report;
pub mod rules;
pub mod run;
pub mod shipment;
pub mod status;
pub mod totals;
pub mod turns;
pub mod units;
pub mod workspace;

#[cfg(test)]
mod rules_tests;

pub use config::ReconcileConfig;
pub use model::{
    DocumentKind, DocumentRef, OrderRecord, OrderedLine, PartnerDocuments, Received, line_key,
};
pub use outcome::{FindingCode, MatchStatus, Reconciliation};
pub use policy::{Invoicing, PriceTolerance, Rules};
pub use rules::reconcile;
pub use units::{Conversion, UnitConversion, UnitConversions};
