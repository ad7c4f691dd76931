//! Homes for the crate's own small objects (a mapped container's boxed
//! state, its inventory record) in chunks mapped from the OS, away from the
//! global allocator's heap.
//!
//! A burst of containers moving into mappings allocated two small objects
//! each on the heap, between the heap buffers those containers were
//! outgrowing. Once the burst was over and the containers had shrunk back
//! onto the heap, their new small buffers filled the holes the objects
//! left, a few live bytes on every page: `examples/burst` kept 38.6 MiB of
//! RSS after truncation, and `malloc_trim` could not give it back (3.4 MiB
//! in use in a 32.7 MiB heap). In chunks of their own the objects leave no
//! holes in the heap, and a chunk emptied goes back to the OS.
//!
//! A [`Pool`] hands out slots of one size. Each of its shards (a thread
//! allocates in its home shard, `sync::home_shard`) lists the chunks with
//! free slots; a chunk keeps its freed slots on a list of its own and hands
//! out its never-used slots in order, so that its untouched pages stay
//! untouched. A slot goes back to its own chunk whichever thread frees it.
//! A chunk whose last slot is freed is unmapped, unless it is its shard's
//! only empty chunk: that one is kept, so that making and dropping one
//! container after another maps nothing. Where the OS maps nothing or
//! refuses a chunk, a slot comes from the global allocator instead, so
//! nothing fails here that a `Box` would not.
//!
//! Pools' locks are the innermost of the crate: nothing else is locked
//! while one is held (a chunk is unmapped after its lock is released), so
//! the fork handlers take them last.

#[cfg(unix)]
use crate::sync::HeldAcrossFork;
use crate::sync::{ForkLock, Padded};
use std::alloc::{self, Layout};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr::{self, NonNull};

/// The bytes of one chunk: one mapping (and, on Windows, one allocation
/// granule).
const CHUNK: usize = 64 << 10;

/// Whether slots come from chunks at all: not where nothing is mapped,
/// nor under Miri, which runs the crate on the global allocator alone.
const CHUNKS: bool = crate::os::HAS_MAPPINGS && !cfg!(miri);

/// How many shards a pool is split in.
const SHARDS: usize = 16;

/// The word before every slot's value: the slot's chunk, or null for a
/// slot from the global allocator.
type SlotHead = *mut Chunk;

/// A chunk's bookkeeping, at its start; its slots follow. `shard` is set
/// once, when the chunk is mapped; the rest is read and written only under
/// that shard's lock.
struct Chunk {
    /// The shard whose list it is on, and whose lock guards it.
    shard: usize,
    /// Neighbours on the shard's list of chunks with free slots.
    prev: *mut Chunk,
    next: *mut Chunk,
    /// Freed slots (their heads), each holding the next in its value's
    /// first word.
    free: *mut u8,
    /// Slots handed out at least once: the next never-used slot.
    fresh: usize,
    /// Slots in use.
    used: usize,
}

/// One shard of a pool: its chunks that have a free slot.
struct Shard {
    /// The first chunk with a free slot (null: none).
    partial: *mut Chunk,
    /// Chunks with no slot in use (at most one stays mapped).
    empty: usize,
}

// SAFETY: the chunks a shard points to are reached only under the shard's
// lock, from whichever thread holds it; nothing in them is tied to a thread.
unsafe impl Send for Shard {}

/// Slots of one size and alignment, in chunks mapped from the OS.
pub(crate) struct Pool {
    /// The layout of a slot: its head, then the value.
    slot: Layout,
    /// Where the value starts in a slot.
    offset: usize,
    /// Where the first slot starts in a chunk.
    first: usize,
    /// Slots in a chunk (0: the values are too large for chunks).
    per_chunk: usize,
    shards: [Padded<ForkLock<Shard>>; SHARDS],
}

/// `n` rounded up to a multiple of `align` (a power of two).
const fn round_up(n: usize, align: usize) -> usize {
    (n + align - 1) & !(align - 1)
}

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

impl Pool {
    /// A pool of slots for values of `value`'s layout (at least a word in
    /// size, so that a free slot can hold a link).
    pub(crate) const fn new(value: Layout) -> Pool {
        let head = size_of::<SlotHead>();
        let align = max(value.align(), align_of::<SlotHead>());
        let offset = round_up(head, value.align());
        let size = round_up(offset + max(value.size(), size_of::<*mut u8>()), align);
        let first = round_up(size_of::<Chunk>(), align);
        let per_chunk = if first + size <= CHUNK && align <= 4096 {
            (CHUNK - first) / size
        } else {
            0
        };
        let Ok(slot) = Layout::from_size_align(size, align) else {
            panic!("a slot's layout");
        };
        Pool {
            slot,
            offset,
            first,
            per_chunk,
            shards: [const {
                Padded(ForkLock::new(Shard {
                    partial: ptr::null_mut(),
                    empty: 0,
                }))
            }; SHARDS],
        }
    }

