//! Edge cases of `MappedVector`: zero-sized elements, overflow, alignment
//! beyond the page size, fixed windows, window moves (with and without
//! `remap`), refused commits, the ways to pass a mapper, and the standard
//! traits a `Vec` user relies on (including the panics of bad indices and
//! ranges).

use mapped::{Error, MappedVector, Mapper, PushError, MAPPER};
use mapped_mock::os_mapper;
use mapped_testkit::{TestMapper, ZstDrops};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io;
use std::ops::Bound;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;

fn page() -> usize {
    os_mapper().get().page_size()
}

// ---------------------------------------------------------------------------
// Test mappers

/// Forwards to the OS mapper but cannot `remap`, so a window move reserves,
/// commits, copies and releases; its counters show the reservations and
/// releases.
fn no_remap() -> TestMapper {
    TestMapper::new("no-remap").without_remap()
}

/// Forwards to the OS mapper (remap included); a test denies commits.
fn denying() -> TestMapper {
    TestMapper::new("deny")
}

// ---------------------------------------------------------------------------
// Zero-sized elements

const ZST_COUNT: usize = if cfg!(debug_assertions) {
    1_000_000
} else {
    10_000_000
};

#[test]
fn zst_uses_no_memory() {
    let mut v = MappedVector::<()>::new(os_mapper());
    assert_eq!(v.capacity(), usize::MAX);
    for _ in 0..ZST_COUNT {
        v.push(()).unwrap();
    }
    assert_eq!(v.len(), ZST_COUNT);
    assert_eq!(v.committed_bytes(), 0);
    assert_eq!(v.reserved_bytes(), 0);
    assert_eq!(v.capacity(), usize::MAX);
    assert_eq!(v.initial_capacity(), usize::MAX);
    assert!(v.as_ptr().is_aligned() && !v.as_ptr().is_null());
    assert_eq!(v.pop(), Some(()));
    assert_eq!(v.drain(10..20).count(), 10);
    assert_eq!(v.drain(..=9).rev().count(), 10);
    assert_eq!(v.len(), ZST_COUNT - 21);
    v.insert(5, ()).unwrap();
    v.remove(0);
    v.swap_remove(0);
    v.extend_from_slice(&[(); 3]).unwrap();
    v.reserve(1000).unwrap();
    v.shrink_to_fit().unwrap();
    assert_eq!(v.len(), ZST_COUNT - 19);
    assert_eq!(v.committed_bytes(), 0);
    assert_eq!(v.reserved_bytes(), 0);
    let mut it = v.into_iter();
    assert_eq!(it.len(), ZST_COUNT - 19);
    assert_eq!(it.next_back(), Some(()));
    assert_eq!(it.next(), Some(()));
    assert_eq!(it.count(), ZST_COUNT - 21);
}

#[test]
fn zst_with_drop_counts_every_drop() {
    let before = ZstDrops::count();
    let drops = || ZstDrops::count() - before;
    let mut v = MappedVector::<ZstDrops, 4>::new(os_mapper());
    for _ in 0..ZST_COUNT {
        v.push(ZstDrops).unwrap();
    }
    assert_eq!((v.committed_bytes(), v.reserved_bytes()), (0, 0));
    assert_eq!(drops(), 0);
    drop(v.pop());
    assert_eq!(drops(), 1);
    let got = v.drain(0..100).count();
    assert_eq!((got, drops()), (100, 101));
    drop(v.drain(0..100)); // unconsumed
    assert_eq!(drops(), 201);
    v.truncate(1000);
    assert_eq!(drops(), ZST_COUNT - 1000);
    let c = v.try_clone().unwrap();
    assert_eq!(c.len(), 1000);
    drop(c);
    let mut it = v.into_iter();
    it.next();
    drop(it);
    assert_eq!(drops(), ZST_COUNT + 1000);
}

#[test]
fn zst_length_overflow_is_an_error() {
    let mut v = MappedVector::<()>::new(os_mapper());
    // As `Vec<()>`: an empty vector has room for usize::MAX.
    v.reserve(usize::MAX).unwrap();
    v.push(()).unwrap();
    assert!(matches!(
        v.reserve(usize::MAX),
        Err(Error::CapacityOverflow)
    ));
    assert!(matches!(
        v.reserve_exact(usize::MAX),
        Err(Error::CapacityOverflow)
    ));
    assert_eq!(v.len(), 1);

    // SAFETY: zero-sized elements need no memory to be initialized.
    unsafe { v.set_len(usize::MAX - 1) };
    v.push(()).unwrap();
    assert_eq!(v.len(), usize::MAX);
    let err = v.push(()).unwrap_err();
    assert!(matches!(err.error(), Error::CapacityOverflow), "{err:?}");
    err.into_value(); // the value comes back
    assert!(matches!(
        v.insert(0, ()).map_err(PushError::into_parts),
        Err(((), Error::CapacityOverflow))
    ));
    assert!(matches!(
        v.extend_from_slice(&[()]),
        Err(Error::CapacityOverflow)
    ));
    assert!(v.try_extend([()]).is_err());
    assert_eq!(v.len(), usize::MAX, "unchanged");
    assert_eq!(v.pop(), Some(()));
    v.push(()).unwrap();
    // SAFETY: shortening a vector of `()` leaks nothing.
    unsafe { v.set_len(3) };
    v.push(()).unwrap();
    assert_eq!(v.len(), 4);
    assert_eq!((v.committed_bytes(), v.reserved_bytes()), (0, 0));
}

