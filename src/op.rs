//! [`Op`]: the name of every memory operation, shared by errors (which
//! operation was refused) and telemetry (span names and the `op` label);
//! [`Cause`]: why a grow or shrink happened; [`Kind`]: which kind of
//! container (the `container` label). A leaf: it depends on nothing else
//! in the crate.

use std::fmt;

/// What happened: a mapper call (the five of [`Mapper`](crate::Mapper) and
/// its populate hint), a grow/shrink decision (which contains mapper calls),
/// a use of the reservation cache, or a file vector's flush. A file vector
/// (cargo feature `file`) reports its file system calls as the mapper calls
/// they stand for: `Commit` (blocks allocated), `Decommit` (the file cut
/// short), `Remap` (the mapping moved to the grown file), with `mapper =
/// "file"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Op {
    /// Address space reserved.
    Reserve,
    /// Pages made readable and writable.
    Commit,
    /// Pages given back to the OS and protected.
    Decommit,
    /// A whole reservation given back.
    Release,
    /// Committed pages faulted in ahead of the writes about to fill them, in
    /// one call (a hint; committed bytes do not change).
    Populate,
    /// A reservation moved to a larger one without copying bytes.
    Remap,
    /// A container committed more memory (may reserve, remap and commit).
    Grow,
    /// A container gave memory back (decommits).
    Shrink,
    /// A dropped container's reservation was kept in the process-wide cache
    /// instead of being released (no system call). Its bytes leave the
    /// container's accounts (`to_bytes == 0`) for the cache's
    /// ([`Stats::cached_bytes`](crate::Stats::cached_bytes)).
    Park,
    /// A new container took a reservation from the cache instead of
    /// reserving (no system call); its committed pages come with it.
    Reuse,
    /// A file vector made its elements and length durable
    /// (`FileVector::flush`, or a header write
    /// that saves a shorter length first); committed bytes do not change.
    Flush,
}

impl Op {
    /// The calls to the [`Mapper`](crate::Mapper) (and its populate hint).
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) const MAPPER_CALLS: [Op; 6] = [
        Op::Reserve,
        Op::Commit,
        Op::Decommit,
        Op::Release,
        Op::Populate,
        Op::Remap,
    ];

    /// How many operations there are (`Op::Flush` is the last).
    pub(crate) const COUNT: usize = Op::Flush as usize + 1;

    /// The span name and `op` label value: `"commit"`, `"grow"`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Op::Reserve => "reserve",
            Op::Commit => "commit",
            Op::Decommit => "decommit",
            Op::Release => "release",
            Op::Populate => "populate",
            Op::Remap => "remap",
            Op::Grow => "grow",
            Op::Shrink => "shrink",
            Op::Park => "park",
            Op::Reuse => "reuse",
            Op::Flush => "flush",
        }
    }

    /// Whether this is a call to the [`Mapper`](crate::Mapper) (or a file
    /// vector's call to the file system, `Flush` among them), as opposed to
    /// a grow/shrink decision or a use of the reservation cache.
    pub const fn is_mapper_call(self) -> bool {
        !matches!(self, Op::Grow | Op::Shrink | Op::Park | Op::Reuse)
    }

    /// Whether the event's footprint change is its own, as opposed to the
    /// sum of the mapper calls inside it (grow and shrink).
    pub(crate) const fn owns_its_change(self) -> bool {
        !matches!(self, Op::Grow | Op::Shrink)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a grow, shrink or flush happened: the `cause` field of their spans,
/// and [`Event::cause`](crate::Event::cause). A small, fixed set, so a log
/// query or a dashboard can group by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// Grow: the contents outgrew the heap limit and moved into a mapping.
    HeapToMapping,
    /// Grow: a push or extend found the committed pages full.
    Full,
    /// Grow: `reserve` or `reserve_exact` asked for room.
    Reserve,
    /// Shrink: a removal (`pop`, `remove`, `drain`, `retain`, ...) left
    /// the container sparse, and it decommitted.
    Sparse,
    /// Shrink: a removal left the contents small enough for the heap, and
    /// they moved back there.
    ToHeap,
    /// Shrink: `clear`.
    Clear,
    /// Shrink: `truncate`.
    Truncate,
    /// Shrink: memory held by the decay option stayed unused for its delay
    /// (found by a later removal, or by `trim`).
    Decay,
    /// Shrink: `shrink_to_fit` or `shrink_to`.
    Fit,
    /// Flush: a file vector's `flush`.
    Flush,
    /// Flush: a file vector's write below its saved length first saved the
    /// shorter length (nothing saved is overwritten in place).
    Overwrite,
}

impl Cause {
    /// The `cause` field's value: `"heap_to_mapping"`, `"full"`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Cause::HeapToMapping => "heap_to_mapping",
            Cause::Full => "full",
            Cause::Reserve => "reserve",
            Cause::Sparse => "sparse",
            Cause::ToHeap => "to_heap",
            Cause::Clear => "clear",
            Cause::Truncate => "truncate",
            Cause::Decay => "decay",
            Cause::Fit => "fit",
            Cause::Flush => "flush",
            Cause::Overwrite => "overwrite",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of container an event or an inventory entry is of: the
/// `container` field of spans and label of metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A [`MappedVector`](crate::MappedVector) (and a file vector).
    Vector,
    /// A [`MappedQueue`](crate::MappedQueue)'s storage.
    Queue,
    /// A `MappedBytes` buffer's storage (cargo feature `bytes`).
    Bytes,
}

/// How many kinds of container this build makes: see [`Kind::ALL`].
pub(crate) const KINDS: usize = if cfg!(feature = "bytes") { 3 } else { 2 };

impl Kind {
    /// Every kind this build makes, in the order of the per-kind arrays
    /// (the heap bytes gauges): `bytes` only with its cargo feature, so a
    /// build without it reports no series for it.
    pub(crate) const ALL: [Kind; KINDS] = [
        Kind::Vector,
        Kind::Queue,
        #[cfg(feature = "bytes")]
        Kind::Bytes,
    ];

    /// The `container` label's value: `"vector"`, `"queue"` or `"bytes"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Vector => "vector",
            Kind::Queue => "queue",
            Kind::Bytes => "bytes",
        }
    }
}

/// The label value; padded as a string is (`{:<6}`).
impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
