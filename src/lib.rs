//! Containers whose memory comes straight from the OS's virtual memory and
//! goes back to it when they shrink.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod mapper;
mod os;

pub use mapper::{Mapper, MapperRef};
pub use os::{OsMapper, MAPPER};
