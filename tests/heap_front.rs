//! The heap front: a container keeps its contents in one heap allocation
//! while they fit under its heap limit (default `N.max(1)` pages), moves
//! them into a mapping of its own when they outgrow it (a `grow` with
//! `reserve`/`reuse` and `commit` inside), and moves back to the heap (a
//! `shrink` with `release`/`park` inside) once they fall under a quarter of
//! the limit. A fixed window is always mapped.
//!
//! Every oracle here is a fixed number of pages (the limit of a
//! `MappedVector<u64>` is one page: 512 elements of 4 KiB pages, 2048 of
//! Apple silicon's 16 KiB; the way back opens below a quarter of that) or a
//! `Vec`/`BinaryHeap` model, never the crate's `policy`.

use mapped::{Error, MappedQueue, MappedVector, Mapper, Op, Storage, MAPPER};
use mapped_mock::{os_mapper, FaultyMapper};
use mapped_testkit::{Recording, Seen, TestMapper};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BinaryHeap;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;

/// The page size these tests count in, the OS's (the test mappers' is
/// the same).
fn page() -> usize {
    MAPPER.page_size()
}

/// `MappedVector<u64>`'s heap limit in elements: one page of `u64`.
fn limit() -> usize {
    page() / 8
}

/// Below this many `u64` a mapped vector moves back to the heap: a quarter
/// of the limit.
fn back() -> usize {
    limit() / 4
}

/// The window reserved at the first move into a mapping.
const DEFAULT_WINDOW: usize = 64 << 20;

fn ops(seen: &[Seen]) -> Vec<Op> {
    seen.iter().map(|s| s.op).collect()
}

/// Calls `mapper` passed on or refused: reserves, commits and releases.
fn calls(mapper: &TestMapper) -> usize {
    mapper.reserves.load(SeqCst)
        + mapper.commits.load(SeqCst)
        + mapper.refused.load(SeqCst)
        + mapper.releases.load(SeqCst)
}

/// A `MappedVector<u64>` on `mapper` whose events go to `log`.
fn observed(mapper: &Arc<TestMapper>, log: &Arc<Recording>) -> MappedVector<u64> {
    MappedVector::builder(mapper.clone())
        .observer(log.clone())
        .build()
        .unwrap()
}

// ---- 1. the way there and back ----

#[test]
fn u64_vector_maps_past_the_limit_and_returns_below_a_quarter() {
    let mapper = Arc::new(TestMapper::new("hf-cross"));
    let log = Arc::new(Recording::default());
    let mut v = observed(&mapper, &log);
    assert_eq!(v.storage(), Storage::Empty);
    assert_eq!(v.heap_limit(), page());
    let mut model = Vec::new();
    for i in 1..=limit() as u64 {
        v.push(i).unwrap();
        model.push(i);
        assert_eq!(v.storage(), Storage::Heap, "after {i} pushes");
        // Grown like `Vec`: 4, 8, 16, ..., the limit.
        let cap = (i as usize).next_power_of_two().max(4);
        assert_eq!(v.capacity(), cap, "after {i} pushes");
        assert_eq!(v.heap_bytes(), cap * 8, "after {i} pushes");
        assert_eq!((v.committed_bytes(), v.reserved_bytes()), (0, 0));
    }
    assert_eq!(v[..], model[..]);
    assert_eq!(calls(&mapper), 0, "no mapper call on the heap");
    assert!(log.ops().is_empty(), "no event on the heap");

    v.push(limit() as u64 + 1).unwrap();
    model.push(limit() as u64 + 1);
    assert_eq!(v.storage(), Storage::Mapped);
    assert_eq!(v.heap_bytes(), 0);
    assert_eq!(v.committed_bytes(), 2 * page(), "twice the heap's page");
    assert_eq!(v.reserved_bytes(), DEFAULT_WINDOW);
    assert_eq!(v.capacity(), 2 * limit());
    assert_eq!(v[..], model[..]);

    // Hysteresis: mapped all the way down to a quarter of the limit.
    while v.len() > back() {
        assert_eq!(v.pop(), model.pop());
        assert_eq!(v.storage(), Storage::Mapped, "at {} elements", v.len());
        assert_eq!(v[..], model[..]);
    }
    assert_eq!(v.len(), back());
    assert_eq!(v.pop(), model.pop());
    assert_eq!(v.len(), back() - 1);
    assert_eq!(v.storage(), Storage::Heap);
    assert_eq!(v.capacity(), 2 * (back() - 1), "room to double");
    assert_eq!(v.heap_bytes(), 2 * (back() - 1) * 8);
    assert_eq!((v.committed_bytes(), v.reserved_bytes()), (0, 0));
    assert_eq!(v[..], model[..]);
    assert_eq!(mapper.reserves.load(SeqCst), 1);
    assert_eq!(mapper.releases.load(SeqCst), 1);
    assert_eq!(mapper.reserved.load(SeqCst), 0);

    // And out again, from the smaller heap allocation.
    for i in back() as u64..=limit() as u64 + 88 {
        v.push(i).unwrap();
        model.push(i);
        let want = if v.len() > limit() {
            Storage::Mapped
        } else {
            Storage::Heap
        };
        assert_eq!(v.storage(), want, "at {} elements", v.len());
    }
    assert_eq!(v[..], model[..]);
    drop(v);
    assert_eq!(mapper.reserved.load(SeqCst), 0);
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: a vector on MAPPER never maps"
)]
fn plain_vector_on_the_os_mapper_truncates_back_to_the_heap() {
    // `new(MAPPER)`: the store with no configuration of its own.
    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    assert_eq!(v.heap_limit(), page());
    let model: Vec<u64> = (1..=limit() as u64 + 1).map(|i| i * 0x9E37_79B9).collect();
    for (n, &x) in model.iter().enumerate() {
        v.push(x).unwrap();
        let want = if n < limit() {
            Storage::Heap
        } else {
            Storage::Mapped
        };
        assert_eq!(v.storage(), want, "after {} pushes", n + 1);
        assert_eq!(v.reserved_bytes() > 0, n >= limit());
    }
    assert_eq!(v[..], model[..]);
    for len in (back()..=limit()).rev() {
        v.truncate(len);
        assert_eq!(v.storage(), Storage::Mapped, "truncated to {len}");
        assert_eq!(v[..], model[..len]);
    }
    v.truncate(back() - 1);
    assert_eq!(v.storage(), Storage::Heap);
    assert_eq!(v.heap_bytes(), 2 * (back() - 1) * 8);
    assert_eq!((v.committed_bytes(), v.reserved_bytes()), (0, 0));
    assert_eq!(v[..], model[..back() - 1]);
}

