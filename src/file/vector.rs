//! [`FileVector`]: elements, length, creation and opening. Growth and
//! shrinking are in `grow.rs`, durability in `flush.rs`.

use super::faults::FileFaults;
use super::header::{self, Header, SlotError, HEADER_AREA, SLOTS, SLOT_BYTES};
use super::telemetry;
use super::{FileError, FileOptions, FilePushError};
use crate::os::file as sys;
use crate::telemetry::{Cause, Label, Op};
use crate::Mapper;
use bytemuck::Pod;
use memmap2::{MmapMut, MmapOptions};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::marker::PhantomData;
use std::ops::Deref;
use std::path::{Path, PathBuf};

/// A vector of plain-old-data elements whose storage is a file, mapped
/// into memory (memmap2's `MmapMut`). It may be larger than memory (the
/// kernel writes pages back and drops them under pressure), it survives a
/// restart, and it gives disk space back when it becomes sparse.
///
/// - [`create`](Self::create) makes a new file (an existing one is an
///   error); [`open`](Self::open) returns exactly what the last successful
///   [`flush`](Self::flush) saved (see [Crashes](Self#crashes) for the
///   one refinement).
/// - Growth follows the memory vector's policy (as [`MappedVector`](crate::MappedVector)'s): the
///   file's blocks are allocated ahead of writes, doubling (`fallocate` on
///   Linux, zeros written on macOS and the BSDs, the end of file moved on
///   Windows), so a full disk or a file size limit is an error at the
///   push, which hands the value back, and never a `SIGBUS` at the write.
/// - When fewer than a quarter of the allocated bytes are in use, the
///   blocks past twice the live bytes are given back (the file cut short;
///   on Windows, where a mapped file cannot be cut, the mapping is dropped
///   and made again around the cut), as memory is decommitted, with the
///   same hysteresis.
/// - [Platforms](Self#platforms) has the calls on each platform, and how
///   each was tested (Linux natively and, with `--cfg
///   mapped_portable`, the path of macOS and the BSDs; Windows under wine;
///   macOS and FreeBSD compile-checked only).
/// - Elements are read through [`Deref`] to a slice. There is no mutable
///   slice: a write below the saved length would change what a reopen
///   returns.
/// - Dropping the vector does not flush: changes since the last flush may
///   or may not reach the file, but a reopen shows only what a flush saved.
///
/// ```
/// use mapped::FileVector;
/// # fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("mapped-doc-fv-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("numbers");
/// # let _ = std::fs::remove_file(&path);
/// let mut f: FileVector<u64> = FileVector::create(&path)?;
/// f.push(1)?;
/// f.extend_from_slice(&[2, 3])?;
/// f.truncate(2);
/// f.flush()?;                    // data, then the length: durable
/// f.push(9)?;                    // not flushed
/// drop(f);
/// let f: FileVector<u64> = FileVector::open(&path)?;
/// assert_eq!(&f[..], &[1, 2]);   // what the last flush saved
/// assert_eq!(f.path(), path);
/// # drop(f); // (Windows removes no open file)
/// # std::fs::remove_dir_all(&dir)
/// # }
/// ```
///
///
/// # On disk
///
/// The first page (at least 4 KiB) holds the header: two 64-byte slots,
/// each with a magic number, the format version, the element size,
/// alignment and type tag, the saved length, a sequence number and a
/// checksum; the current header is the valid slot with the higher
/// sequence number. Elements follow from the data offset (a page
/// boundary). Bytes past the saved length are ignored on open.
///
/// # Crashes
///
/// [`FileVector::flush`] syncs the data, then writes the new length to the
/// slot *not* in use and syncs it. A crash at any moment (a `SIGKILL`, or
/// a power loss on a file system that honours `fsync`) leaves either the
/// new header or, if that write was torn, the previous one intact, with
/// all the data it counts: a reopen returns at least what the last
/// completed flush saved (exactly that, unless a flush was under way), and
/// never a torn header. `tests/file/crash.rs` kills a writer 100 times at
/// random moments and checks this (on Unix: it kills with `SIGKILL`). The
/// protocol is the same on every platform, with each one's sync calls (see
/// "Platforms").
///
/// One refinement: nothing below the saved length is ever overwritten in
/// place. The first write (or cut of the file) into a removed part of the
/// saved contents first saves the current, shorter length (a header write,
/// counted as a `flush` span with cause `overwrite` for a write, or the
/// shrink's own cause, `sparse`, `truncate` or `clear`, for a cut); a reopen
/// then returns that prefix of the last flush. [`FileVector::saved_len`]
/// says what a reopen would return.
///
/// # Growth and disk space
///
/// As for memory: growth doubles the allocated bytes, allocating the
/// file's blocks ahead of writes, so a full disk is an error and not a
/// `SIGBUS` (see [Platforms](Self#platforms) for how), and moves the mapping (`mremap` on
/// Linux, a new mapping elsewhere). Pushes find their pages ready: as the
/// memory vector populates ahead of them, the file vector writes zeros over
/// the next 256 KiB past the elements in one call, so the page cache holds
/// them in large folios and a page fault maps a whole folio, not one page
/// (at the growing end of a file the kernel's read-ahead, cut short by the
/// end, would fill them a few pages at a time); where growth itself wrote
/// zeros over the new range, the pages are ready already. Under a quarter
/// in use, the blocks past twice the live bytes are given back by cutting
/// the file there (`set_len`), the hysteresis of decommit. (Not by punching
/// a hole below the length: every byte below it stays allocated, so no
/// write through the mapping ever needs new space; see the `grow` module.)
/// A refused growth (a full disk; on Unix also `EFBIG` past
/// `RLIMIT_FSIZE`) changes nothing and hands the pushed value back. (Past
/// the limit, Linux's `fallocate` also raises `SIGXFSZ`, which kills a
/// process that does not ignore it; the zeros written elsewhere check the
/// limit first and raise nothing.)
///
/// # Platforms
///
/// | | Linux | macOS, the BSDs, other Unixes (and Linux with `--cfg mapped_portable`) | Windows |
/// |---|---|---|---|
/// | blocks of a grown range | `fallocate`; where the file system refuses it (`EOPNOTSUPP`), zeros written over the range (`pwritev`) | zeros written over the range (`pwrite`, 64 KiB a call) | the end of file moved (`set_len`): NTFS allocates the clusters of a file that is neither sparse nor compressed |
/// | the mapping grows | `mremap` | a new mapping, before the blocks are allocated | a new view, after the file grew (a view cannot pass the end of its file) |
/// | the file cut short | `set_len`; the mapping stays | the same | the view unmapped, `set_len`, the file mapped again over what is left (a file with a view cannot be cut short) |
/// | pages readied ahead of pushes | zeros written (`pwritev`) | none needed: growth wrote them | zeros written (`WriteFile`) |
/// | flush: the data | `msync(MS_SYNC)` (an fsync of the range, the drive's cache too) | `msync(MS_SYNC)`, `fdatasync` (`F_FULLFSYNC` on macOS) | `FlushViewOfFile`, `FlushFileBuffers` |
/// | flush: then the header | `msync(MS_SYNC)`, `fdatasync` | the same | `FlushViewOfFile`, `FlushFileBuffers` |
/// | create: the new name | `fsync` of the directory | the same | left to NTFS's journal (std cannot open a directory) |
/// | the file size limit | `RLIMIT_FSIZE`: zeros never written past it | the same | none |
///
/// Where growth writes zeros, it writes the whole new range at once: the
/// push that doubles a 1 GiB vector writes 1 GiB of zeros before it
/// returns (`reserve` ahead of time moves that cost). `benches/file.rs`
/// built with `--cfg mapped_portable` measures the path on Linux.
///
/// Outside Linux and Windows, `msync` promises only that the pages were
/// written: on macOS they reach the drive but not past its cache, which
/// only `F_FULLFSYNC` gets them through; without the sync after the data, a
/// power loss could keep the header and lose the data it counts. The BSDs'
/// and macOS's own preallocation calls are not used: FreeBSD's
/// `posix_fallocate` writes the same zeros in the kernel on UFS and is
/// refused on ZFS; macOS's `F_PREALLOCATE` reserves space, but that a write
/// fault through a mapping draws on it could not be checked here, where the
/// zeros run. On copy-on-write file systems (ZFS always; btrfs, APFS and
/// ReFS for shared or snapshotted blocks) an overwrite may take new blocks
/// that no preallocation holds: there a full disk can still fail a write
/// through the mapping, or its write-back at the next flush.
///
/// How each was tested: Linux natively (`tests/file/`: the crash test, a
/// full 4 MiB tmpfs, `RLIMIT_FSIZE`, the allocated blocks seen in
/// `st_blocks`, a ramfs that refuses `fallocate`; `.ci/run` adds a 4 GiB
/// vector in a 512 MiB memory cgroup); the path of macOS and the BSDs on
/// Linux, built with `--cfg mapped_portable`, which takes exactly their
/// calls (the same tests, the full tmpfs answering `ENOSPC` through the
/// zeros); macOS (x86-64 and ARM) and FreeBSD compile-checked only;
/// Windows under wine (the tests but the Unix-only ones: signals, resource
/// limits, mounts, `st_blocks`). Wine refuses, as Windows does, to cut a
/// file under a view (`ERROR_USER_MAPPED_FILE`) and to map a view past the
/// end of a file, so the Windows order of calls runs there; NTFS's
/// allocation at `set_len` and a full NTFS disk are untested (wine's files
/// are Linux files: `set_len` leaves them sparse), as is a real Windows.
///
/// # Telemetry and faults
///
/// Every step is one of the crate's [`Event`](crate::Event)s, through the
/// same pipeline as the memory containers': spans `reserve` (the file
/// mapped, at create and open), `grow` (holding `remap` and `commit`:
/// blocks allocated; on Windows the `remap` is inside the `commit`), `populate` (pages readied ahead of pushes), `shrink`
/// (holding `decommit`: the file cut short),
/// `flush` and `release` (the drop), target `mapped`, with `mapper =
/// "file"` and the path as the container's `name`; the memory containers'
/// metrics with the same labels, and `mapped_file_flushes_total`; the
/// observers ([`set_observer`](crate::set_observer)); and
/// [`stats()`](crate::stats), where the allocated bytes are
/// [`Stats::file_bytes`](crate::Stats::file_bytes) (disk, not memory) and
/// flushes [`Stats::flushes`](crate::Stats::flushes). The table is in the
/// `telemetry` module of this one. Faults: a seeded [`FileFaults`] hook
/// ([`FileOptions::faults`]) and, with the `failpoints` feature, the points
/// (their errors marked by an [`Injected`](crate::failpoints::Injected)): `mapped::file_grow`,
/// `mapped::file_remap`, `mapped::file_flush`, `mapped::file_header`,
/// `mapped::file_punch`, `mapped::file_populate`.
pub struct FileVector<T: Pod> {
    pub(super) file: File,
    /// The whole file: the header area, then the data window.
    pub(super) map: MmapMut,
    pub(super) path: PathBuf,
    /// Bytes before element 0 (a multiple of the page size).
    pub(super) data_offset: usize,
    pub(super) len: usize,
    /// Data bytes whose blocks are allocated: writes below it cannot fail.
    pub(super) committed: usize,
    /// `committed / size_of::<T>()`.
    pub(super) cap: usize,
    /// Data bytes below which the page cache holds the file's pages ready
    /// for pushes to write ([`Self::prepare_writes`]), at most `committed`.
    pub(super) populated: usize,
    /// The push fast path writes at `len` only while `len < write_below`:
    /// the elements below `populated` (at most `cap`), or 0 while `len <
    /// saved_len` (the next write would change saved data, so the shorter
    /// length is saved first). One compare, as `Vec::push` has; kept by
    /// [`Self::limits_changed`].
    write_below: usize,
    /// The length the current durable header holds.
    pub(super) saved_len: usize,
    /// The current durable header and its slot.
    pub(super) header: Header,
    pub(super) slot: usize,
    pub(super) page: usize,
    pub(super) faults: Option<FileFaults>,
    /// Who it is, for telemetry (named by its path).
    pub(super) label: Label,
    _t: PhantomData<T>,
}

