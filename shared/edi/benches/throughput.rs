//! Throughput on generated 50 MB batches: a 004010 interchange of 850s and a D.96A interchange
//! of INVOICs. Four levels per batch, all over the same bytes:
//!
//! - `memchr_count`: `memchr_iter(terminator).count()` (memchr's vectorised count) — the ceiling;
//! - `memchr_loop`: one `memchr` call per terminator — the floor of work for any tokeniser;
//! - `tokenise`: the zero-copy segment iterator (tag of every segment read);
//! - `tokenise_validate`: the envelope walker (ISA/GS/ST…SE/GE/IEA or UNB/UNH…UNT/UNZ checks);
//! - `canonical`: walker + typed reader → one canonical document per transaction.
//!
//! Run: `CARGO_TARGET_DIR=/work/target-edi cargo bench -p gridlink-edi --bench throughput`.
//! Figures are recorded in docs/benchmarks.md.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gridlink_edi::stream::{Item, SliceReader};
use gridlink_edi::token::Segments;
use gridlink_edi::{
    BusinessDocument, EnvelopeParams, WriteError, sample, write_edifact_batch, write_x12_batch,
};

const TARGET_BYTES: usize = 50_000_000;

/// Writes sample documents until the interchange reaches about `TARGET_BYTES`.
fn batch(
    make: fn(usize) -> BusinessDocument,
    write: fn(&[BusinessDocument], &EnvelopeParams) -> Result<Vec<u8>, WriteError>,
) -> Vec<u8> {
    let params = sample::envelope("BUYERCO", "ACMESUPPLY");
    let size = |n: usize| {
        let documents: Vec<BusinessDocument> = (0..n).map(make).collect();
        write(&documents, &params)
            .expect("sample documents are writable")
            .len()
    };
    let one = size(2) - size(1);
    let documents: Vec<BusinessDocument> = (0..TARGET_BYTES / one.max(1)).map(make).collect();
    write(&documents, &params).expect("sample documents are writable")
}

/// Finds every terminator one call at a time: what any tokeniser must at least do.
fn memchr_loop(data: &[u8], terminator: u8) -> usize {
    let (mut count, mut at) = (0, 0);
    while let Some(i) = memchr::memchr(terminator, &data[at..]) {
        count += 1;
        at += i + 1;
    }
    count
}

fn levels(c: &mut Criterion, name: &str, data: &[u8], terminator: u8) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("memchr_count", |b| {
        b.iter(|| memchr::memchr_iter(terminator, black_box(data)).count());
    });
    group.bench_function("memchr_loop", |b| {
        b.iter(|| memchr_loop(black_box(data), terminator));
    });
    group.bench_function("tokenise", |b| {
        b.iter(|| {
            Segments::new(black_box(data))
                .expect("generated batch starts with an envelope")
                .map(|s| s.map_or(0, |s| s.tag().len()))
                .sum::<usize>()
        });
    });
    group.bench_function("tokenise_validate", |b| {
        b.iter(|| {
            SliceReader::new(black_box(data))
                .filter(|item| matches!(item, Item::Transaction(t) if t.errors().is_empty()))
                .count()
        });
    });
    group.bench_function("canonical", |b| {
        b.iter(|| {
            SliceReader::new(black_box(data))
                .filter_map(|item| match item {
                    Item::Transaction(t) => t.document().0,
                    _ => None,
                })
                .count()
        });
    });
    group.finish();
}

fn throughput(c: &mut Criterion) {
    let orders = batch(sample::purchase_order, write_x12_batch);
    let invoices = batch(sample::invoice, write_edifact_batch);
    levels(c, "x12_850_batch_50MB", &orders, b'~');
    levels(c, "edifact_invoic_batch_50MB", &invoices, b'\'');
}

criterion_group!(benches, throughput);
criterion_main!(benches);
