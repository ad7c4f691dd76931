//! Fork safety: no lock of ours is ever left held in a forked child.
//!
//! A process-wide lock (the reservation cache's, the process-wide
//! observer's) held by another thread at the moment of `fork()` would stay
//! held forever in the child, where that thread does not exist. As glibc's
//! malloc and jemalloc do, handlers registered with `pthread_atfork` take
//! every such lock in the forking thread just before the fork (so no other
//! thread holds one across it) and release it in both processes just
//! after. Each lock's module owns its own hold and release; this module
//! only orders them: the observer's first, because an observer may create
//! containers (and so take the cache's lock) while it runs, never the
//! other way round.

use std::sync::atomic::{AtomicU8, Ordering};

const UNREGISTERED: u8 = 0;
const REGISTERING: u8 = 1;
const REGISTERED: u8 = 2;

/// Registers the handlers, once per process. Called before the first use
/// of any process-wide lock.
///
/// Never waits: a thread that finds another one registering goes on. (A
/// `Once` would make it wait, and a child forked while its parent was
/// registering would wait forever for a thread it does not have.)
#[inline]
pub(crate) fn register() {
    static STATE: AtomicU8 = AtomicU8::new(UNREGISTERED);
    if STATE.load(Ordering::Acquire) == REGISTERED {
        return;
    }
    let claimed = STATE
        .compare_exchange(
            UNREGISTERED,
            REGISTERING,
            Ordering::AcqRel,
            Ordering::Acquire,
        )
        .is_ok();
    if claimed {
        // A refusal (ENOMEM) leaves forks as unsafe as without us; there is
        // nothing better to do with it.
        let _ = crate::os::at_fork(prepare, after, after);
        STATE.store(REGISTERED, Ordering::Release);
    }
}

/// Just before `fork()`, in the forking thread: take every lock.
unsafe extern "C" fn prepare() {
    crate::telemetry::hold_for_fork();
    crate::region::hold_cache_for_fork();
}

/// Just after `fork()`, in the parent and in the child alike: release them.
/// (Nothing in them belonged to another thread: the cache's entries and
/// the observer are the process's, and the child has copies.)
unsafe extern "C" fn after() {
    crate::region::release_cache_after_fork();
    crate::telemetry::release_after_fork();
}
