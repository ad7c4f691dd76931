//! Growth and shrinking of a [`FileVector`]'s file, by the memory
//! vector's policy ([`crate::policy`]): allocate blocks ahead of writes
//! (the file's "commit"), move the mapping when the file grows past it,
//! get the pages pushes are about to write ready (its "populate"), cut the
//! file short when sparse (its "decommit").
//!
//! Every byte below the file's length is allocated (on every platform, by
//! `fallocate`, zeros or the end of file moved: see [`sys::allocate`], and
//! there for what copy-on-write file systems leave open): growth allocates
//! up to the new length, and giving back cuts the length rather than
//! punching a hole below it. A hole below the length could be mapped by a large
//! page-cache folio that also covers allocated bytes, and a write fault on
//! that folio would reserve blocks for the hole (ext4's delayed
//! allocation): disk taken back unasked, and on a full disk a `SIGBUS` at
//! a push within capacity.

use super::faults::{self, Point};
use super::vector::map_file;
use super::{FileError, FileVector};
use crate::os::file as sys;
use crate::policy;
use crate::telemetry::{Cause, Op};
use bytemuck::Pod;
use std::io;

impl<T: Pod> FileVector<T> {
    fn initial_bytes(&self) -> usize {
        policy::initial_bytes(1, self.page, self.elem_size())
    }

    /// Allocates blocks (and grows the mapping) so that `needed` data bytes
    /// fit. On an error nothing has changed: the same elements, the same
    /// capacity, the file cut back to its old length (the mapping may be
    /// left longer: it is never touched past the allocated bytes).
    pub(super) fn grow(&mut self, needed: usize, cause: Cause) -> Result<(), FileError> {
        let from = self.committed;
        let to = policy::grow_target(from, needed, self.initial_bytes(), self.page)
            .filter(|&t| t.checked_add(self.data_offset).is_some())
            .ok_or(FileError::CapacityOverflow)?;
        let grow = self.probe(Op::Grow, to - from, to, Some(cause));
        let grown = self.allocate_and_map(from, to);
        self.report(grow, grown.as_ref().err().map(|(_, e)| e));
        grown.map_err(|(step, e)| FileError::io(&self.path, step, e))
    }

    /// The steps of [`grow`](Self::grow): the blocks allocated (a
    /// `commit`) and the mapping moved over them (a `remap`), in the order
    /// the platform allows. The error names the step that failed.
    ///
    /// - Unix: a mapping may pass the end of its file, so the mapping
    ///   moves first: a remap changes no allocated bytes, and a refused one
    ///   leaves nothing to undo.
    /// - Windows: a view cannot pass the end of its file, so the file grows
    ///   first and the mapping follows, inside the commit. A refused remap
    ///   leaves the file grown (a file under a view cannot be cut back):
    ///   bytes past the allocated ones, ignored, which the next growth
    ///   reuses or the next cut gives back.
    fn allocate_and_map(
        &mut self,
        from: usize,
        to: usize,
    ) -> Result<(), (&'static str, io::Error)> {
        let new_len = self.data_offset + to;
        if sys::MAP_PAST_END && new_len > self.map.len() {
            self.remap(new_len).map_err(|e| ("remap", e))?;
        }
        let old_len = self.file.metadata().map_err(|e| ("grow", e))?.len();
        let bytes = to - from;
        let commit = self.probe(Op::Commit, bytes, 0, None);
        let at = (self.data_offset + from) as u64;
        let allocated = match faults::check(&mut self.faults, Point::Grow) {
            Some(e) => Err(e),
            None => sys::allocate(&self.file, at, bytes),
        }
        .map_err(|e| ("grow", e))
        .and_then(|wrote_zeros| {
            if !sys::MAP_PAST_END && new_len > self.map.len() {
                self.remap(new_len).map_err(|e| ("remap", e))?;
            }
            Ok(wrote_zeros)
        });
        match allocated {
            Ok(wrote_zeros) => {
                self.set_committed(to);
                if wrote_zeros {
                    // The zeros put the range's pages in the page cache: no
                    // push needs them populated. (Bytes below `from` were
                    // written when they were allocated, or hold saved data
                    // after an open: inside the file either way, where the
                    // kernel's read-ahead fills the cache well.)
                    self.populated = to;
                    self.limits_changed();
                }
                self.report(commit, None);
                Ok(())
            }
            Err((step, e)) => {
                // Best effort (it fails under a view on Windows): a longer
                // file only holds ignored bytes.
                let _ = self.file.set_len(old_len);
                self.report(commit, Some(&e));
                Err((step, e))
            }
        }
    }

    /// The mapping moved over the first `new_len` bytes of the file (on
    /// Unix the file may be shorter until its blocks are allocated: nothing
    /// touches the mapping past them), reported as a `remap`.
    fn remap(&mut self, new_len: usize) -> io::Result<()> {
        let remap = self.probe(Op::Remap, new_len, 0, None);
        let moved = match faults::check(&mut self.faults, Point::Remap) {
            Some(e) => Err(e),
            None => self.move_mapping(new_len),
        };
        self.report(remap, moved.as_ref().err());
        moved
    }

