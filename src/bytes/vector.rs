//! [`BufMut`] for [`MappedVector<u8, N>`], as `bytes` has it for `Vec<u8>`.

use crate::error::refused;
use crate::vector::MappedVector;
use bytes::buf::UninitSlice;
use bytes::{Buf, BufMut};
use std::mem::MaybeUninit;

/// What `chunk_mut` makes room for when the vector is full, as `Vec<u8>`'s
/// does (the storage grows by doubling, so this is only a floor).
const CHUNK: usize = 64;

/// Appends at the end, as `Vec<u8>`'s impl does.
///
/// Its methods cannot return an error: when memory is refused they panic
/// with a message naming the error, as `Vec<u8>`'s impl aborts on a failed
/// allocation. [`MappedVector::reserve`] first returns an
/// [`Error`](crate::Error) instead, and writes into room reserved so never
/// ask for memory.
///
/// ```
/// use bytes::BufMut;
/// use mapped::{MappedVector, MAPPER};
///
/// let mut out: MappedVector<u8> = MappedVector::new(MAPPER);
/// out.reserve(6)?; // a refusal here is an error
/// out.put_u16(0x4869);
/// out.put_slice(b"!!!!");
/// assert_eq!(&out[..], b"Hi!!!!");
/// # Ok::<(), mapped::Error>(())
/// ```
// SAFETY: `chunk_mut` is the spare capacity, past the last element;
// `advance_mut` counts bytes written into it only after checking that they
// lie within it (the caller promises they were initialized), so every
// byte below the length is initialized.
unsafe impl<const N: usize> BufMut for MappedVector<u8, N> {
    /// Bytes that may still be appended: up to `isize::MAX` in all (or a
    /// fixed window's size). Appending them may need memory, which may be
    /// refused.
    #[inline]
    fn remaining_mut(&self) -> usize {
        self.max_capacity().unwrap_or(isize::MAX as usize) - self.len()
    }

    /// Counts `cnt` more bytes of [`chunk_mut`](Self::chunk_mut) as
    /// appended.
    ///
    /// # Panics
    ///
    /// If `cnt` is more than `chunk_mut` holds (the spare capacity), as
    /// `Vec<u8>`'s does.
    #[inline]
    unsafe fn advance_mut(&mut self, cnt: usize) {
        let (len, room) = (self.len(), self.capacity() - self.len());
        assert!(
            cnt <= room,
            "advance out of bounds: the spare capacity is {room} bytes but advancing by {cnt}"
        );
        // SAFETY: `len + cnt <= capacity`, and the caller promises the
        // `cnt` bytes after the last element are initialized.
        unsafe { self.set_len(len + cnt) };
    }

    /// The spare capacity: makes some when there is none, so it is empty
    /// only when [`remaining_mut`](Self::remaining_mut) is 0.
    ///
    /// # Panics
    ///
    /// When the memory is refused.
    #[inline]
    #[track_caller]
    fn chunk_mut(&mut self) -> &mut UninitSlice {
        if self.capacity() == self.len() {
            let want = CHUNK.min(self.remaining_mut());
            if want > 0 {
                reserve_or_panic(self, want, "MappedVector::chunk_mut");
            }
        }
        UninitSlice::uninit(self.spare_capacity_mut())
    }

    /// Appends `src`, as [`extend_from_slice`](MappedVector::extend_from_slice).
    ///
    /// # Panics
    ///
    /// When the memory is refused; nothing is appended then.
    #[inline]
    #[track_caller]
    fn put_slice(&mut self, src: &[u8]) {
        if let Err(error) = self.extend_from_slice(src) {
            refused(
                "MappedVector::put_slice",
                Some("MappedVector::reserve"),
                &error,
            );
        }
    }

    /// Appends `cnt` copies of `val`.
    ///
    /// # Panics
    ///
    /// When the memory is refused; nothing is appended then.
    #[track_caller]
    fn put_bytes(&mut self, val: u8, cnt: usize) {
        reserve_or_panic(self, cnt, "MappedVector::put_bytes");
        let len = self.len();
        self.spare_capacity_mut()[..cnt].fill(MaybeUninit::new(val));
        // SAFETY: the `cnt` bytes after the last element were just
        // initialized, within the capacity.
        unsafe { self.set_len(len + cnt) };
    }

    /// Appends every byte of `src`, making room for all of them first.
    ///
    /// # Panics
    ///
    /// When the memory is refused; nothing is appended then.
    #[track_caller]
    fn put<T: Buf>(&mut self, mut src: T)
    where
        Self: Sized,
    {
        reserve_or_panic(self, src.remaining(), "MappedVector::put");
        while src.has_remaining() {
            let chunk = src.chunk();
            let n = chunk.len();
            self.put_slice(chunk);
            src.advance(n);
        }
    }
}

/// [`MappedVector::reserve`] for a `BufMut` method, which has no error to
/// return: panics when the memory is refused.
#[track_caller]
fn reserve_or_panic<const N: usize>(v: &mut MappedVector<u8, N>, additional: usize, method: &str) {
    if let Err(error) = v.reserve(additional) {
        refused(method, Some("MappedVector::reserve"), &error);
    }
}
