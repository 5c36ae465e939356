//! Named columns handed in by the caller (the crate does no I/O): the frame type lives in the
//! data layer, next to the readers that fill it.

pub use balanza_data::frame::{Column, Frame, FrameError};
