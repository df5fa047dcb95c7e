//! The incremental frame decoder: bytes in, whole payloads out.

use std::io;

use super::{header_len, split_frame, FrameError, HEADER_LEN};

/// The smallest read [`FrameDecoder::read_from`] asks the kernel for.
pub const READ_CHUNK: usize = 4096;

/// Splits a byte stream into frame payloads, whatever the chunks it arrives in.
///
/// Feed it with [`read_from`](Self::read_from) (it reads straight into its own
/// buffer) or [`push`](Self::push), then take every complete payload with
/// [`next_frame`](Self::next_frame) until it returns `Ok(None)`:
///
/// ```text
///            read_from / push                      next_frame
///  socket ───────────────────►  buf: [.. consumed ..|hdr|payload|hdr|pay..]
///                                                    ^ start              ^ end
///                                                    └── one frame ──┘ returned as &[u8]
/// ```
///
/// The header is checked as soon as its 4 bytes are in: `length == 0` is
/// [`FrameError::Empty`] and `length > max_frame` is [`FrameError::TooLarge`],
/// and after that the decoder reads nothing more, so an announced payload is
/// never buffered, let alone allocated. The error is sticky: the stream has
/// lost its framing and the connection should be closed.
///
/// # Memory
///
/// The buffer exists only while bytes are in flight. When every buffered byte
/// has been handed out, `next_frame` frees it, so an idle connection costs
/// the size of this struct and nothing on the heap. While a frame is
/// arriving, `read_from` grows the buffer with the bytes received (at most
/// twice what is held, at least [`READ_CHUNK`]), not with what the header
/// announced: a peer that announces 64 KiB and sends one byte costs 4 KiB.
///
/// Call `next_frame` after every `read_from`: the decoder keeps everything it
/// is given, so reading until `WouldBlock` without draining lets a fast
/// sender grow the buffer without bound.
///
/// ```
/// use chat::fmt::framed::{FrameDecoder, FrameError};
///
/// let mut dec = FrameDecoder::new(16);
/// dec.push(&[0, 0, 0, 2, b'h']); // a header and half a payload
/// assert_eq!(dec.next_frame(), Ok(None));
/// dec.push(&[b'i', 0, 0, 0, 1, b'!', 0, 0]); // the rest, a whole frame, half a header
/// assert_eq!(dec.next_frame(), Ok(Some(&b"hi"[..])));
/// assert_eq!(dec.next_frame(), Ok(Some(&b"!"[..])));
/// assert_eq!(dec.next_frame(), Ok(None));
/// assert_eq!(dec.buffered(), 2);
/// dec.push(&[0x10, 0x00]); // 4096 > 16: refused on the header alone
/// assert_eq!(dec.next_frame(), Err(FrameError::TooLarge { len: 4096, max: 16 }));
/// ```
#[derive(Debug)]
pub struct FrameDecoder {
    /// Storage; every byte of it is initialised, so `read` can write into
    /// `buf[end..]` with safe code alone (no uninitialised memory).
    buf: Vec<u8>,
    /// First byte not handed out yet.
    start: usize,
    /// One past the last byte received.
    end: usize,
    max_frame: u32,
}

impl FrameDecoder {
    /// A decoder refusing payloads longer than `max_frame` bytes. It holds no
    /// heap memory until bytes arrive.
    pub fn new(max_frame: u32) -> Self {
        FrameDecoder {
            buf: Vec::new(),
            start: 0,
            end: 0,
            max_frame,
        }
    }

    /// The largest payload accepted.
    pub fn max_frame(&self) -> u32 {
        self.max_frame
    }

    /// Bytes received and not yet handed out by [`next_frame`](Self::next_frame).
    #[inline]
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// Whether no bytes are buffered (the stream is at a frame boundary).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Heap bytes held by the buffer right now.
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Gives memory back: frees the buffer when it is empty, otherwise moves
    /// the buffered bytes into an allocation of their size.
    pub fn shrink(&mut self) {
        let held = self.buffered();
        if held == 0 {
            self.start = 0;
            self.end = 0;
            self.buf = Vec::new();
        } else if self.buf.capacity() > held {
            self.buf = self.buf[self.start..self.end].to_vec();
            self.start = 0;
            self.end = held;
        }
    }

