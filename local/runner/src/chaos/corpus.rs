//! The partner documents a chaos run sends: deterministic from the seed, across suppliers,
//! kinds and both syntaxes, each with the business identity the receiving function files it
//! under and where it must end up.

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)] // counts, shares and amounts of a test run: small and non-negative

use serde::Serialize;
use time::{Date, Month, PrimitiveDateTime, Time};

/// A small deterministic generator (SplitMix64): the same seed gives the same run plan.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.next_u64() % bound
        }
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A supplier of the demo seeds that has orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Supplier {
    /// TG partner id.
    pub partner_id: &'static str,
    /// The sender address TG gives its documents.
    pub sender: &'static str,
    /// Its id inside the envelope.
    pub envelope_id: &'static str,
    /// xECM supplier number.
    pub supplier_number: &'static str,
    /// X12 (`true`) or EDIFACT.
    pub x12: bool,
    /// The material its chaos orders buy, and the price.
    pub material: &'static str,
    /// Unit price.
    pub price: &'static str,
    /// Currency.
    pub currency: &'static str,
    /// First digit block of its chaos PO numbers.
    pub po_prefix: &'static str,
}

/// The three suppliers with orders (X12: ACME, Pacific Polymers — whose `Trading Partner ID`
/// is stored unqualified —; EDIFACT: Nordic Fasteners, also unqualified).
pub const SUPPLIERS: [Supplier; 3] = [
    Supplier {
        partner_id: "prt_acme",
        sender: "ZZ:ACMESUPPLY",
        envelope_id: "ACMESUPPLY",
        supplier_number: "0000100042",
        x12: true,
        material: "M-STEEL-BOLT-12",
        price: "0.12",
        currency: "EUR",
        po_prefix: "4591",
    },
    Supplier {
        partner_id: "prt_pacpoly",
        sender: "ZZ:PACPOLY",
        envelope_id: "PACPOLY",
        supplier_number: "0000100103",
        x12: true,
        material: "M-PP-GRANULATE",
        price: "1450.00",
        currency: "USD",
        po_prefix: "4592",
    },
    Supplier {
        partner_id: "prt_nordfast",
        sender: "ZZ:NORDFAST",
        envelope_id: "NORDFAST",
        supplier_number: "0000100077",
        x12: false,
        material: "M-WASHER-M8",
        price: "0.45",
        currency: "SEK",
        po_prefix: "4593",
    },
];

/// The PO number of a supplier's `n`th chaos order.
pub fn po_number(supplier: &Supplier, n: u64) -> String {
    format!("{}{:06}", supplier.po_prefix, n + 1)
}

/// A PO number no workspace has.
pub const UNKNOWN_PO: &str = "4599999999";

/// Where a document must end up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum Expect {
    /// Filed exactly once in the workspace of this order, nowhere else.
    Filed(String),
    /// Parked as unmatched by this function, filed nowhere (a sender naming an order that is
    /// not its own, or an order that does not exist).
    Parked(&'static str),
}

/// One document to send.
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    /// Position in the run.
    pub index: usize,
    /// The sending TG partner.
    pub partner_id: &'static str,
    /// What it is (`810`, `INVOIC`, `214`, …).
    pub doc_type: &'static str,
    /// The business number (invoice, shipment, order).
    pub number: String,
    /// The interchange control number (unique in the run).
    pub interchange: String,
    /// How the identity the function files it under starts (`sender|kind|…`).
    pub identity_prefix: String,
    /// How it ends (`…|number`, or `…|status time` for a status).
    pub identity_suffix: String,
    /// Where it must end up.
    pub expect: Expect,
    /// The file name it is sent under (never its identity).
    pub file_name: String,
    /// The EDI payload.
    #[serde(skip)]
    pub payload: String,
}

impl Planned {
    /// Whether a filed identity is this document's.
    pub fn is(&self, identity: &str) -> bool {
        identity.len() >= self.identity_prefix.len() + self.identity_suffix.len()
            && identity.starts_with(&self.identity_prefix)
            && identity.ends_with(&self.identity_suffix)
    }

    /// The token a filed identity is indexed by ([`key_tokens`]).
    pub fn key(&self) -> &str {
        &self.number
    }
}

/// The tokens of a filed identity a planned document can be found by.
pub fn key_tokens(identity: &str) -> impl Iterator<Item = &str> {
    identity.split('|')
}

fn status_time(hour: u8, minute: u8) -> String {
    let date = Date::from_calendar_date(2026, Month::November, 24).unwrap_or(Date::MIN);
    let time = Time::from_hms(hour, minute, 0).unwrap_or(Time::MIDNIGHT);
    PrimitiveDateTime::new(date, time).to_string()
}