impl<T: Pod> FileVector<T> {
    /// Creates a new, empty vector in a new file at `path`. An existing
    /// file is [`FileError::Exists`], never overwritten.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, FileError> {
        Self::options().create(path)
    }

    /// Opens the vector in the file at `path`, with the contents its last
    /// successful [`flush`](Self::flush) saved (data past that length is
    /// ignored). A file of another element type is
    /// [`FileError::WrongType`]; a torn, corrupt or foreign header is
    /// [`FileError::Corrupt`], naming the file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, FileError> {
        Self::options().open(path)
    }

    /// Options for creating or opening: a type tag, fault injection.
    pub fn options() -> FileOptions<T> {
        FileOptions::default()
    }

    fn layout(opts: &FileOptions<T>) -> Result<(u32, u32, u64, usize, usize), FileError> {
        let size = std::mem::size_of::<T>();
        let align = std::mem::align_of::<T>();
        let page = crate::MAPPER.page_size();
        let data_offset = page.max(HEADER_AREA);
        if size == 0 {
            return Err(FileError::Unsupported {
                reason: "zero-sized elements",
            });
        }
        if align > data_offset || u32::try_from(size).is_err() {
            return Err(FileError::Unsupported {
                reason: "aligned beyond a page, or too large",
            });
        }
        Ok((
            size as u32,
            align as u32,
            opts.tag_or_derived(),
            page,
            data_offset,
        ))
    }

    pub(super) fn create_with(path: &Path, opts: FileOptions<T>) -> Result<Self, FileError> {
        let (size, align, tag, page, data_offset) = Self::layout(&opts)?;
        let header = Header {
            data_offset: data_offset as u32,
            elem_size: size,
            elem_align: align,
            tag,
            seq: 1,
            len: 0,
        };
        // The file is made whole under a temporary name and linked into
        // place (`link` fails if the path exists), so no crash ever leaves
        // a file at `path` without a valid header.
        let temp = temp_name(path);
        let made = (|| {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&temp)?;
            file.set_len(data_offset as u64)?;
            sys::write_all_at(&file, &header.encode(), SLOTS[0] as u64)?;
            file.sync_data()?;
            Ok::<_, io::Error>(file)
        })();
        let file = match made {
            Ok(file) => file,
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                return Err(FileError::io(path, "create", e));
            }
        };
        let linked = std::fs::hard_link(&temp, path);
        let _ = std::fs::remove_file(&temp);
        match linked {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(FileError::Exists {
                    path: path.to_owned(),
                    source: e,
                })
            }
            Err(e) => return Err(FileError::io(path, "create", e)),
        }
        let synced = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(dir) => sys::sync_directory(dir),
            None => Ok(()),
        };
        let map = synced.and_then(|()| map_file(&file, data_offset));
        let map = match map {
            Ok(map) => map,
            Err(e) => {
                let _ = std::fs::remove_file(path);
                return Err(FileError::io(path, "create", e));
            }
        };
        let v = Self::assemble(file, map, path, header, 0, page, opts.faults);
        v.report_mapped();
        Ok(v)
    }

    pub(super) fn open_with(path: &Path, opts: FileOptions<T>) -> Result<Self, FileError> {
        let (size, align, tag, page, _) = Self::layout(&opts)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| FileError::io(path, "open", e))?;
        let file_len = file
            .metadata()
            .map_err(|e| FileError::io(path, "open", e))?
            .len();
        if file_len < HEADER_AREA as u64 {
            return Err(FileError::corrupt(path, "shorter than a header"));
        }
        let mut area = vec![0u8; HEADER_AREA];
        sys::read_exact_at(&file, &mut area, 0).map_err(|e| FileError::io(path, "read", e))?;
        let (header, slot) = header::current(&area).map_err(|e| {
            FileError::corrupt(
                path,
                match e {
                    SlotError::Magic => "no header (not a file vector)",
                    SlotError::Checksum => "torn or corrupt header (checksum mismatch)",
                    SlotError::Version(_) => "unknown format version",
                },
            )
        })?;
        let expected = (size, align, tag);
        let found = (header.elem_size, header.elem_align, header.tag);
        if expected != found {
            return Err(FileError::WrongType {
                path: path.to_owned(),
                expected,
                found,
            });
        }
        let data_offset = header.data_offset as usize;
        if !data_offset.is_power_of_two()
            || data_offset < HEADER_AREA
            || (align as usize) > data_offset
        {
            return Err(FileError::corrupt(path, "bad data offset"));
        }
        let bytes = usize::try_from(header.len)
            .ok()
            .and_then(|n| crate::policy::bytes_for(n, size as usize))
            .and_then(|b| b.checked_add(data_offset))
            .ok_or_else(|| FileError::corrupt(path, "length past the address space"))?;
        if (bytes as u64) > file_len {
            return Err(FileError::corrupt(path, "shorter than its saved length"));
        }
        let map_len = usize::try_from(file_len)
            .map_err(|_| FileError::corrupt(path, "length past the address space"))?;
        let map = map_file(&file, map_len).map_err(|e| FileError::io(path, "map", e))?;
        let len = header.len as usize;
        let mut v = Self::assemble(file, map, path, header, slot, page, opts.faults);
        v.len = len;
        v.saved_len = len;
        // The saved prefix was written and synced, so its blocks are
        // allocated; the rest of the window may be holes.
        let committed =
            crate::policy::round_to_pages(len * v.elem_size(), page).unwrap_or(usize::MAX);
        v.set_committed(committed.min(v.window()));
        v.report_mapped();
        Ok(v)
    }

    fn assemble(
        file: File,
        map: MmapMut,
        path: &Path,
        header: Header,
        slot: usize,
        page: usize,
        faults: Option<FileFaults>,
    ) -> Self {
        FileVector {
            file,
            map,
            path: path.to_owned(),
            data_offset: header.data_offset as usize,
            len: 0,
            committed: 0,
            cap: 0,
            populated: 0,
            write_below: 0,
            saved_len: 0,
            header,
            slot,
            page,
            faults,
            label: telemetry::label(path),
            _t: PhantomData,
        }
    }

    pub(super) const fn elem_size(&self) -> usize {
        std::mem::size_of::<T>()
    }

    /// Data bytes the mapping covers (the file's length past the header).
    pub(super) fn window(&self) -> usize {
        self.map.len().saturating_sub(self.data_offset)
    }

    pub(super) fn set_committed(&mut self, committed: usize) {
        self.committed = committed;
        self.cap = committed / self.elem_size();
        self.populated = self.populated.min(committed);
        self.limits_changed();
    }

    /// Recomputes the push fast path's limit after `len` fell, or `cap`,
    /// `populated` or `saved_len` changed.
    pub(super) fn limits_changed(&mut self) {
        self.write_below = if self.len < self.saved_len {
            0
        } else {
            self.populated / self.elem_size()
        };
    }

    /// The telemetry of a vector just created or opened: the file mapped,
    /// with the bytes it holds allocated.
    fn report_mapped(&self) {
        let reserve = self.probe_from_nothing(Op::Reserve, self.map.len());
        self.report(reserve, None);
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Elements that fit in the file's allocated blocks without growing.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Data bytes whose disk blocks are allocated (the file vector's
    /// `committed_bytes`).
    pub fn committed_bytes(&self) -> usize {
        self.committed
    }

    /// The length the file's durable header holds now: what a reopen
    /// would return.
    pub fn saved_len(&self) -> usize {
        self.saved_len
    }

    /// The fault injector, if one was given (to read its counters).
    pub fn faults(&self) -> Option<&FileFaults> {
        self.faults.as_ref()
    }

    /// The elements, as a slice.
    pub fn as_slice(&self) -> &[T] {
        let start = self.data_offset;
        bytemuck::cast_slice(&self.map[start..start + self.len * self.elem_size()])
    }

    /// Appends `value`. A refused growth (e.g. a full disk) or a failed
    /// save of a shorter length hands it back in the error.
    #[inline]
    pub fn push(&mut self, value: T) -> Result<(), FilePushError<T>> {
        // Read `len` once, and let nothing out of line change it: after the
        // write through the raw pointer the compiler cannot assume
        // `self.len` unchanged, so a loop of pushes keeps it in a register
        // only this way (as `Vec::push` does).
        let len = self.len;
        // One compare: `write_below <= cap`, so this also catches a full
        // vector.
        if len >= self.write_below {
            if let Err(error) = self.prepare_push() {
                return Err(FilePushError::new(value, error));
            }
        }
        debug_assert!(len < self.cap);
        // SAFETY: `len < cap`, and the mapping covers `data_offset` plus
        // `cap` elements; `data_offset` is a power of two at least `T`'s
        // alignment and the mapping starts on a page, so the slot is
        // aligned. `T: Pod` may be written over any bytes, and no
        // reference into the mapping outlives `&mut self`.
        unsafe {
            let data = self.map.as_mut_ptr().add(self.data_offset).cast::<T>();
            data.add(len).write(value);
        }
        self.len = len + 1;
        Ok(())
    }

    /// Readies slot `len` for a `push` (called when `len >= write_below`):
    /// grows when full, saves a shorter length first when the write would
    /// change saved data, and gets the next pages ready. `len` unchanged.
    #[cold]
    #[inline(never)]
    fn prepare_push(&mut self) -> Result<(), FileError> {
        if self.len == self.cap {
            self.reserve(1)?;
        }
        if self.len < self.saved_len {
            self.save_prefix(Cause::Overwrite)?;
        }
        self.prepare_writes();
        Ok(())
    }

    /// Appends all of `other`, or (on an error) nothing.
    pub fn extend_from_slice(&mut self, other: &[T]) -> Result<(), FileError> {
        self.reserve(other.len())?;
        if self.len < self.saved_len && !other.is_empty() {
            self.save_prefix(Cause::Overwrite)?;
        }
        let off = self.data_offset + self.len * self.elem_size();
        let src: &[u8] = bytemuck::cast_slice(other);
        self.map[off..off + src.len()].copy_from_slice(src);
        self.len += other.len();
        Ok(())
    }

    /// Makes room for at least `additional` more elements without growing
    /// again (growing as the policy says: at least doubling).
    pub fn reserve(&mut self, additional: usize) -> Result<(), FileError> {
        let needed = self
            .len
            .checked_add(additional)
            .and_then(|n| crate::policy::bytes_for(n, self.elem_size()))
            .ok_or(FileError::CapacityOverflow)?;
        if needed > self.committed {
            let cause = if additional == 1 {
                Cause::Full
            } else {
                Cause::Reserve
            };
            self.grow(needed, cause)?;
        }
        Ok(())
    }

    /// Removes the last element and returns it.
    ///
    /// # Panics
    ///
    /// On Windows only, in the rare case that the file cannot be mapped
    /// again after it was cut short (see
    /// [Platforms](Self#platforms)): the address space or the system's resources
    /// ran out. The vector is then left empty; the file holds what the
    /// last flush saved.
    pub fn pop(&mut self) -> Option<T> {
        let last = *self.as_slice().last()?;
        self.len -= 1;
        self.limits_changed();
        self.after_removal(Cause::Sparse);
        Some(last)
    }

    /// Keeps the first `len` elements (no effect if there are fewer).
    ///
    /// # Panics
    ///
    /// On Windows only, in the rare case that the file cannot be mapped
    /// again after it was cut short (see
    /// [Platforms](Self#platforms)): the address space or the system's resources
    /// ran out. The vector is then left empty; the file holds what the
    /// last flush saved.
    pub fn truncate(&mut self, len: usize) {
        if len < self.len {
            self.len = len;
            self.limits_changed();
            self.after_removal(Cause::Truncate);
        }
    }

    /// Removes every element.
    ///
    /// # Panics
    ///
    /// On Windows only, in the rare case that the file cannot be mapped
    /// again after it was cut short (see
    /// [Platforms](Self#platforms)): the address space or the system's resources
    /// ran out. The vector is then left empty; the file holds what the
    /// last flush saved.
    pub fn clear(&mut self) {
        if self.len > 0 {
            self.len = 0;
            self.limits_changed();
            self.after_removal(Cause::Clear);
        }
    }

    /// The header slot `slot` as it is in the mapping.
    pub(super) fn slot_bytes(&mut self, slot: usize) -> &mut [u8] {
        &mut self.map[SLOTS[slot]..SLOTS[slot] + SLOT_BYTES]
    }
}

