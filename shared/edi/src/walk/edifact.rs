//! EDIFACT envelopes: UNA? UNB/UNZ, UNG/UNE, UNH/UNT.

use crate::charset::{EDIFACT_SYNTAX_IDENTIFIERS, EDIFACT_SYNTAX_VERSIONS, Repertoire};
use crate::dictionary::is_known_message_version;
use crate::envelope::{GroupHeader, InterchangeHeader, PartyId, TransactionHeader};
use crate::error::{EdiError, Level, Position};
use crate::syntax::Syntax;
use crate::token::edifact::UNA_LEN;
use crate::token::edifact::read_una;
use crate::token::{self, Indexed, Scanned, Segment};

use super::{
    Depth, Event, Outcome, Step, Walker, check_control, check_count, field, field_text,
    plain_elements, split_ascii, tag_position, trim,
};

impl Walker {
    /// Reads the optional UNA and the UNB at `i` and opens the interchange.
    pub(super) fn start_edifact(
        &mut self,
        data: &[u8],
        base: u64,
        i: usize,
        eof: bool,
    ) -> Result<Option<Step>, EdiError> {
        if data[i..].starts_with(b"UNA") && data.len() - i < UNA_LEN && !eof {
            return Ok(Some(Step::NeedMore {
                keep_from: self.pos,
            }));
        }
        let (mut delimiters, una_len) =
            read_una(data, i, self.number + 1).map_err(|e| offset_error(e, base))?;
        let j = i + una_len;
        let (start, end, next) =
            match token::scan(data, j, delimiters, eof, self.limits.max_segment) {
                Scanned::Segment {
                    start, end, next, ..
                } => (start, end, next),
                Scanned::NeedMore => {
                    return Ok(Some(Step::NeedMore {
                        keep_from: self.pos,
                    }));
                }
                Scanned::End | Scanned::Truncated { .. } => {
                    return Err(EdiError::Truncated {
                        at: Position::at_offset(base + j as u64),
                    });
                }
                Scanned::TooLong { start } => {
                    return Err(EdiError::SegmentTooLong {
                        at: Position::at_offset(base + start as u64),
                        limit: self.limits.max_segment,
                    });
                }
            };
        let numbered = self.number + 1;
        let segment = Segment::new(
            &data[start..end],
            delimiters,
            base + start as u64,
            numbered,
            0,
        );
        if !segment.is(b"UNB") {
            return Err(EdiError::MissingSegment {
                at: tag_position(base + start as u64, numbered, segment.tag()),
                tag: "UNB".to_owned(),
            });
        }
        let mut errors = Vec::new();
        let header = unb_header(&segment, &mut errors);
        if una_len == 0 && header.version.ends_with(":4") {
            delimiters.repetition = Some(b'*');
        }
        self.number = numbered;
        self.pos = base + next as u64;
        let syntax_identifier = field(&segment, 1, 1);
        self.begin_interchange(
            Syntax::Edifact,
            delimiters,
            Repertoire::of_edifact(&syntax_identifier),
            header.control_number.clone(),
        );
        errors.extend(self.inspect(&segment));
        Ok(Some(Step::Event(Event::InterchangeStart {
            header,
            delimiters,
            errors,
        })))
    }

    pub(super) fn edifact_segment(&mut self, segment: &Segment<'_>) -> Outcome {
        let tag = segment.tag();
        let opens_interchange = segment.raw().starts_with(b"UNA") || tag == b"UNB";
        match self.depth {
            Depth::Transaction => match tag {
                b"UNT" => {
                    self.push_segment(segment);
                    if let Some(t) = self.transaction.as_mut() {
                        check_count(segment, 1, Level::Transaction, t.count, &mut t.errors);
                        let header = &t.header.control_number;
                        check_control(segment, 2, Level::Transaction, header, &mut t.errors);
                    }
                    Outcome::consumed_with(self.finish_transaction(None))
                }
                b"UNH" | b"UNE" | b"UNZ" | b"UNG" => {
                    Outcome::reread_after(self.close_innermost(segment.position()))
                }
                _ if opens_interchange => {
                    Outcome::reread_after(self.close_innermost(segment.position()))
                }
                _ => {
                    self.push_segment(segment);
                    Outcome::consumed()
                }
            },
            Depth::Group => match tag {
                b"UNH" => {
                    let mut errors = Vec::new();
                    let header = unh_header(segment, &mut errors);
                    self.begin_transaction(header, segment, errors);
                    Outcome::consumed()
                }
                b"UNE" if self.group.implicit => {
                    self.unexpected(segment, "UNE without UNG");
                    Outcome::consumed()
                }
                b"UNE" => {
                    let found = self.inspect(segment);
                    let group = &mut self.group;
                    group.errors.extend(found);
                    check_count(segment, 1, Level::Group, group.sets, &mut group.errors);
                    check_control(
                        segment,
                        2,
                        Level::Group,
                        &group.control_number,
                        &mut group.errors,
                    );
                    Outcome::consumed_with(self.finish_group())
                }
                b"UNZ" | b"UNG" => Outcome::reread_after(self.close_innermost(segment.position())),
                _ if opens_interchange => {
                    Outcome::reread_after(self.close_innermost(segment.position()))
                }
                _ => {
                    self.unexpected(segment, "outside a message");
                    Outcome::consumed()
                }
            },
            Depth::Interchange | Depth::Outside => match tag {
                b"UNG" => {
                    let header = ung_header(segment);
                    let event = self.begin_group(Some(header), Some(segment));
                    Outcome::consumed_with(event)
                }
                b"UNH" => Outcome::reread_after(self.begin_group(None, None)),
                b"UNZ" => {
                    let found = self.inspect(segment);
                    let state = &mut self.interchange;
                    state.errors.extend(found);
                    let actual = if state.groups > 0 {
                        state.groups
                    } else {
                        state.direct_messages
                    };
                    check_count(segment, 1, Level::Interchange, actual, &mut state.errors);
                    check_control(
                        segment,
                        2,
                        Level::Interchange,
                        &state.control_number,
                        &mut state.errors,
                    );
                    Outcome::consumed_with(self.finish_interchange())
                }
                _ if opens_interchange => {
                    Outcome::reread_after(self.close_innermost(segment.position()))
                }
                _ => {
                    self.unexpected(segment, "outside a message");
                    Outcome::consumed()
                }
            },
        }
    }
}

