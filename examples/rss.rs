//! What the process's resident memory does when 1 GiB of `u64` is filled,
//! cleared and refilled: `MappedVector` gives the pages back at `clear()`,
//! `Vec` keeps them.
//!
//! Then a burst of fresh 8 MiB vectors: each reuses the reservation the one
//! before parked in the cache (warm, no system call), and once the burst
//! has ended the parked memory goes back after the cache's delay
//! ([`mapped::CACHE_DELAY`]): at the next use of the cache, or by a
//! [`mapped::CacheTrimmer`] if the program goes quiet.
//!
//! ```text
//! cargo run --release --example rss
//! ```
//!
//! The two containers run one after the other (the first is dropped before
//! the second starts), so each RSS figure is about one container. RSS is
//! `mapped_testkit::rss()`, each OS's own measure (on Linux the anonymous
//! pages, which are what the containers hold).

use mapped::{CacheTrimmer, MappedVector, Mapper, CACHE_DELAY, MAPPER};
use mapped_testkit::rss;
use std::time::{Duration, Instant};

const GIB: usize = 1 << 30;
const LEN: usize = GIB / std::mem::size_of::<u64>();
const MIB: f64 = (1 << 20) as f64;

fn page_size() -> usize {
    // The OS mapper's page size is the system's.
    MAPPER.page_size()
}

struct Row {
    container: &'static str,
    phase: &'static str,
    rss: usize,
    committed: usize,
    /// Time the phase's operation took (fill, clear, refill).
    took: Duration,
}

fn mib(bytes: usize) -> String {
    format!("{:.3}", bytes as f64 / MIB)
}

fn print_table(rows: &[Row]) {
    println!(
        "{:<13} {:<9} {:>10} {:>15} {:>14} {:>9}",
        "container", "phase", "RSS MiB", "RSS-baseline", "committed MiB", "took ms"
    );
    let mut baseline = None;
    for row in rows {
        if row.phase == "baseline" {
            baseline = Some(row.rss);
        }
        let delta = match baseline {
            Some(base) => format!("{:+.3}", (row.rss as f64 - base as f64) / MIB),
            None => "n/a".to_string(),
        };
        println!(
            "{:<13} {:<9} {:>10} {:>15} {:>14} {:>9.1}",
            row.container,
            row.phase,
            mib(row.rss),
            delta,
            mib(row.committed),
            row.took.as_secs_f64() * 1e3,
        );
    }
}

/// Writes every element: `push` of `LEN` values.
fn fill_mapped(v: &mut MappedVector<u64>) {
    for i in 0..LEN as u64 {
        v.push(i).expect("the OS refused to commit memory");
    }
}

fn fill_vec(v: &mut Vec<u64>) {
    for i in 0..LEN as u64 {
        v.push(i);
    }
}

/// `count` fresh vectors of 8 MiB, each filled by push and dropped.
fn burst(count: usize) -> Duration {
    let start = Instant::now();
    for round in 0..count as u64 {
        let mut v = MappedVector::<u64>::new(MAPPER);
        for i in 0..(1u64 << 20) {
            v.push(i ^ round).expect("the OS refused to commit memory");
        }
        std::hint::black_box(&v);
    }
    start.elapsed()
}

