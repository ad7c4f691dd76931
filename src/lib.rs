//! Containers whose memory comes straight from the OS's virtual memory and
//! goes back to it when they shrink.
//!
//! [`MappedVector`] is a `Vec` whose large contents live on a reserved range
//! of address space: pages are committed as it grows and decommitted
//! (returned to the OS and protected) as it shrinks; growth always commits
//! before it touches a page. Small contents live on the heap, like a
//! `Vec`'s, with no system call and no kernel mapping ([`Storage`]).
//! Every reserve, commit, decommit, release, grow and shrink is reported as
//! a `tracing` span, `metrics` updates and an [`Observer`] event. Indexing
//! never calls the OS or reports anything; `push` and `pop` do only when
//! they grow, shrink, or reach pages not yet faulted in (a
//! [populate](#populate) hint), and are otherwise a compare and a store, as
//! `Vec`'s are.
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
//! Layers, from the OS up; each calls only layers listed before it
//! (the repository's `ARCHITECTURE.md` has the whole design):
//!
//! - [`Mapper`], implemented for the OS by [`OsMapper`] in a private `os`
//!   module, the only caller of the OS;
//! - [`telemetry`]: a sink that every layer below reports its events to,
//!   and that calls none of them;
//! - a private `policy`: pure size arithmetic;
//! - a private `Region`: one reservation and its committed prefix, the
//!   only caller of a container's mapper;
//! - a private, non-generic `RawStore`: the memory of one container in
//!   every [`Storage`] state, and the only user of `Region`, the global
//!   allocator and heap telemetry;
//! - the containers, [`MappedVector`] (elements over a `RawStore`) and
//!   [`MappedQueue`] (the heap algorithm over a `MappedVector`), and with
//!   the cargo feature `bytes`, `MappedBytes` (a read offset over a
//!   `MappedVector<u8>`: a per-connection buffer for `bytes` and tokio).
//!
//! # Glossary
//!
//! - <a id="reserve"></a>**Reserve**: take a range of address space
//!   ([`Mapper::reserve`]). It costs no physical memory and no commit
//!   charge; nothing in it may be touched yet.
//! - <a id="commit"></a>**Commit**: make pages of a reservation readable
//!   and writable ([`Mapper::commit`]). A container commits before it
//!   writes, always; fresh pages hold unspecified bytes.
//! - <a id="decommit"></a>**Decommit**: give pages back to the OS and
//!   protect them ([`Mapper::decommit`]), so a stray access faults. A
//!   container decommits when fewer than a quarter of its committed bytes
//!   are in use ([`DECOMMIT_THRESHOLD`]), down to twice what is.
//! - <a id="populate"></a>**Populate**: fault committed pages in with one
//!   call ahead of the writes that fill them ([`Mapper::populate`]), rather
//!   than one trap per page: a hint.
//! - <a id="window"></a>**Window**: a container's reservation. A growable
//!   window moves to one twice as large when full ([`Mapper::remap`], or a
//!   copy); a fixed one ([`MappedVector::with_max_capacity`]) never moves.
//! - <a id="cache"></a>**Cache**: the process-wide cache of reservations
//!   that dropped or emptied containers parked, pages and all (resident),
//!   for the next container to reuse without a system call, for
//!   [`CACHE_DELAY`] ([`trim_cache`], [`CacheTrimmer`]).
//! - <a id="decay"></a>**Decay**: the option to hold sparse pages until
//!   they have stayed unused for a delay ([`Builder::decay`]).
//! - <a id="heap-limit"></a>**Heap limit**: the contents a container keeps
//!   in one heap allocation, with no mapping, before it moves them into a
//!   window of its own; it moves back below a quarter of it
//!   ([`Builder::heap_limit`], [`Storage`]).
//!
//! # Naming: which methods are `try_`
//!
//! A method that needs memory returns a `Result` under its `std` name
//! (`push`, `reserve`, `extend_from_slice`, `resize`, ...): std's
//! signature already allows for it, or std's `try_` form and ours would be
//! the same method. A `try_` prefix marks the fallible twin of something
//! that cannot return an error where std has it: a trait method (`Clone`
//! -> [`MappedVector::try_clone`], `Extend` ->
//! [`MappedVector::try_extend`]), whose trait impls panic on a refusal.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod builder;
#[cfg(feature = "bytes")]
mod bytes;
mod clock;
mod error;
pub mod failpoints;
#[cfg(feature = "file")]
mod file;
#[cfg(unix)]
mod fork;
pub mod inventory;
mod mapper;
mod mapper_ref;
mod op;
mod os;
mod policy;
mod queue;
mod raw;
mod region;
#[cfg(feature = "serde")]
mod serialize;
mod settings;
mod slab;
mod sync;
pub mod telemetry;
#[cfg(feature = "test-util")]
pub mod test_cache;
#[cfg(feature = "test-util")]
pub mod test_clock;
mod vector;

