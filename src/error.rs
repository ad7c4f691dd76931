//! The one error type of the crate, and the push error that hands the value back.

use crate::op::Op;
use std::fmt;
use std::io;

/// Why a container could not get (or give back) the memory it needed.
///
/// Whatever the variant, the container that returned it is unchanged: same
/// length, same elements, same committed bytes, and it keeps working.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The mapper refused an operation (the OS error is the
    /// [`source`](std::error::Error::source)).
    Os {
        /// Which operation was refused.
        op: Op,
        /// How many bytes it was asked for.
        bytes: usize,
        /// What the mapper said.
        source: io::Error,
    },
    /// A container with a fixed window (built with a maximum capacity) needs
    /// more bytes than that window holds.
    WindowFull {
        /// Bytes the operation needed.
        needed: usize,
        /// Bytes the window holds.
        max: usize,
    },
    /// The global allocator refused the heap storage of a container below
    /// its heap limit (see [`Builder::heap_limit`](crate::Builder::heap_limit)).
    Alloc {
        /// Bytes asked for.
        bytes: usize,
    },
    /// The requested length, in elements or bytes, does not fit in `usize`
    /// (or exceeds `isize::MAX` bytes, the most any allocation may hold).
    CapacityOverflow,
    /// A valid request (at most `isize::MAX` bytes) that no mapping can
    /// hold: rounded up to whole pages it passes `isize::MAX` bytes, so no
    /// mapper is asked. Like a global allocator refusing `isize::MAX` bytes,
    /// this is a want of memory ([`is_out_of_memory`](Self::is_out_of_memory)),
    /// not an overflow.
    AddressSpace {
        /// Bytes the operation needed.
        needed: usize,
    },
    /// A container built to be always guarded
    /// ([`Guard::Always`](crate::Guard::Always)) would pass the process's
    /// kernel-mapping budget ([`set_mapping_budget`](crate::set_mapping_budget)).
    MappingBudget {
        /// Guarded reservations held when it was refused.
        held: usize,
        /// The budget, in kernel mappings.
        budget: usize,
    },
    /// The element type is aligned beyond the mapper's page size, so no page
    /// boundary is guaranteed to be aligned for it.
    Alignment {
        /// `align_of::<T>()`.
        align: usize,
        /// The mapper's page size.
        page_size: usize,
    },
}

impl Error {
    /// The OS error behind this error, if there is one.
    pub fn os_error(&self) -> Option<&io::Error> {
        match self {
            Error::Os { source, .. } => Some(source),
            _ => None,
        }
    }

