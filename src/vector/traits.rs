//! The standard traits a `Vec` user expects, on `MappedVector`.

use super::MappedVector;
use crate::error::refused;
use crate::os::MAPPER;
use std::borrow::{Borrow, BorrowMut};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::io;
use std::ops::{Deref, DerefMut, Index, IndexMut};
use std::slice::SliceIndex;

impl<T, const N: usize> Deref for MappedVector<T, N> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T, const N: usize> DerefMut for MappedVector<T, N> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}

impl<T, I: SliceIndex<[T]>, const N: usize> Index<I> for MappedVector<T, N> {
    type Output = I::Output;

    #[inline]
    fn index(&self, index: I) -> &I::Output {
        Index::index(self.as_slice(), index)
    }
}

impl<T, I: SliceIndex<[T]>, const N: usize> IndexMut<I> for MappedVector<T, N> {
    #[inline]
    fn index_mut(&mut self, index: I) -> &mut I::Output {
        IndexMut::index_mut(self.as_mut_slice(), index)
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a MappedVector<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a mut MappedVector<T, N> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

/// Like `Vec`'s, this panics if memory cannot be had (as `Vec` aborts on
/// OOM); use [`MappedVector::try_extend`] to get an error instead.
impl<T, const N: usize> Extend<T> for MappedVector<T, N> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        if let Err(e) = self.try_extend(iter) {
            refused(
                "MappedVector::extend",
                Some("MappedVector::try_extend"),
                e.error(),
            );
        }
    }
}

/// Like `Vec`'s, this panics if memory cannot be had.
impl<'a, T: Copy + 'a, const N: usize> Extend<&'a T> for MappedVector<T, N> {
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, iter: I) {
        self.extend(iter.into_iter().copied());
    }
}

/// Collects onto the OS mapper ([`MAPPER`]). Like `Vec`'s, this panics if
/// memory cannot be had; use [`MappedVector::try_extend`] on a
/// [`MappedVector::new`] to get an error instead.
impl<T, const N: usize> FromIterator<T> for MappedVector<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut v = MappedVector::new(MAPPER);
        v.extend(iter);
        v
    }
}

/// A vector on the OS mapper ([`MAPPER`]).
impl<T, const N: usize> Default for MappedVector<T, N> {
    fn default() -> Self {
        MappedVector::new(MAPPER)
    }
}

/// Like `Vec`'s, this panics if memory cannot be had; use
/// [`MappedVector::try_clone`] to get an error instead.
impl<T: Clone, const N: usize> Clone for MappedVector<T, N> {
    fn clone(&self) -> Self {
        match self.try_clone() {
            Ok(v) => v,
            Err(e) => refused("MappedVector::clone", Some("MappedVector::try_clone"), &e),
        }
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for MappedVector<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

impl<T: Hash, const N: usize> Hash for MappedVector<T, N> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Hash::hash(self.as_slice(), state);
    }
}

impl<T: Eq, const N: usize> Eq for MappedVector<T, N> {}

impl<T: PartialOrd, const N: usize> PartialOrd for MappedVector<T, N> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.as_slice().partial_cmp(other.as_slice())
    }
}

impl<T: Ord, const N: usize> Ord for MappedVector<T, N> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl<T, const N: usize> AsRef<[T]> for MappedVector<T, N> {
    fn as_ref(&self) -> &[T] {
        self
    }
}

impl<T, const N: usize> AsMut<[T]> for MappedVector<T, N> {
    fn as_mut(&mut self) -> &mut [T] {
        self
    }
}

impl<T, const N: usize> Borrow<[T]> for MappedVector<T, N> {
    fn borrow(&self) -> &[T] {
        self
    }
}

impl<T, const N: usize> BorrowMut<[T]> for MappedVector<T, N> {
    fn borrow_mut(&mut self) -> &mut [T] {
        self
    }
}

/// A byte vector is a writer that gives its memory back: an ingest buffer,
/// a response being built.
///
/// A refused commit is an [`io::Error`] of kind
/// [`OutOfMemory`](io::ErrorKind::OutOfMemory) whose inner error is the
/// [`Error`](crate::Error), and nothing of that call is written.
///
/// ```
/// use mapped::{MappedVector, MAPPER};
/// use std::io::Write;
///
/// let mut out: MappedVector<u8> = MappedVector::new(MAPPER);
/// write!(out, "{} + {} = {}", 1, 2, 1 + 2)?;
/// assert_eq!(&out[..], b"1 + 2 = 3");
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// A refused write writes nothing and is an [`io::Error`] made from the
/// [`Error`](crate::Error) (see its `From` impl): `OutOfMemory` when memory
/// was refused, `StorageFull` when a fixed window is full.
impl<const N: usize> io::Write for MappedVector<u8, N> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.extend_from_slice(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.write(buf).map(drop)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
