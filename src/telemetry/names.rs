//! The pinned telemetry names: the tracing target, metric names, label keys
//! and values. Dashboards and tests outside the crate rely on them. (Span
//! names are [`Op::as_str`](crate::Op::as_str), used by the tracing half in
//! `trace.rs`.)

/// The `tracing` target of every span and event.
pub const TARGET: &str = "mapped";

/// Successful commits.
pub const COMMITS_TOTAL: &str = "mapped_commits_total";
/// Successful decommits.
pub const DECOMMITS_TOTAL: &str = "mapped_decommits_total";
/// Bytes committed by successful commits.
pub const COMMITTED_BYTES_TOTAL: &str = "mapped_committed_bytes_total";
/// Bytes returned by successful decommits.
pub const DECOMMITTED_BYTES_TOTAL: &str = "mapped_decommitted_bytes_total";
/// Grow decisions carried out.
pub const GROWS_TOTAL: &str = "mapped_grows_total";
/// Shrink decisions carried out.
pub const SHRINKS_TOTAL: &str = "mapped_shrinks_total";
/// Committed ranges faulted in ahead of writes (one call each).
pub const POPULATES_TOTAL: &str = "mapped_populates_total";
/// Failed mapper calls (and file vectors' file system calls, `flush`
/// among them), labelled by `op`.
pub const ERRORS_TOTAL: &str = "mapped_errors_total";
/// Reservations of dropped containers kept in the cache for reuse.
pub const CACHE_PARKS_TOTAL: &str = "mapped_cache_parks_total";
/// Reservations new containers took from the cache.
pub const CACHE_REUSES_TOTAL: &str = "mapped_cache_reuses_total";
/// Bytes committed now, by all containers (for `mapper = "file"`: the
/// data bytes whose disk blocks live file vectors hold allocated).
pub const COMMITTED_BYTES: &str = "mapped_committed_bytes";
/// Bytes of address space reserved now, by all containers.
pub const RESERVED_BYTES: &str = "mapped_reserved_bytes";
/// Bytes of contents held on the heap now (containers below their heap
/// limit), labelled by `container` only: no mapper is involved.
pub const HEAP_BYTES: &str = "mapped_heap_bytes";
/// Containers holding a mapping (a reservation) now: what
/// `vm.max_map_count` bounds. Containers on the heap hold none.
pub const MAPPED_CONTAINERS: &str = "mapped_containers";
/// Committed bytes parked in the reservation cache now: resident, and in
/// no container's committed bytes.
pub const CACHED_BYTES: &str = "mapped_cached_bytes";
/// Times a container grew on the heap past its limit, labelled by
/// `container` and `reason`: `kernel_mappings` (the process was out of
/// them) or `no_mappings` (the target has none).
pub const HEAP_FALLBACKS_TOTAL: &str = "mapped_heap_fallbacks_total";
/// The kernel-mapping budget of guarded reservations.
pub const MAPPING_BUDGET: &str = "mapped_mapping_budget";
/// Failures injected by failpoints (cargo feature `failpoints`), labelled
/// by `op` (a mapper call, or `alloc`).
pub const INJECTED_FAULTS_TOTAL: &str = "mapped_injected_faults_total";
/// Mapper calls slower than the slow-call threshold
/// ([`set_slow_call_threshold`](crate::set_slow_call_threshold)), labelled
/// by `container`, `mapper` and `op`.
pub const SLOW_CALLS_TOTAL: &str = "mapped_slow_calls_total";
/// Successful flushes of file vectors (data and header made durable),
/// labelled by `container` and `mapper` (`file`).
pub const FILE_FLUSHES_TOTAL: &str = "mapped_file_flushes_total";
/// Seconds spent in the mapper's commit call.
pub const COMMIT_SECONDS: &str = "mapped_commit_seconds";
/// Seconds spent in the mapper's decommit call.
pub const DECOMMIT_SECONDS: &str = "mapped_decommit_seconds";

/// Label: the kind of container, `vector`, `queue` or `bytes`.
pub const LABEL_CONTAINER: &str = "container";
/// Label: [`Mapper::name`](crate::Mapper::name).
pub const LABEL_MAPPER: &str = "mapper";
/// Label on [`ERRORS_TOTAL`]: the operation that failed.
pub const LABEL_OP: &str = "op";
/// Label on [`HEAP_FALLBACKS_TOTAL`]: why the container grew on the heap.
pub const LABEL_REASON: &str = "reason";

/// The `container` label of a [`MappedVector`](crate::MappedVector).
pub const CONTAINER_VECTOR: &str = crate::Kind::Vector.as_str();
/// The `container` label of a [`MappedQueue`](crate::MappedQueue)'s storage.
pub const CONTAINER_QUEUE: &str = crate::Kind::Queue.as_str();
/// The `container` label of a `MappedBytes` buffer (cargo feature `bytes`).
pub const CONTAINER_BYTES: &str = crate::Kind::Bytes.as_str();