/// A mapping of the first `len` bytes of `file`, which may pass its end
/// where [`sys::MAP_PAST_END`] says so (nothing touches a byte past the
/// allocated ones).
pub(super) fn map_file(file: &File, len: usize) -> io::Result<MmapMut> {
    // SAFETY: `file` is the vector's own, opened read-write; the vector
    // reads and writes it only through this mapping (and positioned writes
    // past its elements, which the mapping sees), and never past the bytes
    // whose blocks are allocated, which the file holds. Other processes
    // changing the file concurrently are outside the type's contract, as
    // for every mapped file.
    unsafe { MmapOptions::new().len(len).map_mut(file) }
}

/// A name beside `path` no other creator uses at the same moment.
fn temp_name(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.creating", std::process::id()))
}

/// Unmaps and closes the file without flushing (see the type's docs); its
/// telemetry: a `release` whose allocated bytes leave the live file
/// vectors' count (the blocks stay in the file).
impl<T: Pod> Drop for FileVector<T> {
    fn drop(&mut self) {
        let release = self.probe(Op::Release, self.map.len(), 0, None);
        self.report_nothing_left(release);
    }
}

impl<T: Pod> Deref for FileVector<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Pod> AsRef<[T]> for FileVector<T> {
    fn as_ref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Pod> fmt::Debug for FileVector<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileVector")
            .field("path", &self.path)
            .field("len", &self.len)
            .field("saved_len", &self.saved_len)
            .field("committed_bytes", &self.committed)
            .finish()
    }
}
