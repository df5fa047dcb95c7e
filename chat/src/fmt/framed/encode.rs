//! Writing a frame: header and payload straight into the output buffer.

use serdy::Serialize;

use super::HEADER_LEN;
use crate::fmt::binary::{self, Error};

/// Appends one frame holding `value` to `out`: 4 bytes of big-endian length,
/// then the binary encoding.
///
/// There is no intermediate buffer: four placeholder bytes are appended, the
/// value is encoded right after them, and the header is patched once the
/// length is known. On error `out` is left as it was. The only limit is the
/// header's (`u32::MAX`); a server uses [`encode_frame_limited`] with
/// [`SERVER_MAX_FRAME`](crate::protocol::SERVER_MAX_FRAME).
///
/// ```
/// use chat::fmt::framed::encode_frame;
/// use chat::protocol::ClientMsg;
///
/// let mut out = Vec::new();
/// encode_frame(&ClientMsg::Ping { nonce: 300 }, &mut out).unwrap();
/// assert_eq!(out, [0, 0, 0, 3, 0x08, 0xac, 0x02]);
/// ```
#[inline]
pub fn encode_frame<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> Result<(), Error> {
    encode_frame_limited(value, u32::MAX, out)
}

/// Like [`encode_frame`], but refuses a payload longer than `max_frame`
/// bytes with [`Error::FrameTooLarge`] (leaving `out` as it was).
///
/// ```
/// use chat::fmt::binary::Error;
/// use chat::fmt::framed::encode_frame_limited;
///
/// let mut out = vec![0xee];
/// let err = encode_frame_limited("too long", 4, &mut out).unwrap_err();
/// assert_eq!(err, Error::FrameTooLarge);
/// assert_eq!(out, [0xee]);
/// ```
#[inline]
pub fn encode_frame_limited<T: Serialize + ?Sized>(
    value: &T,
    max_frame: u32,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let at = out.len();
    out.extend_from_slice(&[0; HEADER_LEN]);
    if let Err(e) = binary::serialize_into(value, out) {
        out.truncate(at);
        return Err(e);
    }
    let len = out.len() - at - HEADER_LEN;
    if len == 0 {
        out.truncate(at);
        return Err(Error::EmptyFrame);
    }
    if len > max_frame as usize {
        out.truncate(at);
        return Err(Error::FrameTooLarge);
    }
    out[at..at + HEADER_LEN].copy_from_slice(&(len as u32).to_be_bytes());
    Ok(())
}