fn offset_error(error: EdiError, base: u64) -> EdiError {
    match error {
        EdiError::MalformedUna { mut at } => {
            at.offset += base;
            EdiError::MalformedUna { at }
        }
        EdiError::InvalidDelimiters { mut at, reason } => {
            at.offset += base;
            EdiError::InvalidDelimiters { at, reason }
        }
        other => other,
    }
}

fn unb_header(segment: &Segment<'_>, errors: &mut Vec<EdiError>) -> InterchangeHeader {
    let syntax_id = field(segment, 1, 1);
    let syntax_version = field(segment, 1, 2);
    let sender = PartyId::new(field(segment, 2, 2), field(segment, 2, 1));
    let receiver = PartyId::new(field(segment, 3, 2), field(segment, 3, 1));
    let control_number = field(segment, 5, 0);
    let mut require = |n: usize, ok: bool, value: &str| {
        if !ok {
            errors.push(EdiError::InvalidEnvelopeField {
                at: segment.position_of(n, None),
                field: format!("UNB{n:02}"),
                value: value.to_owned(),
            });
        }
    };
    require(
        1,
        EDIFACT_SYNTAX_IDENTIFIERS.contains(&syntax_id.as_str())
            && EDIFACT_SYNTAX_VERSIONS.contains(&syntax_version.as_str()),
        &format!("{syntax_id}:{syntax_version}"),
    );
    require(2, !sender.id.is_empty(), &sender.id);
    require(3, !receiver.id.is_empty(), &receiver.id);
    require(5, (1..=14).contains(&control_number.len()), &control_number);
    InterchangeHeader {
        syntax: Syntax::Edifact,
        sender,
        receiver,
        control_number,
        version: format!("{syntax_id}:{syntax_version}"),
        date: field(segment, 4, 1),
        time: field(segment, 4, 2),
        test: field(segment, 11, 0) == "1",
        ack_requested: field(segment, 9, 0) == "1",
        offset: segment.offset(),
    }
}

fn ung_header(segment: &Segment<'_>) -> GroupHeader {
    let version = [field(segment, 7, 1), field(segment, 7, 2)]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(":");
    GroupHeader {
        functional_id: field(segment, 1, 0),
        application_sender: field(segment, 2, 1),
        application_receiver: field(segment, 3, 1),
        date: field(segment, 4, 1),
        time: field(segment, 4, 2),
        control_number: field(segment, 5, 0),
        version,
        offset: segment.offset(),
    }
}

fn unh_header(segment: &Segment<'_>, errors: &mut Vec<EdiError>) -> TransactionHeader {
    if let Some(header) = plain_unh_header(segment) {
        return header;
    }
    general_unh_header(segment, errors)
}

