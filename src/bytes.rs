//! `MappedBytes`: a byte buffer on mapped storage for reading frames off a
//! connection; and `bytes::BufMut` for `MappedVector<u8, N>` (cargo feature
//! `bytes`).
//!
//! The buffer adds one thing to a [`MappedVector<u8>`]: a read offset, so
//! that frames are consumed from the front in amortised O(1). Every byte of
//! memory, every grow and shrink decision and all telemetry are the
//! vector's, labelled `container = "bytes"`, as a queue's are its vector's
//! labelled `queue`. The `Buf` and `BufMut` impls live in `bytes/buf.rs`,
//! the hand-over to [`Bytes`](bytes::Bytes) in `bytes/freeze.rs`, the std
//! traits in `bytes/traits.rs`, and the vector's `BufMut` in
//! `bytes/vector.rs`.

mod buf;
mod freeze;
mod traits;
mod vector;

use crate::builder::Builder;
use crate::error::Error;
use crate::mapper_ref::MapperRef;
use crate::raw::Storage;
use crate::telemetry::Kind;
use crate::vector::MappedVector;

/// A byte buffer whose memory comes straight from the OS's virtual memory
/// and goes back to it when the buffer drains: the per-connection buffer
/// of a network service, which `bytes::BytesMut` would keep at the size of
/// the largest message it ever held.
///
/// Bytes are appended at the back through [`bytes::BufMut`] (so tokio's
/// `read_buf` fills it) and consumed from the front through
/// [`bytes::Buf`] (`advance`, `get_u32`, ...) or [`split_to`](Self::split_to);
/// the buffer derefs to the unread bytes. [`freeze`](Self::freeze) hands
/// them to a [`Bytes`](bytes::Bytes) without copying.
///
/// ```
/// use bytes::{Buf, BufMut, Bytes};
/// use mapped::{MappedBytes, MAPPER};
///
/// let mut buf = MappedBytes::new(MAPPER); // no memory yet
/// buf.put_u32(5); // a frame: its length, then its payload
/// buf.put_slice(b"hello");
/// let len = buf.get_u32() as usize; // consumed from the front
/// let frame: Bytes = buf.split_to(len);
/// assert_eq!(frame, "hello");
/// assert!(buf.is_empty());
/// ```
///
/// # Memory
///
/// The bytes live in a [`MappedVector<u8>`] and follow its policy: small
/// contents on the heap, large ones in a mapping of their own that commits
/// pages as it grows. Consumed bytes are dropped from the front:
///
/// - when everything written has been consumed, the buffer is empty again
///   and gives memory back as a vector's [`clear`](MappedVector::clear)
///   does: a mapping goes (parked in the [cache](crate#cache) for a while,
///   or released);
/// - when the unread bytes are no more than those consumed before them
///   *and* fall under what the vector's shrink policy keeps (a quarter of
///   the committed bytes), they move to the front and the memory past them
///   goes back, as after a vector's `truncate`;
/// - when more room is needed and the unread bytes are no more than those
///   consumed, they move to the front instead of the buffer growing.
///
/// Each byte moved was paid for by at least one byte consumed since the
/// last move, so consuming costs amortised O(1) per byte. A buffer that
/// drains and refills in a loop commits and decommits each round (or
/// parks and reuses through the cache); the [decay](crate#decay) option
/// ([`Builder::decay`]) holds the memory for a while instead.
///
/// ```
/// use bytes::{Buf, BufMut};
/// use mapped::{MappedBytes, Storage, MAPPER};
///
/// # if !mapped::OsMapper::MAPS { return; } // this shows mapped storage
/// let mut buf = MappedBytes::new(MAPPER);
/// buf.put_bytes(7, 1 << 20); // a 1 MiB message: mapped
/// assert_eq!(buf.storage(), Storage::Mapped);
/// assert!(buf.committed_bytes() >= 1 << 20);
/// buf.advance(1 << 20); // consumed: the memory goes back
/// assert_eq!(buf.committed_bytes(), 0);
/// assert_eq!(buf.storage(), Storage::Empty);
/// ```
///
/// # Refused memory
///
/// `BufMut`'s methods cannot return an error: when memory is refused there,
/// they panic with a message naming the error, as `Vec<u8>`'s impl aborts
/// on a failed allocation. [`try_reserve`](Self::try_reserve) makes room
/// first and returns an [`Error`] instead, leaving the buffer unchanged; a
/// `read_buf` into room reserved so never asks for memory.
///
/// # With tokio
///
/// ```no_run
/// use mapped::{MappedBytes, MAPPER};
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
/// use tokio::net::TcpStream;
///
/// /// Echoes frames of a 4-byte big-endian length and a payload.
/// async fn echo(mut socket: TcpStream) -> std::io::Result<()> {
///     let mut buf = MappedBytes::new(MAPPER);
///     loop {
///         while buf.len() < 4 {
///             if socket.read_buf(&mut buf).await? == 0 {
///                 return Ok(());
///             }
///         }
///         let frame_len = 4 + u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
///         buf.try_reserve(frame_len.saturating_sub(buf.len()))?; // refused: an error
///         while buf.len() < frame_len {
///             if socket.read_buf(&mut buf).await? == 0 {
///                 return Ok(());
///             }
///         }
///         let frame = buf.split_to(frame_len); // the buffer's memory goes with it
///         socket.write_all(&frame).await?;
///     }
/// }
/// ```
pub struct MappedBytes {
    /// The bytes written; those before `read` are consumed.
    data: MappedVector<u8>,
    /// The offset of the first unread byte: at most `data.len()`.
    read: usize,
}