#[test]
fn zst_fixed_window() {
    let mut v = MappedVector::<(), 1>::with_max_capacity(os_mapper(), 10).unwrap();
    for _ in 0..100 {
        v.push(()).unwrap();
    }
    assert_eq!(v.reserved_bytes(), 0);
    assert_eq!(v.max_capacity(), Some(usize::MAX));
}

// ---------------------------------------------------------------------------
// Overflow

fn filled(n: u64) -> MappedVector<u64> {
    let mut v = MappedVector::new(os_mapper());
    for i in 0..n {
        v.push(i * 3).unwrap();
    }
    v
}

/// Length, committed bytes and contents: what a refused call must leave as
/// it was. (Not the reservation: a refused commit after a window move leaves
/// the elements in the larger window.)
fn state<const N: usize>(v: &MappedVector<u64, N>) -> (usize, usize, Vec<u64>) {
    (v.len(), v.committed_bytes(), v.to_vec())
}

/// `state` and the reserved bytes: what a call refused before it reaches
/// the mapper must leave as it was.
fn full_state<const N: usize>(v: &MappedVector<u64, N>) -> (usize, usize, Vec<u64>, usize) {
    let (len, committed, elements) = state(v);
    (len, committed, elements, v.reserved_bytes())
}

#[test]
fn reserve_overflow_is_an_error_and_changes_nothing() {
    for n in [0, 1, 10_000] {
        let mut v = filled(n);
        let before = full_state(&v);
        for additional in [
            usize::MAX,
            usize::MAX - n as usize,
            isize::MAX as usize / 8 + 1,
            isize::MAX as usize / 8 + 1 - n as usize,
        ] {
            let r = v.reserve(additional);
            assert!(
                matches!(r, Err(Error::CapacityOverflow)),
                "reserve({additional}) with len {n}: {r:?}"
            );
            let r = v.reserve_exact(additional);
            assert!(
                matches!(r, Err(Error::CapacityOverflow)),
                "reserve_exact({additional}) with len {n}: {r:?}"
            );
            assert_eq!(full_state(&v), before, "unchanged");
        }
        v.push(1).unwrap();
        assert_eq!(v.len(), n as usize + 1, "still usable");
    }
}

#[test]
fn huge_but_valid_reserve_fails_cleanly() {
    // 2^60 bytes: a valid size, but no machine has that address space.
    let mut v = filled(100);
    let before = full_state(&v);
    let err = v.reserve((1 << 60) / 8).unwrap_err();
    assert!(matches!(err, Error::Os { .. }), "{err:?}");
    assert_eq!(full_state(&v), before, "unchanged");
    v.push(1).unwrap();
    assert_eq!(v.len(), 101);
}

/// Issue 22: std never calls a request of at most `isize::MAX` bytes an
/// overflow; it may be refused for want of memory. Rounding such a request
/// up to whole pages passes `isize::MAX` within the last page: still not an
/// overflow, and the vector is unchanged after.
#[test]
fn at_most_isize_max_bytes_is_never_a_capacity_overflow() {
    let max = isize::MAX as usize;
    for heap_limit in [None, Some(0)] {
        let fresh = || -> MappedVector<u8> {
            match heap_limit {
                None => MappedVector::new(os_mapper()),
                Some(limit) => MappedVector::builder(os_mapper())
                    .heap_limit(limit)
                    .build()
                    .unwrap(),
            }
        };
        // Exactly isize::MAX, just inside the last page, on its first byte,
        // and one page below it.
        for additional in [max, max - 1, max - (page() - 1), max - page()] {
            for exact in [false, true] {
                let mut v = fresh();
                let r = if exact {
                    v.reserve_exact(additional)
                } else {
                    v.reserve(additional)
                };
                let err = r.expect_err("no machine holds isize::MAX bytes");
                assert!(
                    !matches!(err, Error::CapacityOverflow),
                    "reserve{}({additional}): {err:?}",
                    if exact { "_exact" } else { "" }
                );
                assert!(err.is_out_of_memory(), "{err:?}");
                assert_eq!(io::Error::from(err).kind(), io::ErrorKind::OutOfMemory);
                assert_eq!((v.len(), v.capacity() < additional), (0, true));
                v.push(7).unwrap();
                assert_eq!(v[..], [7]);
            }
        }
        // One byte more is an overflow, as in std.
        let mut v = fresh();
        assert!(matches!(v.reserve(max + 1), Err(Error::CapacityOverflow)));
        assert!(matches!(
            v.reserve_exact(max + 1),
            Err(Error::CapacityOverflow)
        ));
    }
    // std's `test_try_reserve` case: a `u32` vector of 10 asking for
    // `isize::MAX / 4 - 10` more elements, within the last page of bytes.
    let mut v: MappedVector<u32> = MappedVector::new(os_mapper());
    v.extend_from_slice(&[0; 10]).unwrap();
    for r in [v.reserve(max / 4 - 10), v.reserve_exact(max / 4 - 10)] {
        let err = r.unwrap_err();
        assert!(err.is_out_of_memory(), "{err:?}");
    }
    assert_eq!(v[..], [0; 10]);
    // A fixed window of isize::MAX bytes: a want of memory too.
    let err = MappedVector::<u8>::with_max_capacity(os_mapper(), max).unwrap_err();
    assert!(err.is_out_of_memory(), "{err:?}");
}

#[test]
fn max_capacity_overflow_is_an_error() {
    let r = MappedVector::<u64>::with_max_capacity(os_mapper(), usize::MAX);
    assert!(matches!(r, Err(Error::CapacityOverflow)), "{r:?}");
    let r = MappedVector::<u64>::with_max_capacity(os_mapper(), isize::MAX as usize / 8 + 1);
    assert!(matches!(r, Err(Error::CapacityOverflow)), "{r:?}");
}