fn isa(sender: &str, functional: &str, control: u64) -> String {
    format!(
        "ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*BUYERCO        *261124*0915*U*00401*{control:09}*0*P*>~\n\
         GS*{functional}*{sender}*BUYERCO*20261124*0915*{control}*X*004010~\n"
    )
}

fn iea(control: u64) -> String {
    format!("GE*1*{control}~\nIEA*1*{control:09}~\n")
}

fn unb(sender: &str, control: u64) -> String {
    // GLN senders (qualifier 14) trade with the buyer's GLN, the others with its ZZ id.
    let receiver = if sender.ends_with(":14") {
        "4012345000009:14"
    } else {
        "BUYERCO:ZZZ"
    };
    format!("UNA:+.? '\nUNB+UNOC:3+{sender}+{receiver}+261124:0915+{control}'\n")
}

fn edifact_party(sender: &str) -> String {
    match sender.split_once(':') {
        Some(("14", id)) => format!("{id}:14"),
        Some((_, id)) => format!("{id}:ZZZ"),
        None => sender.to_owned(),
    }
}

fn x12_invoice(s: &Supplier, control: u64, number: &str, po: &str, qty: u64) -> String {
    let cents = (qty as f64 * s.price.parse::<f64>().unwrap_or(0.0) * 100.0).round() as u64;
    format!(
        "{}ST*810*0001~\nBIG*20261124*{number}*20261102*{po}~\nCUR*SE*{}~\nIT1*10*{qty}*EA*{}**BP*{}~\nTDS*{cents}~\nCTT*1~\nSE*7*0001~\n{}",
        isa(s.envelope_id, "IN", control),
        s.currency,
        s.price,
        s.material,
        iea(control)
    )
}

fn x12_ship_notice(s: &Supplier, control: u64, number: &str, po: &str, qty: u64) -> String {
    format!(
        "{}ST*856*0001~\nBSN*00*{number}*20261118*1400*0001~\nHL*1**S~\nTD5**2*ACMF*M~\nREF*BM*BOL-{number}~\nDTM*011*20261118~\nHL*2*1*O~\nPRF*{po}***20261102~\nHL*3*2*I~\nLIN*10*BP*{}~\nSN1**{qty}*EA~\nCTT*3~\nSE*13*0001~\n{}",
        isa(s.envelope_id, "SH", control),
        s.material,
        iea(control)
    )
}

fn x12_order_ack(s: &Supplier, control: u64, po: &str) -> String {
    format!(
        "{}ST*855*0001~\nBAK*00*AC*{po}*20261102****SO-{po}*20261124~\nPO1*10*1000000*EA*{}**BP*{}~\nACK*IA*1000000*EA*068*20261220~\nCTT*1~\nSE*6*0001~\n{}",
        isa(s.envelope_id, "PR", control),
        s.price,
        s.material,
        iea(control)
    )
}

fn x12_status(sender_id: &str, control: u64, shipment: &str, po: &str, hhmm: &str) -> String {
    format!(
        "{}ST*214*0001~\nB10*PRO-{shipment}*{shipment}*ACMF~\nL11*{po}*PO~\nLX*1~\nAT7*SD*AO***20261124*{hhmm}*LT~\nSE*6*0001~\n{}",
        isa(sender_id, "QM", control),
        iea(control)
    )
}

fn edifact_invoice(
    sender: &str,
    s: &Supplier,
    control: u64,
    number: &str,
    po: &str,
    qty: u64,
) -> String {
    let amount = format!("{:.2}", qty as f64 * s.price.parse::<f64>().unwrap_or(0.0));
    format!(
        "{}UNH+1+INVOIC:D:96A:UN'\nBGM+380+{number}+9'\nDTM+137:20261124:102'\nRFF+ON:{po}'\nCUX+2:{}:4'\nLIN+10++{}:IN'\nQTY+47:{qty}:EA'\nMOA+203:{amount}'\nPRI+AAA:{}'\nUNS+S'\nMOA+79:{amount}'\nMOA+77:{amount}'\nUNT+13+1'\nUNZ+1+{control}'\n",
        unb(&edifact_party(sender), control),
        s.currency,
        s.material,
        s.price
    )
}

fn edifact_ship_notice(s: &Supplier, control: u64, number: &str, po: &str, qty: u64) -> String {
    format!(
        "{}UNH+1+DESADV:D:96A:UN'\nBGM+351+{number}+9'\nDTM+137:202611241400:203'\nDTM+11:20261124:102'\nRFF+BM:BOL-{number}'\nCPS+1'\nLIN+1++{}:IN'\nQTY+12:{qty}:EA'\nRFF+ON:{po}:10'\nCNT+2:1'\nUNT+11+1'\nUNZ+1+{control}'\n",
        unb(&edifact_party(s.sender), control),
        s.material
    )
}