    /// A slot's value place (uninitialised), or `None` if both the OS and
    /// the global allocator refuse.
    pub(crate) fn alloc(&'static self) -> Option<NonNull<u8>> {
        let slot = self.slot_in_chunk().or_else(|| self.slot_on_heap())?;
        // SAFETY: `offset` is inside the slot.
        Some(unsafe { slot.add(self.offset) })
    }

    /// A slot from a chunk of this thread's home shard, mapping a chunk if
    /// the shard has none with a free slot.
    fn slot_in_chunk(&'static self) -> Option<NonNull<u8>> {
        if !CHUNKS || self.per_chunk == 0 {
            return None;
        }
        let shard = crate::sync::home_shard(SHARDS);
        let mut guard = self.shards[shard].lock();
        if guard.partial.is_null() {
            let chunk = self.map_chunk(shard)?;
            guard.partial = chunk;
            guard.empty += 1;
        }
        let chunk = guard.partial;
        // SAFETY: the shard's chunks are live mappings of this pool, and
        // its lock is held. The reference ends before `unlink` reaches the
        // chunk through the raw pointer.
        let c = unsafe { &mut *chunk };
        let slot = if let Some(slot) = NonNull::new(c.free) {
            // SAFETY: a free slot holds the next free one in its value's
            // first word (see `free`).
            c.free = unsafe { slot.add(self.offset).cast::<*mut u8>().read() };
            slot
        } else {
            debug_assert!(c.fresh < self.per_chunk, "a partial chunk has room");
            // SAFETY: slot `fresh` lies inside the chunk (`per_chunk`).
            let slot = unsafe {
                chunk
                    .cast::<u8>()
                    .add(self.first + c.fresh * self.slot.size())
            };
            c.fresh += 1;
            // SAFETY: a slot inside the chunk, aligned for its head.
            unsafe { slot.cast::<SlotHead>().write(chunk) };
            // SAFETY: inside the chunk, which is not null.
            unsafe { NonNull::new_unchecked(slot) }
        };
        if c.used == 0 {
            guard.empty -= 1;
        }
        c.used += 1;
        if c.used == self.per_chunk {
            // SAFETY: a chunk on the shard's list, under its lock.
            unsafe { unlink(&mut guard, chunk) };
        }
        Some(slot)
    }

    /// Maps a chunk for `shard`, alone on no list yet; `None` if the OS
    /// refuses.
    fn map_chunk(&'static self, shard: usize) -> Option<*mut Chunk> {
        let chunk = crate::os::map_chunk(CHUNK).ok()?.cast::<Chunk>();
        // SAFETY: a fresh, page-aligned, writable mapping of `CHUNK` bytes.
        unsafe {
            chunk.write(Chunk {
                shard,
                prev: ptr::null_mut(),
                next: ptr::null_mut(),
                free: ptr::null_mut(),
                fresh: 0,
                used: 0,
            })
        };
        Some(chunk.as_ptr())
    }

    /// A slot from the global allocator, its head null.
    fn slot_on_heap(&self) -> Option<NonNull<u8>> {
        // SAFETY: a slot's layout has a nonzero size.
        let slot = NonNull::new(unsafe { alloc::alloc(self.slot) })?;
        // SAFETY: a fresh allocation, aligned for its head.
        unsafe { slot.cast::<SlotHead>().write(ptr::null_mut()) };
        Some(slot)
    }