// ---------------------------------------------------------------------------
// Alignment beyond the page size

/// An alignment beyond the page size: 64 KiB, or on Windows 8 KiB (still
/// beyond its 4 KiB pages), the most a section of a COFF object file may
/// be aligned to: LLVM crashes writing a value aligned more.
const BIG_ALIGN: usize = if cfg!(windows) { 8192 } else { 65536 };

#[derive(Debug, PartialEq)]
#[cfg_attr(windows, repr(align(8192)))]
#[cfg_attr(not(windows), repr(align(65536)))]
struct Big(u8);

#[test]
fn over_aligned_type_is_refused_with_a_clear_error() {
    let page = page();
    assert!(
        std::mem::align_of::<Big>() == BIG_ALIGN && BIG_ALIGN > page,
        "this test needs pages below {BIG_ALIGN} bytes (page size {page})"
    );
    let mut v = MappedVector::<Big>::new(os_mapper());
    let err = v.push(Big(7)).unwrap_err();
    assert!(
        matches!(
            err.error(),
            &Error::Alignment { align, page_size } if (align, page_size) == (BIG_ALIGN, page)
        ),
        "{err:?}"
    );
    // The push error says only that the push failed; the cause, its
    // source, says why.
    assert_eq!(err.to_string(), "push failed");
    let cause = std::error::Error::source(&err)
        .expect("a cause")
        .to_string();
    assert!(cause.contains(&BIG_ALIGN.to_string()), "{cause}");
    assert_eq!(err.into_value(), Big(7));
    assert_eq!(v.len(), 0);
    assert_eq!(v.committed_bytes(), 0);
    assert!(matches!(v.reserve(1), Err(Error::Alignment { .. })));
    let err = v.insert(0, Big(8)).unwrap_err();
    assert!(matches!(err.error(), Error::Alignment { .. }));
    assert_eq!(err.into_value(), Big(8));

    let r = MappedVector::<Big>::with_max_capacity(os_mapper(), 10);
    assert!(
        matches!(
            r,
            Err(Error::Alignment { align, page_size }) if (align, page_size) == (BIG_ALIGN, page)
        ),
        "{r:?}"
    );
    let r = MappedVector::<Big>::builder(os_mapper())
        .max_capacity(1)
        .build();
    assert!(matches!(r, Err(Error::Alignment { .. })), "{r:?}");
}

// ---------------------------------------------------------------------------
// Fixed window

#[test]
fn fixed_window_keeps_addresses_then_refuses_cleanly() {
    let mut v = MappedVector::<u64>::with_max_capacity(os_mapper(), 100_000).unwrap();
    let max = v.max_capacity().unwrap();
    assert!(max >= 100_000, "max_capacity {max}");
    assert!(max < 100_000 + page() / 8, "at most a page more: {max}");
    assert_eq!(v.committed_bytes(), 0, "commits nothing up front");
    assert_eq!(v.reserved_bytes(), max * 8, "reserved up front");
    v.push(0).unwrap();
    let ptr = v.as_ptr();
    for i in 1..max as u64 {
        v.push(i).unwrap();
        assert_eq!(v.as_ptr(), ptr, "address moved at push {i}");
    }
    assert_eq!(v.len(), max);
    assert_eq!(v.reserved_bytes(), max * 8);

    let before = full_state(&v);
    let err = v.push(u64::MAX).unwrap_err();
    assert!(
        matches!(err.error(), Error::WindowFull { needed, max: m } if *needed == (max + 1) * 8 && *m == max * 8),
        "{err:?}"
    );
    assert_eq!(err.into_value(), u64::MAX);
    assert_eq!(full_state(&v), before, "unchanged by the refused push");
    let err = v.insert(0, 5).unwrap_err();
    assert!(matches!(err.error(), Error::WindowFull { .. }));
    assert_eq!(err.into_value(), 5);
    assert!(matches!(v.reserve(1), Err(Error::WindowFull { .. })));
    assert!(matches!(v.reserve_exact(1), Err(Error::WindowFull { .. })));
    assert!(matches!(
        v.extend_from_slice(&[1, 2]),
        Err(Error::WindowFull { .. })
    ));
    assert_eq!(full_state(&v), before, "unchanged by the refused calls");
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64));

    // Still usable: room made by pop is reused at the same address.
    assert_eq!(v.pop(), Some(max as u64 - 1));
    v.push(42).unwrap();
    assert_eq!(v[max - 1], 42);
    assert_eq!(v.as_ptr(), ptr);

    // Emptied, it gives pages back but keeps its window and addresses.
    v.clear();
    assert!(v.committed_bytes() <= page());
    assert_eq!(v.reserved_bytes(), max * 8);
    for i in 0..1000 {
        v.push(i).unwrap();
    }
    assert_eq!(v.as_ptr(), ptr);

    let c = v.try_clone().unwrap();
    assert_eq!(
        c.max_capacity(),
        Some(max),
        "a clone keeps the fixed window"
    );
    assert_eq!(c, v);
}

#[test]
fn fixed_window_of_nothing() {
    let mut v = MappedVector::<u64>::with_max_capacity(os_mapper(), 0).unwrap();
    assert_eq!(v.max_capacity(), Some(0));
    let err = v.push(3).unwrap_err();
    assert!(matches!(err.error(), Error::WindowFull { .. }), "{err:?}");
    assert_eq!(err.into_value(), 3);
    assert_eq!((v.len(), v.committed_bytes()), (0, 0));
    v.reserve(0).unwrap();
    v.extend_from_slice(&[]).unwrap();
}

