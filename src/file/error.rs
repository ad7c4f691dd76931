//! The errors of [`FileVector`](super::FileVector).

use crate::error::PushError;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// What went wrong with a file-backed vector. Its `Display` names the file
/// and the step; the OS error, when there is one, is its
/// [`source`](std::error::Error::source) and is not repeated.
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// let dir = std::env::temp_dir().join(format!("mapped-doc-err-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("v");
/// let _ = std::fs::remove_file(&path);
/// let v: mapped::FileVector<u64> = mapped::FileVector::create(&path)?;
/// drop(v);
/// let again = mapped::FileVector::<u64>::create(&path);
/// assert!(matches!(again, Err(mapped::FileError::Exists { .. })));
/// let wrong = mapped::FileVector::<u32>::open(&path);
/// assert!(matches!(wrong, Err(mapped::FileError::WrongType { .. })));
/// # drop((again, wrong)); // (Windows removes no open file)
/// # std::fs::remove_dir_all(&dir)
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum FileError {
    /// `create` found a file already at the path.
    Exists {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// An OS call on the file failed: opening, reading, mapping, growing,
    /// flushing. `step` says which (e.g. `"grow"`, `"flush"`).
    Io {
        /// The file.
        path: PathBuf,
        /// The step that failed.
        step: &'static str,
        /// The OS error (for a refused growth, e.g. `ENOSPC` or `EFBIG`).
        source: io::Error,
    },
    /// The header is not one this library wrote, is torn or corrupt, or
    /// describes more data than the file holds.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The file holds elements of another type (size, alignment or type
    /// tag differ).
    WrongType {
        /// The file.
        path: PathBuf,
        /// `(size, align, tag)` the caller asked for.
        expected: (u32, u32, u64),
        /// `(size, align, tag)` the file's header says.
        found: (u32, u32, u64),
    },
    /// The element type cannot be stored: zero-sized, or aligned beyond the
    /// data offset (a page).
    Unsupported {
        /// Why.
        reason: &'static str,
    },
    /// The requested length does not fit in the address space.
    CapacityOverflow,
}

impl FileError {
    pub(crate) fn io(path: &Path, step: &'static str, source: io::Error) -> Self {
        FileError::Io {
            path: path.to_owned(),
            step,
            source,
        }
    }

    pub(crate) fn corrupt(path: &Path, reason: &'static str) -> Self {
        FileError::Corrupt {
            path: path.to_owned(),
            reason,
        }
    }

    /// The file the error concerns, if it concerns one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            FileError::Exists { path, .. }
            | FileError::Io { path, .. }
            | FileError::Corrupt { path, .. }
            | FileError::WrongType { path, .. } => Some(path),
            FileError::Unsupported { .. } | FileError::CapacityOverflow => None,
        }
    }

    /// The OS error behind this one, if any.
    pub fn os_error(&self) -> Option<&io::Error> {
        match self {
            FileError::Exists { source, .. } | FileError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Exists { path, .. } => {
                write!(f, "cannot create {}: a file is already there", path.display())
            }
            FileError::Io { path, step, .. } => write!(f, "{step} of {} failed", path.display()),
            FileError::Corrupt { path, reason } => {
                write!(f, "{} is not a valid file vector: {reason}", path.display())
            }
            FileError::WrongType { path, expected, found } => write!(
                f,
                "{} holds other elements (size {}, align {}, tag {:#x}) than asked for (size {}, align {}, tag {:#x})",
                path.display(),
                found.0,
                found.1,
                found.2,
                expected.0,
                expected.1,
                expected.2
            ),
            FileError::Unsupported { reason } => write!(f, "unsupported element type: {reason}"),
            FileError::CapacityOverflow => f.write_str("capacity overflow"),
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.os_error().map(|e| e as _)
    }
}

impl From<FileError> for io::Error {
    fn from(e: FileError) -> io::Error {
        let kind = match &e {
            FileError::Exists { .. } => io::ErrorKind::AlreadyExists,
            FileError::Io { source, .. } => source.kind(),
            FileError::Corrupt { .. } | FileError::WrongType { .. } => io::ErrorKind::InvalidData,
            FileError::Unsupported { .. } => io::ErrorKind::Unsupported,
            FileError::CapacityOverflow => crate::error::CAPACITY_OVERFLOW,
        };
        io::Error::new(kind, e)
    }
}

/// A refused [`push`](super::FileVector::push): the value, handed back, and
/// why (a [`PushError`] with a [`FileError`]).
///
/// ```
/// # fn f(v: &mut mapped::FileVector<u64>) {
/// if let Err(e) = v.push(7) {
///     eprintln!("{}", e.error());
///     let _value: u64 = e.into_value(); // nothing lost
/// }
/// # }
/// ```
pub type FilePushError<T> = PushError<T, FileError>;
