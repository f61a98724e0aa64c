//! A large batch streams through in bounded memory. The default size (64 MiB) keeps debug test
//! time low; the full 2 GiB run is `cargo test -p gridlink-edi --release --test bounded_memory
//! -- --ignored`.

use std::io::Read;

use gridlink_edi::stream::{Item, StreamReader};

/// Generates an X12 interchange of 850s on the fly, never holding more than one transaction.
struct BatchOf850 {
    total: u64,
    written: u64,
    next: u64,
    pending: Vec<u8>,
    at: usize,
    finished: bool,
}

impl BatchOf850 {
    fn new(total: u64) -> BatchOf850 {
        let header = b"ISA*00*          *00*          *ZZ*BUYERCO        *ZZ*ACMESUPPLY     *240115*1030*U*00401*000000001*0*P*>~\nGS*PO*BUYERCO*ACMESUPPLY*20240115*1030*1*X*004010~\n";
        BatchOf850 {
            total,
            written: 0,
            next: 1,
            pending: header.to_vec(),
            at: 0,
            finished: false,
        }
    }

    fn refill(&mut self) {
        self.pending.clear();
        self.at = 0;
        if self.written >= self.total {
            if !self.finished {
                self.finished = true;
                let sets = self.next - 1;
                self.pending
                    .extend(format!("GE*{sets}*1~\nIEA*1*000000001~\n").bytes());
            }
            return;
        }
        let n = self.next;
        self.next += 1;
        self.pending.extend(
            format!(
                "ST*850*{n:09}~\nBEG*00*SA*PO{n}**20240115~\nN1*BY*BUYERCO*UL*0614141000005~\nPO1*1*24*EA*3.50**UK*00614141000036~\nPO1*2*6*CA*41.25**UK*00614141000043~\nCTT*2~\nSE*7*{n:09}~\n"
            )
            .bytes(),
        );
    }
}

impl Read for BatchOf850 {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            if self.at == self.pending.len() {
                self.refill();
                if self.pending.is_empty() {
                    break;
                }
            }
            let take = (self.pending.len() - self.at).min(buf.len() - n);
            buf[n..n + take].copy_from_slice(&self.pending[self.at..self.at + take]);
            self.at += take;
            n += take;
            self.written += take as u64;
        }
        Ok(n)
    }
}

/// Peak resident set size of this process, in KiB (Linux).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("test data is valid");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("test data is valid");
    line.split_whitespace()
        .nth(1)
        .expect("test data is valid")
        .parse()
        .expect("test data is valid")
}

fn stream_batch(bytes: u64) {
    let before = peak_rss_kib();
    let mut reader = StreamReader::new(BatchOf850::new(bytes));
    let (mut transactions, mut documents, mut errors) = (0u64, 0u64, 0u64);
    while let Some(item) = reader.next_item().expect("test data is valid") {
        match item {
            Item::Transaction(t) => {
                transactions += 1;
                errors += t.errors().len() as u64;
                let (document, content_errors) = t.document();
                documents += u64::from(document.is_some());
                errors += content_errors.len() as u64;
            }
            Item::InterchangeEnd { errors: e }
            | Item::GroupEnd { errors: e }
            | Item::InterchangeStart { errors: e, .. } => {
                errors += e.len() as u64;
            }
            Item::Stray(_) => errors += 1,
            Item::GroupStart { .. } => {}
        }
    }
    let grown_mib = (peak_rss_kib() - before) / 1024;
    assert_eq!(errors, 0);
    assert_eq!(documents, transactions);
    assert!(
        transactions > bytes / 300,
        "only {transactions} transactions"
    );
    assert!(
        grown_mib < 40,
        "peak RSS grew by {grown_mib} MiB while streaming {} MiB",
        bytes >> 20
    );
}

#[test]
fn a_64_mib_batch_streams_in_bounded_memory() {
    stream_batch(64 << 20);
}

#[test]
#[ignore = "2 GiB: run in release with --ignored"]
fn a_2_gib_batch_streams_in_bounded_memory() {
    stream_batch(2 << 30);
}
