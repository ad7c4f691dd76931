//! The `serde` feature: both containers round-trip as sequences of their
//! elements, read the documents `Vec` and `BinaryHeap` write, and report a
//! malformed document as an error.
#![cfg(feature = "serde")]

use mapped::{MappedQueue, MappedVector, MAPPER};
use std::collections::BinaryHeap;

#[test]
fn a_vector_round_trips_as_a_vec_does() {
    let mut v: MappedVector<String> = MappedVector::new(MAPPER);
    let words: Vec<String> = (0..3000).map(|i| format!("w{i}")).collect();
    v.extend_from_slice(&words).unwrap(); // past the heap limit: mapped
    let json = serde_json::to_string(&v).unwrap();
    assert_eq!(json, serde_json::to_string(&words).unwrap());
    let back: MappedVector<String, 4> = serde_json::from_str(&json).unwrap();
    assert_eq!(back[..], words[..]);
    let empty: MappedVector<u8> = serde_json::from_str("[]").unwrap();
    assert!(empty.is_empty());
}

#[test]
fn a_queue_round_trips_as_its_elements() {
    let items = [5u32, 1, 9, 3, 7, 9, 0];
    let mut q: MappedQueue<u32> = MappedQueue::new(MAPPER);
    for x in items {
        q.push(x).unwrap();
    }
    let json = serde_json::to_string(&q).unwrap();
    let as_vec: Vec<u32> = serde_json::from_str(&json).unwrap();
    assert_eq!(
        as_vec[..],
        q.as_slice()[..],
        "the queue writes its elements"
    );
    let back: MappedQueue<u32> = serde_json::from_str(&json).unwrap();
    let heap: BinaryHeap<u32> = serde_json::from_str(&json).unwrap();
    assert_eq!(back.into_sorted_vec()[..], heap.into_sorted_vec()[..]);
    // Any order reads back as a valid queue.
    let unordered: MappedQueue<u32> = serde_json::from_str("[1, 2, 3, 4]").unwrap();
    assert_eq!(unordered.peek(), Some(&4));
}

#[test]
fn a_malformed_document_is_an_error() {
    assert!(serde_json::from_str::<MappedVector<u32>>("[1, \"two\"]").is_err());
    assert!(serde_json::from_str::<MappedQueue<u32>>("{\"a\": 1}").is_err());
}
