//! What shipment status and reason codes mean, for people reading `Shipment Status` and the
//! note. Codes are always kept as received; a code not listed here is shown as it is.
//!
//! Sources (see the trading-grid reference, §5): X12 element 1650 (AT701 shipment status,
//! secondary sources agreeing), X12 element 1651 (AT702 reason), EDIFACT 9011 (STS status
//! event, the codes confirmed there).

/// X12 AT701 shipment status codes (element 1650).
const X12_STATUS: &[(&str, &str)] = &[
    ("X3", "arrived at pick-up location"),
    ("AF", "departed pick-up location"),
    ("CP", "completed loading"),
    ("X6", "en route to delivery"),
    ("X2", "estimated arrival at consignee"),
    ("X1", "arrived at delivery location"),
    ("D1", "completed unloading at delivery location"),
    ("CD", "departed delivery location"),
    ("AP", "delivery not completed"),
    ("SD", "shipment delayed"),
    ("AG", "estimated delivery"),
    ("AH", "attempted delivery"),
    ("A3", "returned to shipper"),
    ("CA", "cancelled"),
];

/// X12 AT702 status reason codes (element 1651).
const X12_REASON: &[(&str, &str)] = &[
    ("A1", "missed delivery"),
    ("A2", "incorrect address"),
    ("AF", "accident"),
    ("AG", "consignee related"),
    ("AH", "driver related"),
    ("AI", "mechanical breakdown"),
    ("AJ", "other carrier related"),
    ("AO", "weather or natural disaster"),
    ("AQ", "recipient unavailable, delivery delayed"),
    ("AS", "hold due to customs documentation"),
    ("AW", "past cut-off time"),
    ("AY", "missed pick-up"),
    ("BC", "missing documents"),
    ("BE", "road conditions"),
    ("BG", "other"),
    ("BH", "insufficient time to complete delivery"),
    ("NS", "normal status"),
];

/// EDIFACT STS status events (9011) confirmed in the reference.
const EDIFACT_STATUS: &[(&str, &str)] = &[("1", "arrived"), ("5", "begun"), ("13", "collected")];

fn find(table: &[(&str, &'static str)], code: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
        .map(|(_, text)| *text)
}

/// What a status code means in `syntax` (`X12`, `EDIFACT`), if known.
pub fn status_text(syntax: &str, code: &str) -> Option<&'static str> {
    match syntax {
        "X12" => find(X12_STATUS, code),
        "EDIFACT" => find(EDIFACT_STATUS, code),
        _ => None,
    }
}

/// What a reason code means, if known. EDIFACT partners in the seed use the X12 reason list
/// in C556 (`STS+1+6+AO`), so both syntaxes read it.
pub fn reason_text(code: &str) -> Option<&'static str> {
    find(X12_REASON, code)
}

/// `SD shipment delayed` — the code and, when known, its meaning.
pub fn describe_status(syntax: &str, code: &str) -> String {
    match status_text(syntax, code) {
        Some(text) => format!("{code} {text}"),
        None => code.to_owned(),
    }
}

/// `AO weather or natural disaster` — the code and, when known, its meaning.
pub fn describe_reason(code: &str) -> String {
    match reason_text(code) {
        Some(text) => format!("{code} {text}"),
        None => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_are_described_and_unknown_ones_kept_as_received() {
        assert_eq!(describe_status("X12", "SD"), "SD shipment delayed");
        assert_eq!(describe_status("EDIFACT", "13"), "13 collected");
        assert_eq!(describe_status("EDIFACT", "SD"), "SD");
        assert_eq!(
            describe_reason("AS"),
            "AS hold due to customs documentation"
        );
        assert_eq!(describe_reason("ZZ"), "ZZ");
    }
}