    /// Gives a slot back.
    ///
    /// # Safety
    ///
    /// `value` came from this pool's [`alloc`](Self::alloc), its value is
    /// dropped (or was never written), and nothing uses it again.
    pub(crate) unsafe fn free(&'static self, value: NonNull<u8>) {
        // SAFETY: the slot starts `offset` bytes before its value.
        let slot = unsafe { value.sub(self.offset) };
        // SAFETY: every slot starts with its head.
        let chunk = unsafe { slot.cast::<SlotHead>().read() };
        if chunk.is_null() {
            // SAFETY: a slot from `slot_on_heap`, with the same layout.
            unsafe { alloc::dealloc(slot.as_ptr(), self.slot) };
            return;
        }
        // SAFETY: a slot's chunk is mapped while it has a slot in use, and
        // its fields say which shard it belongs to.
        let shard = unsafe { (*chunk).shard };
        let mut guard = self.shards[shard].lock();
        // SAFETY: the chunk's shard lock is held. The reference ends
        // before `link` and `unlink` reach the chunk through the raw pointer.
        let c = unsafe { &mut *chunk };
        // SAFETY: the value's first word is the slot's to use once free.
        unsafe { value.cast::<*mut u8>().write(c.free) };
        c.free = slot.as_ptr();
        let was_full = c.used == self.per_chunk;
        c.used -= 1;
        let used = c.used;
        if was_full {
            // SAFETY: a full chunk is on no list; its shard's lock is held.
            unsafe { link(&mut guard, chunk) };
        }
        if used > 0 {
            return;
        }
        if guard.empty == 0 {
            guard.empty = 1;
            return;
        }
        // SAFETY: a chunk with a free slot is on the shard's list; its lock
        // is held.
        unsafe { unlink(&mut guard, chunk) };
        drop(guard);
        // SAFETY: the chunk has no slot in use and is on no list: nothing
        // reaches it again. It is a whole mapping from `map_chunk`.
        let _ = unsafe { crate::os::unmap_chunk(NonNull::new_unchecked(chunk).cast(), CHUNK) };
    }

    /// The pool's locks, for the fork handlers.
    #[cfg(unix)]
    pub(crate) fn fork_locks(&'static self) -> impl Iterator<Item = &'static dyn HeldAcrossFork> {
        self.shards
            .iter()
            .map(|shard| &shard.0 as &dyn HeldAcrossFork)
    }
}

/// Puts `chunk` first on the shard's list of chunks with free slots.
///
/// # Safety
///
/// `chunk` is a live chunk of the shard, on no list, and the shard's lock
/// is held (`shard` is behind it); no reference to any chunk is alive.
unsafe fn link(shard: &mut Shard, chunk: *mut Chunk) {
    // SAFETY: as the caller promises; chunks are reached through raw
    // pointers only here, so no reference is invalidated.
    unsafe {
        (*chunk).prev = ptr::null_mut();
        (*chunk).next = shard.partial;
        if let Some(next) = NonNull::new(shard.partial) {
            (*next.as_ptr()).prev = chunk;
        }
    }
    shard.partial = chunk;
}

/// Takes `chunk` off the shard's list of chunks with free slots.
///
/// # Safety
///
/// `chunk` is on the shard's list, and the shard's lock is held (`shard`
/// is behind it); no reference to any chunk is alive.
unsafe fn unlink(shard: &mut Shard, chunk: *mut Chunk) {
    // SAFETY: as the caller promises; neighbours on the list are live
    // chunks of the shard.
    unsafe {
        let (prev, next) = ((*chunk).prev, (*chunk).next);
        match NonNull::new(prev) {
            Some(prev) => (*prev.as_ptr()).next = next,
            None => shard.partial = next,
        }
        if let Some(next) = NonNull::new(next) {
            (*next.as_ptr()).prev = prev;
        }
        (*chunk).prev = ptr::null_mut();
        (*chunk).next = ptr::null_mut();
    }
}

/// A type whose boxes live in a pool of its own.
pub(crate) trait Pooled: Sized + 'static {
    /// The pool its boxes take slots from.
    fn pool() -> &'static Pool;
}

/// Like a `Box<T>`, with its value in a slot of `T`'s pool: one word.
pub(crate) struct SlabBox<T: Pooled> {
    value: NonNull<T>,
    _owns: PhantomData<T>,
}

// SAFETY: a `SlabBox<T>` owns its `T` as a `Box<T>` does; the pool it goes
// back to is shared by every thread under its locks.
unsafe impl<T: Pooled + Send> Send for SlabBox<T> {}
// SAFETY: as above; `&SlabBox<T>` gives only `&T`.
unsafe impl<T: Pooled + Sync> Sync for SlabBox<T> {}

impl<T: Pooled> SlabBox<T> {
    /// Boxes `value`; `None` if no memory could be had for it.
    pub(crate) fn new(value: T) -> Option<Self> {
        let place = T::pool().alloc()?.cast::<T>();
        // SAFETY: a slot's value place, sized and aligned for `T` (the
        // pool was made with `T`'s layout).
        unsafe { place.write(value) };
        Some(SlabBox {
            value: place,
            _owns: PhantomData,
        })
    }

