//! Durability: [`FileVector::flush`] and the header writes. The calls per
//! platform, and why each is there, are in the `file` module's docs
//! ("Platforms").

use super::faults::{self, Point};
use super::header::{Header, SLOTS, SLOT_BYTES};
use super::{FileError, FileVector};
use crate::telemetry::{Cause, Op};
use bytemuck::Pod;
use std::io;

impl<T: Pod> FileVector<T> {
    /// Makes the elements and the length durable: the data is synced
    /// first, then the length is written to the header slot not in use and
    /// synced (`msync`, then `fdatasync` but for Linux's data; on Windows
    /// `FlushViewOfFile`, then `FlushFileBuffers`: see
    /// [Platforms](Self#platforms)). After it returns, a reopen
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
    /// # drop(f); // (Windows removes no open file)
    /// # std::fs::remove_dir_all(&dir)
    /// # }
    /// ```
    pub fn flush(&mut self) -> Result<(), FileError> {
        let bytes = self.len * self.elem_size();
        let flush = self.probe(Op::Flush, bytes, 0, Some(Cause::Flush));
        let synced = match faults::check(&mut self.faults, Point::Flush) {
            Some(e) => Err(e),
            None if bytes == 0 => Ok(()),
            None => self.sync_data(bytes),
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
            None => self.sync_header(slot),
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

    /// Makes the first `bytes` data bytes durable. Outside Linux and
    /// Windows, `msync` promises only that the pages were written: on macOS
    /// they reach the drive but not past its cache, which only
    /// `F_FULLFSYNC` (std's `sync_data` there) gets them through; without
    /// it a power loss could keep the header and lose the data it counts,
    /// should the drive write them out of order.
    fn sync_data(&self, bytes: usize) -> io::Result<()> {
        self.map.flush_range(self.data_offset, bytes)?;
        let flush_is_durable = cfg!(any(
            windows,
            all(
                any(target_os = "linux", target_os = "android"),
                not(mapped_portable)
            )
        ));
        if !flush_is_durable {
            self.file.sync_data()?;
        }
        Ok(())
    }

    /// Makes header slot `slot` durable: on Unix the file's sync follows
    /// (`fdatasync`; `F_FULLFSYNC` on macOS), as a flush's last step.
    fn sync_header(&self, slot: usize) -> io::Result<()> {
        self.map.flush_range(SLOTS[slot], SLOT_BYTES)?;
        // On Windows the flush ended with `FlushFileBuffers` already.
        if cfg!(unix) {
            self.file.sync_data()?;
        }
        Ok(())
    }
}