pub use builder::Builder;
#[cfg(feature = "bytes")]
pub use bytes::MappedBytes;
pub use error::{Error, PushError};
#[cfg(feature = "file")]
pub use file::{FileError, FileFaults, FileOptions, FilePushError, FileVector};
pub use mapper::Mapper;
pub use mapper_ref::MapperRef;
pub use op::{Cause, Kind, Op};
pub use os::{OsMapper, UnguardedMapper, MAPPER, UNGUARDED};
pub use policy::{DECOMMIT_THRESHOLD, DEFAULT_WINDOW};
pub use queue::{MappedQueue, PeekMut};
pub use raw::Storage;
pub use region::{
    mapping_budget, set_mapping_budget, trim_cache, CacheTrimmer, BUDGET_ENV, CACHE_DELAY,
    CACHE_MAX_BYTES, CACHE_MAX_COMMITTED, CACHE_MAX_ENTRIES,
};
pub use settings::Guard;
pub use telemetry::event::{set_observer, Event, Observer};
pub use telemetry::slow::set_slow_call_threshold;
pub use telemetry::stats::Stats;
pub use vector::{Drain, ExtractIf, IntoIter, MappedVector, Splice};

/// A snapshot of what all containers in the process hold and have done:
/// the counters telemetry keeps, and the bytes parked in the reservation
/// cache (which the cache keeps itself). No recorder needed; takes no lock.
/// With the `metrics` feature it also sets the
/// [`HEAP_BYTES`](telemetry::names::HEAP_BYTES) gauge, which heap resizes
/// do not touch (they would cost a recorder call each).
pub fn stats() -> Stats {
    // The heap bytes gauge has no per-resize update; bring it up to date.
    telemetry::publish_heap_bytes();
    telemetry::stats(reservations())
}

/// What the storage layer keeps of the reservations, for telemetry to
/// report (it calls nothing above it).
fn reservations() -> telemetry::Reservations {
    telemetry::Reservations {
        cached_bytes: region::cached_bytes(),
        guarded: region::guarded_held(),
        budget: mapping_budget(),
    }
}

/// Who holds the memory: every live mapped container, largest committed
/// first, with its name, kind, mapper, bytes, where it moved into its
/// mapping and how long ago, and the process's totals. Its `Display` is a
/// report for a log (the tour prints one).
///
/// Containers on the heap are not listed (they register nothing, and cost
/// nothing); their bytes are in the totals. Takes the registry's lock,
/// which containers only ever `try_lock`: it never makes one wait.
///
/// ```
/// use mapped::{MappedVector, MAPPER};
///
/// # if !mapped::OsMapper::MAPS { return Ok(()); } // this shows mapped storage
/// let mut v: MappedVector<u64> = MappedVector::builder(MAPPER).name("orders").build()?;
/// v.extend_from_slice(&[7; 100_000])?;
/// let inventory = mapped::inventory();
/// let orders = inventory
///     .containers()
///     .iter()
///     .find(|e| e.name() == Some("orders"))
///     .unwrap();
/// assert_eq!(orders.committed_bytes(), v.committed_bytes());
/// assert_eq!(orders.created_at().file(), file!());
/// println!("{inventory}");
/// # Ok::<(), mapped::Error>(())
/// ```
pub fn inventory() -> inventory::Inventory {
    let stats = stats();
    inventory::Inventory {
        containers: inventory::entries(),
        committed_bytes: stats.committed_bytes,
        reserved_bytes: stats.reserved_bytes,
        heap_bytes: stats.heap_bytes,
        cached_bytes: stats.cached_bytes,
        guarded_reservations: stats.guarded_reservations,
        mapping_budget: stats.mapping_budget,
    }
}

/// Registers descriptions and units of every metric with the installed
/// `metrics` recorder, and makes the series a dashboard or an alert reads
/// exist at zero (errors by mapper call, decommits, for the OS mapper's
/// containers) and the cache's gauge. Call it once, after installing the
/// recorder. Does nothing without the `metrics` feature.
///
/// Called with the global recorder installed
/// (`metrics::set_global_recorder`), it also makes every later event of
/// the OS mapper's containers cheaper: they report through handles held
/// for that recorder instead of asking its registry for one per metric
/// and event. Every event is still counted; a recorder a thread sets for
/// itself gets the per-event look-up, as it does without this call.
///
/// ```
/// let recorder = metrics_util::debugging::DebuggingRecorder::new();
/// let snapshotter = recorder.snapshotter();
/// metrics::set_global_recorder(recorder).unwrap();
/// mapped::describe_metrics();
/// # #[cfg(feature = "metrics")]
/// assert!(!snapshotter.snapshot().into_vec().is_empty());
/// ```
pub fn describe_metrics() {
    telemetry::describe_metrics(reservations());
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
