//! The frame header check, in one place: every reader of frames (the
//! decoder, the blocking reader, the servers, the load generator, the tests)
//! goes through it.

use super::{FrameError, HEADER_LEN};

/// The payload length a frame header announces, once checked: `length == 0`
/// is [`FrameError::Empty`] and `length > max_frame` is
/// [`FrameError::TooLarge`] (PROTOCOL.md section 2).
///
/// The check needs the 4 header bytes alone, so a receiver can refuse a
/// frame before it buffers (let alone allocates) a byte of its payload.
///
/// ```
/// use chat::fmt::framed::{header_len, FrameError};
///
/// assert_eq!(header_len([0, 0, 1, 0], 4096), Ok(256));
/// assert_eq!(header_len([0, 0, 0, 0], 4096), Err(FrameError::Empty));
/// assert_eq!(
///     header_len([0, 1, 0, 0], 4096),
///     Err(FrameError::TooLarge { len: 65536, max: 4096 })
/// );
/// ```
#[inline]
pub fn header_len(header: [u8; HEADER_LEN], max_frame: u32) -> Result<usize, FrameError> {
    let len = u32::from_be_bytes(header);
    if len == 0 {
        Err(FrameError::Empty)
    } else if len > max_frame {
        Err(FrameError::TooLarge {
            len,
            max: max_frame,
        })
    } else {
        Ok(len as usize)
    }
}

/// The payload of the first frame in `buf`, if the whole frame is there.
///
/// `Ok(None)` means "need more bytes": fewer than [`HEADER_LEN`] bytes, or
/// a header whose payload has not fully arrived. The header is checked with
/// [`header_len`] as soon as its 4 bytes are in, so a refused header is an
/// error even while its payload is missing. The frame takes the first
/// `HEADER_LEN + payload.len()` bytes of `buf`; the next one starts right
/// after.
///
/// ```
/// use chat::fmt::framed::{split_frame, FrameError, HEADER_LEN};
///
/// let buf = [0, 0, 0, 2, b'h', b'i', 0, 0, 0];
/// let payload = split_frame(&buf, 16).unwrap().unwrap();
/// assert_eq!(payload, b"hi");
/// let rest = &buf[HEADER_LEN + payload.len()..];
/// assert_eq!(split_frame(rest, 16), Ok(None)); // 3 bytes of a header
/// assert_eq!(split_frame(&[0, 0, 0, 3, b'h'], 16), Ok(None)); // cut payload
/// assert_eq!(split_frame(&[0, 0, 0, 0], 16), Err(FrameError::Empty));
/// ```
#[inline]
pub fn split_frame(buf: &[u8], max_frame: u32) -> Result<Option<&[u8]>, FrameError> {
    let Some((header, rest)) = buf.split_first_chunk::<HEADER_LEN>() else {
        return Ok(None);
    };
    let len = header_len(*header, max_frame)?;
    Ok(rest.get(..len))
}
