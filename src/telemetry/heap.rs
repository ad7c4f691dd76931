//! Heap bytes: what containers below their heap limit hold, counted per
//! thread and summed when read, as jemalloc merges its per-thread
//! statistics only when asked.
//!
//! A small container resizes its heap allocation several times in its
//! life, as often as a `Vec` does; counting each resize in one shared
//! atomic cost a contended cache line per resize (the 2-thread rows of the
//! size sweep), and a recorder call a registry lookup. Here a resize adds
//! to a counter only its own thread writes (a plain load and store, no
//! locked instruction, no shared cache line), and a read
//! ([`stats()`](crate::stats), or the gauge's refresh at a mapped event)
//! walks every thread's counter.
//!
//! Each thread claims a slot from a list that only grows (lock-free, so a
//! forked child never waits on it) and hands it back when it exits, with
//! its count: a container freed on another thread than the one that
//! allocated it leaves one slot up and the other down, and the sum stays
//! exact. A slot is reused by the next new thread, so the list is as long
//! as the most threads that ever counted at once.

use super::Kind;
use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicPtr, Ordering};

/// One thread's counts, by [`Kind`]: written only by the thread that
/// claimed the slot, read by anyone.
struct Slot {
    bytes: [AtomicIsize; 2],
    claimed: AtomicBool,
    /// The next slot in the list; set once, before the slot is published.
    next: *const Slot,
}

/// The first slot of the list (null while empty). Slots are never freed.
static SLOTS: AtomicPtr<Slot> = AtomicPtr::new(ptr::null_mut());

/// Counts made while a thread's own slot is gone (a container dropped by a
/// thread-local destructor that ran after [`RELEASE`]'s): rare, so shared.
static LATE: [AtomicIsize; 2] = [AtomicIsize::new(0), AtomicIsize::new(0)];

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

/// A container of `kind` went from `from` to `to` heap bytes, on this
/// thread.
#[inline]
pub(crate) fn resized(kind: Kind, from: usize, to: usize) {
    let change = (to as isize).wrapping_sub(from as isize);
    let slot = SLOT.with(Cell::get);
    // SAFETY: a claimed slot is a leaked `Slot`, never freed.
    match unsafe { slot.as_ref() } {
        Some(slot) => {
            let count = &slot.bytes[kind as usize];
            // Only this thread writes its slot: no read-modify-write needed.
            count.store(
                count.load(Ordering::Relaxed).wrapping_add(change),
                Ordering::Relaxed,
            );
        }
        None => first_count(kind, change),
    }
}

/// A count on a thread with no slot: claims one, or, once the thread is
/// exiting (its slot handed back), counts in [`LATE`].
#[cold]
#[inline(never)]
fn first_count(kind: Kind, change: isize) {
    // Registers the hand-back; fails once the thread's destructors ran.
    if RELEASE.try_with(|_| ()).is_err() {
        LATE[kind as usize].fetch_add(change, Ordering::Relaxed);
        return;
    }
    let slot = claim_slot();
    SLOT.with(|s| s.set(slot));
    // SAFETY: just claimed, a leaked `Slot`; only this thread writes it.
    unsafe { &(*slot).bytes[kind as usize] }.fetch_add(change, Ordering::Relaxed);
}

/// Heap bytes of every container of `kind` now, on every thread.
pub(crate) fn bytes(kind: Kind) -> u64 {
    let mut total = LATE[kind as usize].load(Ordering::Relaxed);
    let mut at = SLOTS.load(Ordering::Acquire).cast_const();
    // SAFETY: every slot in the list is a leaked `Slot`, never freed, and
    // its `next` was set before it was published.
    while let Some(slot) = unsafe { at.as_ref() } {
        total = total.wrapping_add(slot.bytes[kind as usize].load(Ordering::Relaxed));
        at = slot.next;
    }
    // Counts read from two threads a moment apart can miss an allocation
    // while seeing its free elsewhere.
    total.max(0) as u64
}

/// A slot for this thread: a free one from the list, else a new one.
#[cold]
fn claim_slot() -> *const Slot {
    let mut at = SLOTS.load(Ordering::Acquire).cast_const();
    // SAFETY: as in `bytes`.
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
        bytes: [AtomicIsize::new(0), AtomicIsize::new(0)],
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
