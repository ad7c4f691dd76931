//! Durability: [`FileVector::flush`] and the header writes.

use super::faults::{self, Point};
use super::header::{Header, SLOTS, SLOT_BYTES};
use super::{FileError, FileVector};
use crate::telemetry::{Cause, Op};
use bytemuck::Pod;
use std::io;

impl<T: Pod> FileVector<T> {
    /// Makes the elements and the length durable: the data is synced
    /// first (`msync`), then the length is written to the header slot not
    /// in use and synced (`msync`, `fdatasync`). After it returns, a reopen
    /// (even after a crash) returns these contents. On an error the file
    /// still holds what the previous flush saved.
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("mapped-doc-flush-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let path = dir.join("v"); let _ = std::fs::remove_file(&path);
    /// let mut f: mapped::FileVector<u32> = mapped::FileVector::create(&path)?;
    /// f.extend_from_slice(&[1, 2, 3])?;
    /// f.flush()?;
    /// assert_eq!(f.saved_len(), 3);
    /// # std::fs::remove_dir_all(&dir)
    /// # }
    /// ```
    pub fn flush(&mut self) -> Result<(), FileError> {
        let bytes = self.len * self.elem_size();
        let flush = self.probe(Op::Flush, bytes, 0, Some(Cause::Flush));
        let synced = match faults::check(&mut self.faults, Point::Flush) {
            Some(e) => Err(e),
            None if bytes == 0 => Ok(()),
            None => self.map.flush_range(self.data_offset, bytes),
        };
        let saved = synced.and_then(|()| self.write_header(self.len));
        self.report(flush, saved.as_ref().err());
        saved.map_err(|e| FileError::io(&self.path, "flush", e))
    }

    /// Saves the current, shorter length before a write or a cut of the file
    /// would change saved data. `[0, len)` is unchanged since the flush
    /// that synced it (nothing below the saved length is ever written), so
    /// only the header is written.
    pub(super) fn save_prefix(&mut self, cause: Cause) -> Result<(), FileError> {
        debug_assert!(self.len < self.saved_len);
        let flush = self.probe(Op::Flush, 0, 0, Some(cause));
        let saved = self.write_header(self.len);
        self.report(flush, saved.as_ref().err());
        saved.map_err(|e| FileError::io(&self.path, "flush", e))
    }

    /// Writes a header holding `len` to the slot not in use and syncs it;
    /// on a failure puts the slot's old bytes back, so the current header
    /// stays the one in force.
    fn write_header(&mut self, len: usize) -> io::Result<()> {
        let next = Header {
            seq: self.header.seq + 1,
            len: len as u64,
            ..self.header
        };
        let slot = 1 - self.slot;
        let mut old = [0u8; SLOT_BYTES];
        old.copy_from_slice(self.slot_bytes(slot));
        self.slot_bytes(slot).copy_from_slice(&next.encode());
        let synced = match faults::check(&mut self.faults, Point::Header) {
            Some(e) => Err(e),
            None => self
                .map
                .flush_range(SLOTS[slot], SLOT_BYTES)
                .and_then(|()| self.file.sync_data()),
        };
        if let Err(e) = synced {
            self.slot_bytes(slot).copy_from_slice(&old);
            return Err(e);
        }
        self.header = next;
        self.slot = slot;
        self.saved_len = len;
        self.limits_changed();
        Ok(())
    }
}
