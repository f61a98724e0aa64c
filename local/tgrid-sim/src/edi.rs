//! Just enough EDI reading for the simulator: envelope control numbers and the references a
//! functional acknowledgment (X12 997/999, EDIFACT CONTRL) makes to the documents it
//! acknowledges. Loose on purpose: anything it cannot read is simply not matched.

/// Envelope facts read from a payload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Envelope {
    pub edifact: bool,
    pub interchange: Option<String>,
    pub group: Option<String>,
    pub transaction: Option<String>,
    pub doc_type: Option<String>,
}

/// What an acknowledgment refers to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AckReferences {
    pub edifact: bool,
    /// UCI 0020 (EDIFACT).
    pub interchange: Option<String>,
    /// AK102 (X12).
    pub group: Option<String>,
    /// AK202 / UCM 0062, one per acknowledged transaction or message.
    pub transactions: Vec<String>,
    /// AK901 / AK501 / IK501 / UCI 0083.
    pub code: Option<String>,
}

/// Whether `doc_type` is a functional acknowledgment.
pub(crate) fn is_ack(doc_type: &str) -> bool {
    matches!(doc_type, "997" | "999" | "CONTRL")
}

fn segments(payload: &[u8]) -> Option<(bool, Vec<Vec<String>>)> {
    let text = std::str::from_utf8(payload).ok()?.trim_start();
    if text.starts_with("ISA") {
        let bytes = text.as_bytes();
        let element = char::from(*bytes.get(3)?);
        let terminator = bytes.get(105).map_or('~', |b| char::from(*b));
        let segments = text
            .split(terminator)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.split(element).map(str::to_owned).collect())
            .collect();
        return Some((false, segments));
    }
    if text.starts_with("UNA") || text.starts_with("UNB") {
        let (element, terminator, body) = match text.strip_prefix("UNA") {
            Some(rest) => {
                let chars: Vec<char> = rest.chars().take(6).collect();
                (*chars.get(1)?, *chars.get(5)?, rest.get(6..)?)
            }
            None => ('+', '\'', text),
        };
        let segments = body
            .split(terminator)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.split(element).map(str::to_owned).collect())
            .collect();
        return Some((true, segments));
    }
    None
}

fn field(segment: &[String], index: usize) -> Option<String> {
    segment
        .get(index)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn component(value: Option<String>) -> Option<String> {
    value
        .and_then(|v| v.split(':').next().map(str::to_owned))
        .filter(|v| !v.is_empty())
}

/// Reads envelope control numbers and the document type.
pub(crate) fn envelope(payload: &[u8]) -> Option<Envelope> {
    let (edifact, segments) = segments(payload)?;
    let mut found = Envelope {
        edifact,
        ..Envelope::default()
    };
    for segment in &segments {
        let tag = segment.first().map(String::as_str).unwrap_or_default();
        match (edifact, tag) {
            (false, "ISA") => found.interchange = field(segment, 13),
            (false, "GS") => found.group = field(segment, 6),
            (false, "ST") if found.transaction.is_none() => {
                found.doc_type = field(segment, 1);
                found.transaction = field(segment, 2);
            }
            (true, "UNB") => found.interchange = component(field(segment, 5)),
            (true, "UNG") => found.group = field(segment, 5),
            (true, "UNH") if found.transaction.is_none() => {
                found.transaction = field(segment, 1);
                found.doc_type = component(field(segment, 2));
            }
            _ => {}
        }
    }
    Some(found)
}

/// Reads what a 997/999/CONTRL acknowledges.
pub(crate) fn ack_references(payload: &[u8]) -> Option<AckReferences> {
    let (edifact, segments) = segments(payload)?;
    let mut refs = AckReferences {
        edifact,
        ..AckReferences::default()
    };
    for segment in &segments {
        let tag = segment.first().map(String::as_str).unwrap_or_default();
        match (edifact, tag) {
            (false, "AK1") => refs.group = field(segment, 2),
            (false, "AK2") => refs.transactions.extend(field(segment, 2)),
            (false, "AK5" | "IK5") if refs.code.is_none() => refs.code = field(segment, 1),
            (false, "AK9") => refs.code = field(segment, 1),
            (true, "UCI") => {
                refs.interchange = field(segment, 1);
                refs.code = field(segment, 4);
            }
            (true, "UCM") => refs.transactions.extend(field(segment, 1)),
            _ => {}
        }
    }
    (refs.group.is_some() || refs.interchange.is_some()).then_some(refs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const X12_997: &str = "ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *261124*1200*U*00401*000000777*0*P*>~GS*FA*ACMESUPPLY*BUYERCO*20261124*1200*777*X*004010~ST*997*0001~AK1*PO*101~AK2*850*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~GE*1*777~IEA*1*000000777~";

    #[test]
    fn x12_envelopes_and_997_references_are_read() {
        let envelope = envelope(X12_997.as_bytes()).expect("x12");
        assert_eq!(envelope.interchange.as_deref(), Some("000000777"));
        assert_eq!(envelope.group.as_deref(), Some("777"));
        assert_eq!(envelope.doc_type.as_deref(), Some("997"));
        let refs = ack_references(X12_997.as_bytes()).expect("997");
        assert_eq!(refs.group.as_deref(), Some("101"));
        assert_eq!(refs.transactions, vec!["0001".to_owned()]);
        assert_eq!(refs.code.as_deref(), Some("A"));
    }

    #[test]
    fn edifact_contrl_references_are_read() {
        let contrl = "UNA:+.? 'UNB+UNOC:3+5012345000017:14+4012345000009:14+261124:1200+CTL1'UNH+1+CONTRL:D:3:UN'UCI+ICR42+4012345000009:14+5012345000017:14+7'UCM+M1+ORDERS:D:96A:UN+7'UNT+4+1'UNZ+1+CTL1'";
        let envelope = envelope(contrl.as_bytes()).expect("edifact");
        assert_eq!(envelope.doc_type.as_deref(), Some("CONTRL"));
        assert_eq!(envelope.interchange.as_deref(), Some("CTL1"));
        let refs = ack_references(contrl.as_bytes()).expect("contrl");
        assert_eq!(refs.interchange.as_deref(), Some("ICR42"));
        assert_eq!(refs.transactions, vec!["M1".to_owned()]);
        assert_eq!(refs.code.as_deref(), Some("7"));
    }

    #[test]
    fn other_payloads_are_not_read() {
        assert_eq!(envelope(b"%PDF-1.7"), None);
        assert_eq!(ack_references(b"ISA"), None);
    }
}
