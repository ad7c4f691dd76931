//! The kernel-mapping budget and the two kinds of mapping, through the
//! public API: guarded within the budget, unguarded past it or when asked,
//! an error past it for a container that must be guarded, and the heap when
//! the process is out of kernel mappings altogether.
//!
//! The budget is process-wide, so every test that changes it runs in a
//! child process of its own (`mapped_mock::child`).
//!
//! Not built with `--cfg mapped_no_mmap`, where nothing is mapped
//! (`tests/no_mmap.rs` tests that).
#![cfg(not(mapped_no_mmap))]

use mapped::{Error, Guard, MappedQueue, MappedVector, Mapper, Storage, MAPPER};
use mapped_mock::child;

/// Runs the test `name` in a child process and checks that it finished.
fn in_child(name: &str, envs: &[(&str, &str)]) {
    child::run_expecting(name, envs, "child done");
}

/// `MappedVector<u64>`'s heap limit in elements: one page of them.
fn limit() -> u64 {
    (MAPPER.page_size() / 8) as u64
}

/// Fills `v` with `count` elements `0..count`.
fn fill(v: &mut MappedVector<u64>, count: u64) {
    for i in 0..count {
        v.push(i)
            .unwrap_or_else(|e| panic!("push {i}: {:?}", e.error()));
    }
}

#[test]
fn within_the_budget_a_container_is_guarded() {
    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    fill(&mut v, 100_000);
    assert_eq!(v.storage(), Storage::Mapped);
    // Guarded: a reservation larger than its committed prefix.
    assert!(v.reserved_bytes() > v.committed_bytes());
    let during = mapped::stats();
    assert!(during.guarded_reservations >= 1, "{during:?}");
    assert!(during.mapping_budget > 0, "{during:?}");
    assert!(v.iter().copied().eq(0..100_000));
}

#[test]
fn never_guarded_takes_one_read_write_mapping_and_gives_memory_back() {
    let mut v = MappedVector::<u64>::builder(MAPPER)
        .guard(Guard::Never)
        .build()
        .unwrap();
    fill(&mut v, 1_000_000);
    assert_eq!(v.storage(), Storage::Mapped);
    // The mapping stays close to its committed bytes: no 64 MiB window.
    assert_eq!(v.reserved_bytes(), v.committed_bytes());
    assert_eq!(v.committed_bytes(), 8 << 20);
    assert!(v.iter().copied().eq(0..1_000_000));
    v.truncate(1000);
    assert!(v.committed_bytes() < 1 << 20, "{}", v.committed_bytes());
    assert!(v.iter().copied().eq(0..1000));
    v.clear();
    assert_eq!(v.storage(), Storage::Empty);
    // And back: the seed's scenario on the unguarded kind.
    fill(&mut v, 10_000);
    while v.pop().is_some() {}
    fill(&mut v, 10_000);
    assert!(v.iter().copied().eq(0..10_000));
}

#[test]
fn past_the_budget_containers_are_unguarded() {
    const NAME: &str = "past_the_budget_containers_are_unguarded";
    if child::is_child(NAME) {
        assert_eq!(mapped::mapping_budget(), 0, "the environment sets it");
        let mut all = Vec::new();
        for i in 0..100u64 {
            let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
            fill(&mut v, 10_000 + i);
            assert_eq!(v.storage(), Storage::Mapped);
            assert_eq!(v.reserved_bytes(), v.committed_bytes(), "container {i}");
            all.push(v);
        }
        let s = mapped::stats();
        assert_eq!(s.guarded_reservations, 0, "{s:?}");
        assert_eq!(s.unguarded_containers, 100, "{s:?}");
        for (i, v) in all.iter().enumerate() {
            assert!(v.iter().copied().eq(0..10_000 + i as u64));
        }
        // A queue too.
        let mut q: MappedQueue<u64> = MappedQueue::new(MAPPER);
        for i in 0..10_000 {
            q.push(i).unwrap();
        }
        assert_eq!(q.pop(), Some(9_999));
        drop(all);
        assert_eq!(mapped::stats().unguarded_containers, 1);
        eprintln!("child done");
        return;
    }
    in_child(NAME, &[(mapped::BUDGET_ENV, "0")]);
}

