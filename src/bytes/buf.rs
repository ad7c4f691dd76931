//! [`Buf`] and [`BufMut`] for [`MappedBytes`]: consumed from the front,
//! written at the back.

use super::MappedBytes;
use crate::error::refused;
use bytes::buf::UninitSlice;
use bytes::{Buf, BufMut, Bytes};
use std::mem::MaybeUninit;

/// What `chunk_mut` makes room for when the buffer is full, as `Vec<u8>`'s
/// and `BytesMut`'s do (the storage grows by doubling, so this is only a
/// floor).
const CHUNK: usize = 64;

/// Reading consumes from the front: see [Memory](MappedBytes#memory) for
/// when the consumed bytes, and the memory under them, go.
impl Buf for MappedBytes {
    /// The unread bytes: [`len`](MappedBytes::len).
    #[inline]
    fn remaining(&self) -> usize {
        self.len()
    }

    /// All the unread bytes: they are contiguous.
    #[inline]
    fn chunk(&self) -> &[u8] {
        self
    }

    /// Consumes `cnt` bytes from the front, in amortised O(1).
    ///
    /// # Panics
    ///
    /// If `cnt > self.remaining()`, as `BytesMut::advance`.
    #[inline]
    fn advance(&mut self, cnt: usize) {
        let remaining = self.len();
        assert!(
            cnt <= remaining,
            "cannot advance past `remaining`: {cnt:?} <= {remaining:?}"
        );
        self.consume(cnt);
    }

    /// The first `len` unread bytes, as [`split_to`](MappedBytes::split_to).
    ///
    /// # Panics
    ///
    /// If `len > self.remaining()`.
    fn copy_to_bytes(&mut self, len: usize) -> Bytes {
        self.split_to(len)
    }
}

// SAFETY: `chunk_mut` is the spare capacity of the storage, past the last
// byte written; `advance_mut` counts bytes written into it only after
// checking that they lie within it (the caller promises they were
// initialized), so every byte below the storage's length is initialized.
unsafe impl BufMut for MappedBytes {
    /// Bytes that may still be written: up to `isize::MAX` (or a fixed
    /// window's size) unread bytes, counting those written already. Writing
    /// them may need memory, which may be refused (see
    /// [Refused memory](MappedBytes#refused-memory)).
    #[inline]
    fn remaining_mut(&self) -> usize {
        self.limit() - self.len()
    }

    /// Counts `cnt` more bytes of [`chunk_mut`](Self::chunk_mut) as written.
    ///
    /// # Panics
    ///
    /// If `cnt` is more than `chunk_mut` holds (the room after the last
    /// byte written), as `Vec<u8>`'s does.
    #[inline]
    unsafe fn advance_mut(&mut self, cnt: usize) {
        let room = self.spare();
        assert!(
            cnt <= room,
            "advance out of bounds: the room is {room} bytes but advancing by {cnt}"
        );
        // SAFETY: `len + cnt <= capacity`, and the caller promises the
        // `cnt` bytes after the last one written are initialized.
        unsafe { self.data.set_len(self.data.len() + cnt) };
    }

    /// The room after the last byte written: makes some when there is none
    /// (moving the unread bytes to the front when cheap, else growing), so
    /// it is empty only when [`remaining_mut`](Self::remaining_mut) is 0.
    ///
    /// # Panics
    ///
    /// When the memory is refused.
    #[inline]
    #[track_caller]
    fn chunk_mut(&mut self) -> &mut UninitSlice {
        if self.spare() == 0 {
            self.make_room(CHUNK.min(self.remaining_mut()), "MappedBytes::chunk_mut");
        }
        UninitSlice::uninit(self.data.spare_capacity_mut())
    }

    /// Appends `src` (one copy, growing at most once).
    ///
    /// # Panics
    ///
    /// When the memory is refused; nothing is written then.
    #[inline]
    #[track_caller]
    fn put_slice(&mut self, src: &[u8]) {
        if self.spare() < src.len() {
            self.make_room(src.len(), "MappedBytes::put_slice");
        }
        let len = self.data.len();
        let room = self.data.spare_capacity_mut();
        // SAFETY: `room` holds at least `src.len()` bytes (made above) and
        // is the buffer's own memory, which `src` (borrowed apart from
        // `self`) cannot overlap; `MaybeUninit<u8>` has `u8`'s layout. The
        // copy initializes the bytes the new length counts.
        unsafe {
            std::ptr::copy_nonoverlapping(src.as_ptr(), room.as_mut_ptr().cast(), src.len());
            self.data.set_len(len + src.len());
        }
    }

    /// Appends `cnt` copies of `val`.
    ///
    /// # Panics
    ///
    /// When the memory is refused; nothing is written then.
    #[track_caller]
    fn put_bytes(&mut self, val: u8, cnt: usize) {
        if self.spare() < cnt {
            self.make_room(cnt, "MappedBytes::put_bytes");
        }
        let len = self.data.len();
        self.data.spare_capacity_mut()[..cnt].fill(MaybeUninit::new(val));
        // SAFETY: the `cnt` bytes after the last one written were just
        // initialized, within the capacity.
        unsafe { self.data.set_len(len + cnt) };
    }

    /// Appends every byte of `src`, making room for all of them first.
    ///
    /// # Panics
    ///
    /// When the memory is refused; nothing is written then.
    #[track_caller]
    fn put<T: Buf>(&mut self, mut src: T)
    where
        Self: Sized,
    {
        let count = src.remaining();
        if self.spare() < count {
            self.make_room(count, "MappedBytes::put");
        }
        while src.has_remaining() {
            let chunk = src.chunk();
            let n = chunk.len();
            self.put_slice(chunk);
            src.advance(n);
        }
    }
}

impl MappedBytes {
    /// [`try_reserve`](Self::try_reserve) for a `BufMut` method, which has
    /// no error to return: panics when the memory is refused.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn make_room(&mut self, additional: usize, method: &str) {
        if let Err(error) = self.try_reserve(additional) {
            refused(method, Some("MappedBytes::try_reserve"), &error);
        }
    }
}