/// The burst, twice: once left to the next use of the cache, once to a
/// trimmer. Prints RSS over the start of each, and whether it came back
/// within 1 MiB once the delay had passed.
fn bursts() {
    const COUNT: usize = 100;
    let over = |base: usize| (rss() as f64 - base as f64) / MIB;
    let verdict = |mib: f64| if mib <= 1.0 { "met" } else { "MISSED" };
    let wait = CACHE_DELAY + Duration::from_millis(50);
    println!(
        "\nburst: {COUNT} fresh 8 MiB vectors, filled by push and dropped (cache delay {} ms)",
        CACHE_DELAY.as_millis()
    );

    mapped::trim_cache();
    let base = rss();
    let took = burst(COUNT);
    println!(
        "  took {:.1} ms ({:.0} us per vector); RSS right after: {:+.2} MiB (parked: {:.2} MiB)",
        took.as_secs_f64() * 1e3,
        took.as_secs_f64() * 1e6 / COUNT as f64,
        over(base),
        mapped::stats().cached_bytes as f64 / MIB
    );
    std::thread::sleep(wait);
    println!(
        "  {} ms later, no cache use yet: {:+.2} MiB",
        wait.as_millis(),
        over(base)
    );
    // The next use of the cache releases what outstayed the delay.
    let mut small = MappedVector::<u64>::new(MAPPER);
    small.extend_from_slice(&[1; 1000]).expect("commit refused");
    drop(small);
    mapped::trim_cache(); // (only the small one's reservation is left)
    let after = over(base);
    println!(
        "  after the next cache use: {after:+.2} MiB (within 1 MiB: {})",
        verdict(after)
    );

    let base = rss();
    let trimmer = CacheTrimmer::start(Duration::from_millis(20)).expect("start the trimmer");
    burst(COUNT);
    println!(
        "  with a CacheTrimmer (every 20 ms): right after: {:+.2} MiB",
        over(base)
    );
    std::thread::sleep(wait + Duration::from_millis(20));
    let after = over(base);
    println!(
        "  {} ms later, no cache use: {after:+.2} MiB (within 1 MiB: {})",
        (wait + Duration::from_millis(20)).as_millis(),
        verdict(after)
    );
    drop(trimmer);
}

fn main() {
    let mut rows = Vec::new();

    {
        let mut v = MappedVector::<u64>::new(MAPPER);
        let mut record = |phase, v: &MappedVector<u64>, took| {
            rows.push(Row {
                container: "MappedVector",
                phase,
                rss: rss(),
                committed: v.committed_bytes(),
                took,
            })
        };
        record("baseline", &v, Duration::ZERO);
        let start = Instant::now();
        fill_mapped(&mut v);
        record("filled", &v, start.elapsed());
        let start = Instant::now();
        v.clear();
        record("cleared", &v, start.elapsed());
        let start = Instant::now();
        fill_mapped(&mut v);
        record("refilled", &v, start.elapsed());
        std::hint::black_box(&v);
    }

    {
        let mut v = Vec::<u64>::new();
        // A `Vec`'s committed bytes are its capacity: it never gives any back.
        let mut record = |phase, v: &Vec<u64>, took| {
            rows.push(Row {
                container: "Vec",
                phase,
                rss: rss(),
                committed: v.capacity() * std::mem::size_of::<u64>(),
                took,
            })
        };
        record("baseline", &v, Duration::ZERO);
        let start = Instant::now();
        fill_vec(&mut v);
        record("filled", &v, start.elapsed());
        let start = Instant::now();
        v.clear();
        record("cleared", &v, start.elapsed());
        let start = Instant::now();
        fill_vec(&mut v);
        record("refilled", &v, start.elapsed());
        std::hint::black_box(&v);
    }

    print_table(&rows);
    println!("(Vec's \"committed\" is capacity * 8: memory it holds and never returns)");

    // The issue's target: after clear(), at most the N initial pages plus
    // 1 MiB above the baseline.
    let rss = |container, phase| {
        rows.iter()
            .find(|r| r.container == container && r.phase == phase)
            .map(|r| r.rss)
    };
    if let (Some(base), Some(cleared)) = (
        rss("MappedVector", "baseline"),
        rss("MappedVector", "cleared"),
    ) {
        let limit = base + page_size() + (1 << 20);
        println!(
            "MappedVector after clear(): {:+.2} MiB over baseline (target: at most one page + 1 MiB): {}",
            (cleared as f64 - base as f64) / MIB,
            if cleared <= limit { "met" } else { "MISSED" }
        );
    }

    bursts();
}
