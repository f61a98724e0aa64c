//! X12 envelopes: ISA/IEA, GS/GE, ST/SE.

use crate::charset::Repertoire;
use crate::dictionary::{is_known_gs_version, is_known_isa_version};
use crate::envelope::{GroupHeader, InterchangeHeader, PartyId, TransactionHeader};
use crate::error::{EdiError, Level};
use crate::syntax::Syntax;
use crate::token::Segment;
use crate::token::x12::{IsaRead, read_isa};

use super::{
    Depth, Event, Outcome, Step, Walker, check_control, check_count, field, plain_elements, trim,
};

impl Walker {
    /// Reads the ISA at `i` and opens the interchange.
    pub(super) fn start_x12(
        &mut self,
        data: &[u8],
        base: u64,
        i: usize,
        eof: bool,
    ) -> Result<Option<Step>, EdiError> {
        let isa = match read_isa(data, i, base, eof, self.number + 1) {
            IsaRead::NeedMore => {
                return Ok(Some(Step::NeedMore {
                    keep_from: self.pos,
                }));
            }
            IsaRead::Unreadable(error) => return Err(error),
            IsaRead::Found(isa) => isa,
        };
        let segment = Segment::new(
            &data[i..i + isa.len - 1],
            isa.delimiters,
            base + i as u64,
            self.number + 1,
            0,
        );
        let mut errors = isa.errors;
        let header = isa_header(&segment, &mut errors);
        self.number += 1;
        self.pos = base + (i + isa.len) as u64;
        self.begin_interchange(
            Syntax::X12,
            isa.delimiters,
            Repertoire::EightBit,
            header.control_number.clone(),
        );
        errors.extend(self.inspect(&segment));
        Ok(Some(Step::Event(Event::InterchangeStart {
            header,
            delimiters: isa.delimiters,
            errors,
        })))
    }

    pub(super) fn x12_segment(&mut self, segment: &Segment<'_>) -> Outcome {
        let tag = segment.tag();
        match self.depth {
            Depth::Transaction => match tag {
                b"SE" => {
                    self.push_segment(segment);
                    if let Some(t) = self.transaction.as_mut() {
                        check_count(segment, 1, Level::Transaction, t.count, &mut t.errors);
                        let header = &t.header.control_number;
                        check_control(segment, 2, Level::Transaction, header, &mut t.errors);
                    }
                    Outcome::consumed_with(self.finish_transaction(None))
                }
                b"ST" | b"GE" | b"GS" | b"IEA" | b"ISA" => {
                    Outcome::reread_after(self.close_innermost(segment.position()))
                }
                _ => {
                    self.push_segment(segment);
                    Outcome::consumed()
                }
            },
            Depth::Group => match tag {
                b"ST" => {
                    let mut errors = Vec::new();
                    let header = st_header(segment, &mut errors);
                    self.begin_transaction(header, segment, errors);
                    Outcome::consumed()
                }
                b"GE" => {
                    let found = self.inspect(segment);
                    self.group.errors.extend(found);
                    if !self.group.implicit {
                        let group = &mut self.group;
                        check_count(segment, 1, Level::Group, group.sets, &mut group.errors);
                        check_control(
                            segment,
                            2,
                            Level::Group,
                            &group.control_number,
                            &mut group.errors,
                        );
                    }
                    Outcome::consumed_with(self.finish_group())
                }
                b"GS" | b"IEA" | b"ISA" => {
                    Outcome::reread_after(self.close_innermost(segment.position()))
                }
                _ => {
                    self.unexpected(segment, "outside a transaction set");
                    Outcome::consumed()
                }
            },
            Depth::Interchange | Depth::Outside => match tag {
                b"GS" => {
                    let header = gs_header(segment, &mut self.interchange.errors);
                    let event = self.begin_group(Some(header), Some(segment));
                    Outcome::consumed_with(event)
                }
                b"ST" => {
                    self.unexpected(segment, "transaction set outside a GS group");
                    Outcome::reread_after(self.begin_group(None, None))
                }
                b"IEA" => {
                    let found = self.inspect(segment);
                    let state = &mut self.interchange;
                    state.errors.extend(found);
                    check_count(
                        segment,
                        1,
                        Level::Interchange,
                        state.groups,
                        &mut state.errors,
                    );
                    check_control(
                        segment,
                        2,
                        Level::Interchange,
                        &state.control_number,
                        &mut state.errors,
                    );
                    Outcome::consumed_with(self.finish_interchange())
                }
                b"ISA" => Outcome::reread_after(self.close_innermost(segment.position())),
                b"TA1" => Outcome::consumed(),
                _ => {
                    self.unexpected(segment, "outside a functional group");
                    Outcome::consumed()
                }
            },
        }
    }
}

