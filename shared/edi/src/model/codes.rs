//! Code lists: each canonical enum to and from its X12 and EDIFACT codes.

use super::common::{IdScheme, PartyRole, ProductIdKind, Purpose};
use super::documents::{AckStatus, AckStatusCode, LineStatus, OrderType};

impl PartyRole {
    /// From X12 N101 (entity identifier code, element 98).
    pub fn from_x12(code: &str) -> PartyRole {
        match code {
            "BY" => PartyRole::Buyer,
            "SU" | "VN" | "SE" => PartyRole::Supplier,
            "ST" => PartyRole::ShipTo,
            "SF" => PartyRole::ShipFrom,
            "BT" => PartyRole::BillTo,
            "RI" => PartyRole::RemitTo,
            "CA" => PartyRole::Carrier,
            "CN" => PartyRole::Consignee,
            "SH" => PartyRole::Consignor,
            other => PartyRole::Other(other.to_owned()),
        }
    }

    /// To X12 N101.
    pub fn to_x12(&self) -> &str {
        match self {
            PartyRole::Buyer => "BY",
            PartyRole::Supplier => "SU",
            PartyRole::ShipTo => "ST",
            PartyRole::ShipFrom => "SF",
            PartyRole::BillTo => "BT",
            PartyRole::RemitTo => "RI",
            PartyRole::Carrier => "CA",
            PartyRole::Consignee => "CN",
            PartyRole::Consignor => "SH",
            PartyRole::Other(code) => code,
        }
    }

    /// From EDIFACT NAD 3035.
    pub fn from_edifact(code: &str) -> PartyRole {
        match code {
            "BY" => PartyRole::Buyer,
            "SU" | "SE" => PartyRole::Supplier,
            "ST" | "DP" => PartyRole::ShipTo,
            "SF" => PartyRole::ShipFrom,
            "IV" => PartyRole::BillTo,
            "PE" => PartyRole::RemitTo,
            "CA" => PartyRole::Carrier,
            "CN" => PartyRole::Consignee,
            "CZ" => PartyRole::Consignor,
            other => PartyRole::Other(other.to_owned()),
        }
    }

    /// To EDIFACT NAD 3035.
    pub fn to_edifact(&self) -> &str {
        match self {
            PartyRole::Buyer => "BY",
            PartyRole::Supplier => "SU",
            PartyRole::ShipTo => "ST",
            PartyRole::ShipFrom => "SF",
            PartyRole::BillTo => "IV",
            PartyRole::RemitTo => "PE",
            PartyRole::Carrier => "CA",
            PartyRole::Consignee => "CN",
            PartyRole::Consignor => "CZ",
            PartyRole::Other(code) => code,
        }
    }
}

impl IdScheme {
    /// From X12 N103 (identification code qualifier, element 66).
    pub fn from_x12(code: &str) -> IdScheme {
        match code {
            "UL" => IdScheme::Gln,
            "1" => IdScheme::Duns,
            "9" => IdScheme::DunsPlus4,
            "92" => IdScheme::AssignedByBuyer,
            "91" => IdScheme::AssignedBySeller,
            other => IdScheme::Other(other.to_owned()),
        }
    }

    /// To X12 N103.
    pub fn to_x12(&self) -> &str {
        match self {
            IdScheme::Gln => "UL",
            IdScheme::Duns => "1",
            IdScheme::DunsPlus4 => "9",
            IdScheme::AssignedByBuyer => "92",
            IdScheme::AssignedBySeller => "91",
            IdScheme::Other(code) => code,
        }
    }

    /// From EDIFACT NAD C082 3055 (code list responsible agency).
    pub fn from_edifact(code: &str) -> IdScheme {
        match code {
            "9" => IdScheme::Gln,
            "16" => IdScheme::Duns,
            "92" => IdScheme::AssignedByBuyer,
            "91" => IdScheme::AssignedBySeller,
            other => IdScheme::Other(other.to_owned()),
        }
    }

    /// To EDIFACT NAD C082 3055 (DUNS+4 has no EDIFACT agency and is written as `16`).
    pub fn to_edifact(&self) -> &str {
        match self {
            IdScheme::Gln => "9",
            IdScheme::Duns | IdScheme::DunsPlus4 => "16",
            IdScheme::AssignedByBuyer => "92",
            IdScheme::AssignedBySeller => "91",
            IdScheme::Other(code) => code,
        }
    }
}