    /// Appends bytes the caller already has (from its own read buffer, a
    /// test, a file).
    pub fn push(&mut self, bytes: &[u8]) {
        self.make_room(bytes.len());
        self.buf[self.end..self.end + bytes.len()].copy_from_slice(bytes);
        self.end += bytes.len();
    }

    /// Does one `read` from `reader` into the buffer and returns its result:
    /// the number of bytes read, `Ok(0)` at end of stream, or the error
    /// (`WouldBlock` on a non-blocking socket with nothing to read).
    ///
    /// It asks for the rest of the current frame or [`READ_CHUNK`] bytes,
    /// whichever is bigger, capped at twice what is buffered (so memory
    /// follows the bytes received). If the buffered header is already refused
    /// it reads nothing and fails with `InvalidData` wrapping the
    /// [`FrameError`] (which [`next_frame`](Self::next_frame) returns too).
    ///
    /// ```
    /// use chat::fmt::framed::FrameDecoder;
    ///
    /// let mut wire: &[u8] = &[0, 0, 0, 2, b'o', b'k'];
    /// let mut dec = FrameDecoder::new(1024);
    /// assert_eq!(dec.read_from(&mut wire).unwrap(), 6);
    /// assert_eq!(dec.next_frame().unwrap(), Some(&b"ok"[..]));
    /// assert_eq!(dec.read_from(&mut wire).unwrap(), 0); // end of stream
    /// assert_eq!(dec.capacity(), 0); // nothing in flight, nothing held
    /// ```
    pub fn read_from<R: io::Read + ?Sized>(&mut self, reader: &mut R) -> io::Result<usize> {
        let needed = match self.header() {
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            Ok(Some(len)) => (HEADER_LEN + len).saturating_sub(self.buffered()),
            Ok(None) => HEADER_LEN - self.buffered(),
        };
        let want = needed.clamp(READ_CHUNK, READ_CHUNK.max(2 * self.buffered()));
        self.make_room(want);
        let result = reader.read(&mut self.buf[self.end..]);
        if let Ok(n) = result {
            self.end += n;
        }
        if self.is_empty() {
            // EOF, an error or `WouldBlock` on an empty buffer: an idle
            // connection must not keep the chunk just allocated for it.
            self.shrink();
        }
        result
    }

    /// The next complete payload, if one is buffered.
    ///
    /// `Ok(None)` means "need more bytes". The returned slice borrows the
    /// decoder; the bytes are consumed, and the next call moves on. Once
    /// the buffer is empty it is freed.
    #[inline]
    pub fn next_frame(&mut self) -> Result<Option<&[u8]>, FrameError> {
        let Some(len) =
            split_frame(&self.buf[self.start..self.end], self.max_frame)?.map(<[u8]>::len)
        else {
            self.release_idle();
            return Ok(None);
        };
        let payload = self.start + HEADER_LEN;
        self.start = payload + len;
        Ok(Some(&self.buf[payload..self.start]))
    }

    /// The payload length announced by the buffered header, once all 4 bytes
    /// are in; refused headers are errors.
    #[inline]
    fn header(&self) -> Result<Option<usize>, FrameError> {
        match self.buf[self.start..self.end].first_chunk::<HEADER_LEN>() {
            Some(header) => header_len(*header, self.max_frame).map(Some),
            None => Ok(None),
        }
    }

    /// Called when no whole frame is left: frees an empty buffer, and trades
    /// a buffer much larger than what it holds for a smaller one (after a
    /// large frame, say).
    #[inline]
    fn release_idle(&mut self) {
        let held = self.buffered();
        if held == 0 {
            if self.buf.capacity() != 0 {
                self.shrink();
            }
        } else if self.buf.capacity() > 4 * held.max(READ_CHUNK) {
            self.shrink();
        }
    }

    /// Ensures `buf[end..]` has at least `need` bytes, moving the unread
    /// bytes to the front first if that is enough.
    fn make_room(&mut self, need: usize) {
        if self.buf.len() - self.end >= need {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.buf.len() - self.end >= need {
                return;
            }
        }
        self.buf.resize(self.end + need, 0);
        // Use whatever the allocator gave: the next read can fill it too.
        self.buf.resize(self.buf.capacity(), 0);
    }
}