impl MappedBytes {
    /// An empty buffer on `mapper` (`MAPPER`, a `&'static M` or an
    /// `Arc<M>`). Allocates, reserves and commits nothing until the first
    /// write.
    pub fn new(mapper: impl Into<MapperRef>) -> Self {
        Self::on(MappedVector::new(mapper))
    }

    /// An empty buffer on `mapper` with room for at least `capacity` bytes,
    /// as `BytesMut::with_capacity`: on the heap, exactly; mapped (past the
    /// heap limit), in whole pages.
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] past `isize::MAX` bytes, or the memory
    /// refused.
    #[track_caller]
    pub fn with_capacity(mapper: impl Into<MapperRef>, capacity: usize) -> Result<Self, Error> {
        let mut buf = Self::new(mapper);
        buf.data.reserve_exact(capacity)?;
        Ok(buf)
    }

    /// A [`Builder`] for a buffer with a name and an observer (shown in
    /// spans, observer events and the inventory), a heap limit, decay, or
    /// any other option a vector takes.
    ///
    /// ```
    /// use bytes::BufMut;
    /// use mapped::{MappedBytes, Storage, MAPPER};
    ///
    /// let mut buf = MappedBytes::builder(MAPPER)
    ///     .name("conn-42")
    ///     .heap_limit(16 << 10) // messages up to 16 KiB stay on the heap
    ///     .build()?;
    /// buf.put_bytes(0, 8 << 10);
    /// assert_eq!(buf.storage(), Storage::Heap);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    pub fn builder(mapper: impl Into<MapperRef>) -> Builder<Self> {
        Builder::new(mapper.into())
    }

    /// An empty buffer on `data`'s storage, labelled `bytes` for telemetry.
    fn on(mut data: MappedVector<u8>) -> Self {
        debug_assert!(data.is_empty());
        data.set_kind(Kind::Bytes);
        MappedBytes { data, read: 0 }
    }

    /// Unread bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.data.len() - self.read
    }

    /// Whether there are no unread bytes.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the buffer holds from its first unread byte on without
    /// allocating or calling the OS (as `BytesMut::capacity`: the unread
    /// ones and the room after them).
    #[inline]
    pub fn capacity(&self) -> usize {
        self.data.capacity() - self.read
    }

    /// Bytes the mapper has [committed](crate#commit) for this buffer now: 0
    /// unless it is [`Storage::Mapped`].
    #[inline]
    pub fn committed_bytes(&self) -> usize {
        self.data.committed_bytes()
    }

    /// Bytes of address space [reserved](crate#reserve) now: 0 unless
    /// [`Storage::Mapped`].
    #[inline]
    pub fn reserved_bytes(&self) -> usize {
        self.data.reserved_bytes()
    }

    /// Bytes of the buffer's heap allocation: 0 unless [`Storage::Heap`].
    #[inline]
    pub fn heap_bytes(&self) -> usize {
        self.data.heap_bytes()
    }

    /// Where the bytes are now: nowhere yet, on the heap, or in a mapping
    /// of the buffer's own.
    pub fn storage(&self) -> Storage {
        self.data.storage()
    }

    /// Makes room for at least `additional` more bytes after the unread
    /// ones, so that writing them asks for no memory (amortised, as
    /// `BytesMut::reserve`). Moves the unread bytes to the front instead of
    /// growing when that is cheap (see [Memory](Self#memory)).
    ///
    /// # Errors
    ///
    /// When memory cannot be had: the buffer is unchanged (its unread bytes
    /// may have moved to the front), and nothing is lost.
    ///
    /// ```
    /// use mapped::{MappedBytes, MAPPER};
    ///
    /// let mut buf = MappedBytes::new(MAPPER);
    /// buf.try_reserve(4096)?;
    /// assert!(buf.capacity() >= 4096);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    #[track_caller]
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), Error> {
        if self.spare() >= additional {
            return Ok(());
        }
        if self.read >= self.len() {
            self.compact();
            if self.spare() >= additional {
                return Ok(());
            }
        }
        match self.data.reserve(additional) {
            Ok(()) => Ok(()),
            // A fixed window that is full still has the consumed bytes.
            Err(_) if self.data.capacity() - self.len() >= additional => {
                self.compact();
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    /// Drops every byte, read or not, and gives memory back as
    /// [`MappedVector::clear`] does.
    pub fn clear(&mut self) {
        self.read = 0;
        self.data.clear();
    }

    /// Keeps the first `len` unread bytes and drops the rest (nothing
    /// happens if there are no more than `len`), as `BytesMut::truncate`;
    /// gives memory back if the buffer has become sparse.
    pub fn truncate(&mut self, len: usize) {
        match len {
            0 => self.clear(),
            _ if len < self.len() => self.data.truncate(self.read + len),
            _ => {}
        }
    }

    /// Gives back all memory not needed by the unread bytes (they move to
    /// the front first), as [`MappedVector::shrink_to_fit`] does.
    ///
    /// # Errors
    ///
    /// When the smaller heap allocation is refused (moving back from a
    /// mapping) or a decommit fails: the unread bytes are kept.
    pub fn shrink_to_fit(&mut self) -> Result<(), Error> {
        self.compact();
        self.data.shrink_to_fit()
    }

    /// Gives back memory that the [decay](crate#decay) option has held
    /// past its delay, as [`MappedVector::trim`] does; call it from
    /// housekeeping. Returns whether memory went back to the OS.
    pub fn trim(&mut self) -> bool {
        self.data.trim()
    }

    // ---- the read offset ----

    /// Room after the last byte written.
    #[inline]
    fn spare(&self) -> usize {
        self.data.capacity() - self.data.len()
    }

    /// Marks `count` more bytes consumed (at most the unread ones), then
    /// drops the consumed ones when that is cheap and gives memory back
    /// (see [Memory](Self#memory)).
    #[inline]
    fn consume(&mut self, count: usize) {
        debug_assert!(count <= self.len());
        self.read += count;
        if self.read == self.data.len() {
            self.clear();
        } else if self.read >= self.len() && self.data.would_shrink_at(self.len()) {
            self.compact();
        }
    }

    /// Moves the unread bytes to the front and drops the consumed ones;
    /// the vector gives memory back if its policy says so.
    fn compact(&mut self) {
        if self.read == 0 {
            return;
        }
        let len = self.len();
        self.data.copy_within(self.read.., 0);
        self.read = 0;
        self.data.truncate(len);
    }

    /// The most bytes the buffer may hold: a fixed window's size, else
    /// `isize::MAX`.
    #[inline]
    fn limit(&self) -> usize {
        self.data.max_capacity().unwrap_or(isize::MAX as usize)
    }
}

impl Builder<MappedBytes> {
    /// Builds the buffer; a fixed window
    /// ([`max_capacity`](Builder::max_capacity), in bytes) is reserved now.
    ///
    /// # Errors
    ///
    /// A fixed window whose size overflows, or a refused reservation.
    #[track_caller]
    pub fn build(mut self) -> Result<MappedBytes, Error> {
        // Labelled before anything is reserved, so that a fixed window's
        // reservation already says `bytes`.
        self.config.label.kind = Kind::Bytes;
        MappedVector::try_from_config(self.config).map(MappedBytes::on)
    }
}