impl ProductIdKind {
    /// From X12 product/service id qualifier (element 235).
    pub fn from_x12(code: &str) -> ProductIdKind {
        match code {
            "UK" | "EN" => ProductIdKind::Gtin,
            "UP" => ProductIdKind::Upc,
            "BP" | "IN" => ProductIdKind::BuyerItem,
            "VP" | "VN" | "VA" => ProductIdKind::VendorItem,
            other => ProductIdKind::Other(other.to_owned()),
        }
    }

    /// To X12 element 235.
    pub fn to_x12(&self) -> &str {
        match self {
            ProductIdKind::Gtin => "UK",
            ProductIdKind::Upc => "UP",
            ProductIdKind::BuyerItem => "BP",
            ProductIdKind::VendorItem => "VP",
            ProductIdKind::Other(code) => code,
        }
    }

    /// From EDIFACT item type (7143).
    pub fn from_edifact(code: &str) -> ProductIdKind {
        match code {
            "SRV" | "EN" => ProductIdKind::Gtin,
            "UP" => ProductIdKind::Upc,
            "IN" | "BP" => ProductIdKind::BuyerItem,
            "SA" => ProductIdKind::VendorItem,
            other => ProductIdKind::Other(other.to_owned()),
        }
    }

    /// To EDIFACT 7143.
    pub fn to_edifact(&self) -> &str {
        match self {
            ProductIdKind::Gtin => "SRV",
            ProductIdKind::Upc => "UP",
            ProductIdKind::BuyerItem => "IN",
            ProductIdKind::VendorItem => "SA",
            ProductIdKind::Other(code) => code,
        }
    }
}

impl Purpose {
    /// From X12 353 (BEG01, BAK01, BSN01).
    pub fn from_x12(code: &str) -> Purpose {
        match code {
            "00" => Purpose::Original,
            "05" => Purpose::Replace,
            "01" => Purpose::Cancellation,
            "07" => Purpose::Duplicate,
            other => Purpose::Other(other.to_owned()),
        }
    }

    /// To X12 353.
    pub fn to_x12(&self) -> &str {
        match self {
            Purpose::Original => "00",
            Purpose::Replace => "05",
            Purpose::Cancellation => "01",
            Purpose::Duplicate => "07",
            Purpose::Other(code) => code,
        }
    }

    /// From EDIFACT BGM 1225 (message function).
    pub fn from_edifact(code: &str) -> Purpose {
        match code {
            "9" | "" => Purpose::Original,
            "5" => Purpose::Replace,
            "1" => Purpose::Cancellation,
            "7" => Purpose::Duplicate,
            other => Purpose::Other(other.to_owned()),
        }
    }

    /// To EDIFACT BGM 1225.
    pub fn to_edifact(&self) -> &str {
        match self {
            Purpose::Original => "9",
            Purpose::Replace => "5",
            Purpose::Cancellation => "1",
            Purpose::Duplicate => "7",
            Purpose::Other(code) => code,
        }
    }
}

impl OrderType {
    /// From X12 BEG02 (element 92).
    pub fn from_x12(code: &str) -> OrderType {
        match code {
            "SA" => OrderType::StandAlone,
            "BK" => OrderType::Blanket,
            "RL" => OrderType::Release,
            other => OrderType::Other(other.to_owned()),
        }
    }

    /// To X12 BEG02.
    pub fn to_x12(&self) -> &str {
        match self {
            OrderType::StandAlone => "SA",
            OrderType::Blanket => "BK",
            OrderType::Release => "RL",
            OrderType::Other(code) => code,
        }
    }

    /// From EDIFACT BGM C002 1001 (document name code).
    pub fn from_edifact(code: &str) -> OrderType {
        match code {
            "220" | "105" => OrderType::StandAlone,
            "221" => OrderType::Blanket,
            "226" => OrderType::Release,
            other => OrderType::Other(other.to_owned()),
        }
    }

    /// To EDIFACT BGM 1001.
    pub fn to_edifact(&self) -> &str {
        match self {
            OrderType::StandAlone => "220",
            OrderType::Blanket => "221",
            OrderType::Release => "226",
            OrderType::Other(code) => code,
        }
    }
}

impl AckStatusCode {
    /// From X12 BAK02 (element 587).
    pub fn from_x12(code: &str) -> AckStatusCode {
        match code {
            "AD" | "AK" | "AT" => AckStatusCode::AcceptedNoChange,
            "AC" | "AE" => AckStatusCode::AcceptedWithChanges,
            "RJ" | "RD" | "RF" | "RN" | "RO" | "RV" => AckStatusCode::Rejected,
            other => AckStatusCode::Other(other.to_owned()),
        }
    }

