//! A burst leaves no heap behind: many buffers grow into mappings at once
//! (8 KiB each, past the 4 KiB heap limit), then shrink back to one byte
//! each, and the process's RSS (`mapped_testkit::rss`) ends near what the
//! survivors hold.
//!
//! The crate's own small objects (a mapped container's boxed state, its
//! inventory record) once lived on the heap, between the heap buffers the
//! burst was outgrowing; the survivors' small buffers then filled their
//! holes, a few live bytes on every page, and the heap could give none of
//! it back (`examples/burst` kept 38.6 MiB for 100,000 buffers). They live
//! in pools of their own now (`src/slab.rs`).
//!
//! RSS is process-wide, so this binary holds this one test only.
//! `cargo test --test rss_burst -- --nocapture` prints the figures.

use mapped::{MappedVector, MAPPER};
use mapped_testkit::rss;

const BUFFERS: usize = 20_000;
const PIECE: usize = 4096;
const PIECES: usize = 2;
const MIB: f64 = (1 << 20) as f64;

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "nothing is mapped: the buffers live on the heap, whose allocator keeps freed pages as it likes"
)]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "the holes measured are glibc's heap's; other allocators place small objects otherwise"
)]
fn a_burst_shrunk_back_leaves_no_heap_behind() {
    let piece: Vec<u8> = (0..PIECE).map(|i| i as u8).collect();
    let mut all: Vec<MappedVector<u8>> = Vec::with_capacity(BUFFERS);
    let before = rss();
    for _ in 0..BUFFERS {
        let mut buffer = MappedVector::new(MAPPER);
        for _ in 0..PIECES {
            buffer.extend_from_slice(&piece).unwrap();
        }
        all.push(buffer);
    }
    let peak = rss();
    for buffer in &mut all {
        buffer.truncate(1);
        buffer.shrink_to_fit().unwrap();
    }
    let after = rss();
    assert!(all.iter().all(|b| b[..] == [0]));
    let grown = after.saturating_sub(before) as f64 / MIB;
    println!(
        "rss: before {:.1} MiB, peak {:.1} MiB, after {:.1} MiB ({grown:.1} MiB kept for {BUFFERS} one-byte buffers)",
        before as f64 / MIB,
        peak as f64 / MIB,
        after as f64 / MIB
    );
    // What the survivors hold: a 32-byte heap chunk each (0.6 MiB), and the
    // outer vector's 0.9 MiB; measured 1.7 MiB, against 7.7 MiB with the
    // small objects on the heap.
    assert!(
        grown < 4.0,
        "{grown:.1} MiB of RSS kept after the burst shrank back"
    );
}