/// Each way of removing elements takes a mapped vector back to the heap
/// once fewer than a quarter of the limit remain (none at all: empty).
#[test]
fn every_removal_returns_to_the_heap() {
    let model: Vec<u64> = (1..=limit() as u64 + 1).collect();
    let mapper = Arc::new(TestMapper::new("hf-removals"));
    let full = || {
        let mut v: MappedVector<u64> = MappedVector::new(mapper.clone());
        v.extend_from_slice(&model).unwrap();
        assert_eq!(v.storage(), Storage::Mapped);
        v
    };
    type Removal = fn(&mut MappedVector<u64>, &mut Vec<u64>);
    let removals: [(&str, Removal); 9] = [
        ("truncate", |v, m| {
            v.truncate(100);
            m.truncate(100);
        }),
        ("clear", |v, m| {
            v.clear();
            m.clear();
        }),
        ("retain", |v, m| {
            v.retain(|x| x % 5 == 0);
            m.retain(|x| x % 5 == 0);
        }),
        // (113 left: under a quarter of a 4 KiB page's limit, and so of
        // any larger page's.)
        ("drain", |v, m| {
            let end = m.len() - 100;
            assert!(v.drain(13..end).eq(m.drain(13..end)));
        }),
        ("drain, dropped unread", |v, m| {
            let end = m.len() - 113;
            drop(v.drain(..end));
            m.drain(..end);
        }),
        ("remove", |v, m| {
            while v.len() >= back() {
                assert_eq!(v.remove(3), m.remove(3));
            }
        }),
        ("swap_remove", |v, m| {
            while v.len() >= back() {
                assert_eq!(v.swap_remove(1), m.swap_remove(1));
            }
        }),
        ("pop", |v, m| {
            while v.len() >= back() {
                assert_eq!(v.pop(), m.pop());
            }
        }),
        ("append (the source)", |v, m| {
            let mut other: MappedVector<u64> = MappedVector::new(MAPPER);
            other.append(v).unwrap();
            assert_eq!(other[..], m[..]);
            m.clear();
        }),
    ];
    for (name, remove) in removals {
        let mut v = full();
        let mut m = model.clone();
        remove(&mut v, &mut m);
        assert_eq!(v[..], m[..], "{name}");
        let want = if m.is_empty() {
            Storage::Empty
        } else {
            Storage::Heap
        };
        assert_eq!(v.storage(), want, "{name}: {} elements left", m.len());
        assert_eq!((v.committed_bytes(), v.reserved_bytes()), (0, 0), "{name}");
        // And it works on.
        v.push(7).unwrap();
        m.push(7);
        assert_eq!(v[..], m[..], "{name}");
    }

    // `shrink_to_fit` takes contents that fit under the limit back too,
    // even above a quarter of it.
    let keep = limit() * 3 / 5;
    let mut v = full();
    v.truncate(keep);
    assert_eq!(v.storage(), Storage::Mapped);
    v.shrink_to_fit().unwrap();
    assert_eq!(v.storage(), Storage::Heap);
    assert_eq!(v.capacity(), keep);
    assert_eq!(v[..], model[..keep]);
    assert_eq!(mapper.reserved.load(SeqCst), 0, "every mapping given back");
}

/// Each way of adding elements moves a heap vector into a mapping when the
/// contents pass the limit, keeping them.
#[test]
fn every_growth_past_the_limit_maps() {
    // 12 short of the limit: each growth below adds at least 13.
    let start: Vec<u64> = (1..=limit() as u64 - 12).collect();
    type Growth = fn(&mut MappedVector<u64>, &mut Vec<u64>);
    let growths: [(&str, Growth); 6] = [
        ("push", |v, m| {
            for i in 0..13 {
                v.push(i).unwrap();
                m.push(i);
            }
        }),
        ("extend_from_slice", |v, m| {
            v.extend_from_slice(&[9; 20]).unwrap();
            m.extend_from_slice(&[9; 20]);
        }),
        ("insert", |v, m| {
            for i in 0..13 {
                v.insert(i as usize * 7, i).unwrap();
                m.insert(i as usize * 7, i);
            }
        }),
        ("try_extend", |v, m| {
            v.try_extend(1000..1100).unwrap();
            m.extend(1000..1100);
        }),
        ("reserve", |v, _| {
            v.reserve(13).unwrap();
            assert!(v.capacity() > limit());
        }),
        ("reserve_exact", |v, _| {
            v.reserve_exact(13).unwrap();
            assert!(v.capacity() > limit());
        }),
    ];
    for (name, grow) in growths {
        let mut v: MappedVector<u64> = MappedVector::new(os_mapper());
        v.extend_from_slice(&start).unwrap();
        assert_eq!(v.storage(), Storage::Heap, "{name}");
        let mut m = start.clone();
        grow(&mut v, &mut m);
        assert_eq!(v.storage(), Storage::Mapped, "{name}");
        assert_eq!(v.heap_bytes(), 0, "{name}");
        assert_eq!(v[..], m[..], "{name}");
    }
}

// ---- 2. hovering ----

