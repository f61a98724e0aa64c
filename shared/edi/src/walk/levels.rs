//! Opening and closing interchanges, groups and transactions, with the checks that go with it.

use crate::charset::Repertoire;
use crate::envelope::{GroupHeader, TransactionHeader};
use crate::error::{EdiError, Level, Position};
use crate::syntax::{Delimiters, Syntax};
use crate::token::{self, Segment};

use super::inspect::inspect;
use super::{
    Depth, Event, GroupState, InterchangeState, Span, TransactionState, TransactionUnit, Walker,
};

impl Walker {
    /// Closes the innermost open level because its trailer never came; `at` is where it was due.
    pub(super) fn close_innermost(&mut self, at: Position) -> Event {
        let (x12, edifact) = match self.depth {
            Depth::Transaction => ("SE", "UNT"),
            Depth::Group => ("GE", "UNE"),
            Depth::Interchange | Depth::Outside => ("IEA", "UNZ"),
        };
        let expected = match self.syntax {
            Syntax::X12 => x12,
            Syntax::Edifact => edifact,
        };
        match self.depth {
            Depth::Transaction => {
                let error = EdiError::MissingTrailer {
                    at,
                    level: Level::Transaction,
                    expected: expected.to_owned(),
                };
                self.finish_transaction(Some(error))
            }
            Depth::Group => {
                if !self.group.implicit {
                    self.group.errors.push(EdiError::MissingTrailer {
                        at,
                        level: Level::Group,
                        expected: expected.to_owned(),
                    });
                }
                self.finish_group()
            }
            Depth::Interchange | Depth::Outside => {
                self.interchange.errors.push(EdiError::MissingTrailer {
                    at,
                    level: Level::Interchange,
                    expected: expected.to_owned(),
                });
                self.finish_interchange()
            }
        }
    }

    pub(super) fn begin_interchange(
        &mut self,
        syntax: Syntax,
        delimiters: Delimiters,
        repertoire: Repertoire,
        control_number: String,
    ) {
        self.syntax = syntax;
        self.delimiters = delimiters;
        self.repertoire = repertoire;
        self.clean_through = 0;
        self.unreleased_through = 0;
        self.segment_end = u64::MAX;
        self.interchanges_seen += 1;
        self.depth = Depth::Interchange;
        self.interchange = InterchangeState {
            control_number,
            ..InterchangeState::default()
        };
    }

    pub(super) fn finish_interchange(&mut self) -> Event {
        self.depth = Depth::Outside;
        Event::InterchangeEnd {
            errors: std::mem::take(&mut self.interchange.errors),
        }
    }

    pub(super) fn begin_group(
        &mut self,
        header: Option<GroupHeader>,
        segment: Option<&Segment<'_>>,
    ) -> Event {
        let control_number = header
            .as_ref()
            .map(|h| h.control_number.clone())
            .unwrap_or_default();
        let mut errors = Vec::new();
        if let Some(segment) = segment {
            errors.extend(self.inspect(segment));
        }
        if let (Some(segment), Some(_)) = (segment, &header) {
            let tracked = &mut self.interchange.group_numbers;
            if tracked.contains(&control_number) {
                errors.push(EdiError::DuplicateControlNumber {
                    at: segment.position(),
                    level: Level::Group,
                    number: control_number.clone(),
                });
            } else if tracked.len() < self.limits.max_tracked_control_numbers {
                tracked.insert(&control_number);
            }
        }
        if header.is_some() {
            self.interchange.groups += 1;
        }
        self.depth = Depth::Group;
        self.group = GroupState {
            control_number,
            implicit: header.is_none(),
            errors,
            ..GroupState::default()
        };
        Event::GroupStart { header }
    }

    pub(super) fn finish_group(&mut self) -> Event {
        self.depth = Depth::Interchange;
        Event::GroupEnd {
            errors: std::mem::take(&mut self.group.errors),
        }
    }