    /// Whether the mapper or the global allocator said it is out of memory
    /// (a refused commit, reservation or heap allocation), as opposed to a
    /// limit of the container itself.
    pub fn is_out_of_memory(&self) -> bool {
        matches!(self, Error::Alloc { .. } | Error::AddressSpace { .. })
            || self
                .os_error()
                .is_some_and(|e| e.kind() == io::ErrorKind::OutOfMemory || crate::os::is_enomem(e))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Os { op, bytes, source } => {
                write!(f, "the mapper refused to {op} {bytes} bytes")?;
                if let Some(injected) = crate::failpoints::Injected::of(source) {
                    return write!(f, ", injected by failpoint {}", injected.point());
                }
                // Linux says ENOMEM both when memory runs out and when the
                // process holds `vm.max_map_count` mappings (each guarded
                // container holds up to two): name both there.
                if crate::os::is_enomem(source) {
                    f.write_str(match crate::os::mapping_limit() {
                        Some(_) => " (out of memory, or of kernel mappings: vm.max_map_count)",
                        None => " (out of memory)",
                    })?;
                }
                Ok(())
            }
            Error::WindowFull { needed, max } => write!(
                f,
                "fixed window full: {needed} bytes needed, {max} bytes reserved"
            ),
            Error::Alloc { bytes } => {
                write!(f, "the global allocator refused {bytes} bytes")
            }
            Error::CapacityOverflow => f.write_str("capacity overflow"),
            Error::AddressSpace { needed } => write!(
                f,
                "no mapping holds {needed} bytes: in whole pages they pass isize::MAX bytes"
            ),
            Error::MappingBudget { held, budget } => write!(
                f,
                "kernel-mapping budget reached: {held} guarded reservations hold up to \
                 {budget} kernel mappings, and the container must be guarded"
            ),
            Error::Alignment { align, page_size } => write!(
                f,
                "element alignment {align} exceeds the page size {page_size}"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Os { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A push (or insert) that failed: why, and the value, handed back
/// untouched. `E` is the container's error: [`Error`] for the memory
/// containers, `FileError` for a file vector (`FilePushError`, cargo
/// feature `file`).
pub struct PushError<T, E = Error> {
    value: T,
    error: E,
}

impl<T, E> PushError<T, E> {
    pub(crate) fn new(value: T, error: E) -> Self {
        PushError { value, error }
    }

    /// The value that was not pushed.
    pub fn into_value(self) -> T {
        self.value
    }

    /// Why it was not pushed.
    pub fn error(&self) -> &E {
        &self.error
    }

    /// Why it was not pushed, dropping the value.
    pub fn into_error(self) -> E {
        self.error
    }

    /// Both halves.
    pub fn into_parts(self) -> (T, E) {
        (self.value, self.error)
    }
}

impl<T> From<PushError<T>> for Error {
    fn from(e: PushError<T>) -> Self {
        e.error
    }
}

impl<T, E: fmt::Debug> fmt::Debug for PushError<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushError")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// Says only that the push failed: the cause is its
/// [`source`](std::error::Error::source), which error-chain printers show
/// next (so nothing is printed twice).
impl<T, E> fmt::Display for PushError<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("push failed")
    }
}

impl<T, E: std::error::Error + 'static> std::error::Error for PushError<T, E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// The [`io::ErrorKind`] of a size that overflows (more than `isize::MAX`
/// bytes): the caller's input, not a want of memory. The one mapping for
/// every container's `CapacityOverflow`.
pub(crate) const CAPACITY_OVERFLOW: io::ErrorKind = io::ErrorKind::InvalidInput;

/// For io code (`?` in a function returning `io::Result`): the kind says
/// what happened, the `Error` is the inner error (and its OS error that
/// one's source). Refused memory is [`io::ErrorKind::OutOfMemory`], a full
/// fixed window [`io::ErrorKind::StorageFull`], an overflowing size
/// [`io::ErrorKind::InvalidInput`], and an over-aligned element type
/// [`io::ErrorKind::Unsupported`].
impl From<Error> for io::Error {
    fn from(error: Error) -> Self {
        let kind = match &error {
            Error::Os { source, .. } => source.kind(),
            Error::Alloc { .. } | Error::AddressSpace { .. } | Error::MappingBudget { .. } => {
                io::ErrorKind::OutOfMemory
            }
            Error::WindowFull { .. } => io::ErrorKind::StorageFull,
            Error::CapacityOverflow => CAPACITY_OVERFLOW,
            Error::Alignment { .. } => io::ErrorKind::Unsupported,
        };
        io::Error::new(kind, error)
    }
}

/// The error of a failed push as an [`io::Error`]; the value is dropped
/// (take it first with [`PushError::into_parts`] to keep it).
impl<T, E: Into<io::Error>> From<PushError<T, E>> for io::Error {
    fn from(error: PushError<T, E>) -> Self {
        error.error.into()
    }
}

/// Panics for an operation whose signature (a trait's, or one std gives
/// no `Result`) leaves no room for `error`, as `Vec` aborts when the
/// allocator refuses: the message names the operation, the error and its
/// OS source, and the fallible twin that returns the error instead, if
/// there is one (as std's `handle_error` does for `RawVec`). The one place
/// the crate panics on refused memory.
#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn refused(operation: &str, fallible: Option<&str>, error: &Error) -> ! {
    let source = error
        .os_error()
        .map(|os| format!(": {os}"))
        .unwrap_or_default();
    match fallible {
        Some(twin) => panic!("{operation}: {error}{source} ({twin} returns the error instead)"),
        None => panic!("{operation}: {error}{source}"),
    }
}