#[test]
fn hovering_at_the_limit_and_at_the_way_back_makes_few_mapper_calls() {
    let mapper = Arc::new(TestMapper::new("hf-hover"));
    let log = Arc::new(Recording::default());
    let mut v = observed(&mapper, &log);
    let mut model: Vec<u64> = Vec::new();
    let mut ops = 0usize;
    fn push(v: &mut MappedVector<u64>, model: &mut Vec<u64>, ops: &mut usize) {
        let x = *ops as u64;
        v.push(x).unwrap();
        model.push(x);
        *ops += 1;
    }
    while v.len() < limit() {
        push(&mut v, &mut model, &mut ops);
    }
    // limit <-> limit + 1: across it.
    for _ in 0..250_000 {
        push(&mut v, &mut model, &mut ops);
        assert_eq!(v.pop(), model.pop());
        ops += 1;
    }
    assert_eq!(v.storage(), Storage::Mapped);
    // Down to the way back + 1 <-> the way back, mapped.
    v.push(1).unwrap();
    model.push(1);
    while v.len() > back() + 1 {
        assert_eq!(v.pop(), model.pop());
        ops += 1;
    }
    for _ in 0..50_000 {
        assert_eq!(v.pop(), model.pop());
        push(&mut v, &mut model, &mut ops);
        ops += 1;
    }
    assert_eq!(v.storage(), Storage::Mapped);
    // The way back <-> one less: across it.
    v.pop();
    model.pop();
    for _ in 0..200_000 {
        assert_eq!(v.pop(), model.pop());
        push(&mut v, &mut model, &mut ops);
        ops += 1;
    }
    assert_eq!(v.storage(), Storage::Heap);
    assert_eq!(v[..], model[..]);
    assert!(ops >= 1_000_000, "{ops} operations");
    let seen = log.ops();
    let count = |op| seen.iter().filter(|&&o| o == op).count();
    assert!(
        log.mapper_calls() <= 4,
        "{} mapper calls in {ops} operations: {seen:?}",
        log.mapper_calls()
    );
    assert!(calls(&mapper) <= 4, "the mapper counted {}", calls(&mapper));
    assert_eq!(count(Op::Grow), 1, "{seen:?}");
    assert!(count(Op::Shrink) <= 2, "{seen:?}");
}

// ---- 3. refusals on the way there ----

fn poison_mock() -> Arc<FaultyMapper> {
    FaultyMapper::builder()
        .seed(0x4EA9_F207)
        .poison(true)
        .build_arc()
}

#[test]
fn refused_commit_on_the_move_keeps_the_heap() {
    let mock = poison_mock();
    let mut v: MappedVector<u64> = MappedVector::new(mock.clone());
    let mut model: Vec<u64> = (1..=limit() as u64).map(|i| i * 3).collect();
    for &x in &model {
        v.push(x).unwrap();
    }
    assert_eq!(mock.stats().reserves, 0);
    mock.deny_next_commits(1);
    let err = v.push(1234).unwrap_err();
    assert!(
        matches!(err.error(), Error::Os { op: Op::Commit, .. }),
        "{:?}",
        err.error()
    );
    assert!(err.error().is_out_of_memory());
    assert_eq!(err.into_value(), 1234);
    assert_eq!(v.storage(), Storage::Heap);
    assert_eq!(v.len(), limit());
    assert_eq!(v.heap_bytes(), page());
    assert_eq!((v.committed_bytes(), v.reserved_bytes()), (0, 0));
    assert_eq!(v[..], model[..]);
    assert_eq!(
        mock.live_reservations(),
        0,
        "the fresh reservation went back"
    );
    let stats = mock.stats();
    assert_eq!(
        (stats.denied_commits, stats.reserves, stats.releases),
        (1, 1, 1),
        "{stats:?}"
    );

    // Refused the same way through `extend_from_slice` and `insert`.
    mock.deny_next_commits(1);
    assert!(v.extend_from_slice(&[5; 10]).is_err());
    mock.deny_next_commits(1);
    assert_eq!(v.insert(0, 77).unwrap_err().into_value(), 77);
    assert_eq!(v.storage(), Storage::Heap);
    assert_eq!(v[..], model[..]);
    assert_eq!(mock.live_reservations(), 0);

    v.push(1234).unwrap();
    model.push(1234);
    assert_eq!(v.storage(), Storage::Mapped);
    assert_eq!(mock.live_reservations(), 1);
    mock.assert_committed(v.as_ptr().cast(), v.len() * 8);
    assert_eq!(v[..], model[..]);
    for i in 0..5000 {
        v.push(i).unwrap();
        model.push(i);
    }
    v.truncate(10);
    model.truncate(10);
    assert_eq!(v.storage(), Storage::Heap);
    assert_eq!(v[..], model[..]);
    assert_eq!(mock.live_reservations(), 0);
    drop(v);
    mock.assert_clean();
}

#[test]
fn refused_reserve_on_the_move_keeps_the_heap() {
    let mock = poison_mock();
    let mut v: MappedVector<u64> = MappedVector::new(mock.clone());
    let mut model: Vec<u64> = (0..limit() as u64).map(|i| !i).collect();
    v.extend_from_slice(&model).unwrap();
    // More refusals than the smaller windows it tries.
    mock.deny_next_reserves(64);
    let err = v.push(1).unwrap_err();
    assert!(
        matches!(
            err.error(),
            Error::Os {
                op: Op::Reserve,
                ..
            }
        ),
        "{:?}",
        err.error()
    );
    assert_eq!(err.into_value(), 1);
    assert_eq!(v.storage(), Storage::Heap);
    assert_eq!(v[..], model[..]);
    assert_eq!(mock.live_reservations(), 0);
    // 64 MiB, 32 MiB, ..., two pages (what the limit + 1 elements need):
    // 14 tries of 4 KiB pages, 12 of 16 KiB.
    let tries = (DEFAULT_WINDOW / (2 * page())).ilog2() + 1;
    let stats = mock.stats();
    assert_eq!(stats.denied_reserves, u64::from(tries), "{stats:?}");
    assert_eq!((stats.reserves, stats.commits), (0, 0), "{stats:?}");

    mock.clear_faults();
    v.push(1).unwrap();
    model.push(1);
    assert_eq!(v.storage(), Storage::Mapped);
    assert_eq!(v.reserved_bytes(), DEFAULT_WINDOW);
    assert_eq!(v[..], model[..]);
    drop(v);
    assert_eq!(mock.live_reservations(), 0);
    mock.assert_clean();
}

