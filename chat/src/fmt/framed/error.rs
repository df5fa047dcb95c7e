//! Why a frame header or a blocking frame read was refused.

use std::{fmt, io};

use crate::protocol::ErrorCode;

/// A frame header the receiver refuses (PROTOCOL.md section 2). Both are
/// detected from the 4-byte header alone, before any payload is buffered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// The header says `length == 0`; a frame always carries a message.
    Empty,
    /// The header says `length > max`.
    TooLarge {
        /// The length the header announced.
        len: u32,
        /// The receiver's limit (`MAX_FRAME`).
        max: u32,
    },
}

impl FrameError {
    /// The protocol error a server answers with before closing:
    /// [`ErrorCode::Malformed`] for an empty frame, [`ErrorCode::FrameTooLarge`]
    /// for an oversized one.
    pub fn error_code(self) -> ErrorCode {
        match self {
            FrameError::Empty => ErrorCode::Malformed,
            FrameError::TooLarge { .. } => ErrorCode::FrameTooLarge,
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Empty => f.write_str("frame header announces an empty payload"),
            FrameError::TooLarge { len, max } => {
                write!(
                    f,
                    "frame header announces {len} bytes, over the limit of {max}"
                )
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// Why [`read_frame`](super::read_frame) failed.
#[derive(Debug)]
pub enum ReadFrameError {
    /// The stream failed, or ended in the middle of a frame (`UnexpectedEof`).
    Io(io::Error),
    /// The header was refused; nothing of the payload was read.
    Frame(FrameError),
}

impl fmt::Display for ReadFrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadFrameError::Io(e) => write!(f, "reading a frame: {e}"),
            ReadFrameError::Frame(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ReadFrameError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadFrameError::Io(e) => Some(e),
            ReadFrameError::Frame(e) => Some(e),
        }
    }
}

impl From<io::Error> for ReadFrameError {
    fn from(e: io::Error) -> Self {
        ReadFrameError::Io(e)
    }
}

impl From<FrameError> for ReadFrameError {
    fn from(e: FrameError) -> Self {
        ReadFrameError::Frame(e)
    }
}
