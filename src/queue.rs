//! `MappedQueue`: a binary max-heap on a `MappedVector`, so it shrinks too.
//! (Being written: see issue 5.)

use crate::mapper::MapperRef;
use crate::telemetry::names::CONTAINER_QUEUE;
use crate::vector::MappedVector;

/// A priority queue (max-heap, like `BinaryHeap`) on mapped storage.
pub struct MappedQueue<T: Ord, const N: usize = 1> {
    data: MappedVector<T, N>,
}

impl<T: Ord, const N: usize> MappedQueue<T, N> {
    /// An empty queue on `mapper`.
    pub fn new(mapper: impl Into<MapperRef>) -> Self {
        let mut data = MappedVector::new(mapper);
        data.set_container(CONTAINER_QUEUE);
        MappedQueue { data }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}
