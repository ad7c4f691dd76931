//! A build without mappings (`--cfg mapped_no_mmap`, what a target
//! without virtual memory gets): `MAPPER` and `UNGUARDED` say
//! `Unsupported` to every call, containers on `MAPPER` keep their contents
//! on the heap and grow there as a `Vec` does, and a fixed window (which
//! must be reserved) is an `Unsupported` OS error. Only built there.
#![cfg(mapped_no_mmap)]

use mapped::{Error, MappedQueue, MappedVector, Mapper, Op, Storage, MAPPER, UNGUARDED};
use std::collections::BinaryHeap;
use std::io::ErrorKind;
use std::ptr::NonNull;

#[test]
fn the_os_mappers_say_unsupported_to_every_call() {
    let page = MAPPER.page_size();
    assert!(page.is_power_of_two());
    let addr = NonNull::<u8>::dangling();
    for m in [&MAPPER as &dyn Mapper, &UNGUARDED] {
        let kinds = [
            m.reserve(page).map(drop),
            // SAFETY: every call is refused before it touches anything.
            unsafe { m.commit(addr, page) },
            // SAFETY: as above.
            unsafe { m.decommit(addr, page) },
            // SAFETY: as above.
            unsafe { m.populate(addr, page) },
            // SAFETY: as above.
            unsafe { m.remap(addr, page, 0, 2 * page) }.map(drop),
            // SAFETY: as above.
            unsafe { m.release(addr, page) },
        ]
        .map(|r| r.unwrap_err().kind());
        assert_eq!(kinds, [ErrorKind::Unsupported; 6], "{}", m.name());
    }
}

#[test]
fn containers_on_the_os_mapper_stay_on_the_heap_like_a_vec() {
    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    let mut model = Vec::new();
    for i in 0..100_000u64 {
        v.push(i).unwrap();
        model.push(i);
    }
    assert_eq!(v.storage(), Storage::Heap);
    assert_eq!((v.committed_bytes(), v.reserved_bytes()), (0, 0));
    assert!(v.heap_bytes() >= 100_000 * 8);
    v.truncate(10);
    model.truncate(10);
    v.shrink_to_fit().unwrap();
    assert_eq!(v[..], model[..]);
    assert_eq!(v.capacity(), 10);

    let mut q: MappedQueue<u64> = MappedQueue::new(MAPPER);
    let mut heap = BinaryHeap::new();
    for i in 0..50_000u64 {
        let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
        q.push(x).unwrap();
        heap.push(x);
    }
    assert_eq!(q.storage(), Storage::Heap);
    while let Some(top) = heap.pop() {
        assert_eq!(q.pop(), Some(top));
    }
    assert_eq!(mapped::stats().mapped_containers, 0);
}

#[test]
fn a_fixed_window_on_the_os_mapper_is_an_unsupported_os_error() {
    let err = MappedVector::<u64>::with_max_capacity(MAPPER, 1000).unwrap_err();
    match &err {
        Error::Os {
            op: Op::Reserve,
            source,
            ..
        } => assert_eq!(source.kind(), ErrorKind::Unsupported, "{err}"),
        other => panic!("{other:?}"),
    }
    let err = MappedVector::<u64>::builder(MAPPER)
        .max_capacity(1000)
        .build()
        .unwrap_err();
    assert_eq!(
        err.os_error().map(std::io::Error::kind),
        Some(ErrorKind::Unsupported),
        "{err:?}"
    );
}

/// A fixed window of nothing needs no reservation, so it may build; but
/// then, as on every mapper, it holds nothing: a push is `WindowFull`.
/// (Or it is refused as `Unsupported`, as any other fixed window here.)
#[test]
fn a_fixed_window_of_nothing_on_the_os_mapper_holds_nothing() {
    match MappedVector::<u64>::with_max_capacity(MAPPER, 0) {
        Err(err) => assert_eq!(
            err.os_error().map(std::io::Error::kind),
            Some(ErrorKind::Unsupported),
            "{err:?}"
        ),
        Ok(mut v) => {
            assert_eq!(v.max_capacity(), Some(0));
            let err = v.push(3).unwrap_err();
            assert!(matches!(err.error(), Error::WindowFull { .. }), "{err:?}");
            assert_eq!(v.len(), 0);
        }
    }
}