fn isa_header(segment: &Segment<'_>, errors: &mut Vec<EdiError>) -> InterchangeHeader {
    let raw = |n: usize| String::from_utf8_lossy(segment.element(n).raw()).into_owned();
    let mut require = |n: usize, ok: bool| {
        if !ok {
            errors.push(EdiError::InvalidEnvelopeField {
                at: segment.position_of(n, None),
                field: format!("ISA{n:02}"),
                value: raw(n),
            });
        }
    };
    let digits = |n: usize, len: usize| {
        let e = segment.element(n);
        e.raw().len() == len && e.raw().iter().all(u8::is_ascii_digit)
    };
    require(5, !field(segment, 5, 0).is_empty());
    require(6, !field(segment, 6, 0).is_empty());
    require(7, !field(segment, 7, 0).is_empty());
    require(8, !field(segment, 8, 0).is_empty());
    require(9, digits(9, 6));
    require(10, digits(10, 4));
    require(12, digits(12, 5));
    require(13, digits(13, 9));
    require(14, matches!(segment.element(14).raw(), b"0" | b"1"));
    require(15, matches!(segment.element(15).raw(), b"P" | b"T" | b"I"));
    let version = field(segment, 12, 0);
    if digits(12, 5) && !is_known_isa_version(&version) {
        errors.push(EdiError::UnknownVersion {
            at: segment.position_of(12, None),
            field: "ISA12".to_owned(),
            value: version,
        });
    }
    InterchangeHeader {
        syntax: Syntax::X12,
        sender: PartyId::new(field(segment, 5, 0), field(segment, 6, 0)),
        receiver: PartyId::new(field(segment, 7, 0), field(segment, 8, 0)),
        control_number: field(segment, 13, 0),
        version: field(segment, 12, 0),
        date: field(segment, 9, 0),
        time: field(segment, 10, 0),
        test: segment.element(15).raw() == b"T",
        ack_requested: segment.element(14).raw() == b"1",
        offset: segment.offset(),
    }
}

fn gs_header(segment: &Segment<'_>, errors: &mut Vec<EdiError>) -> GroupHeader {
    let control_number = field(segment, 6, 0);
    let valid = (1..=9).contains(&control_number.len())
        && control_number.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        errors.push(EdiError::InvalidEnvelopeField {
            at: segment.position_of(6, None),
            field: "GS06".to_owned(),
            value: control_number.clone(),
        });
    }
    let version = field(segment, 8, 0);
    if !is_known_gs_version(&version) {
        errors.push(EdiError::UnknownVersion {
            at: segment.position_of(8, None),
            field: "GS08".to_owned(),
            value: version.clone(),
        });
    }
    GroupHeader {
        functional_id: field(segment, 1, 0),
        application_sender: field(segment, 2, 0),
        application_receiver: field(segment, 3, 0),
        date: field(segment, 4, 0),
        time: field(segment, 5, 0),
        control_number,
        version,
        offset: segment.offset(),
    }
}

fn st_header(segment: &Segment<'_>, errors: &mut Vec<EdiError>) -> TransactionHeader {
    if let Some(header) = plain_st_header(segment) {
        return header;
    }
    general_st_header(segment, errors)
}

/// [`st_header`] of any ST, element by element.
fn general_st_header(segment: &Segment<'_>, errors: &mut Vec<EdiError>) -> TransactionHeader {
    let set_id = field(segment, 1, 0);
    let control_number = field(segment, 2, 0);
    if set_id.len() != 3 || !set_id.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(EdiError::InvalidEnvelopeField {
            at: segment.position_of(1, None),
            field: "ST01".to_owned(),
            value: set_id.clone(),
        });
    }
    if !(4..=9).contains(&control_number.len()) {
        errors.push(EdiError::InvalidEnvelopeField {
            at: segment.position_of(2, None),
            field: "ST02".to_owned(),
            value: control_number.clone(),
        });
    }
    let version = Some(field(segment, 3, 0)).filter(|v| !v.is_empty());
    TransactionHeader {
        set_id,
        control_number,
        version,
        offset: segment.offset(),
    }
}

/// [`st_header`] of an ST in UTF-8 with an ASCII element separator and a valid set id and
/// control number (the common case): what it gives, split in one pass ([`plain_elements`]) and
/// without errors. `None` for any other ST.
fn plain_st_header(segment: &Segment<'_>) -> Option<TransactionHeader> {
    let mut elements = plain_elements(segment)?;
    let set_id = trim(elements.next()?);
    let control_number = trim(elements.next().unwrap_or_default());
    let version = trim(elements.next().unwrap_or_default());
    if set_id.len() != 3
        || !set_id.bytes().all(|b| b.is_ascii_digit())
        || !(4..=9).contains(&control_number.len())
    {
        return None;
    }
    Some(TransactionHeader {
        set_id: set_id.to_owned(),
        control_number: control_number.to_owned(),
        version: (!version.is_empty()).then(|| version.to_owned()),
        offset: segment.offset(),
    })
}

#[cfg(test)]
mod tests {
    use super::{general_st_header, plain_st_header};
    use crate::syntax::Delimiters;
    use crate::token::Segment;

    /// Where the one-pass ST reading answers, it gives what the general one gives, without
    /// errors.
    #[test]
    fn the_plain_st_header_is_the_general_one() {
        let delimiters = Delimiters::X12_DEFAULT;
        let mut answered = 0;
        for raw in [
            "ST*850*0001",
            "ST*850*0001*005010X220A1",
            "ST* 810 * 123456789 * x ",
            "ST*850*0001**extra",
            "ST*85*0001",
            "ST*85A*0001",
            "ST*850*001",
            "ST*850*1234567890",
            "ST*850",
            "ST",
            "ST*850*\u{e9}\u{e9}01",
            "ST*850*0001*\u{e9}\u{b}",
        ] {
            let segment = Segment::new(raw.as_bytes(), delimiters, 7, 2, 1);
            let mut errors = Vec::new();
            let general = general_st_header(&segment, &mut errors);
            if let Some(plain) = plain_st_header(&segment) {
                answered += 1;
                assert_eq!(plain, general, "{raw}");
                assert!(errors.is_empty(), "{raw}");
            }
        }
        assert_eq!(answered, 6);
    }
}
