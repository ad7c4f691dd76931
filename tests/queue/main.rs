//! `MappedQueue`, one module per concern, in one binary (the random model
//! runs against `BinaryHeap` are in `tests/fuzz/model.rs`):
//!
//! - [`model`]: heapifying a vector, the pinned API, capacity calls;
//! - [`faults`]: refused commits, poison and trap modes;
//! - [`shrink`]: a burst gives its memory back, and decay;
//! - [`panics`]: a panicking `Ord`, and every element dropped once.
//!
//! Containers that need no mapper of their own run on
//! `mapped_mock::os_mapper()`: the OS mapper, or where it cannot map (Miri,
//! `--cfg mapped_no_mmap`) the heap mapper, so that the mapped storage is
//! tested everywhere.

mod faults;
mod model;
mod panics;
mod shrink;
