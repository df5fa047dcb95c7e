//! [`Frame`]: encoded bytes, shared by every recipient.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serdy::Serialize;

use crate::fmt::binary::Error;
use crate::fmt::framed::encode_frame_limited;
use crate::protocol::ServerMsgRef;
use crate::protocol::{ErrorCode, SERVER_MAX_FRAME};

/// Length of the frame header: a big-endian `u32` payload length (PROTOCOL.md section 2).
const HEADER_LEN: usize = 4;

/// One complete server-to-client frame: the 4-byte header, then the payload.
///
/// A broadcast is encoded once and the same bytes go to every recipient:
/// cloning a `Frame` copies a pointer and bumps a reference count, never the
/// bytes. Room history keeps the very frames it sent, so a joiner replaying
/// it receives the original bytes (same `from`, `seq` and `time_ms`).
///
/// ```
/// use chat::hub::Frame;
/// use chat::protocol::ErrorCode;
///
/// let frame = Frame::error(ErrorCode::ServerFull);
/// let copy = frame.clone(); // no bytes copied
/// assert!(Frame::ptr_eq(&frame, &copy));
/// // header: payload length, big-endian; payload: variant 9 (Error), code 15
/// assert_eq!(&frame[..6], &[0, 0, 0, (frame.len() - 4) as u8, 9, 15]);
/// assert_eq!(frame.payload().len(), frame.len() - 4);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Frame(Arc<[u8]>);

impl Frame {
    /// Encodes any server message (normally a
    /// [`ServerMsg`](crate::protocol::ServerMsg)) into a frame, refusing a
    /// payload above [`SERVER_MAX_FRAME`] with
    /// [`Error::FrameTooLarge`].
    pub fn encode<T: Serialize + ?Sized>(msg: &T) -> Result<Frame, Error> {
        let mut buf = Vec::new();
        encode_frame_limited(msg, SERVER_MAX_FRAME, &mut buf)?;
        Ok(Frame(Arc::from(buf)))
    }

    /// The frame `Error { code, detail }` with the code's standard detail
    /// text ([`ErrorCode::describe`]). Servers use it for the errors they
    /// raise themselves, e.g. [`ErrorCode::SlowConsumer`] after discarding a
    /// client's queue (see [`Hub::handle_slow_consumer`](super::Hub::handle_slow_consumer)).
    pub fn error(code: ErrorCode) -> Frame {
        let mut buf = Vec::new();
        Frame::encode_into(
            &mut buf,
            &ServerMsgRef::Error {
                code,
                detail: code.describe(),
            },
        )
    }

    /// One [`Frame::error`] per code, indexed by the code's wire index: an
    /// engine keeps them, so that every refusal is a reference-count bump,
    /// never an encode.
    pub(crate) fn errors() -> Vec<Frame> {
        ErrorCode::ALL
            .iter()
            .map(|&code| Frame::error(code))
            .collect()
    }

    /// Encodes a hub message through a reused scratch buffer: the only
    /// allocation is the shared `Arc<[u8]>` itself.
    pub(crate) fn encode_into(scratch: &mut Vec<u8>, msg: &ServerMsgRef<'_>) -> Frame {
        scratch.clear();
        if let Err(e) = encode_frame_limited(msg, SERVER_MAX_FRAME, scratch) {
            // Invariant: everything the hub sends is bounded before it is
            // encoded (names <= 32 bytes, texts <= MAX_TEXT, listings cut to
            // fit SERVER_MAX_FRAME), and encoding into a Vec cannot fail
            // otherwise.
            unreachable!("hub frames are bounded by construction, but encoding failed: {e}");
        }
        Frame(Arc::from(&scratch[..]))
    }

    /// A frame from its bytes, header included, as another process encoded
    /// it (a cluster node receives frames from Redis). The caller has
    /// checked that the header matches the length.
    pub(crate) fn from_frame_bytes(bytes: &[u8]) -> Frame {
        debug_assert!(bytes.len() > HEADER_LEN);
        Frame(Arc::from(bytes))
    }

    /// The whole frame, header included: what goes on the socket.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The payload alone (the encoded `ServerMsg`), without the header.
    pub fn payload(&self) -> &[u8] {
        &self.0[HEADER_LEN..]
    }

    /// Length of the whole frame in bytes, header included (what counts
    /// towards a client's outbound limit, PROTOCOL.md section 5.5).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: a frame has at least a header and one payload byte.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `frames` back to back, as one: the bytes a socket would carry for
    /// them one after the other. A server that sends the same frames to
    /// the same connections queues this once per connection, instead of
    /// each frame, and writes it in one piece. Only [`as_bytes`](Frame::as_bytes),
    /// [`len`](Frame::len) and [`whole_prefix`](Frame::whole_prefix) mean
    /// anything for it; [`payload`](Frame::payload) is the first frame's
    /// payload followed by the other frames.
    ///
    /// ```
    /// use chat::hub::Frame;
    /// use chat::protocol::ServerMsg;
    ///
    /// let a = Frame::encode(&ServerMsg::Pong { nonce: 1 }).unwrap();
    /// let b = Frame::encode(&ServerMsg::Pong { nonce: 2 }).unwrap();
    /// let both = Frame::concat(&[a.clone(), b.clone()]);
    /// assert_eq!(both.as_bytes(), [a.as_bytes(), b.as_bytes()].concat());
    /// ```
    pub fn concat(frames: &[Frame]) -> Frame {
        let mut bytes = Vec::with_capacity(frames.iter().map(Frame::len).sum());
        for frame in frames {
            bytes.extend_from_slice(frame);
        }
        Frame(Arc::from(bytes))
    }

    /// The length of the whole frames that byte `at` ends in or lies in,
    /// for a frame made by [`concat`](Frame::concat) (or a single one): the
    /// end of the frame holding byte `at`, or `at` itself when `at` is the
    /// boundary between two frames (or `0` or the end).
    ///
    /// ```
    /// use chat::hub::Frame;
    /// use chat::protocol::ServerMsg;
    ///
    /// let pong = Frame::encode(&ServerMsg::Pong { nonce: 1 }).unwrap(); // 6 bytes
    /// let three = Frame::concat(&[pong.clone(), pong.clone(), pong]);
    /// assert_eq!(three.whole_prefix(0), 0);
    /// assert_eq!(three.whole_prefix(7), 12); // inside the second frame
    /// assert_eq!(three.whole_prefix(12), 12); // between the second and third
    /// ```
    pub fn whole_prefix(&self, at: usize) -> usize {
        let mut end = 0;
        while end < at {
            let header: [u8; HEADER_LEN] = match self.0.get(end..end + HEADER_LEN) {
                Some(h) => h.try_into().unwrap_or([0; HEADER_LEN]),
                None => return self.len(),
            };
            end += HEADER_LEN + u32::from_be_bytes(header) as usize;
        }
        end.min(self.len())
    }

    /// The first `len` bytes as a frame of their own (a copy); `len` should
    /// be a [`whole_prefix`](Frame::whole_prefix).
    pub fn prefix(&self, len: usize) -> Frame {
        Frame(Arc::from(&self.0[..len.min(self.len())]))
    }

    /// Whether two frames share the same bytes in memory (not just equal
    /// bytes): how tests check that history replays the original frames.
    pub fn ptr_eq(a: &Frame, b: &Frame) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl Deref for Frame {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Frame {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 16;
        write!(f, "Frame({} bytes:", self.len())?;
        for b in self.0.iter().take(SHOWN) {
            write!(f, " {b:02x}")?;
        }
        if self.len() > SHOWN {
            f.write_str(" ..")?;
        }
        f.write_str(")")
    }
}