#[test]
fn out_of_address_space_reserves_a_smaller_window() {
    let mock = poison_mock();
    let mut v: MappedVector<u64> = MappedVector::new(mock.clone());
    let mut model: Vec<u64> = (0..limit() as u64).collect();
    v.extend_from_slice(&model).unwrap();
    // 64 MiB and 32 MiB and 16 MiB refused: 8 MiB it is.
    mock.deny_next_reserves(3);
    v.push(0).unwrap();
    model.push(0);
    assert_eq!(v.storage(), Storage::Mapped);
    assert_eq!(v.reserved_bytes(), 8 << 20);
    assert_eq!(mock.stats().denied_reserves, 3);
    // Past the small window, it moves to a larger one.
    for i in 513..1_200_000u64 {
        v.push(i).unwrap();
        model.push(i);
    }
    assert!(v.reserved_bytes() > 8 << 20);
    assert_eq!(v[..], model[..]);
    drop(v);
    assert_eq!(mock.live_reservations(), 0);
    mock.assert_clean();
}

/// Random pushes, pops, truncations and extensions around both thresholds,
/// with one commit in 20 refused, against a `Vec`: the elements always
/// match, mapped elements lie in committed pages, and the storage changes
/// only where it should (to a mapping past the limit, back below a quarter
/// of it).
#[test]
fn random_walk_across_both_thresholds_matches_a_vec() {
    let mock = FaultyMapper::builder()
        .seed(0x5EED_F00D)
        .poison(true)
        .deny_commits(0.05)
        .build_arc();
    let mut v: MappedVector<u64> = MappedVector::new(mock.clone());
    let mut model: Vec<u64> = Vec::new();
    let mut rng = StdRng::seed_from_u64(mock.seed());
    // The walk's sizes, set for the 512-element limit of 4 KiB pages,
    // scaled to this one.
    let scaled = |n: usize| n * limit() / 512;
    let (mut refused, mut mapped, mut returned) = (0, 0, 0);
    for step in 0..20_000u64 {
        let before = v.storage();
        let what = match rng.random_range(0..10) {
            0..=3 => {
                let ok = v.push(step).is_ok();
                if ok {
                    model.push(step);
                }
                refused += usize::from(!ok);
                "push"
            }
            4..=6 => {
                assert_eq!(v.pop(), model.pop(), "step {step}");
                "pop"
            }
            7 => {
                let len = rng.random_range(0..=model.len());
                v.truncate(len);
                model.truncate(len);
                "truncate"
            }
            _ => {
                let more: Vec<u64> = (0..rng.random_range(0..scaled(300) as u64))
                    .map(|i| step ^ i)
                    .collect();
                match v.extend_from_slice(&more) {
                    Ok(()) => model.extend_from_slice(&more),
                    Err(_) => refused += 1,
                }
                "extend"
            }
        };
        assert_eq!(v[..], model[..], "step {step}: {what}");
        let (now, len) = (v.storage(), v.len());
        match now {
            Storage::Mapped => mock.assert_committed(v.as_ptr().cast(), len * 8),
            Storage::Heap => assert!(len <= limit(), "step {step}: {len} on the heap"),
            Storage::Empty => assert_eq!(len, 0, "step {step}"),
        }
        if now == Storage::Mapped && before != Storage::Mapped {
            assert!(len > limit(), "step {step}: {what} mapped {len} elements");
            mapped += 1;
        }
        if before == Storage::Mapped && now != Storage::Mapped {
            assert!(len < back(), "step {step}: {what} left a mapping at {len}");
            returned += 1;
        }
        // Stay around the thresholds.
        if model.len() > scaled(700) {
            v.truncate(scaled(100));
            model.truncate(scaled(100));
        }
    }
    assert!(
        refused > 10 && mapped > 10 && returned > 10,
        "refused {refused}, mapped {mapped}, returned {returned}: the walk missed a case"
    );
    drop(v);
    assert_eq!(mock.live_reservations(), 0);
    mock.assert_clean();
}

// ---- 4. telemetry ----

#[test]
fn the_move_there_is_a_grow_and_the_move_back_a_shrink() {
    let mapper = Arc::new(TestMapper::new("hf-shape"));
    let log = Arc::new(Recording::default());
    let mut v = observed(&mapper, &log);
    v.extend_from_slice(&vec![1; limit()]).unwrap();
    assert!(log.take().is_empty());

    v.push(2).unwrap();
    let there = log.take();
    // Completion order: the calls inside finish before the grow does.
    assert_eq!(
        ops(&there),
        [Op::Reserve, Op::Commit, Op::Grow],
        "{there:#?}"
    );
    assert!(there
        .iter()
        .all(|s| s.ok && s.container == mapped::Kind::Vector));
    let (reserve, commit, grow) = (&there[0], &there[1], &there[2]);
    assert_eq!(reserve.bytes, DEFAULT_WINDOW);
    assert_eq!(
        (reserve.reserved_from, reserve.reserved_to),
        (0, DEFAULT_WINDOW)
    );
    let two = 2 * page();
    assert_eq!((commit.bytes, commit.from, commit.to), (two, 0, two));
    assert_eq!((grow.from, grow.to, grow.bytes), (0, two, two));
    assert_eq!((grow.reserved_from, grow.reserved_to), (0, DEFAULT_WINDOW));

    v.truncate(back() - 1);
    let back = log.take();
    // A mapper other than the OS's cannot park: the reservation is released.
    assert_eq!(ops(&back), [Op::Release, Op::Shrink], "{back:#?}");
    assert!(back
        .iter()
        .all(|s| s.ok && s.container == mapped::Kind::Vector));
    let (release, shrink) = (&back[0], &back[1]);
    assert_eq!(release.bytes, DEFAULT_WINDOW);
    assert_eq!(
        (release.reserved_from, release.reserved_to),
        (DEFAULT_WINDOW, 0)
    );
    assert_eq!((shrink.from, shrink.to), (two, 0));
    assert_eq!(
        (shrink.reserved_from, shrink.reserved_to),
        (DEFAULT_WINDOW, 0)
    );

    // On the heap again: silence.
    v.truncate(3);
    v.extend_from_slice(&[0; 100]).unwrap();
    drop(v);
    assert!(log.take().is_empty());
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: a vector on MAPPER never maps"
)]
fn on_the_os_mapper_the_move_back_parks_or_releases() {
    let log = Arc::new(Recording::default());
    let mut v: MappedVector<u64> = MappedVector::builder(MAPPER)
        .observer(log.clone())
        .build()
        .unwrap();
    v.extend_from_slice(&vec![1; limit() + 1]).unwrap();
    let there = ops(&log.take());
    // A reservation from the cache may come with enough pages committed.
    let ok = matches!(
        there[..],
        [Op::Reserve, Op::Commit, Op::Grow]
            | [Op::Reuse, Op::Grow]
            | [Op::Reuse, Op::Commit, Op::Grow]
    );
    assert!(ok, "{there:?}");
    v.truncate(1);
    let back = ops(&log.take());
    // The cache (shared with the other tests) may be full.
    let ok = matches!(back[..], [Op::Park, Op::Shrink] | [Op::Release, Op::Shrink]);
    assert!(ok, "{back:?}");
    assert_eq!(v.storage(), Storage::Heap);
}