/// [`unh_header`] of any UNH, element by element.
fn general_unh_header(segment: &Segment<'_>, errors: &mut Vec<EdiError>) -> TransactionHeader {
    let control_number = field(segment, 1, 0);
    // S009 split once: the message type, then version, release, agency and association code.
    let identifier = segment.element(2);
    let mut parts = identifier.components();
    let set_id = parts
        .next()
        .map(field_text)
        .unwrap_or_default()
        .into_owned();
    if control_number.is_empty() || control_number.len() > 14 {
        errors.push(EdiError::InvalidEnvelopeField {
            at: segment.position_of(1, None),
            field: "UNH01".to_owned(),
            value: control_number.clone(),
        });
    }
    if set_id.is_empty() {
        errors.push(EdiError::InvalidEnvelopeField {
            at: segment.position_of(2, Some(1)),
            field: "UNH02".to_owned(),
            value: set_id.clone(),
        });
    }
    let mut version = String::new();
    for (k, part) in (2..=5).zip(parts) {
        let part = field_text(part);
        if part.is_empty() {
            break;
        }
        if k > 2 {
            version.push(':');
        } else {
            version.reserve(identifier.raw().len());
        }
        version.push_str(&part);
    }
    TransactionHeader {
        set_id,
        control_number,
        version: Some(version).filter(|v| !v.is_empty()),
        offset: segment.offset(),
    }
}

/// [`unh_header`] of a UNH without a release character, in UTF-8, with ASCII separators and
/// a valid control number and message type (the common case): what it gives, split in one pass
/// ([`plain_elements`]) and without errors. `None` for any other UNH.
fn plain_unh_header(segment: &Segment<'_>) -> Option<TransactionHeader> {
    let component = segment.delimiters().component;
    if !component.is_ascii() {
        return None;
    }
    let mut elements = plain_elements(segment)?;
    let control_number = trim(elements.next()?);
    let identifier = elements.next().unwrap_or_default();
    let mut parts = split_ascii(identifier, component);
    let set_id = trim(parts.next().unwrap_or_default());
    if control_number.is_empty() || control_number.len() > 14 || set_id.is_empty() {
        return None;
    }
    let mut version = String::new();
    for part in parts.take(4) {
        let part = trim(part);
        if part.is_empty() {
            break;
        }
        if version.is_empty() {
            version.reserve(identifier.len());
        } else {
            version.push(':');
        }
        version.push_str(part);
    }
    Some(TransactionHeader {
        set_id: set_id.to_owned(),
        control_number: control_number.to_owned(),
        version: Some(version).filter(|v| !v.is_empty()),
        offset: segment.offset(),
    })
}

/// The warning for a UNH whose S009 names a version gridlink does not know (checked while the
/// report is built, off the walker's hot path).
pub(crate) fn message_version_warning(unh: &Segment<'_>) -> Option<EdiError> {
    let identifier = unh.element(2);
    version_warning(unh, |k| identifier.component(k).raw())
}

/// [`message_version_warning`] from the UNH's index (see [`Segment::index_into`]).
pub(crate) fn indexed_message_version_warning(
    unh: &Segment<'_>,
    index: Indexed<'_>,
) -> Option<EdiError> {
    version_warning(unh, |k| unh.indexed_part(index, 2, k).raw())
}

/// The warning for `unh`, given the components of its S009 (1-based).
fn version_warning<'a>(
    unh: &Segment<'_>,
    component: impl Fn(usize) -> &'a [u8],
) -> Option<EdiError> {
    let part = |k: usize| std::str::from_utf8(component(k)).unwrap_or_default();
    if part(1).is_empty() || is_known_message_version(part(2), part(3), part(4)) {
        return None;
    }
    Some(EdiError::UnknownVersion {
        at: unh.position_of(2, Some(2)),
        field: "UNH S009".to_owned(),
        value: (2..=5)
            .map(part)
            .take_while(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(":"),
    })
}

#[cfg(test)]
mod tests {
    use super::{general_unh_header, plain_unh_header};
    use crate::syntax::Delimiters;
    use crate::token::Segment;

    /// Where the one-pass UNH reading answers, it gives what the general one gives, without
    /// errors.
    #[test]
    fn the_plain_unh_header_is_the_general_one() {
        let delimiters = Delimiters::EDIFACT_DEFAULT;
        let mut answered = 0;
        for raw in [
            "UNH+1+INVOIC:D:96A:UN:EAN008",
            "UNH+ 12 + ORDERS : D : 96A ",
            "UNH+1+INVOIC:D::UN",
            "UNH+1+INVOIC",
            "UNH+1+INVOIC:D:96A:UN:EAN008:X:Y+extra",
            "UNH+123456789012345+INVOIC:D",
            "UNH++INVOIC:D",
            "UNH+1+:D",
            "UNH+1",
            "UNH",
            "UNH+1+INV?:OIC:D",
            "UNH+1+INVOIC:D:96A\u{e9}",
            "UNH+\u{e9}t\u{e9}+INVOIC:D\u{b}:\u{b}",
        ] {
            let segment = Segment::new(raw.as_bytes(), delimiters, 7, 2, 1);
            let mut errors = Vec::new();
            let general = general_unh_header(&segment, &mut errors);
            if let Some(plain) = plain_unh_header(&segment) {
                answered += 1;
                assert_eq!(plain, general, "{raw}");
                assert!(errors.is_empty(), "{raw}");
            }
        }
        assert_eq!(answered, 7);
    }
}
