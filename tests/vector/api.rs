//! The `Vec` API added for issue 22 (`splice`, `extract_if`, `pop_if`,
//! `into_flattened`, the ways in and out, `IntoIter`'s `Clone` and
//! `as_mut_slice`), beyond std's own tests (`tests/std_vec/`): at sizes that
//! cross between the heap and a mapping, on mappers other than the OS's, and
//! with refused memory. Oracles are `Vec` and fixed expectations.

use mapped::{MappedVector, Storage};
use mapped_mock::os_mapper;
use mapped_testkit::TestMapper;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;

fn on(heap_limit: Option<usize>, items: impl IntoIterator<Item = u64>) -> MappedVector<u64> {
    let mut v = match heap_limit {
        None => MappedVector::new(os_mapper()),
        Some(limit) => MappedVector::builder(os_mapper())
            .heap_limit(limit)
            .build()
            .unwrap(),
    };
    v.try_extend(items).unwrap();
    v
}

/// Replacements of every shape `Splice` treats apart: exact, a lower bound
/// below the real count, none at all.
fn replacements(n: u64) -> Vec<(&'static str, Box<dyn Iterator<Item = u64>>)> {
    vec![
        ("exact", Box::new(1000..1000 + n)),
        (
            "filtered",
            Box::new((2000..2000 + 2 * n).filter(|x| x % 2 == 0)),
        ),
        (
            "lower bound 1",
            Box::new(std::iter::once(7).chain((3000..3000 + n).filter(|_| true))),
        ),
    ]
}

#[test]
fn splice_matches_vec_across_heap_and_mapping() {
    // u64 on 4 KiB pages: 512 fit the default heap limit.
    for heap_limit in [None, Some(0)] {
        for len in [0u64, 5, 400, 600, 3000] {
            let l = len as usize;
            for (start, end) in [(0, 0), (0, l), (l / 2, l / 2), (l / 3, l / 2), (l, l)] {
                for n in [0u64, 1, 3, 200, 2000] {
                    for (what, _) in replacements(n) {
                        let pick = |n| {
                            replacements(n)
                                .into_iter()
                                .find(|(w, _)| *w == what)
                                .unwrap()
                                .1
                        };
                        let mut model: Vec<u64> = (0..len).collect();
                        let mut v = on(heap_limit, 0..len);
                        let removed_model: Vec<u64> = model.splice(start..end, pick(n)).collect();
                        let removed: Vec<u64> = v.splice(start..end, pick(n)).collect();
                        let case = format!("{heap_limit:?} len {len} {start}..{end} {what} {n}");
                        assert_eq!(removed, removed_model, "{case}");
                        assert_eq!(v, model, "{case}");
                        // The vector works on after.
                        v.push(1).unwrap();
                        assert_eq!(v.len(), model.len() + 1, "{case}");
                    }
                }
            }
        }
    }
}

#[test]
fn splice_moves_from_heap_to_mapping_keeping_the_tail() {
    let mut v = on(None, 0..400);
    assert_eq!(v.storage(), Storage::Heap);
    let mut model: Vec<u64> = (0..400).collect();
    v.splice(10..20, (0..10_000).filter(|_| true));
    model.splice(10..20, (0..10_000).filter(|_| true));
    assert_eq!(v.storage(), Storage::Mapped);
    assert_eq!(v, model);
    // And back: a splice that removes most of it gives the memory back.
    v.splice(5.., [1, 2, 3]);
    model.splice(5.., [1, 2, 3]);
    assert_eq!(v, model);
    assert_eq!(v.storage(), Storage::Heap);
}

#[test]
fn splice_that_cannot_have_memory_panics_and_keeps_every_element() {
    static DENYING: TestMapper = TestMapper::new("splice-deny");
    let mut v: MappedVector<String> = MappedVector::builder(&DENYING)
        .heap_limit(0)
        .build()
        .unwrap();
    let strings = |r: std::ops::Range<u32>| r.map(|i| i.to_string());
    v.try_extend(strings(0..10)).unwrap();
    let committed = v.committed_bytes();
    DENYING.deny_commits(true);
    // Far more than a page of `String`s after the range: the gap is filled
    // (3 items), then growing for the rest is refused.
    let r = catch_unwind(AssertUnwindSafe(|| {
        v.splice(2..5, strings(100..10_000));
    }));
    DENYING.deny_commits(false);
    let msg = r.unwrap_err();
    let msg = msg.downcast_ref::<String>().unwrap();
    assert!(msg.starts_with("MappedVector::splice: "), "{msg}");
    let expected: Vec<String> = strings(0..2)
        .chain(strings(100..103))
        .chain(strings(5..10))
        .collect();
    assert_eq!(v, expected);
    assert_eq!(v.committed_bytes(), committed);
}

