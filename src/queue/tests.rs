//! Unit tests that need crate-private access: `PeekMut` popping or
//! leaked, and the `queue` label on every way a queue is made. (The sift
//! internals' own tests are in `sift.rs`.)

use super::sift::is_heap;
use super::*;
use crate::os::MAPPER;

#[test]
fn peek_mut_pop_removes_the_edited_top() {
    let mut q: MappedQueue<i32> = MappedQueue::new(MAPPER);
    q.extend([4, 9, 1, 7]);
    let mut top = q.peek_mut().unwrap();
    *top = 100;
    assert_eq!(PeekMut::pop(top), 100);
    assert!(is_heap(q.as_slice()));
    assert_eq!(q.into_sorted_vec(), [1, 4, 7]);

    let mut q: MappedQueue<i32> = MappedQueue::new(MAPPER);
    q.extend([4, 9, 1, 7]);
    let top = q.peek_mut().unwrap();
    assert_eq!(PeekMut::pop(top), 9);
    assert_eq!(q.len(), 3);
}

#[test]
fn leaked_peek_mut_leaks_but_stays_a_heap() {
    let mut q: MappedQueue<i32> = MappedQueue::new(MAPPER);
    q.extend([4, 9, 1, 7]);
    let mut top = q.peek_mut().unwrap();
    *top = 0;
    std::mem::forget(top);
    assert_eq!(q.len(), 1);
    assert_eq!(q.pop(), Some(0));
    q.push(3).unwrap();
    assert_eq!(q.pop(), Some(3));
}

/// Records the `container` label of every event it sees.
#[derive(Default)]
struct Labels(std::sync::Mutex<Vec<crate::Kind>>);

impl crate::telemetry::Observer for Labels {
    fn on_event(&self, event: &crate::telemetry::Event<'_>) {
        self.0.lock().unwrap().push(event.container);
    }
}

impl Labels {
    fn take(&self) -> Vec<crate::Kind> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "MAPPER maps nothing: no event carries a label"
)]
fn every_construction_path_labels_the_storage_queue() {
    use std::sync::Arc;
    let labels = Arc::new(Labels::default());
    let fill = |q: &mut MappedQueue<u64>| {
        for i in 0..10_000 {
            q.push(i).unwrap();
        }
    };

    // The builder, growable and fixed: the reservation already says queue.
    let mut q = MappedQueue::<u64>::builder(MAPPER)
        .observer(labels.clone())
        .build()
        .unwrap();
    fill(&mut q);
    let mut fixed = MappedQueue::<u64>::builder(MAPPER)
        .observer(labels.clone())
        .max_capacity(20_000)
        .build()
        .unwrap();
    fill(&mut fixed);
    drop(fixed);
    // try_clone and clone keep the label.
    let c = q.try_clone().unwrap();
    drop(c);
    let c = q.clone();
    drop(c);
    let seen = labels.take();
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|&c| c == crate::Kind::Queue), "{seen:?}");

    // into_vec: a vector from then on; From<MappedVector>: a queue again.
    let mut v = q.into_vec();
    v.clear();
    v.extend(0..10_000u64);
    let seen = labels.take();
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|&c| c == crate::Kind::Vector), "{seen:?}");
    let mut q = MappedQueue::from(v);
    q.clear();
    fill(&mut q);
    let seen = labels.take();
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|&c| c == crate::Kind::Queue), "{seen:?}");
    // into_sorted_vec too is a vector.
    let mut v = q.into_sorted_vec();
    v.clear();
    let seen = labels.take();
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|&c| c == crate::Kind::Vector), "{seen:?}");
}
