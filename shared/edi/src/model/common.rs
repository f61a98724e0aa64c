//! Building blocks shared by every canonical document: dates, parties, product ids, quantities.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A calendar date; serialised as `YYYY-MM-DD`.
///
/// # Format
/// X12 dates are `CCYYMMDD` (DT, 8) in the documents gridlink reads; EDIFACT DTM format `102`
/// is `CCYYMMDD` and `203` is `CCYYMMDDHHMM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EdiDate(pub time::Date);

impl EdiDate {
    /// Parses `CCYYMMDD`.
    pub fn parse_ccyymmdd(text: &str) -> Option<EdiDate> {
        let bytes = text.as_bytes();
        if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let year: i32 = text[0..4].parse().ok()?;
        let month: u8 = text[4..6].parse().ok()?;
        let day: u8 = text[6..8].parse().ok()?;
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day)
            .ok()
            .map(EdiDate)
    }

    /// Formats as `CCYYMMDD`.
    pub fn to_ccyymmdd(self) -> String {
        format!(
            "{:04}{:02}{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }

    /// Builds a date from year, month and day, if valid.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<EdiDate> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day)
            .ok()
            .map(EdiDate)
    }
}

impl std::fmt::Display for EdiDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl Serialize for EdiDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EdiDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<EdiDate, D::Error> {
        let text = String::deserialize(deserializer)?;
        EdiDate::parse_ccyymmdd(&text.replace('-', "")).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid date {text:?}, expected YYYY-MM-DD"))
        })
    }
}

/// A time of day to the minute; serialised as `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EdiTime {
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
}

impl EdiTime {
    /// Parses `HHMM` (seconds, if present, are ignored).
    pub fn parse_hhmm(text: &str) -> Option<EdiTime> {
        let bytes = text.as_bytes();
        if bytes.len() < 4 || !bytes.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let hour: u8 = text[0..2].parse().ok()?;
        let minute: u8 = text[2..4].parse().ok()?;
        (hour < 24 && minute < 60).then_some(EdiTime { hour, minute })
    }

    /// Formats as `HHMM`.
    pub fn to_hhmm(self) -> String {
        format!("{:02}{:02}", self.hour, self.minute)
    }
}

impl Serialize for EdiTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{:02}:{:02}", self.hour, self.minute))
    }
}

impl<'de> Deserialize<'de> for EdiTime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<EdiTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        EdiTime::parse_hhmm(&text.replace(':', "")).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid time {text:?}, expected HH:MM"))
        })
    }
}

/// The role a party plays in a document.
///
/// X12 N101 / EDIFACT NAD 3035: `BY` buyer; `SU`, `VN`, `SE` supplier; `ST` (and EDIFACT `DP`)
/// ship to; `SF` ship from; `BT` / `IV` bill to; `RI` / `PE` remit to; `CA` carrier;
/// `CN` consignee; `SH` / `CZ` consignor.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PartyRole {
    Buyer,
    Supplier,
    ShipTo,
    ShipFrom,
    BillTo,
    RemitTo,
    Carrier,
    Consignee,
    Consignor,
    /// Any other code, kept as received.
    Other(String),
}

/// The scheme of a party identifier.
///
/// X12 N103 / EDIFACT NAD 3055: `UL` / `9` GLN; `1` / `16` DUNS; `9` (X12) DUNS+4;
/// `92` assigned by buyer; `91` assigned by seller.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IdScheme {
    Gln,
    Duns,
    DunsPlus4,
    AssignedByBuyer,
    AssignedBySeller,
    /// Any other qualifier, kept as received.
    Other(String),
}

/// A party's identifier with its scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartyIdentifier {
    /// What kind of identifier `value` is.
    pub scheme: IdScheme,
    /// The identifier.
    pub value: String,
}

/// A postal address (X12 N3/N4, EDIFACT NAD elements 5–9).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

/// A party named in a document (X12 N1 loop, EDIFACT NAD group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub role: PartyRole,
    pub name: Option<String>,
    pub id: Option<PartyIdentifier>,
    pub address: Option<Address>,
}

/// The kind of a product identifier.
///
/// X12 235 / EDIFACT 7143: `UK`, `EN` / `SRV`, `EN` GTIN; `UP` UPC; `BP`, `IN` / `IN`, `BP`
/// buyer's item; `VP`, `VN`, `VA` / `SA` vendor's item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProductIdKind {
    Gtin,
    Upc,
    BuyerItem,
    VendorItem,
    /// Any other qualifier, kept as received.
    Other(String),
}

/// One identifier of a product.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProductId {
    pub kind: ProductIdKind,
    pub value: String,
}

/// An exact quantity with its unit of measure (X12 355 code or UN/ECE Rec. 20 code; EDIFACT
/// `PCE`/`C62` are read as `EA`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quantity {
    pub value: Decimal,
    pub unit: String,
}

/// The purpose of a document (X12 BEG01/BAK01/BSN01, EDIFACT BGM 1225).
///
/// `00` / `9` original; `05` / `5` replace; `01` / `1` cancellation; `07` / `7` duplicate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Purpose {
    Original,
    Replace,
    Cancellation,
    Duplicate,
    /// Any other code, kept as received.
    Other(String),
}

/// The identifiers used to correlate documents with each other and with xECM workspaces.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BusinessKeys {
    /// Purchase order number (BEG03, BAK03, PRF01, BIG04, L11*PO; BGM or RFF+ON).
    pub po_number: Option<String>,
    /// Invoice number (BIG02; INVOIC BGM).
    pub invoice_number: Option<String>,
    /// Shipment id (BSN02, B1002; DESADV/IFTSTA BGM).
    pub shipment_id: Option<String>,
    /// Bill of lading (REF*BM, L11*BM; RFF+BM).
    pub bol: Option<String>,
    /// Carrier's PRO number (REF*CN, B1001; RFF+CN).
    pub pro: Option<String>,
}
