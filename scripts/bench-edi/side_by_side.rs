//! Criterion, library against library over the same generated files (scripts/bench-edi.sh sets
//! BENCH_EDI_X12 and BENCH_EDI_EDIFACT): a memchr count of the terminators (the ceiling), the
//! peer crate at its level, and gridlink-edi's `validate` (what `gridlink-edi check` runs: the
//! walker, every element's characters, the typed readers' content checks, the report), its
//! walker alone and its canonical model (walker + typed reader, no JSON).
//! Part of scripts/bench-edi.sh; built in a throw-away project outside the workspace.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use edifact_parser::{EdifactHandler, EdifactStreamParser};
use edifact_primitives::{Control, RawSegment};
use gridlink_edi::stream::{Item, SliceReader};

fn file(variable: &str) -> Vec<u8> {
    let path = std::env::var(variable).unwrap_or_else(|_| panic!("{variable} names the file"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[derive(Default)]
struct Touch(u64);

impl EdifactHandler for Touch {
    fn on_segment(&mut self, segment: &RawSegment) -> Control {
        for element in &segment.elements {
            for component in element {
                self.0 += component.len() as u64;
            }
        }
        Control::Continue
    }
}

fn edi_touch(text: &str) -> u64 {
    let document = edi::parse(text).expect("edi::parse accepts the file");
    let mut bytes = 0u64;
    for interchange in &document.interchanges {
        for group in &interchange.functional_groups {
            for transaction in &group.transactions {
                for segment in &transaction.segments {
                    for element in &segment.elements {
                        bytes += element.len() as u64;
                    }
                }
            }
        }
    }
    bytes
}

fn gridlink(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, data: &[u8]) {
    group.bench_function("gridlink_validate", |b| {
        b.iter(|| gridlink_edi::validate(black_box(data)).counts.transactions);
    });
    group.bench_function("gridlink_walker", |b| {
        b.iter(|| {
            SliceReader::new(black_box(data))
                .filter(|item| matches!(item, Item::Transaction(t) if t.errors().is_empty()))
                .count()
        });
    });
    group.bench_function("gridlink_canonical", |b| {
        b.iter(|| {
            SliceReader::new(black_box(data))
                .filter_map(|item| match item {
                    Item::Transaction(t) => t.document().0,
                    _ => None,
                })
                .count()
        });
    });
}

fn side_by_side(c: &mut Criterion) {
    let x12 = file("BENCH_EDI_X12");
    let edifact = file("BENCH_EDI_EDIFACT");

    let mut group = c.benchmark_group("x12");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(x12.len() as u64));
    group.bench_function("memchr_count", |b| {
        b.iter(|| memchr::memchr_iter(b'~', black_box(&x12)).count());
    });
    let text = std::str::from_utf8(&x12).expect("UTF-8");
    group.bench_function("edi_0.4", |b| b.iter(|| edi_touch(black_box(text))));
    gridlink(&mut group, &x12);
    group.finish();

    let mut group = c.benchmark_group("edifact");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(edifact.len() as u64));
    group.bench_function("memchr_count", |b| {
        b.iter(|| memchr::memchr_iter(b'\'', black_box(&edifact)).count());
    });
    group.bench_function("edifact-parser_0.38", |b| {
        b.iter(|| {
            let mut touch = Touch::default();
            EdifactStreamParser::parse(black_box(&edifact), &mut touch).expect("parses");
            touch.0
        });
    });
    gridlink(&mut group, &edifact);
    group.finish();
}

criterion_group!(benches, side_by_side);
criterion_main!(benches);