    /// The call of [`remap`](Self::remap): `mremap` on Linux (the pages
    /// stay mapped), elsewhere a new mapping that replaces the old.
    fn move_mapping(&mut self, new_len: usize) -> io::Result<()> {
        #[cfg(all(target_os = "linux", not(mapped_portable)))]
        {
            // SAFETY: a mapping may run past the end of its file; this one
            // is read and written only below the allocated bytes, which the
            // file holds. The mapping may move, and no reference into it
            // outlives `&mut self`.
            unsafe {
                self.map
                    .remap(new_len, memmap2::RemapOptions::new().may_move(true))
            }
        }
        #[cfg(not(all(target_os = "linux", not(mapped_portable))))]
        {
            self.map = map_file(&self.file, new_len)?;
            Ok(())
        }
    }

    /// Gets the page cache ready for the pushes about to write past the
    /// elements, as the memory vector populates its pages ahead of them:
    /// writes zeros over the next [`policy::POPULATE_AHEAD`] bytes (or one
    /// element, if larger) not yet [`populated`](Self::populated), in one
    /// call, then raises the push fast path's limit to cover them.
    ///
    /// Why: the pushes' page faults at the growing end of a file find no
    /// pages cached, and the kernel's read-ahead, cut short at the end of
    /// the file, fills them a few pages at a time, so they take one fault
    /// for every page or few. A write puts the pages in the cache as large
    /// folios, which each fault then maps whole. `benches/file.rs` measures
    /// the difference.
    ///
    /// Only bytes at or past the end of the elements are written, and the
    /// caller has saved any longer length first, so they hold nothing a
    /// slice or a reopen shows; their blocks are allocated, so the write
    /// needs no new space. A hint: on a failure the pushes fault the pages
    /// in themselves, and the same bytes are not tried again.
    pub(super) fn prepare_writes(&mut self) {
        debug_assert!(self.saved_len <= self.len && self.len < self.cap);
        let size = self.elem_size();
        let start = (self.len * size).max(self.populated);
        // Ends on a multiple of the step in the file, so the next steps
        // are whole aligned blocks: the page cache then holds each as one
        // folio, which the first write's fault maps whole.
        let step = policy::POPULATE_AHEAD;
        let ahead = (self.data_offset + start).saturating_add(size.max(step));
        let end =
            (ahead.div_ceil(step).saturating_mul(step) - self.data_offset).min(self.committed);
        if end > start {
            // Raised first: a failed hint is not retried on every push.
            self.populated = end;
            if end - start >= policy::POPULATE_MIN {
                self.populate(start, end);
            }
        }
        self.limits_changed();
    }

    /// The call of [`prepare_writes`](Self::prepare_writes): zeros over the
    /// data bytes `[start, end)`, reported as a `populate`.
    fn populate(&mut self, start: usize, end: usize) {
        let populate = self.probe(Op::Populate, end - start, self.committed, None);
        let written = match faults::check(&mut self.faults, Point::Populate) {
            Some(e) => Err(e),
            None => sys::write_zeros(&self.file, (self.data_offset + start) as u64, end - start),
        };
        match written {
            // Past the file size limit: left to the pushes' page faults.
            Ok(false) => populate.abandon(),
            _ => self.report(populate, written.as_ref().err()),
        }
    }

    /// After a removal: if sparse, give the blocks past twice the live
    /// bytes back to the file system by cutting the file there (the length
    /// saved first if that cuts into saved data; see [`cut`](Self::cut)
    /// for the mapping). Best effort, as a decommit: on a failure the
    /// blocks stay.
    pub(super) fn after_removal(&mut self, cause: Cause) {
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
        let shrink = self.probe(Op::Shrink, from - to, to, Some(cause));
        if to < self.saved_len * self.elem_size() && self.save_prefix(cause).is_err() {
            // The flush inside reported the failure.
            return shrink.abandon();
        }
        let bytes = from - to;
        let decommit = self.probe(Op::Decommit, bytes, 0, None);
        let cut = match faults::check(&mut self.faults, Point::Punch) {
            Some(e) => Err(e),
            None => self.cut(self.data_offset + to),
        };
        match cut {
            Ok(()) => {
                self.set_committed(to);
                self.report(decommit, None);
                self.report(shrink, None);
            }
            Err(e) => {
                self.report(decommit, Some(&e));
                self.report(shrink, Some(&e));
            }
        }
    }

    /// Cuts the file to `len` bytes. On Unix the mapping stays as long:
    /// nothing touches it past the allocated bytes. On Windows a file with
    /// a mapped view cannot be cut short (`ERROR_USER_MAPPED_FILE`), so the
    /// view goes first (replaced by an empty one: memmap2 maps nothing for
    /// a length of 0), and the file is mapped again over what is left (over
    /// all of it, if the cut failed).
    ///
    /// # Panics
    ///
    /// On Windows, if that new mapping fails: the one just given up was
    /// larger, so only an address space or a system out of resources gets
    /// here, and the vector has nothing left to show its elements through
    /// (it is left empty, with no capacity). The file holds what the last
    /// flush saved, as after a crash.
    fn cut(&mut self, len: usize) -> io::Result<()> {
        if sys::MAP_PAST_END {
            return self.file.set_len(len as u64);
        }
        let mapped = self.map.len();
        self.map = map_file(&self.file, 0)?;
        let cut = self.file.set_len(len as u64);
        let keep = if cut.is_ok() { len } else { mapped };
        match map_file(&self.file, keep) {
            Ok(map) => self.map = map,
            Err(e) => {
                // Nothing is mapped: no element may be shown or written
                // (should the panic be caught).
                self.len = 0;
                self.set_committed(0);
                panic!(
                    "cannot map {} again after cutting it short: {e}",
                    self.path.display()
                );
            }
        }
        cut
    }
}
