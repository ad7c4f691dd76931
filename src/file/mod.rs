//! File-backed vectors (cargo feature `file`): [`FileVector<T>`] for
//! `T: bytemuck::Pod`, on memmap2's `MmapMut` over a file. The format, the
//! crash protocol, growth, the platforms and the telemetry are described
//! once, on [`FileVector`]; the modules here are its parts: the header
//! (`header`), growth and the cut (`grow`), flush (`flush`), the fault hook
//! (`faults`), telemetry (`telemetry`), errors (`error`) and options
//! (`options`).
#[cfg(not(any(unix, windows)))]
compile_error!(
    "the `file` feature (FileVector) needs Unix or Windows: memmap2 maps files only there"
);

mod error;
mod faults;
mod flush;
mod grow;
mod header;
mod options;
mod telemetry;
mod vector;

pub use error::{FileError, FilePushError};
pub use faults::FileFaults;
pub use options::FileOptions;
pub use vector::FileVector;
