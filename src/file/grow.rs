//! Growth and shrinking of a [`FileVector`]'s file, by the memory
//! vector's policy ([`crate::policy`]): allocate blocks ahead of writes
//! (the file's "commit"), move the mapping when the file grows past it,
//! punch holes when sparse (its "decommit").

use super::faults::{self, Point};
use super::telemetry::{self as tel, FileOp};
use super::{FileError, FileVector};
use crate::os::file as sys;
use crate::policy;
use bytemuck::Pod;

impl<T: Pod> FileVector<T> {
    fn initial_bytes(&self) -> usize {
        policy::initial_bytes(1, self.page, self.elem_size())
    }

    /// Allocates blocks (and grows the mapping) so that `needed` data bytes
    /// fit. On an error nothing has changed: the same elements, the same
    /// capacity, the file cut back to its old length.
    pub(super) fn grow(&mut self, needed: usize, cause: &'static str) -> Result<(), FileError> {
        let from = self.committed;
        let to = policy::grow_target(from, needed, self.initial_bytes(), self.page)
            .filter(|&t| t.checked_add(self.data_offset).is_some())
            .ok_or(FileError::CapacityOverflow)?;
        let _grow = tel::span(FileOp::Grow, to - from, from, to, cause);
        let old_window = self.window();
        {
            let bytes = to - from;
            let _commit = tel::span(FileOp::Commit, bytes, 0, 0, cause);
            let at = (self.data_offset + from) as u64;
            let allocated = match faults::check(&mut self.faults, Point::Grow) {
                Some(e) => Err(e),
                None => sys::allocate(&self.file, at, bytes as u64),
            };
            if let Err(e) = allocated {
                tel::failed(FileOp::Commit, bytes, &self.path, &e);
                self.cut_back(old_window);
                return Err(FileError::io(&self.path, "grow", e));
            }
            tel::done(FileOp::Commit, bytes);
        }
        if to > old_window {
            let new_len = self.data_offset + to;
            let _remap = tel::span(FileOp::Remap, new_len, 0, 0, cause);
            let moved = match faults::check(&mut self.faults, Point::Remap) {
                Some(e) => Err(e),
                None => self.remap(new_len),
            };
            if let Err(e) = moved {
                tel::failed(FileOp::Remap, new_len, &self.path, &e);
                self.cut_back(old_window);
                return Err(FileError::io(&self.path, "remap", e));
            }
            tel::done(FileOp::Remap, new_len);
        }
        self.set_committed(to);
        tel::done(FileOp::Grow, to - from);
        Ok(())
    }

    /// After a failed grow: the file back to the length the mapping covers
    /// (best effort: a longer file only holds ignored bytes).
    fn cut_back(&mut self, window: usize) {
        let _ = self.file.set_len((self.data_offset + window) as u64);
    }

    /// The mapping over the first `new_len` bytes of the (grown) file.
    fn remap(&mut self, new_len: usize) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: the file is at least `new_len` bytes long (just
            // allocated), so the grown mapping lies within it; the mapping
            // may move, and no reference into it outlives `&mut self`.
            unsafe {
                self.map
                    .remap(new_len, memmap2::RemapOptions::new().may_move(true))
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            // SAFETY: as in `create_with`: the file is opened read-write,
            // touched only through this mapping, below its length.
            let map = unsafe { memmap2::MmapOptions::new().len(new_len).map_mut(&self.file) }?;
            self.map = map;
            Ok(())
        }
    }

    /// After a removal: if sparse, give the blocks past twice the live
    /// bytes back to the file system (the length saved first if that cuts
    /// into saved data). Best effort, as a decommit: on a failure the
    /// blocks stay.
    pub(super) fn after_removal(&mut self, cause: &'static str) {
        let live = self.len * self.elem_size();
        let initial = self.initial_bytes();
        if !policy::should_shrink(live, self.committed, initial) {
            return;
        }
        let from = self.committed;
        let to = policy::shrink_target(live, initial, self.page);
        if to >= from {
            return;
        }
        let _shrink = tel::span(FileOp::Shrink, from - to, from, to, cause);
        if to < self.saved_len * self.elem_size() && self.save_prefix("shrink").is_err() {
            return;
        }
        let bytes = from - to;
        let _decommit = tel::span(FileOp::Decommit, bytes, 0, 0, cause);
        let punched = match faults::check(&mut self.faults, Point::Punch) {
            Some(e) => Err(e),
            None => sys::punch_hole(&self.file, (self.data_offset + to) as u64, bytes as u64),
        };
        match punched {
            Ok(true) => {}
            Ok(false) => return, // the file system cannot: the blocks stay
            Err(e) => {
                tel::failed(FileOp::Decommit, bytes, &self.path, &e);
                return;
            }
        }
        tel::done(FileOp::Decommit, bytes);
        self.set_committed(to);
        tel::done(FileOp::Shrink, bytes);
    }
}