#[test]
fn extract_if_matches_vec_and_gives_memory_back() {
    for heap_limit in [None, Some(0)] {
        let mut v = on(heap_limit, 0..100_000);
        let mut model: Vec<u64> = (0..100_000).collect();
        let big = v.committed_bytes();
        let picked: Vec<u64> = v.extract_if(10..99_990, |x| *x % 1000 != 0).collect();
        let picked_model: Vec<u64> = model.extract_if(10..99_990, |x| *x % 1000 != 0).collect();
        assert_eq!(picked, picked_model);
        assert_eq!(v, model);
        assert!(v.committed_bytes() < big, "{heap_limit:?}");
        // Stopped early: the rest stay, in order.
        let mut it = v.extract_if(.., |x| *x > 5);
        assert_eq!(it.next(), Some(6));
        drop(it);
        let mut it = model.extract_if(.., |x| *x > 5);
        assert_eq!(it.next(), Some(6));
        drop(it);
        assert_eq!(v, model);
    }
}

#[test]
fn into_vec_hands_a_heap_allocation_over_and_copies_a_mapping() {
    let v = on(None, 0..100);
    assert_eq!(v.storage(), Storage::Heap);
    let (ptr, cap) = (v.as_ptr(), v.capacity());
    let w: Vec<u64> = v.into();
    assert_eq!((w.as_ptr(), w.capacity()), (ptr, cap), "handed over");
    assert_eq!(w, (0..100).collect::<Vec<_>>());

    let mapper = Arc::new(TestMapper::new("into-vec"));
    let mut v: MappedVector<u64> = MappedVector::new(mapper.clone());
    v.try_extend(0..100_000).unwrap();
    assert_eq!(v.storage(), Storage::Mapped);
    let w: Vec<u64> = v.into();
    assert_eq!(w, (0..100_000).collect::<Vec<_>>());
    assert_eq!(mapper.reserved.load(SeqCst), 0, "the mapping was released");

    // On the heap of another mapper's vector: handed over too.
    let mut v: MappedVector<u64> = MappedVector::new(mapper.clone());
    v.try_extend(0..10).unwrap();
    let ptr = v.as_ptr();
    let w: Vec<u64> = v.into();
    assert_eq!(w.as_ptr(), ptr);
    assert_eq!(w, (0..10).collect::<Vec<_>>());

    // Zero-sized elements.
    let v: MappedVector<()> = std::iter::repeat_n((), 1000).collect();
    let w: Vec<()> = v.into();
    assert_eq!(w.len(), 1000);
}

#[test]
fn into_boxed_slice_shrinks_then_hands_over() {
    let mut v = on(None, 0..3);
    v.reserve(50).unwrap();
    assert!(v.capacity() > 3);
    let b = v.into_boxed_slice();
    assert_eq!(&*b, [0, 1, 2]);
    let b: Box<[u64]> = on(Some(0), 0..10_000).into();
    assert_eq!(b.len(), 10_000);
    assert_eq!(b[9_999], 9_999);
}

#[test]
fn into_flattened_on_the_heap_and_mapped() {
    for heap_limit in [None, Some(0)] {
        for len in [0u16, 3, 100, 2000] {
            let mut v: MappedVector<[u16; 3]> = match heap_limit {
                None => MappedVector::new(os_mapper()),
                Some(l) => MappedVector::builder(os_mapper())
                    .heap_limit(l)
                    .build()
                    .unwrap(),
            };
            v.try_extend((0..len).map(|i| [i, i + 1, i + 2])).unwrap();
            let (storage, cap) = (v.storage(), v.capacity());
            let mut f = v.into_flattened();
            let model: Vec<u16> = (0..len).flat_map(|i| [i, i + 1, i + 2]).collect();
            assert_eq!(f, model, "{heap_limit:?} {len}");
            assert_eq!(f.storage(), storage);
            assert!(f.capacity() >= cap * 3, "{heap_limit:?} {len}");
            // It grows and shrinks on as a vector of `u16`.
            f.try_extend(0..5000).unwrap();
            f.truncate(1);
            f.shrink_to_fit().unwrap();
            f.push(9).unwrap();
            assert_eq!(f.len(), 2);
        }
    }
}

