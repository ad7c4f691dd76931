//! The file vector's telemetry, in one place: spans and WARN events
//! (`tracing`) and counters (`metrics`), behind the same cargo features as
//! the rest of the crate, with the pinned names of
//! [`crate::telemetry::names`] and the label `mapper = "file"`.
//!
//! It calls `tracing` and `metrics` directly. To route it through the
//! crate's `Event` pipeline instead (observers, `stats()`), only the bodies
//! of [`span`], [`done`], [`failed`] and [`injected`] need to change.

#[cfg(feature = "metrics")]
use crate::telemetry::names;
use std::io;

/// The `mapper` label (and span field) of everything a file vector does.
#[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
pub(crate) const MAPPER: &str = "file";
/// The `container` label.
#[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
pub(crate) const CONTAINER: &str = crate::telemetry::names::CONTAINER_VECTOR;

/// The operations a file vector reports, named as the memory ones are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileOp {
    /// A growth decision (holds `commit`, maybe `remap`).
    Grow,
    /// A shrink decision (holds `decommit`).
    Shrink,
    /// Blocks allocated ahead of writes (`fallocate`).
    Commit,
    /// Blocks given back (a punched hole).
    Decommit,
    /// The mapping moved to the grown file (`mremap`).
    Remap,
    /// Data and header made durable.
    Flush,
}

impl FileOp {
    #[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FileOp::Grow => "grow",
            FileOp::Shrink => "shrink",
            FileOp::Commit => "commit",
            FileOp::Decommit => "decommit",
            FileOp::Remap => "remap",
            FileOp::Flush => "flush",
        }
    }
}

/// An entered span; leaving it ends the span.
pub(crate) struct Guard {
    #[cfg(feature = "tracing")]
    _span: tracing::span::EnteredSpan,
}

/// Enters the span of `op` (`from`/`to`: bytes before and after, for grow
/// and shrink; `cause`: why).
#[allow(unused_variables)]
pub(crate) fn span(op: FileOp, bytes: usize, from: usize, to: usize, cause: &'static str) -> Guard {
    #[cfg(feature = "tracing")]
    {
        use crate::telemetry::names::TARGET;
        use tracing::debug_span;
        let (container, mapper) = (CONTAINER, MAPPER);
        let span = match op {
            FileOp::Grow => {
                debug_span!(target: TARGET, "grow", bytes, container, mapper, from_bytes = from, to_bytes = to, cause)
            }
            FileOp::Shrink => {
                debug_span!(target: TARGET, "shrink", bytes, container, mapper, from_bytes = from, to_bytes = to, cause)
            }
            FileOp::Commit => debug_span!(target: TARGET, "commit", bytes, container, mapper),
            FileOp::Decommit => debug_span!(target: TARGET, "decommit", bytes, container, mapper),
            FileOp::Remap => debug_span!(target: TARGET, "remap", bytes, container, mapper),
            FileOp::Flush => debug_span!(target: TARGET, "flush", bytes, container, mapper, cause),
        };
        Guard {
            _span: span.entered(),
        }
    }
    #[cfg(not(feature = "tracing"))]
    Guard {}
}

/// `op` succeeded, moving `bytes`.
#[allow(unused_variables)]
pub(crate) fn done(op: FileOp, bytes: usize) {
    #[cfg(feature = "metrics")]
    {
        let labels = [
            (names::LABEL_CONTAINER, CONTAINER),
            (names::LABEL_MAPPER, MAPPER),
        ];
        let count = |name: &'static str| metrics::counter!(name, &labels).increment(1);
        let add = |name: &'static str| metrics::counter!(name, &labels).increment(bytes as u64);
        match op {
            FileOp::Grow => count(names::GROWS_TOTAL),
            FileOp::Shrink => count(names::SHRINKS_TOTAL),
            FileOp::Commit => {
                count(names::COMMITS_TOTAL);
                add(names::COMMITTED_BYTES_TOTAL);
            }
            FileOp::Decommit => {
                count(names::DECOMMITS_TOTAL);
                add(names::DECOMMITTED_BYTES_TOTAL);
            }
            FileOp::Remap => {}
            FileOp::Flush => count(names::FILE_FLUSHES_TOTAL),
        }
    }
}

/// `op` failed: one WARN event that stands alone, and the errors counter
/// (real failures only: injected ones are counted by [`injected`]).
#[allow(unused_variables)]
pub(crate) fn failed(op: FileOp, bytes: usize, path: &std::path::Path, error: &io::Error) {
    let injected = super::faults::InjectedFileFault::of(error).is_some();
    #[cfg(feature = "tracing")]
    {
        let op = op.as_str();
        tracing::warn!(
            target: crate::telemetry::names::TARGET,
            container = CONTAINER,
            mapper = MAPPER,
            op,
            bytes,
            path = %path.display(),
            error = %error,
            injected,
            "{op} of {bytes} bytes of {} failed: {error}",
            path.display()
        );
    }
    #[cfg(feature = "metrics")]
    if !injected {
        let labels = [
            (names::LABEL_CONTAINER, CONTAINER),
            (names::LABEL_MAPPER, MAPPER),
            (names::LABEL_OP, op.as_str()),
        ];
        metrics::counter!(names::ERRORS_TOTAL, &labels).increment(1);
    }
}

/// A fault was injected at a point counted under `op`.
#[allow(unused_variables)]
pub(crate) fn injected(op: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!(names::INJECTED_FAULTS_TOTAL, names::LABEL_OP => op).increment(1);
}