    pub(super) fn begin_transaction(
        &mut self,
        header: TransactionHeader,
        segment: &Segment<'_>,
        mut errors: Vec<EdiError>,
    ) {
        if self.is_suspicious() {
            errors.extend(inspect(self.syntax, self.repertoire, segment, true, false));
        }
        let tracked = &mut self.group.set_numbers;
        if tracked.contains(&header.control_number) {
            errors.push(EdiError::DuplicateControlNumber {
                at: segment.position(),
                level: Level::Transaction,
                number: header.control_number.clone(),
            });
        } else if tracked.len() < self.limits.max_tracked_control_numbers {
            tracked.insert(&header.control_number);
        }
        self.group.sets += 1;
        if self.group.implicit {
            self.interchange.direct_messages += 1;
        }
        self.depth = Depth::Transaction;
        self.transaction = Some(TransactionState {
            header,
            start: segment.offset(),
            spans: {
                let mut spans = super::spans_with_capacity(self.spans_hint);
                spans.push(span_of(segment));
                spans
            },
            count: 1,
            errors,
            overflowed: false,
        });
    }

    /// Adds a body segment to the open transaction.
    pub(super) fn push_segment(&mut self, segment: &Segment<'_>) {
        let valid = token::is_valid_tag(segment.tag());
        let suspicious = self.is_suspicious();
        let (syntax, repertoire) = (self.syntax, self.repertoire);
        if let Some(t) = self.transaction.as_mut() {
            t.count += 1;
            // Characters are only looked at past the input known to be clean.
            if suspicious {
                t.errors
                    .extend(inspect(syntax, repertoire, segment, true, false));
            }
            if !valid {
                t.errors.push(EdiError::InvalidSegmentTag {
                    at: segment.position(),
                    tag: String::from_utf8_lossy(segment.tag()).into_owned(),
                });
            } else if !t.overflowed {
                t.spans.push(span_of(segment));
            }
        }
    }

    pub(super) fn finish_transaction(&mut self, error: Option<EdiError>) -> Event {
        self.depth = Depth::Group;
        let Some(mut t) = self.transaction.take() else {
            return Event::GroupEnd { errors: Vec::new() };
        };
        t.errors.extend(error);
        // The next transaction is likely as long: its span vector is allocated once.
        self.spans_hint = t.spans.len().clamp(32, 4096);
        Event::Transaction(Box::new(TransactionUnit {
            syntax: self.syntax,
            delimiters: self.delimiters,
            header: t.header,
            spans: t.spans,
            segment_count: t.count,
            errors: t.errors,
            overflowed: t.overflowed,
        }))
    }

    /// Records an envelope segment found where it does not belong.
    pub(super) fn unexpected(&mut self, segment: &Segment<'_>, reason: &str) {
        let tag = String::from_utf8_lossy(segment.tag()).into_owned();
        let error = if token::is_valid_tag(segment.tag()) {
            EdiError::UnexpectedSegment {
                at: segment.position(),
                tag,
                reason: reason.to_owned(),
            }
        } else {
            EdiError::InvalidSegmentTag {
                at: segment.position(),
                tag,
            }
        };
        let found = self.inspect(segment);
        let errors = self.innermost_errors();
        errors.push(error);
        errors.extend(found);
    }

    /// Checks the content of an envelope segment (or one outside any transaction): its
    /// characters against the interchange's character set, its element lengths.
    pub(super) fn inspect(&self, segment: &Segment<'_>) -> Vec<EdiError> {
        inspect(
            self.syntax,
            self.repertoire,
            segment,
            self.is_suspicious(),
            true,
        )
    }

    /// The segment being handled reaches past the input known to be clean.
    #[inline]
    fn is_suspicious(&self) -> bool {
        self.segment_end > self.clean_through
    }
}

#[inline]
pub(super) fn span_of(segment: &Segment<'_>) -> Span {
    Span {
        offset: segment.offset(),
        len: u32::try_from(segment.raw().len()).unwrap_or(u32::MAX),
        number: segment.number(),
        in_message: segment.in_message(),
        shape: segment.shape(),
    }
}
