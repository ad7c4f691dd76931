//! Many large containers at once: a server's connection buffers in a burst.
//!
//! 100,000 buffers of `u8`, each extended to 64 KiB in 4 KiB pieces, all
//! live at once; then each truncated to one byte and shrunk to fit. Prints,
//! for `Vec<u8>` and `MappedVector<u8>` with the defaults: the time, RSS at
//! the peak and after (`mapped_testkit::rss()`, each OS's own measure), the
//! lines of `/proc/self/maps` while all are held (Linux; 0 elsewhere),
//! whether a thread can still be started then, and whether every byte came
//! back intact. Each column runs in a process of its own, so that one's
//! memory does not sit under the other's figures.
//!
//! ```sh
//! cargo run --release --example burst            # both columns
//! cargo run --release --example burst -- 20000   # fewer buffers
//! ```

use mapped::{MappedVector, MAPPER};
use std::process::Command;
use std::time::{Duration, Instant};

const PIECE: usize = 4096;
const PIECES: usize = 16;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, run, which, n] = &args[..] {
        if run == "--run" {
            return column(which, n.parse().expect("a number of buffers"));
        }
    }
    let n: usize = args
        .get(1)
        .map_or(100_000, |s| s.parse().expect("a number of buffers"));
    println!(
        "{n} buffers x {} KiB, all live, then truncate(1) + shrink_to_fit()",
        (PIECE * PIECES) >> 10
    );
    println!(
        "{:<12} {:>9} {:>9} {:>11} {:>11} {:>10} {:>7} {:>7}",
        "", "fill", "total", "RSS peak", "RSS after", "maps", "thread", "intact"
    );
    let exe = std::env::current_exe().expect("the example's own path");
    for which in ["Vec", "MappedVector"] {
        let out = Command::new(&exe)
            .args(["--run", which, &n.to_string()])
            .output()
            .expect("start a column");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
        }
    }
    println!(
        "(vm.max_map_count / 4 + 1000 = {} lines is the target)",
        max_map_count() / 4 + 1000
    );
}

/// The buffers a column holds: `Vec`'s or ours, behind one interface.
trait Buffer: Sized {
    fn new() -> Self;
    fn extend(&mut self, piece: &[u8]);
    fn shrink(&mut self);
    fn bytes(&self) -> &[u8];
}

impl Buffer for Vec<u8> {
    fn new() -> Self {
        Vec::new()
    }
    fn extend(&mut self, piece: &[u8]) {
        self.extend_from_slice(piece);
    }
    fn shrink(&mut self) {
        self.truncate(1);
        self.shrink_to_fit();
    }
    fn bytes(&self) -> &[u8] {
        self
    }
}

impl Buffer for MappedVector<u8> {
    fn new() -> Self {
        MappedVector::new(MAPPER)
    }
    fn extend(&mut self, piece: &[u8]) {
        self.extend_from_slice(piece)
            .unwrap_or_else(|e| panic!("a refused extend: {e}"));
    }
    fn shrink(&mut self) {
        self.truncate(1);
        self.shrink_to_fit()
            .unwrap_or_else(|e| panic!("a refused shrink: {e}"));
    }
    fn bytes(&self) -> &[u8] {
        self
    }
}

fn column(which: &str, n: usize) {
    match which {
        "Vec" => run::<Vec<u8>>(which, n),
        _ => run::<MappedVector<u8>>(which, n),
    }
}

fn run<B: Buffer>(which: &str, n: usize) {
    let piece: Vec<u8> = (0..PIECE).map(|i| i as u8).collect();
    let base = rss_mib();
    let start = Instant::now();
    let mut all: Vec<B> = Vec::with_capacity(n);
    for _ in 0..n {
        let mut b = B::new();
        for _ in 0..PIECES {
            b.extend(&piece);
        }
        all.push(b);
    }
    let fill = start.elapsed();
    let (peak, maps) = (rss_mib() - base, maps_lines());
    let thread = std::thread::Builder::new()
        .spawn(|| ())
        .map(|h| h.join().is_ok())
        .unwrap_or(false);
    let full = all
        .iter()
        .all(|b| b.bytes().chunks(PIECE).all(|c| c == &piece[..]));
    for b in &mut all {
        b.shrink();
    }
    let total = start.elapsed();
    let intact = full && all.iter().all(|b| b.bytes() == [0]);
    println!(
        "{which:<12} {:>9} {:>9} {:>7.0} MiB {:>7.1} MiB {:>10} {:>7} {:>7}",
        secs(fill),
        secs(total),
        peak,
        rss_mib() - base,
        maps,
        if thread { "yes" } else { "NO" },
        if intact { "yes" } else { "NO" },
    );
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn rss_mib() -> f64 {
    mapped_testkit::rss() as f64 / (1 << 20) as f64
}

/// Lines of `/proc/self/maps`: kernel mappings held (0 if it cannot be
/// read, which happens when they have run out).
fn maps_lines() -> usize {
    std::fs::read_to_string("/proc/self/maps").map_or(0, |s| s.lines().count())
}

fn max_map_count() -> usize {
    std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(65530)
}