    /// Boxes `value`, or ends the process as `Box::new` does if no memory
    /// could be had for it.
    pub(crate) fn boxed(value: T) -> Self {
        Self::new(value).unwrap_or_else(|| alloc::handle_alloc_error(T::pool().slot))
    }

    /// Gives up the box without dropping it: undone by
    /// [`from_raw`](Self::from_raw).
    pub(crate) fn into_raw(this: Self) -> NonNull<T> {
        let value = this.value;
        std::mem::forget(this);
        value
    }

    /// The box [`into_raw`](Self::into_raw) gave up.
    ///
    /// # Safety
    ///
    /// `value` came from `into_raw`, once per call of it.
    pub(crate) unsafe fn from_raw(value: NonNull<T>) -> Self {
        SlabBox {
            value,
            _owns: PhantomData,
        }
    }
}

impl<T: Pooled> Deref for SlabBox<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the box owns an initialised `T`.
        unsafe { self.value.as_ref() }
    }
}

impl<T: Pooled> DerefMut for SlabBox<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the box owns an initialised `T`, borrowed mutably through it.
        unsafe { self.value.as_mut() }
    }
}

impl<T: Pooled> Drop for SlabBox<T> {
    fn drop(&mut self) {
        // SAFETY: the box owns its value, dropped once, here; then its slot
        // goes back to the pool it came from, and nothing uses it again.
        unsafe {
            ptr::drop_in_place(self.value.as_ptr());
            T::pool().free(self.value.cast());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value of three words, as a pooled type of the tests' own.
    struct Three([usize; 3]);

    static THREES: Pool = Pool::new(Layout::new::<Three>());

    impl Pooled for Three {
        fn pool() -> &'static Pool {
            &THREES
        }
    }

    /// Chunks with a slot in use, and empty ones, in this thread's shard.
    fn chunks_of_this_thread() -> usize {
        let guard = THREES.shards[crate::sync::home_shard(SHARDS)].lock();
        let mut n = 0;
        let mut at = guard.partial;
        while !at.is_null() {
            n += 1;
            // SAFETY: a chunk on the list, under its lock.
            at = unsafe { (*at).next };
        }
        n
    }

    #[test]
    fn values_keep_what_was_written_across_many_chunks() {
        let n = THREES.per_chunk * 3 + 7;
        let boxes: Vec<SlabBox<Three>> = (0..n)
            .map(|i| SlabBox::new(Three([i, i + 1, i + 2])).expect("a slot"))
            .collect();
        for (i, b) in boxes.iter().enumerate() {
            assert_eq!(b.0, [i, i + 1, i + 2]);
        }
        let mut addresses: Vec<usize> = boxes.iter().map(|b| b.value.as_ptr() as usize).collect();
        addresses.sort_unstable();
        addresses.dedup();
        assert_eq!(addresses.len(), n, "every box has a slot of its own");
    }

    #[test]
    fn emptied_chunks_go_back_but_one() {
        if !CHUNKS {
            return;
        }
        // Tests run on threads of their own; this one's shard may be
        // shared with another test's thread only if more than 16 run, so
        // the figures below are checked on this pool alone, which only
        // these tests use, one at a time (the lock below).
        let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
        let boxes: Vec<SlabBox<Three>> = (0..THREES.per_chunk * 4)
            .map(|i| SlabBox::new(Three([i; 3])).expect("a slot"))
            .collect();
        // Four full chunks: none on the list of chunks with room.
        assert_eq!(chunks_of_this_thread(), 0);
        drop(boxes);
        // One empty chunk kept; the other three unmapped.
        assert_eq!(chunks_of_this_thread(), 1);
        assert_eq!(
            THREES.shards[crate::sync::home_shard(SHARDS)].lock().empty,
            1
        );
    }

    #[test]
    fn a_slot_freed_on_another_thread_goes_back_to_its_chunk() {
        let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
        let make = || -> Vec<SlabBox<Three>> {
            (0..100)
                .map(|i| SlabBox::new(Three([i; 3])).expect("a slot"))
                .collect()
        };
        let addresses = |boxes: &[SlabBox<Three>]| {
            let mut at: Vec<usize> = boxes.iter().map(|b| b.value.as_ptr() as usize).collect();
            at.sort_unstable();
            at
        };
        let boxes = make();
        let before = addresses(&boxes);
        std::thread::spawn(move || drop(boxes))
            .join()
            .expect("the other thread");
        // Back in this thread's chunk, not the other thread's shard: the
        // same slots are handed out again.
        let again = make();
        if CHUNKS {
            assert_eq!(addresses(&again), before);
        }
    }

    static ALONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
}
