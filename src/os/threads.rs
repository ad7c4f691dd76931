//! The calling thread's id, and the registration of fork handlers: what
//! the crate's fork-safe locks (`crate::sync`) need of the OS, on every
//! target (including those built without mappings).

/// A number for the calling thread, unique among live threads, readable
/// anywhere (a thread-local destructor and a fork handler included):
/// `pthread_self()` on Unix, no thread-local involved.
#[cfg(unix)]
#[inline]
pub(crate) fn thread_id() -> usize {
    // SAFETY: pthread_self has no preconditions.
    unsafe { libc::pthread_self() as usize }
}

/// `GetCurrentThreadId()`.
#[cfg(windows)]
#[inline]
pub(crate) fn thread_id() -> usize {
    // SAFETY: GetCurrentThreadId has no preconditions.
    unsafe { windows_sys::Win32::System::Threading::GetCurrentThreadId() as usize }
}

/// The address of a thread-local byte: unique among live threads. (A
/// constant without a destructor, so readable in any destructor too.)
#[cfg(not(any(unix, windows)))]
pub(crate) fn thread_id() -> usize {
    thread_local! {
        static ID: u8 = const { 0 };
    }
    ID.with(|id| id as *const u8 as usize)
}

/// Registers handlers that run around every `fork()` in this process: in
/// the forking thread just before, and in the parent and the child just
/// after (`pthread_atfork`).
#[cfg(unix)]
pub(crate) fn at_fork(
    prepare: extern "C" fn(),
    parent: extern "C" fn(),
    child: extern "C" fn(),
) -> std::io::Result<()> {
    // SAFETY: the handlers are plain functions that live as long as the
    // process (they are never unregistered).
    match unsafe { libc::pthread_atfork(Some(prepare), Some(parent), Some(child)) } {
        0 => Ok(()),
        error => Err(std::io::Error::from_raw_os_error(error)),
    }
}