#[test]
fn fixed_window_reserve_up_to_the_maximum() {
    let mut v = MappedVector::<u64>::builder(os_mapper())
        .max_capacity(10_000)
        .build()
        .unwrap();
    let max = v.max_capacity().unwrap();
    v.reserve(max).unwrap();
    assert!(v.capacity() >= max);
    assert!(matches!(v.reserve(max + 1), Err(Error::WindowFull { .. })));
    v.extend_from_slice(&vec![9; max]).unwrap();
    assert_eq!(v.len(), max);
}

// ---------------------------------------------------------------------------
// Window moves

/// Pushes `n` values to `v`, checking every element each time the window
/// moves; returns how many times the reservation changed.
fn push_through_moves<const N: usize>(v: &mut MappedVector<u64, N>, n: u64) -> usize {
    let mut moves = 0;
    let mut reserved = v.reserved_bytes();
    for i in 0..n {
        v.push(i ^ 0x5555).unwrap();
        assert!(v.reserved_bytes() >= v.committed_bytes());
        if v.reserved_bytes() != reserved {
            assert!(v.reserved_bytes() > reserved, "the window only grows");
            if reserved > 0 {
                moves += 1;
            }
            reserved = v.reserved_bytes();
            for (j, &x) in v.iter().enumerate() {
                assert_eq!(x, j as u64 ^ 0x5555, "element {j} after a move at push {i}");
            }
        }
    }
    moves
}

#[test]
fn window_moves_keep_elements_with_remap() {
    let page = page();
    let mut v = MappedVector::<u64, 1>::builder(os_mapper())
        .initial_window(page)
        .build()
        .unwrap();
    let n = (20 * page / 8) as u64;
    let moves = push_through_moves(&mut v, n);
    assert!(moves >= 4, "only {moves} moves");
    assert!(v.reserved_bytes() >= 20 * page);
    // Empty it (its pages are decommitted), then grow past the window again.
    v.truncate(10);
    let reserved = v.reserved_bytes();
    v.extend((10..2 * n).map(|i| i ^ 0x5555));
    assert!(v.reserved_bytes() > reserved);
    assert!(v.iter().enumerate().all(|(j, &x)| x == j as u64 ^ 0x5555));
}

#[test]
fn window_moves_keep_elements_without_remap() {
    let mapper = Arc::new(no_remap());
    let page = page();
    let mut v = MappedVector::<u64, 4>::builder(mapper.clone())
        .initial_window(page)
        .build()
        .unwrap();
    let n = (40 * page / 8) as u64;
    let moves = push_through_moves(&mut v, n);
    assert!(moves >= 3, "only {moves} moves");
    assert_eq!(
        mapper.reserves.load(SeqCst),
        moves + 1,
        "each move reserves anew"
    );
    assert_eq!(
        mapper.releases.load(SeqCst),
        moves,
        "and releases the old window"
    );
    drop(v);
    assert_eq!(mapper.reserves.load(SeqCst), mapper.releases.load(SeqCst));
}

// ---------------------------------------------------------------------------
// Refused commits

/// A vector on `mapper` that is mapped from its first push (heap limit 0),
/// so every push that needs memory asks the mapper.
fn deny_vec<const N: usize>(mapper: &Arc<TestMapper>, small_window: bool) -> MappedVector<u64, N> {
    let builder = MappedVector::builder(mapper.clone()).heap_limit(0);
    if small_window {
        builder.initial_window(page()).build().unwrap()
    } else {
        builder.build().unwrap()
    }
}

/// Fills `v` exactly to its capacity, so the next element needs a commit.
fn fill_to_capacity<const N: usize>(v: &mut MappedVector<u64, N>) {
    v.push(0).unwrap();
    while v.len() < v.capacity() {
        v.push(v.len() as u64).unwrap();
    }
}

fn assert_out_of_memory(e: &Error) {
    assert!(e.is_out_of_memory(), "{e:?}");
    assert!(matches!(e, Error::Os { .. }), "{e:?}");
    let source = std::error::Error::source(e).expect("the OS error is the source");
    let io = source.downcast_ref::<io::Error>().expect("an io::Error");
    assert_eq!(io.kind(), io::ErrorKind::OutOfMemory);
}

#[test]
fn refused_commit_on_first_push() {
    let mapper = Arc::new(denying());
    let mut v: MappedVector<u64> = deny_vec(&mapper, false);
    mapper.deny_commits(true);
    let err = v.push(7).unwrap_err();
    assert_out_of_memory(err.error());
    let source = std::error::Error::source(&err).expect("PushError has a source");
    assert!(source.downcast_ref::<Error>().is_some());
    assert_eq!(err.into_value(), 7);
    assert_eq!((v.len(), v.committed_bytes()), (0, 0));
    mapper.deny_commits(false);
    v.push(8).unwrap();
    assert_eq!(v[..], [8]);
}

