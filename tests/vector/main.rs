//! `MappedVector` beyond the model runs (those are `tests/fuzz/`), one
//! module per concern, in one binary:
//!
//! - [`api`]: the `Vec` API of issue 22 at sizes that cross heap and mapping;
//! - [`drops`]: drop counts and panic safety, side by side with `Vec`;
//! - [`edge`]: zero-sized and over-aligned elements, overflow, fixed
//!   windows, window moves, refusals, the ways to pass a mapper.

mod api;
mod drops;
mod edge;