/// The gauges of the heap front, read from a thread-local recorder:
/// `mapped_heap_bytes{container}` and
/// `mapped_containers{container,mapper}`, totalled over snapshots.
///
/// The heap bytes gauge holds the process-wide sum of every thread's heap
/// bytes (heap resizes touch no shared state; `stats()` and mapped events
/// set it), so each test runs alone in a child process, where the only
/// containers are its own.
#[cfg(feature = "metrics")]
mod gauges {
    use mapped::telemetry::names::{HEAP_BYTES, MAPPED_CONTAINERS};
    use mapped_mock::child;
    use mapped_testkit::metrics::{gauge, snapshot, Totals};
    use metrics_util::debugging::{DebuggingRecorder, Snapshotter};

    const DONE: &str = "gauges checked";

    /// Runs `f`, in a child process running only the test `test`, with a
    /// recorder of its own; `f` gets a reader of the gauges for containers
    /// on the mapper named `mapper`.
    pub fn with_gauges(test: &str, mapper: &'static str, f: impl FnOnce(&mut Gauges)) {
        if !child::is_child(test) {
            child::run_expecting(test, &[], DONE);
            return;
        }
        let recorder = DebuggingRecorder::new();
        let mut gauges = Gauges {
            snapshotter: recorder.snapshotter(),
            totals: Totals::default(),
            mapper,
        };
        metrics::with_local_recorder(&recorder, || f(&mut gauges));
        eprintln!("{DONE}");
    }

    pub struct Gauges {
        snapshotter: Snapshotter,
        totals: Totals,
        mapper: &'static str,
    }

    impl Gauges {
        /// `(heap bytes, mapped containers)` of `container` now.
        pub fn of(&mut self, container: &str) -> (f64, f64) {
            // Sets the heap bytes gauge (a value, not a change) from the
            // threads' counters; the mapped containers gauge moves by
            // changes, totalled.
            mapped::stats();
            let snap = snapshot(&self.snapshotter);
            self.totals.add(&snap);
            let mapper = self.mapper;
            (
                gauge(&snap, &format!("{HEAP_BYTES}{{container={container}}}")),
                self.totals.get(&format!(
                    "{MAPPED_CONTAINERS}{{container={container},mapper={mapper}}}"
                )),
            )
        }

        /// `[vector, queue]` as [`of`](Self::of) gives them.
        pub fn both(&mut self) -> [(f64, f64); 2] {
            [self.of("vector"), self.of("queue")]
        }
    }
}

#[cfg(feature = "metrics")]
#[test]
fn gauges_follow_the_storage() {
    let mapper = Arc::new(TestMapper::new("hf-gauges"));
    gauges::with_gauges("gauges_follow_the_storage", "hf-gauges", |g| {
        // A full heap allocation; one moved back, with room to double.
        let full = page() as f64;
        let moved_back = (2 * (back() - 1) * 8) as f64;
        // [(heap bytes, mapped containers) of vectors, ... of queues]
        let mut v: MappedVector<u64> = MappedVector::new(mapper.clone());
        v.extend_from_slice(&vec![1; limit()]).unwrap();
        assert_eq!(g.both(), [(full, 0.0), (0.0, 0.0)], "vector on the heap");
        mapper.deny_commits(true);
        assert!(v.push(1).is_err());
        mapper.deny_commits(false);
        assert_eq!(g.both(), [(full, 0.0), (0.0, 0.0)], "refused move");
        v.push(1).unwrap();
        assert_eq!(g.both(), [(0.0, 1.0), (0.0, 0.0)], "vector mapped");
        v.truncate(back() - 1);
        assert_eq!(
            g.both(),
            [(moved_back, 0.0), (0.0, 0.0)],
            "back on the heap"
        );
        let mut w: MappedVector<u64> = MappedVector::new(mapper.clone());
        w.extend_from_slice(&vec![2; 2 * limit()]).unwrap();
        assert_eq!(g.both(), [(moved_back, 1.0), (0.0, 0.0)], "and one mapped");
        drop(v);
        drop(w);
        assert_eq!(g.both(), [(0.0, 0.0), (0.0, 0.0)], "both dropped");

        // A window too small moves by reserve + commit + copy + release:
        // still one mapped container.
        let copying = Arc::new(TestMapper::new("hf-gauges").without_remap());
        let mut v: MappedVector<u64> = MappedVector::builder(copying.clone())
            .initial_window(2 * page())
            .build()
            .unwrap();
        for i in 0..10 * limit() as u64 {
            v.push(i).unwrap();
        }
        assert!(copying.releases.load(SeqCst) >= 2, "the window moved");
        assert_eq!(g.both(), [(0.0, 1.0), (0.0, 0.0)], "after window moves");
        drop(v);
        assert_eq!(g.both(), [(0.0, 0.0), (0.0, 0.0)], "dropped");

        let mut q: MappedQueue<u64> = MappedQueue::new(mapper.clone());
        for i in 0..100 {
            q.push(i).unwrap();
        }
        assert_eq!(g.both(), [(0.0, 0.0), (1024.0, 0.0)], "queue on the heap");
        for i in 0..2 * limit() as u64 {
            q.push(i).unwrap();
        }
        assert_eq!(g.both(), [(0.0, 0.0), (0.0, 1.0)], "queue mapped");
        while q.len() > 10 {
            q.pop();
        }
        assert_eq!(
            g.both(),
            [(0.0, 0.0), (moved_back, 0.0)],
            "queue on the heap"
        );
        drop(q);
        assert_eq!(g.both(), [(0.0, 0.0), (0.0, 0.0)], "queue dropped");
    });
}

