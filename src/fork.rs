//! Fork safety: the handlers that run around every `fork()` in the process
//! and hold each of the crate's [`ForkLock`]s across it, so that no child
//! finds one held by a thread it does not have.
//!
//! They are registered once, before `main` (an `.init_array` entry on ELF
//! systems, `__mod_init_func` on Apple's): registering at the first use of
//! a lock instead left a window, while one thread was inside
//! `pthread_atfork`, in which another could hold a lock across a fork that
//! ran none of the handlers. Before `main` no other thread of the program
//! exists, and a library loaded later with `dlopen` runs it before any of
//! its code can be called.
//!
//! The handlers take the locks in one fixed order, the order in which any
//! code of the crate that holds two of them takes them (the cache's
//! release lock comes first; the pools' locks of `crate::slab`, taken
//! while an inventory list is held to free its records, come last).
//! They touch no thread-local, allocate nothing and cannot panic, so a
//! fork from anywhere, a thread-local destructor included, goes on.
//!
//! [`ForkLock`]: crate::sync::ForkLock

use crate::sync::HeldAcrossFork;

/// Every `ForkLock` of the crate, in the order the handlers take them.
fn locks() -> impl Iterator<Item = &'static dyn HeldAcrossFork> {
    crate::region::fork_locks()
        .chain(crate::inventory::fork_locks())
        .chain(crate::telemetry::fork_locks())
        .chain(crate::raw::fork_locks())
        .chain(crate::inventory::pool_fork_locks())
}

/// Just before `fork()`, in the forking thread.
extern "C" fn prepare() {
    for lock in locks() {
        lock.hold();
    }
}

/// Just after `fork()`, in the parent and in the child. (The order does
/// not matter: nothing waits for one of these locks while holding another.)
extern "C" fn after() {
    for lock in locks() {
        lock.release();
    }
}

/// Registers the handlers; called once, before `main`.
#[cfg_attr(miri, allow(dead_code))]
extern "C" fn register() {
    // A refusal (ENOMEM) leaves forks as unsafe as without us; there is
    // nothing better to do with it before `main`.
    let _ = crate::os::at_fork(prepare, after, after);
}

// Run before `main` by the loader, as the `ctor` crate does it. (Miri runs
// no such entries, and has no `fork()`.)
#[cfg(all(not(miri), not(target_vendor = "apple")))]
#[used]
#[link_section = ".init_array"]
static REGISTER: extern "C" fn() = register;

#[cfg(all(not(miri), target_vendor = "apple"))]
#[used]
#[link_section = "__DATA,__mod_init_func"]
static REGISTER: extern "C" fn() = register;
