//! Handing bytes to [`Bytes`]: [`MappedBytes::freeze`] without a copy,
//! [`MappedBytes::split_to`] without one when the frame is most of what
//! the buffer holds.

use super::MappedBytes;
use crate::raw::Storage;
use crate::vector::MappedVector;
use bytes::Bytes;
use std::mem;

/// What a [`Bytes`] made by `freeze` or `split_to` owns: the storage, and
/// where its bytes start (they run to its end). Dropping the last `Bytes`
/// drops the storage, which gives its memory back.
struct Frozen {
    data: MappedVector<u8>,
    start: usize,
}

impl AsRef<[u8]> for Frozen {
    fn as_ref(&self) -> &[u8] {
        &self.data[self.start..]
    }
}

/// The bytes of `data` from `start` on, as a [`Bytes`] that owns `data`;
/// none (and `data` dropped now) if there are none.
fn into_bytes(data: MappedVector<u8>, start: usize) -> Bytes {
    if start == data.len() {
        return Bytes::new();
    }
    Bytes::from_owner(Frozen { data, start })
}

impl MappedBytes {
    /// The unread bytes as an immutable [`Bytes`], without copying: the
    /// `Bytes` (and its clones and slices) owns the buffer's storage, and
    /// the last of them to go gives its memory back.
    ///
    /// ```
    /// use bytes::{BufMut, Bytes};
    /// use mapped::{MappedBytes, MAPPER};
    ///
    /// let mut buf = MappedBytes::new(MAPPER);
    /// buf.put_bytes(1, 100_000);
    /// let at = buf.as_ptr();
    /// let all: Bytes = buf.freeze();
    /// assert_eq!(all.len(), 100_000);
    /// assert_eq!(all.as_ptr(), at); // the same memory
    /// ```
    pub fn freeze(self) -> Bytes {
        let MappedBytes { data, read } = self;
        into_bytes(data, read)
    }

    /// Removes the first `at` unread bytes and returns them as a [`Bytes`]:
    /// the next frame.
    ///
    /// Unlike `BytesMut::split_to`, the buffer never shares its storage
    /// with what it hands out, so it stays free to give its memory back.
    /// So the frame is copied into a new `Bytes` (O(`at`), on the heap, as
    /// [`Bytes::copy_from_slice`]), unless it is most of what the buffer
    /// holds in a mapping: then the storage goes to the `Bytes` without a
    /// copy, as [`freeze`](Self::freeze) would hand it, and the buffer
    /// starts on fresh storage with the bytes after the frame (fewer than
    /// the frame's) copied over. Either way a byte is copied at most once,
    /// and the memory under a large frame goes back when its `Bytes` is
    /// dropped.
    ///
    /// # Panics
    ///
    /// If `at > self.len()`, as `BytesMut::split_to`.
    ///
    /// ```
    /// use bytes::{Buf, BufMut};
    /// use mapped::{MappedBytes, Storage, MAPPER};
    ///
    /// let mut buf = MappedBytes::new(MAPPER);
    /// buf.put_slice(b"GET / HTTP/1.1\r\n");
    /// let line = buf.split_to(16); // small: copied
    /// assert_eq!(line, "GET / HTTP/1.1\r\n");
    ///
    /// buf.put_bytes(b'x', 1 << 20);
    /// buf.put_slice(b"next");
    /// let body = buf.split_to(1 << 20); // most of a mapped buffer: not copied
    /// assert_eq!(body.len(), 1 << 20);
    /// assert_eq!(&buf[..], b"next");
    /// assert_eq!(buf.storage(), Storage::Heap); // fresh storage, on the heap
    /// ```
    #[track_caller]
    pub fn split_to(&mut self, at: usize) -> Bytes {
        let len = self.len();
        assert!(at <= len, "split_to out of bounds: {at:?} <= {len:?}");
        if at == 0 {
            return Bytes::new();
        }
        if len - at < at && self.storage() == Storage::Mapped {
            if let Some(frame) = self.hand_over(at) {
                return frame;
            }
        }
        let frame = Bytes::copy_from_slice(&self[..at]);
        self.consume(at);
        frame
    }

    /// Hands the storage, from the first unread byte to `at` bytes on, to
    /// a `Bytes`, and continues on fresh storage with the same settings
    /// holding the rest. `None`, and nothing changed, when the fresh
    /// storage cannot be had.
    #[track_caller]
    fn hand_over(&mut self, at: usize) -> Option<Bytes> {
        let end = self.read + at;
        let mut fresh = self.data.empty_like().ok()?;
        fresh.extend_from_slice(&self.data[end..]).ok()?;
        let mut data = mem::replace(&mut self.data, fresh);
        let start = mem::take(&mut self.read);
        // The rest lives on in `fresh`; the storage may shrink to the frame.
        data.truncate(end);
        Some(into_bytes(data, start))
    }
}

/// [`MappedBytes::freeze`]: no copy.
impl From<MappedBytes> for Bytes {
    fn from(buf: MappedBytes) -> Bytes {
        buf.freeze()
    }
}