#[test]
fn the_budget_set_at_run_time_is_followed() {
    const NAME: &str = "the_budget_set_at_run_time_is_followed";
    if child::is_child(NAME) {
        // Room for two guarded reservations (two kernel mappings each).
        mapped::set_mapping_budget(4);
        let mut vs: Vec<MappedVector<u64>> = (0..4).map(|_| MappedVector::new(MAPPER)).collect();
        for v in &mut vs {
            fill(v, 1000);
        }
        let guarded: Vec<bool> = vs
            .iter()
            .map(|v| v.reserved_bytes() > v.committed_bytes())
            .collect();
        assert_eq!(guarded, [true, true, false, false]);
        let s = mapped::stats();
        assert_eq!((s.guarded_reservations, s.unguarded_containers), (2, 2));
        assert_eq!(s.mapping_budget, 4);
        eprintln!("child done");
        return;
    }
    in_child(NAME, &[]);
}

#[test]
fn always_guarded_past_the_budget_is_an_error_that_loses_nothing() {
    const NAME: &str = "always_guarded_past_the_budget_is_an_error_that_loses_nothing";
    if child::is_child(NAME) {
        let mut v = MappedVector::<u64>::builder(MAPPER)
            .guard(Guard::Always)
            .build()
            .unwrap();
        fill(&mut v, limit()); // a full page on the heap
        let err = v.push(limit()).unwrap_err();
        assert!(
            matches!(err.error(), Error::MappingBudget { budget: 0, .. }),
            "{:?}",
            err.error()
        );
        assert_eq!(err.into_value(), limit());
        assert_eq!(v.storage(), Storage::Heap);
        assert!(v.iter().copied().eq(0..limit()));
        // With room again it maps, guarded.
        mapped::set_mapping_budget(1000);
        v.push(limit()).unwrap();
        assert!(v.reserved_bytes() > v.committed_bytes());
        eprintln!("child done");
        return;
    }
    in_child(NAME, &[(mapped::BUDGET_ENV, "0")]);
}

/// Running out of kernel mappings: Linux only, whose `vm.max_map_count`
/// bounds them (65530 by default); the other Unixes and Windows have no
/// such small limit, and taking every mapping there is taking all memory.
#[cfg(target_os = "linux")]
mod out_of_kernel_mappings {
    use super::{fill, in_child, limit};
    use mapped::{MappedVector, Mapper, Storage, MAPPER};
    use mapped_mock::child;

    /// Takes every kernel mapping the process may still have, with one-page
    /// mappings whose protections alternate (so that none merges with its
    /// neighbour), and returns how many it took.
    fn exhaust_kernel_mappings() -> usize {
        let page = MAPPER.page_size();
        let mut taken = 0;
        loop {
            let prot = if taken % 2 == 0 {
                libc::PROT_READ
            } else {
                libc::PROT_NONE
            };
            // SAFETY: a fresh anonymous mapping at an address of the kernel's
            // choosing touches no memory of anyone's; it is never unmapped.
            let addr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    page,
                    prot,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            if addr == libc::MAP_FAILED {
                return taken;
            }
            taken += 1;
        }
    }

    #[test]
    fn a_container_stays_on_the_heap_like_a_vec() {
        const NAME: &str = "out_of_kernel_mappings::a_container_stays_on_the_heap_like_a_vec";
        if child::is_child(NAME) {
            // Grown to its heap limit first, so that the move is the next push.
            let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
            fill(&mut v, limit());
            let mut reference: Vec<u64> = (0..limit()).collect();
            reference.reserve(1 << 16);
            let taken = exhaust_kernel_mappings();
            assert!(taken > 1000, "took {taken} mappings");
            for i in limit()..20_000 {
                v.push(i)
                    .unwrap_or_else(|e| panic!("push {i}: {:?}", e.error()));
            }
            reference.extend(limit()..20_000);
            assert_eq!(v.storage(), Storage::Heap, "no mapping to be had");
            assert_eq!(v[..], reference[..]);
            let s = mapped::stats();
            assert!(s.heap_fallbacks >= 1, "{s:?}");
            assert!(v.heap_bytes() >= 20_000 * 8);
            eprintln!("child done");
            return;
        }
        in_child(NAME, &[]);
    }
}