/// `into_vec` relabels the queue's storage as a vector's: its heap bytes
/// move from the queue's gauge to the vector's.
#[cfg(feature = "metrics")]
#[test]
fn into_vec_of_a_queue_on_the_heap_moves_its_heap_bytes() {
    let mapper = Arc::new(TestMapper::new("hf-relabel-heap"));
    gauges::with_gauges(
        "into_vec_of_a_queue_on_the_heap_moves_its_heap_bytes",
        "hf-relabel-heap",
        |g| {
            let mut q: MappedQueue<u64> = MappedQueue::new(mapper.clone());
            for i in 0..10 {
                q.push(i).unwrap();
            }
            assert_eq!(g.both(), [(0.0, 0.0), (128.0, 0.0)], "queue on the heap");
            let v = q.into_vec();
            assert_eq!(v.storage(), Storage::Heap);
            assert_eq!(g.both(), [(128.0, 0.0), (0.0, 0.0)], "its into_vec");
            drop(v);
            assert_eq!(g.both(), [(0.0, 0.0), (0.0, 0.0)], "dropped");
        },
    );
}

/// `into_vec` of a mapped queue: the mapped container is counted as a
/// vector from then on, as its committed and reserved bytes are.
#[cfg(feature = "metrics")]
#[test]
fn into_vec_of_a_mapped_queue_moves_its_mapping() {
    let mapper = Arc::new(TestMapper::new("hf-relabel-mapped"));
    gauges::with_gauges(
        "into_vec_of_a_mapped_queue_moves_its_mapping",
        "hf-relabel-mapped",
        |g| {
            let mut q: MappedQueue<u64> = MappedQueue::new(mapper.clone());
            for i in 0..2 * limit() as u64 {
                q.push(i).unwrap();
            }
            assert_eq!(g.both(), [(0.0, 0.0), (0.0, 1.0)], "mapped queue");
            let v = q.into_vec();
            assert_eq!(v.storage(), Storage::Mapped);
            assert_eq!(g.both(), [(0.0, 1.0), (0.0, 0.0)], "its into_vec");
            drop(v);
            assert_eq!(g.both(), [(0.0, 0.0), (0.0, 0.0)], "dropped");
        },
    );
}

/// Heap bytes are counted per thread and summed by `stats()`: exact when a
/// container is freed on another thread than the one that grew it, and
/// after its threads have exited. Heap resizes call no recorder. Alone in
/// a child, where the only containers are this test's.
#[cfg(feature = "metrics")]
#[test]
fn heap_bytes_are_summed_over_threads_and_cost_no_recorder_call() {
    use mapped_mock::child;
    const NAME: &str = "heap_bytes_are_summed_over_threads_and_cost_no_recorder_call";
    if !child::is_child(NAME) {
        child::run_expecting(NAME, &[], "summed");
        return;
    }
    let heap = || mapped::stats().heap_bytes;
    let filled = |n: u64| {
        let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
        for i in 0..n {
            v.push(i).unwrap();
        }
        v
    };
    assert_eq!(heap(), 0);
    // 100 elements: a heap allocation of 128, 1024 bytes.
    let (sent, kept) = std::thread::spawn(move || {
        let (a, b) = (filled(100), filled(100));
        assert_eq!(heap(), 2048, "counted on this thread");
        drop(b);
        (a, heap())
    })
    .join()
    .unwrap();
    assert_eq!(kept, 1024);
    assert_eq!(heap(), 1024, "the sender exited; its count stays");
    drop(sent);
    assert_eq!(heap(), 0, "freed on another thread than it grew on");
    let made: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(move || filled(100)))
        .map(|t| t.join().unwrap())
        .collect();
    assert_eq!(heap(), 4096, "four threads' vectors");
    drop(made);
    assert_eq!(heap(), 0);

    let recorder = metrics_util::debugging::DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let mut v = filled(500);
        v.truncate(3);
        v.shrink_to_fit().unwrap();
        drop(v);
    });
    let seen = snapshotter.snapshot().into_vec();
    assert!(
        seen.is_empty(),
        "heap storage touched the recorder: {seen:?}"
    );
    eprintln!("summed");
}

// ---- 5. always mapped ----

#[test]
fn heap_limit_zero_maps_from_the_first_push() {
    let mapper = Arc::new(TestMapper::new("hf-zero"));
    let log = Arc::new(Recording::default());
    let mut v: MappedVector<u64> = MappedVector::builder(mapper.clone())
        .observer(log.clone())
        .heap_limit(0)
        .build()
        .unwrap();
    assert_eq!(v.heap_limit(), 0);
    assert_eq!(v.storage(), Storage::Empty);
    v.push(1).unwrap();
    assert_eq!(v.storage(), Storage::Mapped);
    assert_eq!(v.committed_bytes(), page());
    assert_eq!(v.heap_bytes(), 0);
    assert_eq!(ops(&log.take()), [Op::Reserve, Op::Commit, Op::Grow]);
    v.extend_from_slice(&[2; 5000]).unwrap();
    v.clear();
    assert_eq!(v.storage(), Storage::Mapped, "never back to the heap");
    assert_eq!(v.committed_bytes(), page(), "the N pages stay committed");
    assert!(!log.ops().contains(&Op::Release));
    // Hovering at 0 <-> 1 costs nothing.
    let before = log.mapper_calls();
    for i in 0..10_000 {
        v.push(i).unwrap();
        assert_eq!(v.pop(), Some(i));
    }
    assert_eq!(log.mapper_calls(), before);
}

