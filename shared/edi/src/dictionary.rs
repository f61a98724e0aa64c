//! What the standards' dictionaries say about element lengths and versions, for warnings.
//!
//! Only the segments gridlink reads (and the envelope) are listed. Each maximum is the largest
//! any release in use gives the element (X12 004010 or 005010; EDIFACT D.96A or later), so a
//! newer partner is not warned about for a length its release allows.

/// An element's maximum length in characters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MaxLength {
    /// 1-based element position.
    pub element: u8,
    /// 1-based component position; 0 for a simple element.
    pub component: u8,
    /// Maximum length in characters.
    pub max: u16,
}

const fn el(element: u8, max: u16) -> MaxLength {
    MaxLength {
        element,
        component: 0,
        max,
    }
}

const fn co(element: u8, component: u8, max: u16) -> MaxLength {
    MaxLength {
        element,
        component,
        max,
    }
}

/// Longer than any text element either standard defines (X12 MTX02 is 4 096): "very large".
pub(crate) const LARGE_ELEMENT: usize = 4096;

/// The maxima of an X12 segment's elements.
pub(crate) fn x12_max_lengths(tag: &[u8]) -> &'static [MaxLength] {
    match tag {
        b"GS" => {
            &const {
                [
                    el(1, 2),
                    el(2, 15),
                    el(3, 15),
                    el(4, 8),
                    el(5, 8),
                    el(7, 2),
                    el(8, 12),
                ]
            }
        }
        b"ST" => &const { [el(3, 35)] },
        b"BEG" => &const { [el(1, 2), el(2, 2), el(3, 22), el(4, 30), el(5, 8)] },
        b"BAK" => &const { [el(1, 2), el(2, 2), el(3, 22), el(4, 8), el(8, 50), el(9, 8)] },
        b"BSN" => &const { [el(1, 2), el(2, 30), el(3, 8), el(4, 8)] },
        b"BCH" | b"BCA" => {
            &const {
                [
                    el(1, 2),
                    el(2, 2),
                    el(3, 22),
                    el(4, 30),
                    el(5, 8),
                    el(6, 8),
                    el(9, 50),
                    el(10, 8),
                    el(11, 8),
                ]
            }
        }
        b"POC" => {
            &const {
                [
                    el(1, 20),
                    el(2, 2),
                    el(3, 15),
                    el(4, 15),
                    co(5, 1, 2),
                    el(6, 17),
                    el(7, 2),
                    el(8, 2),
                    el(9, 48),
                    el(10, 2),
                    el(11, 48),
                ]
            }
        }
        b"BIG" => &const { [el(1, 8), el(2, 22), el(3, 8), el(4, 22)] },
        b"B10" => &const { [el(1, 50), el(2, 50), el(3, 4)] },
        b"N1" => &const { [el(1, 3), el(2, 60), el(3, 2), el(4, 80)] },
        b"N3" => &const { [el(1, 55), el(2, 55)] },
        b"N4" => &const { [el(1, 30), el(2, 2), el(3, 15), el(4, 3)] },
        b"PO1" | b"IT1" => {
            &const {
                [
                    el(1, 20),
                    el(2, 15),
                    el(3, 2),
                    el(4, 17),
                    el(6, 2),
                    el(7, 48),
                    el(8, 2),
                    el(9, 48),
                ]
            }
        }
        b"ACK" => &const { [el(1, 2), el(2, 15), el(3, 2)] },
        b"REF" => &const { [el(1, 3), el(2, 50), el(3, 80)] },
        b"DTM" => &const { [el(1, 3), el(2, 8), el(3, 8)] },
        b"LIN" => &const { [el(1, 20), el(2, 2), el(3, 48), el(4, 2), el(5, 48)] },
        b"SN1" => &const { [el(1, 20), el(2, 15), el(3, 2)] },
        b"MAN" => &const { [el(1, 2), el(2, 48)] },
        b"PRF" => &const { [el(1, 22), el(4, 8)] },
        b"HL" => &const { [el(1, 12), el(2, 12), el(3, 2)] },
        b"PID" => &const { [el(1, 1), el(5, 80)] },
        b"TDS" => &const { [el(1, 15)] },
        b"CUR" => &const { [el(1, 3), el(2, 3)] },
        b"TD5" => &const { [el(2, 2), el(3, 80)] },
        b"AT7" => &const { [el(1, 2), el(2, 2), el(5, 8), el(6, 8)] },
        b"G62" => &const { [el(1, 2), el(2, 8), el(3, 2), el(4, 8)] },
        b"L11" => &const { [el(1, 80), el(2, 3)] },
        b"AK1" => &const { [el(1, 2), el(2, 9), el(3, 12)] },
        b"AK2" => &const { [el(1, 3), el(2, 9), el(3, 35)] },
        _ => &[],
    }
}