/// Each fallible growing call, refused, leaves the vector as it was; after
/// commits are allowed again the same call succeeds.
fn refused_everything<const N: usize>(small_window: bool) {
    let mapper = Arc::new(denying());
    let mut v = deny_vec::<N>(&mapper, small_window);
    fill_to_capacity(&mut v);
    let mut other = deny_vec::<1>(&mapper, false);
    other.extend_from_slice(&[100, 101, 102]).unwrap();
    let before = state(&v);
    let other_before = state(&other);
    let deny = |on: bool| mapper.deny_commits(on);

    deny(true);
    let err = v.push(1234).unwrap_err();
    assert_out_of_memory(err.error());
    assert_eq!(err.into_value(), 1234);
    assert_eq!(state(&v), before, "push");

    let err = v.insert(1, 99).unwrap_err();
    assert_out_of_memory(err.error());
    assert_eq!(err.into_value(), 99);
    assert_eq!(state(&v), before, "insert");

    assert_out_of_memory(&v.reserve(1000).unwrap_err());
    assert_eq!(state(&v), before, "reserve");
    assert_out_of_memory(&v.reserve_exact(1).unwrap_err());
    assert_eq!(state(&v), before, "reserve_exact");

    assert_out_of_memory(&v.extend_from_slice(&[1, 2, 3]).unwrap_err());
    assert_eq!(state(&v), before, "extend_from_slice");

    let mut items = [7, 8, 9].into_iter();
    let err = v.try_extend(&mut items).unwrap_err();
    assert_out_of_memory(err.error());
    assert_eq!(err.into_value(), 7, "the failed item comes back");
    assert_eq!(
        items.collect::<Vec<_>>(),
        [8, 9],
        "the rest stay in the iterator"
    );
    assert_eq!(state(&v), before, "try_extend");

    assert_out_of_memory(&v.try_clone().unwrap_err());
    assert_eq!(state(&v), before, "try_clone");

    assert_out_of_memory(&v.append(&mut other).unwrap_err());
    assert_eq!(state(&v), before, "append: this vector");
    assert_eq!(state(&other), other_before, "append: the other vector");

    assert!(mapper.refused.load(SeqCst) >= 8);

    // With room for one element but not three: all or nothing.
    let last = v.pop().unwrap();
    let partial = state(&v);
    assert_eq!(v.capacity() - v.len(), 1);
    assert_out_of_memory(&v.extend_from_slice(&[1, 2, 3]).unwrap_err());
    assert_eq!(state(&v), partial, "extend_from_slice appends nothing");
    assert_out_of_memory(&v.reserve(2).unwrap_err());
    assert_out_of_memory(&v.append(&mut other).unwrap_err());
    assert_eq!(state(&v), partial, "append appends nothing");
    assert_eq!(state(&other), other_before, "append: the other vector");
    v.push(last).unwrap();
    assert_eq!(state(&v), before, "one push fits without a commit");

    deny(false);
    v.push(1234).unwrap();
    v.insert(1, 99).unwrap();
    v.reserve(1000).unwrap();
    v.extend_from_slice(&[1, 2, 3]).unwrap();
    v.try_extend([7, 8, 9]).unwrap();
    let c = v.try_clone().unwrap();
    v.append(&mut other).unwrap();
    let mut want = before.2.clone();
    want.push(1234);
    want.insert(1, 99);
    want.extend([1, 2, 3, 7, 8, 9, 100, 101, 102]);
    assert_eq!(v, want);
    assert_eq!(c[..], want[..want.len() - 3]);
    assert!(other.is_empty());
}

#[test]
fn refused_commits_change_nothing() {
    refused_everything::<1>(false);
    refused_everything::<4>(false);
}

#[test]
fn refused_commits_change_nothing_when_the_window_moves() {
    // A one-page window is full at capacity: the next commit needs a move.
    refused_everything::<1>(true);
}

#[test]
fn refused_commit_during_a_copying_move() {
    // Without remap a move is reserve + commit + copy: refuse that commit.
    let mapper = Arc::new(TestMapper::new("both").without_remap());
    let mut v = MappedVector::<u64>::builder(mapper.clone())
        .heap_limit(0)
        .initial_window(page())
        .build()
        .unwrap();
    fill_to_capacity(&mut v);
    let before = state(&v);
    mapper.deny_commits(true);
    let err = v.push(5).unwrap_err();
    assert_out_of_memory(err.error());
    assert_eq!(state(&v), before);
    assert_eq!(
        mapper.reserves.load(SeqCst),
        mapper.releases.load(SeqCst) + 1,
        "the half-made window was released"
    );
    mapper.deny_commits(false);
    v.push(5).unwrap();
    assert_eq!(v[..before.0], before.2[..]);
}

// ---------------------------------------------------------------------------
// Ways to pass a mapper

static STATIC_NO_REMAP: TestMapper = TestMapper::new("no-remap").without_remap();

#[test]
fn mappers_by_arc_static_ref_and_default() {
    let mut a: MappedVector<u64, 4> = MappedVector::new(Arc::new(no_remap()));
    let mut b: MappedVector<u64> = MappedVector::new(&STATIC_NO_REMAP);
    let mut c: MappedVector<u64> = MappedVector::default();
    let os: &'static mapped::OsMapper = &MAPPER;
    let mut d: MappedVector<u64> = MappedVector::new(os);
    for i in 0..10_000 {
        a.push(i).unwrap();
        b.push(i).unwrap();
        c.push(i).unwrap();
        d.push(i).unwrap();
    }
    assert!(a == b && b == c && c == d);
    assert!(STATIC_NO_REMAP.reserves.load(SeqCst) >= 1);
    let dynamic: Arc<dyn Mapper> = Arc::new(denying());
    let mut e: MappedVector<u64> = MappedVector::new(dynamic);
    e.push(1).unwrap();
}

#[test]
fn send_and_sync() {
    fn send_sync<S: Send + Sync>() {}
    send_sync::<MappedVector<u64>>();
    send_sync::<MappedVector<String, 4>>();
    send_sync::<mapped::IntoIter<u64>>();
    send_sync::<mapped::Drain<'static, u64, 1>>();
    send_sync::<Error>();
    // And it really moves between threads.
    let mut v: MappedVector<u64> = (0..1000).collect();
    let v2 = std::thread::spawn(move || {
        v.push(1000).unwrap();
        v
    })
    .join()
    .unwrap();
    assert_eq!(v2.len(), 1001);
}