#[test]
fn a_fixed_window_is_always_mapped() {
    let mapper = Arc::new(TestMapper::new("hf-fixed"));
    let mut v: MappedVector<u64> = MappedVector::with_max_capacity(mapper.clone(), 10_000).unwrap();
    assert_eq!(v.heap_limit(), 0);
    assert_eq!(v.storage(), Storage::Mapped, "reserved at build");
    let base = v.reserved_bytes();
    v.push(1).unwrap();
    let addr = v.as_ptr();
    assert_eq!(v.storage(), Storage::Mapped);
    assert_eq!(v.heap_bytes(), 0);
    for i in 2..=10_000u64 {
        v.push(i).unwrap();
    }
    assert_eq!(v.as_ptr(), addr, "addresses never change");
    assert!(v.iter().copied().eq(1..=10_000));
    v.truncate(1);
    assert_eq!(v.storage(), Storage::Mapped);
    v.clear();
    assert_eq!(v.storage(), Storage::Mapped);
    v.shrink_to_fit().unwrap();
    assert_eq!(v.storage(), Storage::Mapped);
    assert_eq!(v.reserved_bytes(), base);
    v.push(5).unwrap();
    assert_eq!(v.as_ptr(), addr);
    assert_eq!(v[..], [5]);
    assert_eq!(mapper.reserves.load(SeqCst), 1);
    assert_eq!(mapper.releases.load(SeqCst), 0);

    // The builder's fixed window wins over an explicit heap limit.
    let mut w: MappedVector<u64> = MappedVector::builder(mapper.clone())
        .max_capacity(100)
        .heap_limit(4096)
        .build()
        .unwrap();
    assert_eq!(w.heap_limit(), 0);
    w.push(1).unwrap();
    w.pop();
    assert_eq!(w.storage(), Storage::Mapped);
}

/// Under a limit of 4 KiB set explicitly: element sizes are fixed at
/// compile time, the page size is not.
#[test]
fn elements_larger_than_the_limit_map_at_once() {
    let mapper = Arc::new(TestMapper::new("hf-large"));
    let mut v: MappedVector<[u8; 8192], 1> = MappedVector::builder(mapper.clone())
        .heap_limit(4096)
        .build()
        .unwrap();
    v.push([7; 8192]).unwrap();
    assert_eq!(v.storage(), Storage::Mapped);
    assert_eq!(v.heap_bytes(), 0);
    assert_eq!(v.committed_bytes(), 8192usize.next_multiple_of(page()));
    v.push([8; 8192]).unwrap();
    assert!(v[0].iter().all(|&b| b == 7) && v[1].iter().all(|&b| b == 8));

    // An element exactly the limit's size fits on the heap, alone.
    let mut w: MappedVector<[u8; 4096], 1> = MappedVector::builder(mapper.clone())
        .heap_limit(4096)
        .build()
        .unwrap();
    w.push([1; 4096]).unwrap();
    assert_eq!(w.storage(), Storage::Heap);
    assert_eq!(w.heap_bytes(), 4096);
    w.push([2; 4096]).unwrap();
    assert_eq!(w.storage(), Storage::Mapped);
    assert!(w[0].iter().all(|&b| b == 1) && w[1].iter().all(|&b| b == 2));
}

/// A vector of elements that never fit on the heap (8 KiB, over a limit
/// of 4 KiB, set explicitly as in the test above), hovering between empty
/// and one element, should not take and give back a mapping every time
/// (before the heap front it kept its first pages committed when empty, and
/// made no call at all).
#[test]
fn large_elements_hovering_at_empty_make_few_mapper_calls() {
    let mapper = Arc::new(TestMapper::new("hf-large-hover"));
    let log = Arc::new(Recording::default());
    let mut v: MappedVector<[u8; 8192], 1> = MappedVector::builder(mapper.clone())
        .observer(log.clone())
        .heap_limit(4096)
        .build()
        .unwrap();
    for i in 0..1000u32 {
        v.push([i as u8; 8192]).unwrap();
        assert_eq!(v.pop().map(|e| e[8191]), Some(i as u8));
    }
    let seen = log.ops();
    assert!(
        log.mapper_calls() <= 4,
        "{} mapper calls in 1000 push/pop rounds (first events: {:?})",
        log.mapper_calls(),
        &seen[..seen.len().min(12)]
    );
}

#[test]
fn the_limit_is_n_pages_or_as_built() {
    // N = 4: four pages of u64 (16 KiB, 2048 of 4 KiB pages); back below
    // a quarter of that, one page's worth.
    let mut v: MappedVector<u64, 4> = MappedVector::new(os_mapper());
    assert_eq!(v.heap_limit(), 4 * page());
    v.extend_from_slice(&vec![1; 4 * limit()]).unwrap();
    assert_eq!(v.storage(), Storage::Heap);
    v.push(2).unwrap();
    assert_eq!(v.storage(), Storage::Mapped);
    v.truncate(limit());
    assert_eq!(v.storage(), Storage::Mapped);
    v.truncate(limit() - 1);
    assert_eq!(v.storage(), Storage::Heap);
    assert_eq!(v.capacity(), 2 * (limit() - 1));

    // N = 0 still keeps a page's worth.
    let v: MappedVector<u64, 0> = MappedVector::new(os_mapper());
    assert_eq!(v.heap_limit(), page());

    // A limit of 1000 bytes: 125 u64 on the heap; back below 32 (250 bytes).
    let mapper = Arc::new(TestMapper::new("hf-custom"));
    let mut v: MappedVector<u64> = MappedVector::builder(mapper.clone())
        .heap_limit(1000)
        .build()
        .unwrap();
    assert_eq!(v.heap_limit(), 1000);
    v.extend_from_slice(&[3; 125]).unwrap();
    assert_eq!(v.storage(), Storage::Heap);
    assert_eq!(v.capacity(), 125);
    v.push(4).unwrap();
    assert_eq!(v.storage(), Storage::Mapped);
    v.truncate(32);
    assert_eq!(v.storage(), Storage::Mapped);
    v.truncate(31);
    assert_eq!(v.storage(), Storage::Heap);
    assert_eq!(v.capacity(), 62);
    assert_eq!(v[..], [3; 31]);
}

#[test]
fn zero_sized_elements_take_no_storage() {
    let mapper = Arc::new(TestMapper::new("hf-zst"));
    let mut v: MappedVector<()> = MappedVector::new(mapper.clone());
    for _ in 0..100_000 {
        v.push(()).unwrap();
    }
    assert_eq!(v.storage(), Storage::Empty);
    assert_eq!((v.heap_bytes(), v.committed_bytes()), (0, 0));
    v.truncate(3);
    assert_eq!(v.len(), 3);
    assert_eq!(calls(&mapper), 0);
}

