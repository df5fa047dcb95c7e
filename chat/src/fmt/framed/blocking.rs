//! Blocking helpers: one whole frame per call over `io::Read` / `io::Write`.

use std::io::{self, Read, Write};

use serdy::Serialize;

use super::{encode_frame, header_len, ReadFrameError, HEADER_LEN};

/// Encodes `value` as one frame and writes it with a single `write_all`.
///
/// An encoding error (never the case for this crate's messages) is
/// `InvalidInput`.
///
/// ```
/// use chat::fmt::framed::write_frame;
///
/// let mut wire = Vec::new();
/// write_frame(&mut wire, "hi").unwrap();
/// assert_eq!(wire, [0, 0, 0, 3, 2, b'h', b'i']);
/// ```
pub fn write_frame<W: Write + ?Sized, T: Serialize + ?Sized>(
    writer: &mut W,
    value: &T,
) -> io::Result<()> {
    let mut out = Vec::new();
    encode_frame(value, &mut out).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    writer.write_all(&out)
}

/// Reads one whole frame into `buf` and returns its payload; `Ok(None)` when
/// the stream ends cleanly between frames.
///
/// The header is checked before the payload is read: `length == 0` or
/// `length > max_frame` is [`ReadFrameError::Frame`]. The payload is then
/// read as it arrives, so `buf` grows with the bytes received rather than
/// with the length announced. A stream that ends inside a frame is
/// [`ReadFrameError::Io`] with `UnexpectedEof`.
///
/// ```
/// use chat::fmt::framed::{read_frame, FrameError, ReadFrameError};
///
/// let mut wire: &[u8] = &[0, 0, 0, 2, b'h', b'i', 0, 0, 0, 0];
/// let mut buf = Vec::new();
/// assert_eq!(read_frame(&mut wire, 16, &mut buf).unwrap(), Some(&b"hi"[..]));
/// let err = read_frame(&mut wire, 16, &mut buf).unwrap_err();
/// assert!(matches!(err, ReadFrameError::Frame(FrameError::Empty)));
/// ```
pub fn read_frame<'b, R: Read + ?Sized>(
    reader: &mut R,
    max_frame: u32,
    buf: &'b mut Vec<u8>,
) -> Result<Option<&'b [u8]>, ReadFrameError> {
    let mut header = [0; HEADER_LEN];
    let mut got = 0;
    while got < HEADER_LEN {
        match reader.read(&mut header[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = header_len(header, max_frame)?;
    buf.clear();
    let read = Read::take(reader, len as u64).read_to_end(buf)?;
    if read < len {
        return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
    }
    Ok(Some(&buf[..]))
}
