//! [`CacheTrimmer`]: an opt-in thread that gives parked reservations back
//! once their delay has passed, for programs that go quiet after a burst
//! (without it, the next use of the cache releases them).

use std::io;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// A background thread that releases reservations parked in the
/// process-wide cache once their delay has passed, checking every
/// `every`. A library starts no thread unasked: this is the one, and only
/// when made. Dropping it (or [`stop`](Self::stop)) ends the thread.
///
/// After a burst of short-lived containers, their memory is back with the
/// OS at most the cache's delay ([`CACHE_DELAY`](crate::CACHE_DELAY)) plus
/// `every` after the last one was dropped, even if the program makes no
/// other container.
///
/// ```
/// use std::time::Duration;
///
/// let trimmer = mapped::CacheTrimmer::start(Duration::from_millis(50))?;
/// // ... bursts of containers ...
/// drop(trimmer); // stops the thread
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # In a forked child
///
/// A `fork()` copies only the forking thread, so a child has no trimmer
/// thread even though it has the `CacheTrimmer` value: there, the value is
/// inert. Dropping it (or `stop`) does nothing (there is no thread to stop
/// or join), and the child's cache is trimmed only by its own use of the
/// cache, [`trim_cache`](crate::trim_cache), or a trimmer the child starts
/// itself.
#[derive(Debug)]
pub struct CacheTrimmer {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
    /// The process that started the thread: only it has the thread.
    pid: u32,
}

impl CacheTrimmer {
    /// Starts the thread (named `mapped-trimmer`), waking every `every`.
    ///
    /// # Errors
    ///
    /// The OS refused the thread.
    pub fn start(every: Duration) -> io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = thread::Builder::new()
            .name("mapped-trimmer".into())
            .spawn(move || loop {
                match stopped.recv_timeout(every) {
                    Err(RecvTimeoutError::Timeout) => {
                        super::release_parked(super::cache::take_expired());
                    }
                    // Stopped, or the handle is gone.
                    _ => return,
                }
            })?;
        Ok(CacheTrimmer {
            stop: Some(stop),
            thread: Some(thread),
            pid: std::process::id(),
        })
    }

    /// Stops the thread and waits for it to end.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for CacheTrimmer {
    fn drop(&mut self) {
        if std::process::id() != self.pid {
            // A forked child: the thread is not here to stop or join, and
            // its handle and channel belong to the parent's thread.
            std::mem::forget(self.thread.take());
            std::mem::forget(self.stop.take());
            return;
        }
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            // A panic in the thread has nothing to tell the caller here.
            let _ = thread.join();
        }
    }
}