/// Issue 22: unwind safety where `Vec`'s holds (`Vec<T>: UnwindSafe` when
/// `T: UnwindSafe`, `RefUnwindSafe` when `T: RefUnwindSafe`), whatever
/// mapper and observer the vector stores. Checked at compile time.
#[test]
fn unwind_safe_where_vecs_is() {
    use std::panic::{RefUnwindSafe, UnwindSafe};
    fn both<S: UnwindSafe + RefUnwindSafe>() {}
    both::<Vec<u64>>();
    both::<MappedVector<u64>>();
    both::<MappedVector<String, 4>>();
    both::<mapped::IntoIter<u64>>();
    both::<mapped::MappedQueue<u64>>();
    both::<mapped::MapperRef>();
    fn unwind_safe<S: UnwindSafe>() {}
    unwind_safe::<mapped::Drain<'static, u64, 1>>();
    // A vector on a shared mapper, with an observer, crosses
    // `catch_unwind` with no `AssertUnwindSafe`.
    let mut v: MappedVector<u64> = MappedVector::builder(Arc::new(denying()))
        .name("unwind")
        .build()
        .unwrap();
    v.push(1).unwrap();
    let r = std::panic::catch_unwind(|| v.len());
    assert_eq!(r.unwrap(), 1);
}

// ---------------------------------------------------------------------------
// Standard traits

fn hash_of<H: Hash + ?Sized>(h: &H) -> u64 {
    let mut s = DefaultHasher::new();
    h.hash(&mut s);
    s.finish()
}

#[test]
fn eq_hash_debug_ord_clone() {
    let v: MappedVector<u64> = (0..5).collect();
    let w: MappedVector<u64, 4> = (0..5).collect();
    let std = vec![0u64, 1, 2, 3, 4];
    assert!(v == std);
    assert!(std == v);
    assert!(v == w);
    assert!(v == [0, 1, 2, 3, 4]);
    assert!(v == std[..]);
    let slice: &[u64] = &std;
    assert!(v == slice);
    assert!(v != [0, 1, 2, 3]);
    assert!(v != vec![0, 1, 2, 3, 5]);
    assert_eq!(hash_of(&v), hash_of(&std[..]));
    assert_eq!(hash_of(&v), hash_of(&std));
    assert_ne!(hash_of(&v), hash_of(&std[..4]));
    assert_eq!(format!("{v:?}"), format!("{std:?}"));
    assert_eq!(format!("{v:#?}"), format!("{std:#?}"));
    let e = MappedVector::<String>::new(os_mapper());
    assert_eq!(format!("{e:?}"), "[]");

    let pairs: [(&[u64], &[u64]); 6] = [
        (&[1, 2], &[1, 3]),
        (&[1, 2], &[1, 2, 0]),
        (&[], &[0]),
        (&[5], &[1, 9, 9]),
        (&[3, 3], &[3, 3]),
        (&[], &[]),
    ];
    for (a, b) in pairs {
        let (ma, mb) = (
            a.iter().copied().collect::<MappedVector<u64>>(),
            b.iter().copied().collect::<MappedVector<u64>>(),
        );
        assert_eq!(ma.cmp(&mb), a.cmp(b), "{a:?} vs {b:?}");
        assert_eq!(mb.cmp(&ma), b.cmp(a), "{b:?} vs {a:?}");
        assert_eq!(ma.partial_cmp(&mb), a.partial_cmp(b));
        assert_eq!(ma == mb, a == b);
    }

    let s: MappedVector<String> = (0..3000).map(|i| format!("s{i}")).collect();
    let c = s.clone();
    assert_eq!(c, s);
    assert_ne!(c.as_ptr(), s.as_ptr());
    let t = s.try_clone().unwrap();
    assert!(t == s);
    assert!(t
        .iter()
        .zip(s.iter())
        .all(|(a, b)| a.as_ptr() != b.as_ptr()));
}

#[test]
fn from_iterator_and_into_iterator() {
    let v: MappedVector<u64> = (0..10_000u64).collect();
    assert_eq!(v.len(), 10_000);
    assert!(v.iter().copied().eq(0..10_000));

    let mut sum = 0;
    for x in &v {
        sum += *x;
    }
    assert_eq!(sum, (0..10_000).sum::<u64>());

    let mut v = v;
    for x in &mut v {
        *x *= 2;
    }
    assert!(v.iter().copied().eq((0..10_000).map(|x| x * 2)));

    let mut it = v.into_iter();
    assert_eq!(it.len(), 10_000);
    assert_eq!(it.size_hint(), (10_000, Some(10_000)));
    assert_eq!(it.next(), Some(0));
    assert_eq!(it.next_back(), Some(19_998));
    assert_eq!(it.as_slice().len(), 9_998);
    assert!(it.by_ref().rev().take(3).eq([19_996, 19_994, 19_992]));
    assert!(it.eq((1..9_996).map(|x| x * 2)));

    let mut it = MappedVector::<u64>::from_iter([1, 2]).into_iter();
    assert_eq!(
        (it.next(), it.next_back(), it.next()),
        (Some(1), Some(2), None)
    );
    assert_eq!(it.next_back(), None);

    let strings: MappedVector<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    let back: Vec<String> = strings.into_iter().rev().collect();
    assert_eq!(back, ["c", "b", "a"]);
}