// ---- 6. many containers ----

#[test]
fn a_hundred_thousand_small_vectors_hold_no_mapping() {
    let vectors: Vec<MappedVector<u64>> = (0..100_000u64)
        .map(|i| {
            let mut v = MappedVector::new(MAPPER);
            v.push(i)
                .unwrap_or_else(|e| panic!("vector {i}: {}", e.error()));
            v
        })
        .collect();
    for (i, v) in vectors.iter().enumerate() {
        assert_eq!(v.storage(), Storage::Heap, "vector {i}");
        assert_eq!(v[..], [i as u64]);
    }
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: a vector on MAPPER never maps"
)]
fn forty_thousand_vectors_map_only_while_large() {
    let mut vectors: Vec<MappedVector<u64>> = Vec::with_capacity(40_000);
    for i in 0..40_000u64 {
        let mut v = MappedVector::new(MAPPER);
        for j in 0..8192 {
            v.push(i ^ j)
                .unwrap_or_else(|e| panic!("vector {i}, push {j}: {}", e.error()));
        }
        assert_eq!(v.storage(), Storage::Mapped, "vector {i}");
        v.truncate(1);
        vectors.push(v);
    }
    for (i, v) in vectors.iter().enumerate() {
        assert_eq!(v.storage(), Storage::Heap, "vector {i}");
        assert_eq!(v.reserved_bytes(), 0, "vector {i}");
        assert_eq!(v[..], [i as u64]);
    }
}

// ---- 7. size ----

#[test]
fn containers_stay_small() {
    let vector = size_of::<MappedVector<u64>>();
    let queue = size_of::<MappedQueue<u64>>();
    assert!(vector <= 64, "size_of::<MappedVector<u64>>() = {vector}");
    assert!(queue <= 64, "size_of::<MappedQueue<u64>>() = {queue}");
}

// ---- 8. the queue ----

#[test]
fn queue_maps_and_returns_in_binary_heap_order() {
    let mapper = Arc::new(TestMapper::new("hf-queue"));
    let log = Arc::new(Recording::default());
    let mut q: MappedQueue<u64> = MappedQueue::builder(mapper.clone())
        .observer(log.clone())
        .build()
        .unwrap();
    assert_eq!(q.storage(), Storage::Empty);
    assert_eq!(q.heap_limit(), page());
    let mut model = BinaryHeap::new();
    let mut rng = StdRng::seed_from_u64(0x9E37);
    // Past twice the limit (2000 elements of 4 KiB pages): two commits.
    for n in 1..=limit() * 2000 / 512 {
        let x = rng.random_range(0..500u64);
        q.push(x).unwrap();
        model.push(x);
        assert_eq!(q.peek(), model.peek());
        // Mapped exactly past the limit.
        let want = if n > limit() {
            Storage::Mapped
        } else {
            Storage::Heap
        };
        assert_eq!(q.storage(), want, "at {n} elements");
        assert_eq!(q.reserved_bytes() > 0, n > limit(), "at {n} elements");
        assert_eq!(q.heap_bytes() > 0, n <= limit(), "at {n} elements");
    }
    assert_eq!(
        ops(&log.take()),
        [Op::Reserve, Op::Commit, Op::Grow, Op::Commit, Op::Grow]
    );
    while q.len() > 3 {
        assert_eq!(q.pop(), model.pop());
        let len = q.len();
        let want = if len >= back() {
            Storage::Mapped
        } else {
            Storage::Heap
        };
        assert_eq!(q.storage(), want, "at {len} elements");
        assert_eq!(q.reserved_bytes() > 0, len >= back(), "at {len} elements");
        assert_eq!(q.committed_bytes() > 0, len >= back(), "at {len} elements");
    }
    assert_eq!(
        q.heap_bytes(),
        2 * (back() - 1) * 8,
        "moved back with room to double"
    );
    let back = ops(&log.take());
    assert_eq!(back.last(), Some(&Op::Shrink), "{back:?}");
    assert!(back.ends_with(&[Op::Release, Op::Shrink]), "{back:?}");
    for x in [7, 1000, 0, 499] {
        q.push(x).unwrap();
        model.push(x);
    }
    assert_eq!(q.len(), model.len());
    assert_eq!(q.reserved_bytes(), 0);
    let mut sorted: Vec<u64> = q.as_slice().to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, model.clone().into_sorted_vec());
    let mut drained = Vec::new();
    while let Some(x) = q.pop() {
        assert_eq!(Some(x), model.pop());
        drained.push(x);
    }
    assert!(model.is_empty());
    assert!(drained.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(q.into_vec().storage(), Storage::Heap);
    assert_eq!(mapper.reserved.load(SeqCst), 0);
}

// ---- 9. scarce address space ----

/// Linux only, which counts reservations toward `RLIMIT_AS` (see
/// `mapped_testkit::rlimit`); not where nothing is mapped.
#[test]
#[cfg(all(target_os = "linux", not(mapped_no_mmap)))]
fn scarce_address_space_still_maps() {
    use mapped_mock::child;
    use mapped_testkit::rlimit::Limit;
    const NAME: &str = "scarce_address_space_still_maps";
    if child::is_child(NAME) {
        let limit = Limit::AddressSpace;
        limit.lower_to(limit.in_use() + (16 << 20));
        // The default window no longer fits.
        assert!(
            MAPPER.reserve(DEFAULT_WINDOW).is_err(),
            "RLIMIT_AS not in force"
        );

        let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
        let n = (1 << 20) / 8;
        for i in 0..n as u64 {
            v.push(i)
                .unwrap_or_else(|e| panic!("push {i} under RLIMIT_AS: {}", e.error()));
        }
        assert_eq!(v.storage(), Storage::Mapped);
        assert!(v.iter().copied().eq(0..n as u64));
        let window = v.reserved_bytes();
        assert!(
            (1 << 20..DEFAULT_WINDOW).contains(&window),
            "window of {window} bytes"
        );
        eprintln!("child {NAME}: done, window of {} MiB", window >> 20);
        return;
    }
    let out = child::run_expecting(NAME, &[], "done");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if let Some(line) = stderr.lines().find(|l| l.contains("done")) {
        eprintln!("{line}");
    }
}
