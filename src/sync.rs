//! [`ForkLock`]: the one lock type of the crate's process-wide state (the
//! reservation cache, the inventory, the global observer), a mutex that is
//! never left held in a forked child; and [`home_shard`], which spreads
//! threads over the shards such state is split in.
//!
//! A `fork()` copies only the forking thread. A lock another thread held at
//! that moment stays held in the child for good, and the child's first use
//! of it waits forever. So, as glibc's malloc and jemalloc guard theirs,
//! every `ForkLock` of the crate is taken by the forking thread just before
//! the fork and released, in the parent and in the child, just after (the
//! handlers are in `crate::fork`, which lists every such lock).
//!
//! The guard held across the fork lives in the lock itself, not in a
//! thread-local: a fork from a thread-local destructor (when this thread's
//! thread-locals may already be gone) must work too. Only the thread holding
//! the mutex ever touches that slot, so the mutex serializes it.

use std::cell::Cell;
#[cfg(unix)]
use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard, TryLockError};

/// A shard of process-wide state, alone on its cache lines (128 bytes: two
/// 64-byte lines, as the adjacent-line prefetcher pairs them), so that
/// threads working in different shards do not take a line from each other.
#[repr(align(128))]
pub(crate) struct Padded<T>(pub(crate) T);

impl<T> Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The number the next thread to ask for its home shard gets.
static NEXT_THREAD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's number (`usize::MAX` until it first asks). No
    /// destructor, so readable in any thread-local destructor too.
    static THREAD: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// This thread's home among `shards` shards of process-wide state: threads
/// are numbered in the order they first ask and spread over the shards in
/// turn, so that threads working at once mostly keep to shards of their
/// own.
pub(crate) fn home_shard(shards: usize) -> usize {
    THREAD.with(|thread| {
        if thread.get() == usize::MAX {
            thread.set(NEXT_THREAD.fetch_add(1, Relaxed));
        }
        thread.get() % shards
    })
}

/// A mutex that the crate's fork handlers hold across every `fork()`.
/// Poisoning is ignored: every critical section leaves the data consistent
/// before anything that can panic.
pub(crate) struct ForkLock<T: 'static> {
    mutex: Mutex<T>,
    /// [`crate::os::thread_id`] of the thread holding the lock, 0 when free:
    /// a thread that forks while it holds the lock (from an observer called
    /// inside a trim, say) must not wait for itself in the fork handler.
    owner: AtomicUsize,
    /// The guard the forking thread holds from just before a `fork()` to
    /// just after it. Written and taken only while the mutex is held by the
    /// thread doing it.
    #[cfg(unix)]
    held: UnsafeCell<Option<MutexGuard<'static, T>>>,
}

// SAFETY: the mutex makes `T` shareable as `Mutex<T>` does; `held` is
// touched only by the thread holding the mutex (see the field), which
// serializes it, and its guard is dropped on the thread that took it (in
// the parent) or on the only thread there is (in the child).
unsafe impl<T: Send + 'static> Sync for ForkLock<T> {}

// Unwind safety, as `Mutex<T>`'s: the slot is only ever touched by fork
// handlers, which cannot unwind, and the data is left consistent by every
// critical section before anything in it can panic (poisoning is ignored
// for that reason).
impl<T: 'static> std::panic::RefUnwindSafe for ForkLock<T> {}
impl<T: 'static> std::panic::UnwindSafe for ForkLock<T> {}

/// Holds a [`ForkLock`]; derefs to the data.
pub(crate) struct ForkGuard<'a, T: 'static> {
    lock: &'a ForkLock<T>,
    guard: MutexGuard<'a, T>,
}

impl<T: 'static> ForkLock<T> {
    pub(crate) const fn new(value: T) -> Self {
        ForkLock {
            mutex: Mutex::new(value),
            owner: AtomicUsize::new(0),
            #[cfg(unix)]
            held: UnsafeCell::new(None),
        }
    }

    fn guard<'a>(&'a self, guard: MutexGuard<'a, T>) -> ForkGuard<'a, T> {
        self.owner.store(crate::os::thread_id(), Relaxed);
        ForkGuard { lock: self, guard }
    }

    /// The lock, waiting for it.
    pub(crate) fn lock(&self) -> ForkGuard<'_, T> {
        let guard = self.mutex.lock().unwrap_or_else(|e| e.into_inner());
        self.guard(guard)
    }

    /// The lock if no thread holds it now.
    pub(crate) fn try_lock(&self) -> Option<ForkGuard<'_, T>> {
        match self.mutex.try_lock() {
            Ok(guard) => Some(self.guard(guard)),
            Err(TryLockError::Poisoned(e)) => Some(self.guard(e.into_inner())),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// Whether the calling thread holds the lock.
    pub(crate) fn held_here(&self) -> bool {
        self.owner.load(Relaxed) == crate::os::thread_id()
    }
}

impl<T: 'static> Deref for ForkGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: 'static> DerefMut for ForkGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T: 'static> Drop for ForkGuard<'_, T> {
    fn drop(&mut self) {
        // Cleared while still held: the next owner sets its own.
        self.lock.owner.store(0, Relaxed);
    }
}

/// What the fork handlers do with each lock.
#[cfg(unix)]
pub(crate) trait HeldAcrossFork: Sync {
    /// Just before `fork()`, in the forking thread: takes the lock, unless
    /// this thread holds it already (the child then goes on with it held
    /// by its only thread, which releases it as the parent would).
    fn hold(&'static self);
    /// Just after `fork()`, in the parent and in the child: releases what
    /// [`hold`](Self::hold) took.
    fn release(&'static self);
}

#[cfg(unix)]
impl<T: Send + 'static> HeldAcrossFork for ForkLock<T> {
    fn hold(&'static self) {
        if self.held_here() {
            return;
        }
        let guard = self.mutex.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: this thread holds the mutex: no other thread touches
        // `held` until it is released (see the field).
        unsafe { *self.held.get() = Some(guard) };
    }

    fn release(&'static self) {
        // SAFETY: if `hold` stored a guard, this thread holds the mutex
        // through it, so no other thread touches `held`; if it did not
        // (this thread held the lock already), the slot is `None` and this
        // thread is the one that holds the mutex, so the same holds.
        drop(unsafe { (*self.held.get()).take() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Neighbouring shards start at least two cache lines apart.
    #[test]
    fn padded_shards_share_no_line() {
        let shards = [const { Padded(AtomicUsize::new(0)) }; 2];
        let at = |shard: &Padded<AtomicUsize>| std::ptr::from_ref(shard) as usize;
        assert!(at(&shards[1]) - at(&shards[0]) >= 128);
    }

    #[cfg(unix)]
    static LOCK: ForkLock<u32> = ForkLock::new(0);

    #[cfg(unix)]
    #[test]
    fn held_across_a_fork_and_released_after() {
        LOCK.hold();
        assert!(LOCK.try_lock().is_none(), "held by the fork handler");
        LOCK.release();
        *LOCK.try_lock().expect("released") += 1;
        // Held here already: the handler does not wait for itself.
        let mut guard = LOCK.lock();
        assert!(LOCK.held_here());
        LOCK.hold();
        LOCK.release();
        *guard += 1;
        drop(guard);
        assert!(!LOCK.held_here());
        assert_eq!(*LOCK.lock(), 2);
    }
}
