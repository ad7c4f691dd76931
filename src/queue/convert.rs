//! Conversions into and out of a [`MappedQueue`]: from a vector (ours or
//! std's) or an array, heapified once, and back to its storage.

use super::{sift, MappedQueue};
use crate::os::MAPPER;
use crate::telemetry::Kind;
use crate::vector::MappedVector;

/// Turns a vector into a queue in place, in O(n) comparisons (bottom-up
/// heapify); nothing is copied. The storage reports telemetry as a `queue`
/// from then on.
impl<T: Ord, const N: usize> From<MappedVector<T, N>> for MappedQueue<T, N> {
    fn from(mut data: MappedVector<T, N>) -> Self {
        data.set_kind(Kind::Queue);
        sift::rebuild(data.as_mut_slice());
        MappedQueue { data }
    }
}

/// The queue's storage, elements in arbitrary order: [`MappedQueue::into_vec`].
impl<T: Ord, const N: usize> From<MappedQueue<T, N>> for MappedVector<T, N> {
    fn from(queue: MappedQueue<T, N>) -> Self {
        queue.into_vec()
    }
}

/// Moves the elements of a `Vec` onto the OS mapper ([`MAPPER`]) and
/// heapifies them once, in O(n) comparisons, as `BinaryHeap::from(vec)`
/// does: the storage order is std's.
///
/// Like `BinaryHeap`'s `FromIterator`, this panics if memory cannot be had
/// (std's `From<Vec>` needs none: it keeps the `Vec`'s allocation). To get
/// an error instead, [`try_extend`](MappedQueue::try_extend) an empty
/// queue: it heapifies once too.
///
/// ```
/// use mapped::MappedQueue;
///
/// let q: MappedQueue<i32> = MappedQueue::from(vec![5, 9, 3]);
/// assert_eq!(q.as_slice(), [9, 5, 3]); // std's BinaryHeap has the same order
/// assert_eq!(q.into_sorted_vec(), [3, 5, 9]);
/// ```
impl<T: Ord, const N: usize> From<Vec<T>> for MappedQueue<T, N> {
    #[track_caller]
    fn from(vec: Vec<T>) -> Self {
        let mut q = MappedQueue::new(MAPPER);
        q.extend(vec);
        q
    }
}

/// Moves the elements of an array onto the OS mapper ([`MAPPER`]),
/// heapified once, as `BinaryHeap::from([..])` does.
///
/// Like `BinaryHeap`'s, this panics if memory cannot be had; to get an
/// error instead, [`try_extend`](MappedQueue::try_extend) an empty queue.
///
/// ```
/// use mapped::MappedQueue;
///
/// let mut q = MappedQueue::<u8>::from([1, 5, 2]);
/// assert_eq!(q.pop(), Some(5));
/// assert_eq!(q.pop(), Some(2));
/// ```
impl<T: Ord, const N: usize, const K: usize> From<[T; K]> for MappedQueue<T, N> {
    #[track_caller]
    fn from(array: [T; K]) -> Self {
        let mut q = MappedQueue::new(MAPPER);
        q.extend(array);
        q
    }
}