#[test]
fn extend_by_reference_and_value() {
    let mut v = MappedVector::<u64>::new(os_mapper());
    v.extend([1, 2, 3]);
    v.extend(&[4, 5]);
    let six: Vec<u64> = vec![6];
    v.extend(six.iter());
    assert_eq!(v, [1, 2, 3, 4, 5, 6]);
}

#[test]
fn index_with_ranges() {
    let mut v: MappedVector<u64> = (0..10).collect();
    assert_eq!(v[3], 3);
    assert_eq!(v[1..3], [1, 2]);
    assert_eq!(v[..2], [0, 1]);
    assert_eq!(v[8..], [8, 9]);
    assert_eq!(v[..], (0..10).collect::<Vec<_>>()[..]);
    assert_eq!(v[1..=2], [1, 2]);
    assert_eq!(v[..=1], [0, 1]);
    assert_eq!(v[(Bound::Excluded(1), Bound::Included(3))], [2, 3]);
    v[2..4].copy_from_slice(&[20, 30]);
    v[9] = 90;
    assert_eq!(v, [0, 1, 20, 30, 4, 5, 6, 7, 8, 90]);
    assert_eq!(v.get(10), None);
    assert_eq!(v.get(1..3), Some(&[1, 20][..]));
    *v.get_mut(0).unwrap() = 100;
    assert_eq!(v.first(), Some(&100));
}

#[test]
#[should_panic]
fn index_out_of_bounds_panics() {
    let v: MappedVector<u64> = (0..10).collect();
    let _ = v[10];
}

#[test]
#[should_panic]
fn index_range_out_of_bounds_panics() {
    let v: MappedVector<u64> = (0..10).collect();
    let _ = &v[5..11];
}

// ---------------------------------------------------------------------------
// drain with every kind of range

#[test]
#[allow(clippy::reversed_empty_ranges)] // `3..=2` is empty on purpose
fn drain_every_kind_of_range() {
    let mk = || (0..10u64).collect::<MappedVector<u64>>();
    let std = || (0..10u64).collect::<Vec<u64>>();
    macro_rules! same {
        ($r:expr) => {{
            let (mut m, mut s) = (mk(), std());
            let got: Vec<u64> = m.drain($r).collect();
            let want: Vec<u64> = s.drain($r).collect();
            assert_eq!(got, want, "drained by {}", stringify!($r));
            assert_eq!(m, s, "left by {}", stringify!($r));
            let (mut m, mut s) = (mk(), std());
            let got: Vec<u64> = m.drain($r).rev().collect();
            let want: Vec<u64> = s.drain($r).rev().collect();
            assert_eq!(got, want, "drained back to front by {}", stringify!($r));
            assert_eq!(m, s);
        }};
    }
    same!(2..5);
    same!(2..=5);
    same!(..5);
    same!(..=5);
    same!(5..);
    same!(..);
    same!(0..0);
    same!(10..10);
    same!(10..);
    same!(..=9);
    same!(3..=2);
    same!((Bound::Excluded(2), Bound::Excluded(5)));
    same!((Bound::Excluded(2), Bound::Included(5)));
    same!((Bound::Included(2), Bound::Unbounded));
    same!((Bound::Unbounded, Bound::Excluded(7)));
    same!((Bound::Excluded(9), Bound::Unbounded));
    same!((Bound::<usize>::Unbounded, Bound::Unbounded));

    // A drain that is partly consumed from both ends, then dropped.
    let (mut m, mut s) = (mk(), std());
    {
        let (mut dm, mut ds) = (m.drain(1..9), s.drain(1..9));
        assert_eq!((dm.next(), dm.next_back()), (ds.next(), ds.next_back()));
        assert_eq!(dm.len(), ds.len());
        assert_eq!(dm.as_slice(), ds.as_slice());
        assert_eq!(format!("{dm:?}"), "Drain([2, 3, 4, 5, 6, 7])");
    }
    assert_eq!(m, s);
    // A forgotten drain leaks but leaves the vector consistent.
    let mut m = mk();
    std::mem::forget(m.drain(3..6));
    assert!(m.len() <= 10);
    m.push(1).unwrap();
}

#[test]
#[should_panic]
fn drain_start_after_end_panics() {
    let mut v: MappedVector<u64> = (0..10).collect();
    #[allow(clippy::reversed_empty_ranges)]
    v.drain(5..3);
}

#[test]
#[should_panic]
fn drain_end_after_len_panics() {
    let mut v: MappedVector<u64> = (0..10).collect();
    v.drain(..11);
}

#[test]
#[should_panic]
fn drain_inclusive_end_at_len_panics() {
    let mut v: MappedVector<u64> = (0..10).collect();
    v.drain(..=10);
}

#[test]
#[should_panic]
fn drain_start_after_len_panics() {
    let mut v: MappedVector<u64> = (0..10).collect();
    v.drain(11..);
}

#[test]
#[should_panic]
fn drain_inclusive_end_overflow_panics() {
    let mut v: MappedVector<u64> = (0..10).collect();
    v.drain(..=usize::MAX);
}

#[test]
#[should_panic]
fn drain_excluded_start_overflow_panics() {
    let mut v: MappedVector<u64> = (0..10).collect();
    v.drain((Bound::Excluded(usize::MAX), Bound::Unbounded));
}

