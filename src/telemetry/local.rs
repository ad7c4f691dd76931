//! Per-thread counters, summed when read, as jemalloc merges its
//! per-thread statistics only when asked: the heap bytes of small
//! containers, and the counts and byte totals behind
//! [`stats()`](crate::stats).
//!
//! A small container resizes its heap allocation as often as a `Vec` does,
//! and a short-lived mapped one makes a few events (a reuse, a grow, a
//! park); counting each in shared atomics cost a contended cache line per
//! count when two threads did it at once (the 2-thread rows of the size
//! sweep). Here a count adds to a counter only its own thread writes (a
//! plain load and store, no locked instruction, no shared cache line), and
//! a read walks every thread's counters.
//!
//! Each thread claims a slot from a list that only grows (lock-free, so a
//! forked child never waits on it) and hands it back when it exits, with
//! its counts: a container freed on another thread than the one that
//! allocated it leaves one slot up and the other down, and the sum stays
//! exact. A slot is reused by the next new thread, so the list is as long
//! as the most threads that ever counted at once.

use super::{Kind, Op};
use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicPtr, Ordering};

/// How many counters a slot holds: see [`Counter`].
const COUNTERS: usize = Counter::FileBytes as usize + 1;

/// What each counter of a slot counts.
#[derive(Clone, Copy)]
pub(crate) enum Counter {
    /// Heap bytes of vectors.
    HeapVector,
    /// Heap bytes of queues' storage.
    HeapQueue,
    /// Heap bytes of byte buffers' storage.
    HeapBytes,
    /// Successful operations, one counter per `Op` (at `Ops + op as usize`).
    Ops,
    /// Failed mapper calls.
    Errors = Counter::Ops as isize + Op::COUNT as isize,
    /// Committed bytes of live containers.
    Committed,
    /// Reserved bytes of live containers.
    Reserved,
    /// Live containers with a mapping.
    Mapped,
    /// Live containers with an unguarded mapping.
    Unguarded,
    /// Allocated data bytes of live file vectors.
    FileBytes,
}

impl Counter {
    /// The heap bytes counter of containers of `kind`.
    #[inline]
    pub(crate) fn heap(kind: Kind) -> usize {
        let counter = match kind {
            Kind::Vector => Counter::HeapVector,
            Kind::Queue => Counter::HeapQueue,
            Kind::Bytes => Counter::HeapBytes,
        };
        counter as usize
    }

    /// The counter of successful `op`s.
    #[inline]
    pub(crate) fn op(op: Op) -> usize {
        Counter::Ops as usize + op as usize
    }
}

/// One thread's counts: written only by the thread that claimed the slot,
/// read by anyone.
struct Slot {
    counts: [AtomicIsize; COUNTERS],
    claimed: AtomicBool,
    /// The next slot in the list; set once, before the slot is published.
    next: *const Slot,
}

/// The first slot of the list (null while empty). Slots are never freed.
static SLOTS: AtomicPtr<Slot> = AtomicPtr::new(ptr::null_mut());

/// Counts made while a thread's own slot is gone (a container dropped by a
/// thread-local destructor that ran after [`RELEASE`]'s): rare, so shared.
static LATE: [AtomicIsize; COUNTERS] = [const { AtomicIsize::new(0) }; COUNTERS];

thread_local! {
    /// This thread's slot (null until its first count, and after it has
    /// handed the slot back). No destructor, so reading it is one load:
    /// the count costs what `Vec` costs, give or take a store.
    static SLOT: Cell<*const Slot> = const { Cell::new(ptr::null()) };
    /// Hands the slot back when the thread exits; touched once per thread,
    /// when it claims its slot.
    static RELEASE: Release = const { Release };
}

/// See [`RELEASE`].
struct Release;

impl Drop for Release {
    fn drop(&mut self) {
        let slot = SLOT.with(|s| s.replace(ptr::null()));
        // SAFETY: a claimed slot is a leaked `Slot`, never freed.
        if let Some(slot) = unsafe { slot.as_ref() } {
            // Release: the next owner starts from this thread's counts.
            slot.claimed.store(false, Ordering::Release);
        }
    }
}

/// Adds `change` to counter `at` (a [`Counter`]), on this thread.
#[inline]
pub(crate) fn add(at: usize, change: isize) {
    let slot = SLOT.with(Cell::get);
    // SAFETY: a claimed slot is a leaked `Slot`, never freed.
    match unsafe { slot.as_ref() } {
        Some(slot) => {
            let count = &slot.counts[at];
            // Only this thread writes its slot: no read-modify-write needed.
            count.store(
                count.load(Ordering::Relaxed).wrapping_add(change),
                Ordering::Relaxed,
            );
        }
        None => first_count(at, change),
    }
}

/// A count on a thread with no slot: claims one, or, once the thread is
/// exiting (its slot handed back), counts in [`LATE`].
#[cold]
#[inline(never)]
fn first_count(at: usize, change: isize) {
    // Registers the hand-back; fails once the thread's destructors ran.
    if RELEASE.try_with(|_| ()).is_err() {
        LATE[at].fetch_add(change, Ordering::Relaxed);
        return;
    }
    let slot = claim_slot();
    SLOT.with(|s| s.set(slot));
    // SAFETY: just claimed, a leaked `Slot`; only this thread writes it.
    unsafe { &(*slot).counts[at] }.fetch_add(change, Ordering::Relaxed);
}

/// Counter `at` (a [`Counter`]) summed over every thread, now.
pub(crate) fn sum(at: usize) -> i64 {
    let mut total = LATE[at].load(Ordering::Relaxed);
    let mut slot = SLOTS.load(Ordering::Acquire).cast_const();
    // SAFETY: every slot in the list is a leaked `Slot`, never freed, and
    // its `next` was set before it was published.
    while let Some(s) = unsafe { slot.as_ref() } {
        total = total.wrapping_add(s.counts[at].load(Ordering::Relaxed));
        slot = s.next;
    }
    total as i64
}

/// A slot for this thread: a free one from the list, else a new one.
#[cold]
fn claim_slot() -> *const Slot {
    let mut at = SLOTS.load(Ordering::Acquire).cast_const();
    // SAFETY: as in `sum`.
    while let Some(slot) = unsafe { at.as_ref() } {
        // Acquire: this thread continues from the last owner's counts.
        let free = slot
            .claimed
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed);
        if free.is_ok() {
            return slot;
        }
        at = slot.next;
    }
    let slot = Box::leak(Box::new(Slot {
        counts: [const { AtomicIsize::new(0) }; COUNTERS],
        claimed: AtomicBool::new(true),
        next: ptr::null(),
    }));
    let mut head = SLOTS.load(Ordering::Relaxed);
    loop {
        slot.next = head;
        match SLOTS.compare_exchange_weak(head, slot, Ordering::Release, Ordering::Relaxed) {
            Ok(_) => return slot,
            Err(now) => head = now,
        }
    }
}
