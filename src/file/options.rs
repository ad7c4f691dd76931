//! [`FileOptions`]: how a [`FileVector`] is created or
//! opened (type tag, fault injection).

use super::{FileError, FileFaults, FileVector};
use bytemuck::Pod;
use std::marker::PhantomData;
use std::path::Path;

/// Options for [`FileVector::create`] and [`FileVector::open`], from
/// [`FileVector::options`].
///
/// ```
/// use mapped::FileVector;
/// # fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("mapped-doc-opts-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # let path = dir.join("v"); let _ = std::fs::remove_file(&path);
/// // A tag of your own survives renaming the type or changing compilers.
/// let mut v: FileVector<u64> = FileVector::options().tag(0x5eed).create(&path)?;
/// v.push(1)?;
/// v.flush()?;
/// drop(v);
/// assert!(FileVector::<u64>::open(&path).is_err()); // the derived tag differs
/// let v: FileVector<u64> = FileVector::options().tag(0x5eed).open(&path)?;
/// assert_eq!(&v[..], &[1]);
/// # drop(v); // (Windows removes no open file)
/// # std::fs::remove_dir_all(&dir)
/// # }
/// ```
pub struct FileOptions<T> {
    pub(crate) tag: Option<u64>,
    pub(crate) faults: Option<FileFaults>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Pod> Default for FileOptions<T> {
    fn default() -> Self {
        FileOptions {
            tag: None,
            faults: None,
            _t: PhantomData,
        }
    }
}

impl<T: Pod> FileOptions<T> {
    /// The type tag written to (and checked against) the header. Without
    /// one it is derived from `std::any::type_name::<T>()`, which names the
    /// type but is not promised stable across compiler versions: files
    /// meant to outlive a toolchain should set their own.
    pub fn tag(mut self, tag: u64) -> Self {
        self.tag = Some(tag);
        self
    }

    /// A seeded fault injector the vector consults before each growth and
    /// flush.
    pub fn faults(mut self, faults: FileFaults) -> Self {
        self.faults = Some(faults);
        self
    }

    /// Creates a new file at `path` (an existing file is an error).
    pub fn create(self, path: impl AsRef<Path>) -> Result<FileVector<T>, FileError> {
        FileVector::create_with(path.as_ref(), self)
    }

    /// Opens the file at `path` with what its last flush saved.
    pub fn open(self, path: impl AsRef<Path>) -> Result<FileVector<T>, FileError> {
        FileVector::open_with(path.as_ref(), self)
    }

    pub(crate) fn tag_or_derived(&self) -> u64 {
        self.tag
            .unwrap_or_else(|| super::header::fnv1a(std::any::type_name::<T>().as_bytes()))
    }
}
