//! The standard traits a `BinaryHeap` user expects, on `MappedQueue`.

use super::MappedQueue;
use crate::error::refused;
use crate::os::MAPPER;
use crate::vector::IntoIter;
use std::fmt;

/// Like `BinaryHeap`'s, this panics if memory cannot be had (as `Vec` aborts
/// on OOM); use [`MappedQueue::try_extend`] to get an error instead.
impl<T: Ord, const N: usize> Extend<T> for MappedQueue<T, N> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        if let Err(e) = self.try_extend(iter) {
            refused(
                "MappedQueue::extend",
                Some("MappedQueue::try_extend"),
                e.error(),
            );
        }
    }
}

/// Like `BinaryHeap`'s, this panics if memory cannot be had.
impl<'a, T: Ord + Copy + 'a, const N: usize> Extend<&'a T> for MappedQueue<T, N> {
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, iter: I) {
        self.extend(iter.into_iter().copied());
    }
}

/// Collects onto the OS mapper ([`MAPPER`]), heapifying once at the end.
/// Like `BinaryHeap`'s, this panics if memory cannot be had; use
/// [`MappedQueue::try_extend`] on a [`MappedQueue::new`] to get an error
/// instead.
impl<T: Ord, const N: usize> FromIterator<T> for MappedQueue<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut q = MappedQueue::new(MAPPER);
        q.extend(iter);
        q
    }
}

/// An empty queue on the OS mapper ([`MAPPER`]).
impl<T: Ord, const N: usize> Default for MappedQueue<T, N> {
    fn default() -> Self {
        MappedQueue::new(MAPPER)
    }
}

/// Like `BinaryHeap`'s, this panics if memory cannot be had; use
/// [`MappedQueue::try_clone`] to get an error instead.
impl<T: Ord + Clone, const N: usize> Clone for MappedQueue<T, N> {
    fn clone(&self) -> Self {
        match self.try_clone() {
            Ok(q) => q,
            Err(e) => refused("MappedQueue::clone", Some("MappedQueue::try_clone"), &e),
        }
    }
}

/// The elements in storage (arbitrary) order, as `BinaryHeap` prints them.
impl<T: Ord + fmt::Debug, const N: usize> fmt::Debug for MappedQueue<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Consumes the queue, yielding its elements in arbitrary order. Its memory
/// is given back when the iterator is dropped, as a dropped queue's is (a
/// small mapping may park in the reservation cache for
/// [`CACHE_DELAY`](crate::CACHE_DELAY)).
impl<T: Ord, const N: usize> IntoIterator for MappedQueue<T, N> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        self.data.into_iter()
    }
}

/// The elements in arbitrary order: [`MappedQueue::iter`].
impl<'a, T: Ord, const N: usize> IntoIterator for &'a MappedQueue<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
