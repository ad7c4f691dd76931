//! The std traits of [`MappedBytes`]: it reads as its unread bytes.

use super::MappedBytes;
use crate::MAPPER;
use bytes::BufMut;
use std::borrow::{Borrow, BorrowMut};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::io;
use std::ops::{Deref, DerefMut};

/// The unread bytes.
impl Deref for MappedBytes {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        &self.data[self.read..]
    }
}

/// The unread bytes, to edit in place.
impl DerefMut for MappedBytes {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.data[self.read..]
    }
}

impl AsRef<[u8]> for MappedBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl AsMut<[u8]> for MappedBytes {
    fn as_mut(&mut self) -> &mut [u8] {
        self
    }
}

impl Borrow<[u8]> for MappedBytes {
    fn borrow(&self) -> &[u8] {
        self
    }
}

impl BorrowMut<[u8]> for MappedBytes {
    fn borrow_mut(&mut self) -> &mut [u8] {
        self
    }
}

/// An empty buffer on the OS mapper ([`MAPPER`]).
impl Default for MappedBytes {
    fn default() -> Self {
        MappedBytes::new(MAPPER)
    }
}

/// The unread bytes as a byte string literal, as `BytesMut`'s:
/// `b"GET /\r\n"`.
impl fmt::Debug for MappedBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.escape_ascii())
    }
}

/// Compares the unread bytes.
impl PartialEq for MappedBytes {
    fn eq(&self, other: &Self) -> bool {
        self[..] == other[..]
    }
}

impl Eq for MappedBytes {}

impl PartialEq<[u8]> for MappedBytes {
    fn eq(&self, other: &[u8]) -> bool {
        self[..] == *other
    }
}

impl PartialEq<&[u8]> for MappedBytes {
    fn eq(&self, other: &&[u8]) -> bool {
        self[..] == **other
    }
}

/// Hashes the unread bytes as `[u8]` does.
impl Hash for MappedBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self[..].hash(state);
    }
}

/// Like `Vec`'s, this panics if memory cannot be had; use
/// [`MappedBytes::try_reserve`] first to get an error instead.
impl Extend<u8> for MappedBytes {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        // A hint is only a hint: if reserving for it fails, grow byte by
        // byte and panic on the byte that really does not fit.
        let _ = self.try_reserve(iter.size_hint().0);
        for byte in iter {
            self.put_u8(byte);
        }
    }
}

/// Like `Vec`'s, this panics if memory cannot be had.
impl<'a> Extend<&'a u8> for MappedBytes {
    fn extend<I: IntoIterator<Item = &'a u8>>(&mut self, iter: I) {
        self.extend(iter.into_iter().copied());
    }
}

/// Appends, as `MappedVector<u8>`'s `Write` does: a refusal is an
/// [`io::Error`] made from the [`Error`](crate::Error), and nothing of that
/// call is written.
///
/// ```
/// use mapped::{MappedBytes, MAPPER};
/// use std::io::Write;
///
/// let mut buf = MappedBytes::new(MAPPER);
/// write!(buf, "HTTP/1.1 {} OK\r\n", 200)?;
/// assert_eq!(buf, &b"HTTP/1.1 200 OK\r\n"[..]);
/// # Ok::<(), std::io::Error>(())
/// ```
impl io::Write for MappedBytes {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.try_reserve(buf.len())?;
        self.put_slice(buf);
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.write(buf).map(drop)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
