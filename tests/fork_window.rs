//! The fork handlers are registered before `main`, so no thread can use a
//! lock of the library while a fork runs none of them.
//!
//! Registering at the first use of a lock left a window: while one thread
//! was inside `pthread_atfork`, others used the locks, and a fork then ran
//! none of the handlers, so the child could inherit a lock held by a
//! thread it does not have (3 of 8 children hung in `trim_cache()`, 4 of 8
//! in `inventory()`, with the window widened). This binary widens that
//! window the same way: it defines its own `pthread_atfork`, which every
//! call in the process resolves to, and which sleeps before it registers.
//! The handlers must have been registered before the test's first line,
//! and children forked while threads churn must never hang.
//!
//! glibc only (the interposer forwards to glibc's `__register_atfork`).
#![cfg(all(target_os = "linux", target_env = "gnu"))]

use mapped::{MappedVector, MAPPER};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Calls to `pthread_atfork` so far, and whether one came while this
/// process had more than one thread.
static REGISTRATIONS: AtomicUsize = AtomicUsize::new(0);
static REGISTERED_WITH_THREADS: AtomicBool = AtomicBool::new(false);

extern "C" {
    /// What glibc's own `pthread_atfork` (a static stub in
    /// `libc_nonshared.a`) calls.
    fn __register_atfork(
        prepare: Option<unsafe extern "C" fn()>,
        parent: Option<unsafe extern "C" fn()>,
        child: Option<unsafe extern "C" fn()>,
        dso_handle: *mut libc::c_void,
    ) -> libc::c_int;
}

/// The process's `pthread_atfork`: sleeps 50 ms (the window, widened),
/// then registers as glibc's does.
#[no_mangle]
pub extern "C" fn pthread_atfork(
    prepare: Option<unsafe extern "C" fn()>,
    parent: Option<unsafe extern "C" fn()>,
    child: Option<unsafe extern "C" fn()>,
) -> libc::c_int {
    REGISTRATIONS.fetch_add(1, SeqCst);
    if threads() > 1 {
        REGISTERED_WITH_THREADS.store(true, SeqCst);
    }
    // SAFETY: nanosleep reads the timespec it is given.
    unsafe {
        let pause = libc::timespec {
            tv_sec: 0,
            tv_nsec: 50_000_000,
        };
        libc::nanosleep(&pause, std::ptr::null_mut());
    }
    // SAFETY: the handlers are the caller's, as for `pthread_atfork`; a
    // null DSO handle registers them for the life of the process.
    unsafe { __register_atfork(prepare, parent, child, std::ptr::null_mut()) }
}

/// Threads of this process, from `/proc/self/task`.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

/// Forks a child that uses a container, `inventory()` and `trim_cache()`
/// and exits; waits for it for at most 10 s. Its exit code, or `None` if
/// it hung.
fn fork_a_child() -> Option<i32> {
    // SAFETY: the child runs only the closure's work and `_exit`s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
        v.extend(0..10_000);
        let listed = mapped::inventory().containers().len();
        drop(v);
        mapped::trim_cache();
        // SAFETY: ends the child without unwinding into the harness.
        unsafe { libc::_exit(if listed >= 1 { 0 } else { 3 }) };
    }
    let start = Instant::now();
    loop {
        let mut status = 0;
        // SAFETY: `pid` is our child; `status` is a valid out-pointer.
        if unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == pid {
            return Some(if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                -1
            });
        }
        if start.elapsed() > Duration::from_secs(10) {
            // SAFETY: as above; the child is killed and reaped.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return None;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: the child's container stays on the heap, which the inventory does not list"
)]
fn handlers_are_registered_before_main_and_no_child_hangs() {
    // Before anything of the library's is used here: registered already,
    // while the process had one thread.
    assert!(
        REGISTRATIONS.load(SeqCst) >= 1,
        "the fork handlers were not registered before main"
    );
    assert!(!REGISTERED_WITH_THREADS.load(SeqCst));
    let before = REGISTRATIONS.load(SeqCst);

    // Threads using the cache and the inventory from their first moment,
    // and a fork at once: with registration at first use, this fork fell
    // in the widened window.
    let stop = Arc::new(AtomicBool::new(false));
    let churners: Vec<_> = (0..3)
        .map(|_| {
            let stop = stop.clone();
            thread::spawn(move || {
                while !stop.load(SeqCst) {
                    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
                    v.extend(0..2_000);
                    let _ = mapped::inventory();
                    drop(v);
                    mapped::trim_cache();
                }
            })
        })
        .collect();
    let results: Vec<Option<i32>> = (0..16).map(|_| fork_a_child()).collect();
    stop.store(true, SeqCst);
    for churner in churners {
        churner.join().unwrap();
    }
    assert!(
        results.iter().all(|&r| r == Some(0)),
        "children (None: hung): {results:?}"
    );
    assert_eq!(
        REGISTRATIONS.load(SeqCst),
        before,
        "registered again after main"
    );
}
