//! The streaming readers (blocking and async) on real fixtures, batches and size limits.

mod common_fixtures;

use common_fixtures::{PAIRS, fixture};
use gridlink_edi::stream::{AsyncStreamReader, Item, Limits, SliceReader, StreamReader};
use gridlink_edi::{BusinessDocument, EdiError, parse_interchange, parse_interchanges, validate};

fn concatenated() -> Vec<u8> {
    let mut all = Vec::new();
    for (_, x12, edifact) in PAIRS {
        all.extend(fixture(x12));
        all.extend(fixture(edifact));
    }
    all
}

#[test]
fn a_file_of_mixed_syntax_interchanges_reads_one_interchange_at_a_time() {
    let all = concatenated();
    let interchanges = parse_interchanges(&all).unwrap();
    assert_eq!(interchanges.len(), 14);
    let report = validate(&all);
    assert!(report.errors().is_empty());
    assert_eq!(report.counts.interchanges, 14);
    assert_eq!(report.counts.transactions, 14);
    assert_eq!(report.counts.groups, 7);
    assert!(matches!(
        parse_interchange(&all),
        Err(EdiError::UnexpectedSegment { .. })
    ));
}

#[tokio::test]
async fn the_async_reader_yields_the_same_documents_as_the_slice_reader() {
    let all = concatenated();
    let mut reader = AsyncStreamReader::new(std::io::Cursor::new(all.clone()));
    let mut streamed: Vec<BusinessDocument> = Vec::new();
    while let Some(item) = reader.next_item().await.unwrap() {
        if let Item::Transaction(t) = item {
            streamed.extend(t.document().0);
        }
    }
    let sliced: Vec<BusinessDocument> = parse_interchanges(&all)
        .unwrap()
        .into_iter()
        .flat_map(|i| i.documents)
        .collect();
    assert_eq!(streamed, sliced);
}

#[test]
fn a_transaction_over_the_size_limit_is_reported_not_buffered() {
    let bytes = fixture("x12/856_ship_notice.x12");
    let limits = Limits {
        max_transaction: 200,
        ..Limits::default()
    };
    let mut reader = StreamReader::with_limits(bytes.as_slice(), limits);
    let mut too_large = false;
    while let Some(item) = reader.next_item().unwrap() {
        if let Item::Transaction(t) = item {
            too_large |= t
                .errors()
                .iter()
                .any(|e| matches!(e, EdiError::TransactionTooLarge { limit: 200, .. }));
            assert!(t.document().0.is_none());
        }
    }
    assert!(too_large);
}

#[test]
fn a_segment_without_terminator_over_the_limit_is_reported() {
    let mut bytes = fixture("x12/850_purchase_order.x12");
    let at = bytes.windows(4).position(|w| w == b"BEG*").unwrap();
    bytes.splice(at..at, std::iter::repeat_n(b'Q', 5000));
    let limits = Limits {
        max_segment: 1024,
        ..Limits::default()
    };
    let mut builder = gridlink_edi::report::ReportBuilder::new(true);
    let mut reader = SliceReader::with_limits(&bytes, limits);
    for item in reader.by_ref() {
        builder.add(&item);
    }
    let report = builder.finish(reader.segments_seen());
    assert!(
        report
            .errors()
            .iter()
            .any(|e| matches!(e, EdiError::SegmentTooLong { limit: 1024, .. }))
    );
    assert!(report.must_reject());
}

#[test]
fn segments_borrow_the_input_and_carry_their_numbers() {
    let bytes = fixture("x12/810_invoice.x12");
    let mut reader = SliceReader::new(&bytes);
    let transaction = reader.find_map(|item| match item {
        Item::Transaction(t) => Some(t),
        _ => None,
    });
    let transaction = transaction.unwrap();
    let segments: Vec<_> = transaction.segments().collect();
    assert_eq!(segments.first().unwrap().tag(), b"ST");
    assert_eq!(segments.last().unwrap().tag(), b"SE");
    assert_eq!(segments[1].in_message(), 2);
    assert_eq!(segments[1].number(), 4);
    let offset = usize::try_from(segments[1].offset()).unwrap();
    assert!(bytes[offset..].starts_with(segments[1].raw()));
    assert_eq!(transaction.segment_count(), segments.len() as u64);
}

/// A reader that hands out at most `step` bytes per call.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// The streaming reader, fed every read size from 1 byte to the whole input, reports exactly
/// what the slice reader reports.
fn streams_like_the_slice_reader(data: &[u8]) -> gridlink_edi::Report {
    let report = validate(data);
    for step in 1..=data.len() {
        let streamed = gridlink_edi::validate_reader_keeping(Trickle { data, step }, true)
            .expect("an in-memory reader does not fail");
        assert_eq!(
            streamed, report,
            "streaming in {step}-byte reads judges differently from the slice reader"
        );
    }
    report
}

fn byte_order_marks(report: &gridlink_edi::Report) -> Vec<u64> {
    report
        .warnings()
        .into_iter()
        .filter(|e| matches!(e, EdiError::ByteOrderMark { .. }))
        .map(|e| e.position().offset)
        .collect()
}

/// Found by the `edi_read` fuzz target (docs/fuzzing.md): an unusable ISA followed by garbage
/// holding a byte-order mark. The slice reader skipped straight past the garbage; the streaming
/// reader, resynchronising one buffer at a time, stood on the mark and reported a
/// `ByteOrderMark` warning the slice reader did not.
#[test]
fn a_byte_order_mark_inside_garbage_is_judged_alike_at_every_read_size() {
    let data = include_bytes!("../../../fuzz/regressions/edi_read-streaming-differs-984da118");
    let report = streams_like_the_slice_reader(data);
    assert!(report.must_reject());
    assert_eq!(byte_order_marks(&report), Vec::<u64>::new());
}

/// A byte-order mark where an interchange may start — first in the file, after whitespace, or
/// between two interchanges (two files concatenated) — is one warning in both readers, whatever
/// the buffer boundaries, and the interchanges after it read.
#[test]
fn a_byte_order_mark_before_an_interchange_is_one_warning_at_every_read_size() {
    let one = fixture("x12/850_purchase_order.x12");
    let bom = [0xEF, 0xBB, 0xBF];
    let cases: Vec<(Vec<u8>, Vec<u64>)> = vec![
        ([&bom[..], &one].concat(), vec![0]),
        ([&b"\r\n "[..], &bom, &one].concat(), vec![3]),
        (
            [&bom[..], &one, b"\r\n", &bom, &one].concat(),
            vec![0, (3 + one.len() + 2) as u64],
        ),
    ];
    for (data, marks) in cases {
        let report = streams_like_the_slice_reader(&data);
        assert_eq!(byte_order_marks(&report), marks);
        assert!(!report.must_reject(), "{:?}", report.errors());
        assert_eq!(report.counts.interchanges, marks.len() as u64);
    }
}