#[test]
fn into_iter_clone_keeps_the_mapper_and_as_mut_slice_writes() {
    let mapper = Arc::new(TestMapper::new("into-iter-clone"));
    let mut v: MappedVector<u64> = MappedVector::new(mapper.clone());
    v.try_extend(0..10_000).unwrap();
    let mut it = v.into_iter();
    it.next();
    it.as_mut_slice()[0] = 77;
    let reserves = mapper.reserves.load(SeqCst);
    let copy = it.clone();
    assert!(
        mapper.reserves.load(SeqCst) > reserves,
        "on the same mapper"
    );
    let expected: Vec<u64> = std::iter::once(77).chain(2..10_000).collect();
    assert_eq!(copy.collect::<Vec<_>>(), expected);
    assert_eq!(it.collect::<Vec<_>>(), expected);
}

#[test]
fn with_capacity_on_the_heap_and_mapped() {
    let v: MappedVector<u64> = MappedVector::with_capacity(os_mapper(), 10).unwrap();
    assert_eq!((v.len(), v.capacity(), v.storage()), (0, 10, Storage::Heap));
    let v: MappedVector<u64> = MappedVector::with_capacity(os_mapper(), 100_000).unwrap();
    assert!(v.capacity() >= 100_000);
    assert_eq!(v.storage(), Storage::Mapped);
    let r = MappedVector::<u64>::with_capacity(os_mapper(), usize::MAX);
    assert!(matches!(r, Err(mapped::Error::CapacityOverflow)), "{r:?}");
}

#[test]
fn from_every_source_and_try_forms() {
    let expected = [1u8, 2, 3];
    let from: [MappedVector<u8>; 7] = [
        MappedVector::from([1, 2, 3]),
        MappedVector::from(&[1, 2, 3][..]),
        MappedVector::from(&[1, 2, 3]),
        MappedVector::from(&mut [1, 2, 3]),
        MappedVector::from(vec![1, 2, 3]),
        MappedVector::from(vec![1, 2, 3].into_boxed_slice()),
        MappedVector::from(std::borrow::Cow::Borrowed(&[1, 2, 3][..])),
    ];
    for v in &from {
        assert_eq!(*v, expected);
        assert_eq!(expected, *v);
    }
    // Onto `MAPPER`, which maps nothing under `--cfg mapped_no_mmap`: there
    // the contents stay on the heap, as a `Vec`'s.
    let big: MappedVector<u8> = vec![5; 100_000].into();
    let want = if cfg!(mapped_no_mmap) {
        Storage::Heap
    } else {
        Storage::Mapped
    };
    assert_eq!(big.storage(), want);
    assert!(big.iter().all(|&b| b == 5));

    static DENYING: TestMapper = TestMapper::new("from-deny");
    DENYING.deny_commits(true);
    let r = MappedVector::<u8>::try_from_slice(&DENYING, &[0; 100_000]);
    let e = r.unwrap_err();
    assert!(e.is_out_of_memory(), "{e:?}");
    let r = MappedVector::<u8>::try_from_iter(&DENYING, vec![0; 100_000]);
    assert!(r.unwrap_err().is_out_of_memory());
    DENYING.deny_commits(false);
}

#[test]
fn pop_if_gives_memory_back_as_pop_does() {
    let mut v = on(Some(0), 0..100_000);
    let big = v.committed_bytes();
    while v.pop_if(|x| *x >= 10).is_some() {}
    assert_eq!(v, (0..10).collect::<Vec<_>>());
    assert!(v.committed_bytes() < big);
}

#[test]
fn try_splice_refused_changes_nothing_and_needs_no_memory_after() {
    static DENYING: TestMapper = TestMapper::new("try-splice-deny");
    let mut v: MappedVector<u64> = MappedVector::builder(&DENYING)
        .heap_limit(0)
        .build()
        .unwrap();
    v.try_extend(0..10).unwrap();
    let before = (v.to_vec(), v.committed_bytes());
    DENYING.deny_commits(true);
    let e = v.try_splice(2..5, 100..10_000).map(drop).unwrap_err();
    assert!(e.is_out_of_memory(), "{e:?}");
    assert_eq!((v.to_vec(), v.committed_bytes()), before);
    // Within the committed page: the splice goes through while commits
    // are still refused.
    let removed: Vec<u64> = v.try_splice(2..5, 100..200).unwrap().collect();
    DENYING.deny_commits(false);
    assert_eq!(removed, [2, 3, 4]);
    let mut model: Vec<u64> = (0..10).collect();
    model.splice(2..5, 100..200);
    assert_eq!(v, model);
}
