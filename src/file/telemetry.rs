//! The file vector's telemetry: each of its steps is one of the crate's
//! [`Event`](crate::Event)s, through the same pipeline as the memory
//! containers' ([`Probe`]), so spans, WARN events, metrics, observers and
//! [`stats()`](crate::stats) all see it, with `mapper = "file"` and the
//! file's path as the container's name.
//!
//! | step | op | committed bytes (the allocated data bytes) |
//! |---|---|---|
//! | `create`, `open`: the file mapped | `reserve` | 0 to those the file holds |
//! | growth | `grow`, holding `remap` and `commit` (the blocks allocated; on Windows the `remap` is inside the `commit`) | up |
//! | pushes past the readied pages | `populate` (zeros written ahead of them; none where growth wrote zeros) | unchanged |
//! | sparse after a removal | `shrink`, holding `decommit` (the file cut short) | down |
//! | `flush`, or a shorter length saved first | `flush` | unchanged |
//! | drop: the file unmapped and closed | `release` | to 0 (the blocks stay in the file) |
//!
//! The allocated bytes are disk, so [`Stats::file_bytes`](crate::Stats::file_bytes)
//! counts them, not `committed_bytes`.

use super::FileVector;
use crate::telemetry::{Cause, Footprint, Label, Op, Operation, Probe, Subject};
use bytemuck::Pod;
use std::io;
use std::path::Path;
use std::sync::Arc;

/// The `mapper` label (and span field) of everything a file vector does.
pub(crate) const MAPPER: &str = "file";

/// Nothing held: before the file is mapped, and after the drop.
const NOTHING: Footprint = Footprint {
    committed: 0,
    reserved: 0,
};

/// The label of the file vector at `path`: named by its path.
pub(super) fn label(path: &Path) -> Label {
    Label::file(path.to_str().map(Arc::from))
}

impl<T: Pod> FileVector<T> {
    /// What the vector holds now, as the telemetry counts it.
    fn footprint(&self) -> Footprint {
        Footprint {
            committed: self.committed,
            reserved: 0,
        }
    }

    /// The vector as telemetry sees it, holding `holds`: a file protects
    /// no pages, so it is never guarded.
    fn subject(&self, holds: Footprint) -> Subject<'_> {
        Subject {
            label: &self.label,
            mapper: MAPPER,
            guarded: false,
            holds,
        }
    }

    /// Opens the span of `op` on `bytes` (`to`: the allocated bytes a grow
    /// or shrink aims for).
    pub(super) fn probe(&self, op: Op, bytes: usize, to: usize, cause: Option<Cause>) -> Probe {
        let what = Operation {
            op,
            bytes,
            to_bytes: to,
            cause,
        };
        Probe::start(self.subject(self.footprint()), what)
    }

    /// Like [`probe`](Self::probe), for a step that starts from nothing
    /// (the file mapped at create or open).
    pub(super) fn probe_from_nothing(&self, op: Op, bytes: usize) -> Probe {
        let what = Operation {
            op,
            bytes,
            to_bytes: 0,
            cause: None,
        };
        Probe::start(self.subject(NOTHING), what)
    }

    /// Reports the step's outcome with what the vector holds now.
    pub(super) fn report(&self, probe: Probe, error: Option<&io::Error>) {
        probe.finish(self.subject(self.footprint()), error);
    }

    /// Reports the step's outcome as having left nothing held (the drop).
    pub(super) fn report_nothing_left(&self, probe: Probe) {
        probe.finish(self.subject(NOTHING), None);
    }
}