/// The maxima of an EDIFACT segment's elements and components.
pub(crate) fn edifact_max_lengths(tag: &[u8]) -> &'static [MaxLength] {
    match tag {
        b"UNB" => &const { [co(2, 1, 35), co(2, 2, 4), co(3, 1, 35), co(3, 2, 4)] },
        b"UNH" => {
            &const {
                [
                    co(2, 1, 6),
                    co(2, 2, 3),
                    co(2, 3, 3),
                    co(2, 4, 3),
                    co(2, 5, 6),
                ]
            }
        }
        b"BGM" => &const { [co(1, 1, 3), co(2, 1, 70), el(3, 3), el(4, 3)] },
        b"DTM" | b"MOA" => &const { [co(1, 1, 3), co(1, 2, 35), co(1, 3, 3)] },
        b"RFF" => &const { [co(1, 1, 3), co(1, 2, 70), co(1, 3, 6)] },
        b"NAD" => {
            &const {
                [
                    el(1, 3),
                    co(2, 1, 35),
                    co(2, 3, 3),
                    co(3, 1, 35),
                    co(4, 1, 70),
                    co(5, 1, 35),
                    el(6, 35),
                    co(7, 1, 9),
                    el(8, 17),
                    el(9, 3),
                ]
            }
        }
        b"LIN" => &const { [el(1, 6), el(2, 3), co(3, 1, 35), co(3, 2, 3)] },
        b"PIA" => &const { [el(1, 3), co(2, 1, 35), co(2, 2, 3)] },
        b"QTY" => &const { [co(1, 1, 3), co(1, 2, 35), co(1, 3, 8)] },
        b"PRI" => &const { [co(1, 1, 3), co(1, 2, 15)] },
        b"CUX" => &const { [co(1, 1, 3), co(1, 2, 3)] },
        b"IMD" => &const { [el(1, 3), co(3, 4, 256)] },
        b"GIN" => &const { [el(1, 3), co(2, 1, 35)] },
        b"TDT" => &const { [el(1, 3), el(2, 17), co(5, 1, 17)] },
        b"CPS" => &const { [el(1, 12), el(2, 12), el(3, 3)] },
        b"STS" => &const { [co(2, 1, 3), co(3, 1, 3)] },
        _ => &[],
    }
}

/// ISA12 interchange control versions ASC X12 has published.
pub(crate) fn is_known_isa_version(isa12: &str) -> bool {
    let Some(rest) = isa12.strip_prefix("00") else {
        return false;
    };
    if rest.len() != 3 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    matches!(
        rest.parse::<u16>(),
        Ok(200 | 201 | 204 | 300..=307 | 400..=406 | 500..=505 | 600..=605 | 700..=708 | 800..=804)
    )
}

/// GS08 (`004010`, `005010X231A1`): a published version and release, then any industry
/// identifier.
pub(crate) fn is_known_gs_version(gs08: &str) -> bool {
    gs08.get(..6)
        .is_some_and(|v| v.ends_with('0') && is_known_isa_version(&v[..5]))
}

/// UNH S009 `version:release:agency` (`D:96A:UN`, `D:3:UN` for CONTRL, `S:93A:UN`).
pub(crate) fn is_known_message_version(version: &str, release: &str, agency: &str) -> bool {
    let directory_release = release.len() == 3
        && release.as_bytes()[..2].iter().all(u8::is_ascii_digit)
        && matches!(release.as_bytes()[2], b'A' | b'B');
    let syntax_release = matches!(release, "1" | "2" | "3" | "4");
    let version_ok = match version {
        "D" => directory_release || syntax_release,
        "S" => directory_release,
        "1" | "2" | "88" | "89" | "90" => !release.is_empty(),
        _ => false,
    };
    version_ok && agency == "UN"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The length warnings take each segment's maxima in order, elements numbered from 1.
    #[test]
    fn every_list_of_maxima_is_in_element_order() {
        let alphanumeric: Vec<u8> = (b'A'..=b'Z').chain(b'0'..=b'9').collect();
        let mut tags = Vec::new();
        for first in b'A'..=b'Z' {
            for &second in &alphanumeric {
                tags.push(vec![first, second]);
                for &third in &alphanumeric {
                    tags.push(vec![first, second, third]);
                }
            }
        }
        let mut listed = 0;
        for tag in &tags {
            for limits in [x12_max_lengths(tag), edifact_max_lengths(tag)] {
                listed += usize::from(!limits.is_empty());
                assert!(limits.iter().all(|l| l.element >= 1), "{tag:?}");
                assert!(
                    limits.windows(2).all(|w| w[0].element <= w[1].element),
                    "{}",
                    String::from_utf8_lossy(tag)
                );
            }
        }
        assert!(listed > 20, "only {listed} segments have maxima");
    }

    #[test]
    fn published_versions_are_known_and_others_not() {
        assert!(is_known_isa_version("00401"));
        assert!(is_known_isa_version("00501"));
        assert!(!is_known_isa_version("00999"));
        assert!(!is_known_isa_version("00409"));
        assert!(!is_known_isa_version("0040"));
        assert!(is_known_gs_version("004010"));
        assert!(is_known_gs_version("005010X231A1"));
        assert!(!is_known_gs_version("009010"));
        assert!(!is_known_gs_version("00401"));
        assert!(is_known_message_version("D", "96A", "UN"));
        assert!(is_known_message_version("D", "3", "UN"));
        assert!(!is_known_message_version("D", "96Z", "UN"));
        assert!(!is_known_message_version("X", "96A", "UN"));
        assert!(!is_known_message_version("D", "96A", "XX"));
    }
}