    /// To X12 BAK02.
    pub fn to_x12(&self) -> &str {
        match self {
            AckStatusCode::AcceptedNoChange => "AD",
            AckStatusCode::AcceptedWithChanges => "AC",
            AckStatusCode::Rejected => "RJ",
            AckStatusCode::Other(code) => code,
        }
    }

    /// From EDIFACT ORDRSP BGM 1225.
    pub fn from_edifact(code: &str) -> AckStatusCode {
        match code {
            "29" => AckStatusCode::AcceptedNoChange,
            "4" | "28" => AckStatusCode::AcceptedWithChanges,
            "27" => AckStatusCode::Rejected,
            other => AckStatusCode::Other(other.to_owned()),
        }
    }

    /// To EDIFACT ORDRSP BGM 1225.
    pub fn to_edifact(&self) -> &str {
        match self {
            AckStatusCode::AcceptedNoChange => "29",
            AckStatusCode::AcceptedWithChanges => "4",
            AckStatusCode::Rejected => "27",
            AckStatusCode::Other(code) => code,
        }
    }
}

impl LineStatus {
    /// From X12 ACK01 (element 668).
    pub fn from_x12(code: &str) -> LineStatus {
        match code {
            "IA" => LineStatus::Accepted,
            "IC" => LineStatus::AcceptedWithChanges,
            "IB" => LineStatus::Backordered,
            "DR" => LineStatus::DateRescheduled,
            "IR" => LineStatus::Rejected,
            "ID" => LineStatus::Deleted,
            other => LineStatus::Other(other.to_owned()),
        }
    }

    /// To X12 ACK01.
    pub fn to_x12(&self) -> &str {
        match self {
            LineStatus::Accepted => "IA",
            LineStatus::AcceptedWithChanges => "IC",
            LineStatus::Backordered => "IB",
            LineStatus::DateRescheduled => "DR",
            LineStatus::Rejected => "IR",
            LineStatus::Deleted => "ID",
            LineStatus::Other(code) => code,
        }
    }

    /// To EDIFACT LIN 1229 (see the table on [`LineStatus`]).
    pub fn to_edifact(&self) -> &str {
        match self {
            LineStatus::Accepted => "5",
            LineStatus::AcceptedWithChanges | LineStatus::Backordered | LineStatus::Other(_) => "6",
            LineStatus::DateRescheduled => "3",
            LineStatus::Rejected => "7",
            LineStatus::Deleted => "2",
        }
    }
}

impl AckStatus {
    /// From X12 AK501 / AK901 / IK501.
    pub fn from_x12(code: &str) -> AckStatus {
        match code {
            "A" => AckStatus::Accepted,
            "E" => AckStatus::AcceptedWithErrors,
            "P" => AckStatus::PartiallyAccepted,
            "R" => AckStatus::Rejected,
            other => AckStatus::Other(other.to_owned()),
        }
    }

    /// To X12 AK501 / AK901.
    pub fn to_x12(&self) -> &str {
        match self {
            AckStatus::Accepted | AckStatus::Received => "A",
            AckStatus::AcceptedWithErrors => "E",
            AckStatus::PartiallyAccepted => "P",
            AckStatus::Rejected => "R",
            AckStatus::Other(code) => code,
        }
    }

    /// From CONTRL 0083 (`has_errors`: UCS/UCD or 0085 present below it).
    pub fn from_edifact(code: &str, has_errors: bool) -> AckStatus {
        match code {
            "7" | "1" if has_errors => AckStatus::AcceptedWithErrors,
            "7" | "1" | "5" => AckStatus::Accepted,
            "2" => AckStatus::AcceptedWithErrors,
            "3" => AckStatus::PartiallyAccepted,
            "4" | "6" => AckStatus::Rejected,
            "8" => AckStatus::Received,
            other => AckStatus::Other(other.to_owned()),
        }
    }

    /// To CONTRL 0083.
    pub fn to_edifact(&self) -> &str {
        match self {
            AckStatus::Accepted | AckStatus::AcceptedWithErrors => "7",
            AckStatus::PartiallyAccepted => "3",
            AckStatus::Rejected => "4",
            AckStatus::Received => "8",
            AckStatus::Other(code) => code,
        }
    }
}
