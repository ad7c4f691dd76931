//! `MappedVector` beyond the model runs (those are `tests/fuzz/`), one
//! module per concern, in one binary:
//!
//! - [`drops`]: drop counts and panic safety, side by side with `Vec`;
//! - [`edge`]: zero-sized and over-aligned elements, overflow, fixed
//!   windows, window moves, refusals, the ways to pass a mapper.

mod drops;
mod edge;
