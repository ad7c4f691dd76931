//! Resident memory really goes back to the OS: fill a 256 MiB vector, clear
//! it, and watch the process's RSS (`mapped_testkit::rss`, each OS's own
//! measure) fall by at least 90% of that.
//!
//! RSS is process-wide and the tests of one binary run on parallel threads,
//! so this binary holds this one test only: nothing else moves the number.
//! `cargo test --test rss -- --nocapture` prints the three figures.

use mapped::{MappedVector, MAPPER};
use mapped_testkit::rss;

const MIB: usize = 1 << 20;
const BYTES: usize = 256 * MIB;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / MIB as f64
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "nothing is mapped: the vector lives on the heap, whose allocator keeps freed pages as it likes"
)]
fn rss_falls_after_clear() {
    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    let n = BYTES / std::mem::size_of::<u64>();

    let before = rss();
    for i in 0..n as u64 {
        v.push(i).unwrap(); // writes every element: every page is touched
    }
    let filled = rss();
    assert_eq!(v.len(), n);
    assert!(v.committed_bytes() >= BYTES);
    assert_eq!(v[n - 1], n as u64 - 1);

    v.clear();
    let cleared = rss();
    println!(
        "rss: before {:.1} MiB, filled {:.1} MiB, cleared {:.1} MiB (committed after clear: {} bytes)",
        mib(before),
        mib(filled),
        mib(cleared),
        v.committed_bytes()
    );
    assert!(
        filled >= before + BYTES * 9 / 10,
        "filling 256 MiB raised RSS by only {:.1} MiB",
        mib(filled.saturating_sub(before))
    );
    assert!(
        filled.saturating_sub(cleared) as f64 >= 0.9 * BYTES as f64,
        "clear() gave back only {:.1} MiB of RSS (filled {:.1} MiB, cleared {:.1} MiB)",
        mib(filled.saturating_sub(cleared)),
        mib(filled),
        mib(cleared)
    );

    // The pages come back when needed, committed before they are touched.
    for i in 0..1_000_000u64 {
        v.push(i * 7).unwrap();
    }
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64 * 7));
    let refilled = rss();
    println!(
        "rss: after pushing 1M elements again {:.1} MiB",
        mib(refilled)
    );
    assert!(
        refilled >= cleared + 7 * MIB,
        "the refilled pages are resident"
    );
}
