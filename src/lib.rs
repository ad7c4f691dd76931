//! Containers whose memory comes straight from the OS's virtual memory and
//! goes back to it when they shrink.
//!
//! [`MappedVector`] is a `Vec` whose large contents live on a reserved range
//! of address space: pages are committed as it grows and decommitted
//! (returned to the OS and protected) as it shrinks; growth always commits
//! before it touches a page. Small contents live on the heap, like a
//! `Vec`'s, with no system call and no kernel mapping ([`Storage`]).
//! Every reserve, commit, decommit, release, grow and shrink is reported as
//! a `tracing` span, `metrics` updates and an [`Observer`] event; push, pop
//! and indexing report nothing and make no system calls.
//!
//! ```
//! use mapped::{MappedVector, MAPPER};
//!
//! let mut v: MappedVector<i32, 1> = MappedVector::new(MAPPER);
//! for i in 0..10_000 { v.push(i).unwrap(); }
//! for _ in 0..10_000 { v.pop(); }          // pages go back to the OS
//! assert_eq!(v.committed_bytes(), 0);      // the last few live on the heap
//! for i in 0..10_000 { v.push(i).unwrap(); } // and are committed again first
//! assert_eq!(v.len(), 10_000);
//! ```
//!
//! Layers, from the OS up: [`Mapper`] (the OS calls; [`OsMapper`]), a
//! private `Region` (one reservation and its committed prefix; the only
//! caller of a mapper), [`policy`] (pure size arithmetic), the containers,
//! and [`telemetry`].
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod builder;
mod error;
pub mod failpoints;
mod fork;
mod mapper;
mod os;
pub mod policy;
mod queue;
mod region;
#[cfg(feature = "serde")]
mod serialize;
pub mod telemetry;
mod vector;

pub use builder::Builder;
pub use error::{Error, PushError};
pub use mapper::{Mapper, MapperRef};
pub use os::{OsMapper, MAPPER};
pub use queue::{MappedQueue, PeekMut};
pub use region::{trim_cache, CACHE_MAX_BYTES, CACHE_MAX_COMMITTED, CACHE_MAX_ENTRIES};
pub use telemetry::{describe_metrics, set_observer, stats, Event, Observer, Op, Stats};
pub use vector::{Drain, IntoIter, MappedVector, Storage};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
