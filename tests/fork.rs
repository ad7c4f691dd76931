//! Forking while other threads churn containers: a child must never hang
//! on a lock a thread of the parent held at the moment of `fork()` (the
//! reservation cache's, the observer's, the inventory's), and its
//! containers must work at once; a fork from a thread-local destructor
//! goes on; a trimmer a child inherits is inert there. Every child is
//! waited for with a timeout: a hung child is a failure, not a hung run.
#![cfg(unix)]

use mapped::{CacheTrimmer, MappedVector, MAPPER};
use mapped_mock::child;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Forks; a timed-out child counts as hung.
const FORKS: usize = 200;
const CHILD_TIMEOUT: Duration = Duration::from_secs(10);

/// What each child does: a fresh vector (taking from and parking into the
/// cache, as the churning threads do), 50,000 pushes, a check, exit 0.
fn child_body() -> i32 {
    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    for i in 0..50_000u64 {
        if v.push(i).is_err() {
            return 2;
        }
    }
    let sum: u64 = v.iter().sum();
    drop(v);
    if sum == 50_000 * 49_999 / 2 {
        0
    } else {
        3
    }
}

/// Waits for `pid`, killing it after the timeout. Returns its exit code,
/// or `None` if it hung.
fn wait_for(pid: libc::pid_t) -> Option<i32> {
    let start = Instant::now();
    loop {
        let mut status = 0;
        // SAFETY: `pid` is our child; `status` is a valid out-pointer.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if done == pid {
            return Some(if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                -1
            });
        }
        if start.elapsed() > CHILD_TIMEOUT {
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

/// Forks a child that runs `body` and `_exit`s with what it returns (101
/// if it panics), and waits for it: its exit code, or `None` if it hung.
fn in_forked_child(body: impl FnOnce() -> i32) -> Option<i32> {
    // SAFETY: the child runs only `body` and `_exit`s; it never returns
    // into the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or(101);
        // SAFETY: ends the child without running the parent's exit
        // handlers or unwinding into the harness.
        unsafe { libc::_exit(code) };
    }
    wait_for(pid)
}

#[test]
fn forked_children_never_hang_while_threads_churn() {
    let stop = Arc::new(AtomicBool::new(false));
    let churners: Vec<_> = (0..3)
        .map(|t| {
            let stop = stop.clone();
            thread::spawn(move || {
                let mut rounds = 0u64;
                while !stop.load(Relaxed) {
                    // Past the heap limit, so each round takes a
                    // reservation from the cache and parks it again.
                    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
                    for i in 0..2_000 {
                        v.push(i ^ t).unwrap();
                    }
                    drop(v);
                    rounds += 1;
                }
                rounds
            })
        })
        .collect();
    let (mut hung, mut failed) = (0, Vec::new());
    for fork in 0..FORKS {
        match in_forked_child(child_body) {
            None => hung += 1,
            Some(0) => {}
            Some(code) => failed.push((fork, code)),
        }
    }
    stop.store(true, Relaxed);
    let rounds: u64 = churners.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(rounds > 0, "the threads churned");
    assert_eq!(
        hung, 0,
        "{hung} of {FORKS} children hung ({rounds} churn rounds)"
    );
    assert!(
        failed.is_empty(),
        "children failed (fork, exit code): {failed:?}"
    );
    // The parent's containers are unaffected.
    child_body_in_parent();
}

fn child_body_in_parent() {
    assert_eq!(child_body(), 0);
}

/// Forks from a thread-local destructor, on a thread that has forked
/// before (so the fork handlers have run on it, and its other
/// thread-locals may be gone by then): the fork works and the process
/// goes on. Run in a child process: the failure it guards against is an
/// abort.
#[test]
fn a_fork_from_a_thread_local_destructor_goes_on() {
    const NAME: &str = "a_fork_from_a_thread_local_destructor_goes_on";
    if child::is_child(NAME) {
        struct ForksWhenDropped;
        impl Drop for ForksWhenDropped {
            fn drop(&mut self) {
                assert_eq!(in_forked_child(child_body), Some(0));
                eprintln!("forked from a destructor");
            }
        }
        thread_local! {
            static FORKS: ForksWhenDropped = const { ForksWhenDropped };
        }
        thread::spawn(|| {
            FORKS.with(|_| ());
            // Containers here first: the cache and the inventory are in use
            // when the thread forks.
            child_body_in_parent();
            assert_eq!(in_forked_child(child_body), Some(0));
        })
        .join()
        .unwrap();
        return;
    }
    child::run_expecting(NAME, &[], "forked from a destructor");
}

/// A forked child has the parent's `CacheTrimmer` value but not its
/// thread: dropping it there does nothing, and the child exits cleanly.
#[test]
fn a_trimmer_inherited_by_a_child_is_inert() {
    let trimmer = CacheTrimmer::start(Duration::from_millis(10)).unwrap();
    let mut trimmer = Some(trimmer);
    let code = in_forked_child(|| {
        drop(trimmer.take());
        child_body()
    });
    assert_eq!(code, Some(0), "the child's drop of the trimmer");
    // The parent's trimmer is untouched, and stops as usual.
    drop(trimmer);
}
