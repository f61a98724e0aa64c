//! The ceiling: read the file in 1 MiB chunks and count its segment terminators with memchr's
//! vectorised count. Part of scripts/bench-edi.sh.

use std::io::Read;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(terminator)) = (args.next(), args.next()) else {
        panic!("usage: memchr-count FILE TERMINATOR");
    };
    let terminator = terminator.as_bytes()[0];
    let mut file = std::fs::File::open(&path).expect("a readable file");
    let mut buffer = vec![0u8; 1 << 20];
    let mut count = 0usize;
    loop {
        let n = file.read(&mut buffer).expect("read");
        if n == 0 {
            break;
        }
        count += memchr::memchr_iter(terminator, &buffer[..n]).count();
    }
    println!("terminators={count}");
}
