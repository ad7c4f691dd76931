//! `MappedQueue` under the fault-injecting mapper: refused commits return
//! errors and lose nothing, and in poison and trap modes the heap never
//! touches a decommitted page, across bursts that grow and shrink it.

use mapped::{MappedQueue, Mapper, Storage};
use mapped_mock::{child, FaultyMapper};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BinaryHeap;
use std::sync::Arc;

/// Random bursts of pushes and pops against `BinaryHeap`, on `mock`;
/// returns how many pushes were refused.
fn bursts(mock: &Arc<FaultyMapper>, seed: u64, rounds: usize) -> usize {
    let mut rng = StdRng::seed_from_u64(seed);
    let page = mock.page_size();
    let mut q: MappedQueue<(u32, String), 1> = MappedQueue::builder(mock.clone())
        .initial_window(4 * page)
        .build()
        .unwrap();
    let mut model = BinaryHeap::new();
    let mut refused = 0;
    let mut was_mapped = false;
    for round in 0..rounds {
        // The first round always passes the heap limit, so the queue maps
        // whatever the seed; the pops at the end take it back to the heap.
        let pushes = if round == 0 {
            3000
        } else {
            rng.random_range(0..3000)
        };
        for i in 0..pushes {
            let item = (rng.random_range(0..500u32), format!("{round}/{i}"));
            let (len, committed) = (q.len(), q.committed_bytes());
            match q.push(item.clone()) {
                Ok(()) => model.push(item),
                Err(e) => {
                    // Refused: nothing lost, nothing changed, the item back.
                    assert!(
                        e.error().is_out_of_memory(),
                        "seed {}: {}",
                        mock.seed(),
                        e.error()
                    );
                    assert_eq!(e.into_value(), item, "seed {}", mock.seed());
                    assert_eq!(
                        (q.len(), q.committed_bytes()),
                        (len, committed),
                        "seed {}",
                        mock.seed()
                    );
                    refused += 1;
                }
            }
        }
        was_mapped |= q.storage() == Storage::Mapped;
        let pops = rng.random_range(0..=q.len() + 100);
        for _ in 0..pops {
            assert_eq!(q.pop(), model.pop(), "seed {}", mock.seed());
        }
        assert_eq!(q.len(), model.len());
        assert_eq!(q.peek(), model.peek());
        let storage = q.as_slice();
        let bytes = std::mem::size_of_val(storage);
        assert!(
            q.storage() != Storage::Mapped || mock.check_committed(storage.as_ptr().cast(), bytes),
            "seed {}: live elements outside committed pages",
            mock.seed()
        );
        assert_eq!(
            q.committed_bytes(),
            mock.committed_bytes(),
            "seed {}",
            mock.seed()
        );
    }
    while let Some(top) = q.pop() {
        assert_eq!(Some(top), model.pop());
    }
    assert_eq!(
        (q.committed_bytes(), mock.live_reservations()),
        (0, 0),
        "the mapping is given back once empty"
    );
    assert!(was_mapped, "seed {}: the queue never mapped", mock.seed());
    assert_ne!(q.storage(), Storage::Mapped, "emptied, it left its mapping");
    drop(q);
    mock.assert_clean();
    assert_eq!(mock.live_reservations(), 0);
    refused
}

#[test]
fn refused_commits_lose_nothing_in_poison_mode() {
    let mock = FaultyMapper::builder()
        .seed(7)
        .poison(true)
        // Refusals the test sees whatever the seed: the second and fifth
        // commits fail, on top of the random ones.
        .deny_commit_on(2)
        .deny_commit_on(5)
        .deny_commits(0.05)
        .deny_remaps(0.2)
        .build_arc();
    let refused = bursts(&mock, mock.seed(), 40);
    assert!(
        refused > 0,
        "the test must see refusals (seed {})",
        mock.seed()
    );
    assert!(
        mock.stats().poisoned_pages_checked > 0,
        "pages were decommitted and recommitted"
    );
}

#[test]
fn copying_window_moves_in_poison_mode() {
    let mock = FaultyMapper::builder()
        .seed(11)
        .poison(true)
        .remap(false)
        .deny_commits(0.02)
        .build_arc();
    bursts(&mock, mock.seed(), 30);
}

#[test]
fn trap_mode_finds_no_access_to_decommitted_pages() {
    const NAME: &str = "faults::trap_mode_finds_no_access_to_decommitted_pages";
    if child::is_child(NAME) {
        let mock = FaultyMapper::builder()
            .seed(3)
            .trap(true)
            .deny_commits(0.03)
            .build_arc();
        bursts(&mock, mock.seed(), 40);
        return;
    }
    let out = child::run(NAME, &[]);
    assert!(out.status.success(), "{}", child::describe(&out));
}

/// `append` and `retain` on the mock: a refused commit leaves both queues
/// as they were, and afterwards the queue pops what a `BinaryHeap` pops.
#[test]
fn a_refused_append_leaves_both_queues_intact() {
    let mock = FaultyMapper::builder().seed(5).poison(true).build_arc();
    let mut q: MappedQueue<u64> = MappedQueue::builder(mock.clone())
        .heap_limit(0)
        .build()
        .unwrap();
    let mut other: MappedQueue<u64, 2> = MappedQueue::new(mock.clone());
    let mut model: BinaryHeap<u64> = (0..100).collect();
    let mut other_model: BinaryHeap<u64> = (1000..6000).collect();
    for x in 0..100 {
        q.push(x).unwrap();
    }
    for x in 1000..6000 {
        other.push(x).unwrap();
    }
    let (len, other_len) = (q.len(), other.len());
    mock.deny_next_commits(1);
    let e = q.append(&mut other).unwrap_err();
    assert!(e.is_out_of_memory(), "{e}");
    assert_eq!((q.len(), other.len()), (len, other_len), "both unchanged");
    q.append(&mut other).unwrap();
    model.append(&mut other_model);
    assert!(other.is_empty());
    q.retain(|x| x % 3 != 0);
    model.retain(|x| x % 3 != 0);
    while let Some(top) = q.pop() {
        assert_eq!(Some(top), model.pop());
    }
    assert!(model.is_empty());
    drop((q, other));
    mock.assert_clean();
}