#[test]
fn drain_bad_range_panic_leaves_the_vector_intact() {
    let mut v: MappedVector<u64> = (0..10).collect();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        v.drain(4..20);
    }));
    assert!(r.is_err());
    assert_eq!(v, (0..10).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------
// Index panics of insert, remove and swap_remove

#[test]
#[should_panic(expected = "insertion index (is 11) should be <= len (is 10)")]
fn insert_out_of_bounds_panics() {
    let mut v: MappedVector<u64> = (0..10).collect();
    let _ = v.insert(11, 0);
}

#[test]
#[should_panic]
fn insert_into_empty_out_of_bounds_panics() {
    let mut v = MappedVector::<u64>::new(os_mapper());
    let _ = v.insert(1, 0);
}

#[test]
#[should_panic(expected = "removal index (is 10) should be < len (is 10)")]
fn remove_out_of_bounds_panics() {
    let mut v: MappedVector<u64> = (0..10).collect();
    v.remove(10);
}

#[test]
#[should_panic]
fn remove_from_empty_panics() {
    let mut v = MappedVector::<String>::new(os_mapper());
    v.remove(0);
}

#[test]
#[should_panic(expected = "swap_remove index (is 10) should be < len (is 10)")]
fn swap_remove_out_of_bounds_panics() {
    let mut v: MappedVector<u64> = (0..10).collect();
    v.swap_remove(10);
}

#[test]
fn insert_remove_at_the_edges() {
    let mut v = MappedVector::<u64>::new(os_mapper());
    v.insert(0, 1).unwrap();
    v.insert(1, 3).unwrap();
    v.insert(1, 2).unwrap();
    v.insert(0, 0).unwrap();
    assert_eq!(v, [0, 1, 2, 3]);
    assert_eq!(v.swap_remove(3), 3);
    assert_eq!(v.swap_remove(0), 0);
    assert_eq!(v, [2, 1]);
    assert_eq!(v.remove(1), 1);
    assert_eq!(v.remove(0), 2);
    assert!(v.is_empty());
}

// ---------------------------------------------------------------------------
// clear gives pages back even when it has no elements to drop

#[test]
fn clear_after_reserve_gives_pages_back() {
    let mut v = MappedVector::<u64, 2>::new(os_mapper());
    v.reserve(100_000).unwrap();
    assert!(v.committed_bytes() > 2 * page());
    v.clear();
    assert_eq!(
        (v.committed_bytes(), v.reserved_bytes(), v.storage()),
        (0, 0, mapped::Storage::Empty),
        "clear gives the whole mapping back"
    );
}

// ---------------------------------------------------------------------------
// The Vec-parity methods under refused commits: nothing changes

#[test]
fn parity_methods_refused_change_nothing() {
    let mapper = Arc::new(denying());
    let mut v: MappedVector<u64, 1> = deny_vec(&mapper, false);
    fill_to_capacity(&mut v);
    let before = state(&v);
    let cap = v.capacity();
    mapper.deny_commits(true);
    assert_out_of_memory(&v.resize(cap + 1, 9).unwrap_err());
    assert_eq!(state(&v), before, "resize");
    let mut called = false;
    let e = v.resize_with(cap + 1, || {
        called = true;
        9
    });
    assert_out_of_memory(&e.unwrap_err());
    assert!(!called, "resize_with makes nothing it cannot keep");
    assert_eq!(state(&v), before, "resize_with");
    assert_out_of_memory(&v.extend_from_within(..).unwrap_err());
    assert_eq!(state(&v), before, "extend_from_within");
    assert_out_of_memory(&v.split_off(1).unwrap_err());
    assert_eq!(state(&v), before, "split_off");
    mapper.deny_commits(false);
    // And all work once memory can be had.
    v.extend_from_within(..2).unwrap();
    let tail = v.split_off(cap).unwrap();
    assert_eq!(tail[..], [0, 1]);
    v.resize(3, 7).unwrap();
    assert_eq!(v[..], [0, 1, 2]);
}

#[test]
fn a_byte_vector_is_a_writer_that_refuses_whole_writes() {
    use std::io::Write;
    let mapper = Arc::new(denying());
    let mut v: MappedVector<u8, 1> = MappedVector::builder(mapper.clone())
        .heap_limit(0)
        .build()
        .unwrap();
    write!(v, "{}-{}", 1, 2).unwrap();
    assert_eq!(&v[..], b"1-2");
    let room = v.capacity() - v.len();
    mapper.deny_commits(true);
    let e = v.write_all(&vec![b'x'; room + 1]).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::OutOfMemory);
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<Error>());
    assert!(inner.is_some_and(Error::is_out_of_memory), "{e:?}");
    assert_eq!(&v[..], b"1-2", "nothing of a refused write is written");
    v.write_all(&vec![b'y'; room]).unwrap();
    assert_eq!(v.len(), 3 + room);
}

#[test]
fn split_off_keeps_the_mapper_and_options() {
    let mapper = Arc::new(TestMapper::new("split"));
    let mut v: MappedVector<u64, 2> = MappedVector::builder(mapper.clone())
        .heap_limit(0)
        .build()
        .unwrap();
    v.extend_from_slice(&[1, 2, 3]).unwrap();
    let tail = v.split_off(1).unwrap();
    assert_eq!((&v[..], &tail[..]), (&[1][..], &[2, 3][..]));
    // Heap limit 0 and the same mapper: the tail is mapped, on `split`.
    assert_eq!(tail.storage(), mapped::Storage::Mapped);
    assert_eq!(mapper.reserves.load(SeqCst), 2);
    let mut fixed: MappedVector<u64> =
        MappedVector::with_max_capacity(mapper.clone(), 100).unwrap();
    fixed.extend_from_slice(&[1, 2, 3]).unwrap();
    let tail = fixed.split_off(2).unwrap();
    assert_eq!(
        tail.max_capacity(),
        fixed.max_capacity(),
        "a fixed window of its own"
    );
}
