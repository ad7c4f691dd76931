//! `MappedVector` beyond the model runs (those are `tests/fuzz/`), one
//! module per concern, in one binary:
//!
//! - [`api`]: the `Vec` API of issue 22 at sizes that cross heap and mapping;
//! - [`drops`]: drop counts and panic safety, side by side with `Vec`;
//! - [`edge`]: zero-sized and over-aligned elements, overflow, fixed
//!   windows, window moves, refusals, the ways to pass a mapper.
//!
//! Containers that need no mapper of their own run on
//! `mapped_mock::os_mapper()`: the OS mapper, or where it cannot map (Miri,
//! `--cfg mapped_no_mmap`) the heap mapper, so that the mapped storage is
//! tested everywhere.

mod api;
mod drops;
mod edge;