fn edifact_order_ack(s: &Supplier, control: u64, po: &str) -> String {
    format!(
        "{}UNH+1+ORDRSP:D:96A:UN'\nBGM+231+SO-{po}+4'\nDTM+137:20261124:102'\nRFF+ON:{po}'\nLIN+10+5+{}:IN'\nQTY+21:1000000:EA'\nPRI+AAA:{}'\nUNS+S'\nCNT+2:1'\nUNT+10+1'\nUNZ+1+{control}'\n",
        unb(&edifact_party(s.sender), control),
        s.material,
        s.price
    )
}

fn edifact_status(s: &Supplier, control: u64, shipment: &str, po: &str, hhmm: &str) -> String {
    format!(
        "{}UNH+1+IFTSTA:D:96A:UN'\nBGM+23+{shipment}+9'\nDTM+137:202611240815:203'\nRFF+ON:{po}'\nCNI+1+{shipment}'\nSTS+1+6+AO'\nDTM+334:20261124{hhmm}:203'\nUNT+8+1'\nUNZ+1+{control}'\n",
        unb(&edifact_party(s.sender), control),
    )
}

/// How many chaos orders each supplier gets for a run of `events` documents.
pub fn orders_per_supplier(events: usize) -> u64 {
    (events as u64 / 300).clamp(2, 40)
}

/// Most parked documents planned per function: the operator's unmatched list shows 100.
const PARKED_CAP: usize = 80;

/// The run plan: `events` documents from the seed.
pub fn plan(events: usize, seed: u64) -> Vec<Planned> {
    plan_with(events, orders_per_supplier(events), seed)
}

/// The run plan: `events` documents from the seed for `orders` orders per supplier.
pub fn plan_with(events: usize, orders: u64, seed: u64) -> Vec<Planned> {
    let mut rng = Rng::new(seed);
    let mut acked = std::collections::BTreeSet::new();
    let mut second_status: Vec<(usize, u64, String)> = Vec::new();
    let (mut parked_or, mut parked_sd) = (0usize, 0usize);
    let mut out = Vec::with_capacity(events);
    for index in 0..events {
        let control = 100_000 + index as u64;
        let roll = rng.unit();
        let which = rng.below(SUPPLIERS.len() as u64) as usize;
        let s = &SUPPLIERS[which];
        let order = rng.below(orders);
        let po = po_number(s, order);
        let qty = 1 + rng.below(500);
        let tag = format!("C{seed}-{index}");
        let planned = if roll < 0.02 && parked_or < PARKED_CAP {
            // Initech (not the supplier) sends an invoice for Nordic Fasteners' order.
            parked_or += 1;
            let nord = &SUPPLIERS[2];
            let sender = "14:5012345000017";
            let number = format!("INV-X-{tag}");
            Planned {
                index,
                partner_id: "prt_initech",
                doc_type: "INVOIC",
                identity_prefix: format!("{sender}|"),
                identity_suffix: format!("|{number}"),
                payload: edifact_invoice(
                    sender,
                    nord,
                    control,
                    &number,
                    &po_number(nord, order),
                    qty,
                ),
                number,
                interchange: control.to_string(),
                expect: Expect::Parked("order-reconcile"),
                file_name: format!("invoic-{index}.edi"),
            }
        } else if roll < 0.04 && parked_sd < PARKED_CAP {
            // Globex (a carrier, not ACME) reports on ACME's order.
            parked_sd += 1;
            let acme = &SUPPLIERS[0];
            let shipment = format!("SHP-X-{tag}");
            let time = status_time(9, 0);
            Planned {
                index,
                partner_id: "prt_globex",
                doc_type: "214",
                identity_prefix: format!("ZZ:GLOBEXLOG|214|{shipment}|"),
                identity_suffix: format!("|{time}"),
                payload: x12_status(
                    "GLOBEXLOG",
                    control,
                    &shipment,
                    &po_number(acme, order),
                    "0900",
                ),
                number: shipment,
                interchange: control.to_string(),
                expect: Expect::Parked("shipment-delay"),
                file_name: format!("214-{index}.x12"),
            }
        } else if roll < 0.05 && parked_or < PARKED_CAP && s.x12 {
            // The supplier names an order that does not exist.
            parked_or += 1;
            let number = format!("INV-U-{tag}");
            Planned {
                index,
                partner_id: s.partner_id,
                doc_type: "810",
                identity_prefix: format!("{}|", s.sender),
                identity_suffix: format!("|{number}"),
                payload: x12_invoice(s, control, &number, UNKNOWN_PO, qty),
                number,
                interchange: control.to_string(),
                expect: Expect::Parked("order-reconcile"),
                file_name: format!("810-{index}.x12"),
            }
        } else if roll < 0.12 && acked.insert(po.clone()) {
            let (doc_type, payload) = if s.x12 {
                ("855", x12_order_ack(s, control, &po))
            } else {
                ("ORDRSP", edifact_order_ack(s, control, &po))
            };
            Planned {
                index,
                partner_id: s.partner_id,
                doc_type,
                identity_prefix: format!("{}|", s.sender),
                identity_suffix: format!("|{po}"),
                payload,
                number: po.clone(),
                interchange: control.to_string(),
                expect: Expect::Filed(format!("PO {po}")),
                file_name: format!("{}-{index}.edi", doc_type.to_lowercase()),
            }
        } else if roll < 0.45 {
            let number = format!("INV-{tag}");
            let (doc_type, payload) = if s.x12 {
                ("810", x12_invoice(s, control, &number, &po, qty))
            } else {
                (
                    "INVOIC",
                    edifact_invoice(s.sender, s, control, &number, &po, qty),
                )
            };
            Planned {
                index,
                partner_id: s.partner_id,
                doc_type,
                identity_prefix: format!("{}|", s.sender),
                identity_suffix: format!("|{number}"),
                payload,
                number,
                interchange: control.to_string(),
                expect: Expect::Filed(format!("PO {po}")),
                file_name: format!("{}-{index}.edi", doc_type.to_lowercase()),
            }
        } else if roll < 0.70 {
            let number = format!("SHP-{tag}");
            let (doc_type, payload) = if s.x12 {
                ("856", x12_ship_notice(s, control, &number, &po, qty))
            } else {
                ("DESADV", edifact_ship_notice(s, control, &number, &po, qty))
            };
            Planned {
                index,
                partner_id: s.partner_id,
                doc_type,
                identity_prefix: format!("{}|", s.sender),
                identity_suffix: format!("|{number}"),
                payload,
                number,
                interchange: control.to_string(),
                expect: Expect::Filed(format!("PO {po}")),
                file_name: format!("{}-{index}.edi", doc_type.to_lowercase()),
            }
        } else {
            // A shipment status; a third of them are the second status of an earlier
            // shipment — same code, same day, 14:30 instead of 08:00 (issue 20, defect 1).
            let pick = second_status
                .iter()
                .position(|(w, _, _)| *w == which)
                .filter(|_| rng.unit() < 0.33);
            let (s, order, shipment, hour, minute) = if let Some(at) = pick {
                let (w, order, shipment) = second_status.swap_remove(at);
                (&SUPPLIERS[w], order, shipment, 14, 30)
            } else {
                let shipment = format!("SHP-S-{tag}");
                second_status.push((which, order, shipment.clone()));
                (s, order, shipment, 8, 0)
            };
            let po = po_number(s, order);
            let hhmm = format!("{hour:02}{minute:02}");
            let (doc_type, payload) = if s.x12 {
                (
                    "214",
                    x12_status(s.envelope_id, control, &shipment, &po, &hhmm),
                )
            } else {
                ("IFTSTA", edifact_status(s, control, &shipment, &po, &hhmm))
            };
            Planned {
                index,
                partner_id: s.partner_id,
                doc_type,
                identity_prefix: format!("{}|{doc_type}|{shipment}|", s.sender),
                identity_suffix: format!("|{}", status_time(hour, minute)),
                payload,
                number: shipment,
                interchange: control.to_string(),
                expect: Expect::Filed(format!("PO {po}")),
                file_name: format!("{}-{index}.edi", doc_type.to_lowercase()),
            }
        };
        out.push(planned);
    }
    out
}

/// The xECM seed of the chaos orders: `orders` purchase-order workspaces per supplier.
pub fn orders_seed(orders: u64) -> serde_json::Value {
    let mut workspaces = Vec::new();
    for s in &SUPPLIERS {
        for n in 0..orders {
            let po = po_number(s, n);
            workspaces.push(serde_json::json!({
                "type_id": 31,
                "name": format!("PO {po}"),
                "business_object": {"bo_id": po},
                "categories": {"Purchase Order": {
                    "PO Number": po,
                    "Supplier Number": s.supplier_number,
                    "Order Date": "2026-11-02",
                    "Status": "Sent",
                    "Currency": s.currency,
                    "Lines": [{"Line": 10, "Material": s.material, "Quantity": 1_000_000,
                               "Delivery Date": "2026-12-20", "Unit Price": s.price}]
                }}
            }));
        }
    }
    serde_json::json!({"workspaces": workspaces})
}
