//! A connection's outbound queue: frames waiting for the socket, flushed
//! with one vectored write, bounded by `--max-outbound` (PROTOCOL.md 5.5).
//!
//! ```text
//!             head_sent
//!             ├────┤
//!  frames:  [ ████░░░░ | ░░░░░░ | ░░░ | ░░░░░░░ ]   ──sendmsg──► socket
//!             frame 0    frame 1   ...               (up to 1024 frames per call)
//!  queued = unsent bytes (░): what the limit is measured against
//! ```
//!
//! The queue holds [`Frame`]s, which are shared: a broadcast to a hundred
//! members is one allocation and a hundred reference counts, not a hundred
//! copies. A flush hands the kernel up to [`FLUSH_IOVECS`] frames in one
//! `sendmsg`, so a client that fell behind catches up in one system call
//! instead of one per frame.
//!
//! Why that many: under a broadcast storm the server spends most of its
//! time in the kernel, and much of that is per system call and per TCP
//! segment, not per byte. A client that fell behind by a thousand frames
//! catches up in one call instead of sixteen (`bench/README.md` has the
//! figures).
//!
//! The limit follows the protocol's wording: a frame that would take a
//! **non-empty** queue past the limit is refused ([`Overflow`]); a frame is
//! always accepted into an empty queue, so one large listing never trips it.
//! The kernel's socket buffer does not count, only bytes still held here.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};

use crate::hub::Frame;

/// A convenient array length for [`Outbound::io_slices`]: 64 frames per
/// `sendmsg` (1 KiB of iovecs), small enough to keep on any stack.
pub const MAX_IOVECS: usize = 64;

/// The most frames [`Outbound::flush_to`] hands to one `sendmsg`: `IOV_MAX`
/// (1024 on Linux, macOS and the BSDs).
pub const FLUSH_IOVECS: usize = 1024;

/// A capacity kept across flushes; a queue that grew past it during a burst
/// gives the memory back once it drains, so idle connections stay small.
const KEEP_CAPACITY: usize = 16;

/// The frame was refused: accepting it would take the queue past its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

/// What a flush achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// Everything queued was written.
    Done,
    /// The socket would block with bytes still queued: wait for writability.
    Blocked,
}

/// Frames queued for one connection.
#[derive(Debug, Default)]
pub struct Outbound {
    frames: VecDeque<Frame>,
    /// Bytes of `frames[0]` already written.
    head_sent: usize,
    /// Unsent bytes in total.
    queued: usize,
}

impl Outbound {
    /// An empty queue (no heap memory until a frame arrives).
    pub fn new() -> Outbound {
        Outbound::default()
    }

    /// Unsent bytes held.
    pub fn queued(&self) -> usize {
        self.queued
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Whether the first frame is partly written (its rest must go out before
    /// anything else, or the stream loses its framing). A queued
    /// [`Frame::concat`] of several frames counts as written up to the
    /// frame the written bytes end in.
    pub fn is_mid_frame(&self) -> bool {
        self.frames
            .front()
            .is_some_and(|f| f.whole_prefix(self.head_sent) != self.head_sent)
    }

    /// Queues `frame` unless that would take a non-empty queue past `limit`.
    pub fn push(&mut self, frame: Frame, limit: usize) -> Result<(), Overflow> {
        if !self.frames.is_empty() && self.queued + frame.len() > limit {
            return Err(Overflow);
        }
        self.queued += frame.len();
        self.frames.push_back(frame);
        Ok(())
    }

    /// Queues `frame` whatever the limit (the final `Error` of a connection).
    pub fn push_unbounded(&mut self, frame: Frame) {
        self.queued += frame.len();
        self.frames.push_back(frame);
    }

    /// Drops every frame not yet started, keeping a partly written first frame
    /// so the peer still sees whole frames (the slow-consumer and shutdown
    /// paths of PROTOCOL.md 5.5 and 5.6).
    pub fn discard_unstarted(&mut self) {
        let keep = usize::from(self.head_sent > 0);
        self.frames.truncate(keep);
        if let Some(head) = self.frames.front_mut() {
            // Of frames queued together (Frame::concat), only the one the
            // written bytes end in has started.
            let end = head.whole_prefix(self.head_sent);
            if end == self.head_sent {
                self.frames.clear();
                self.head_sent = 0;
            } else if end < head.len() {
                *head = head.prefix(end);
            }
        }
        self.queued = self.frames.front().map_or(0, |f| f.len() - self.head_sent);
        self.release_memory();
    }

    /// Drops everything (the connection is gone).
    pub fn clear(&mut self) {
        self.frames = VecDeque::new();
        self.head_sent = 0;
        self.queued = 0;
    }

    /// Writes queued frames to `sink` until the queue is empty or the sink
    /// would block. `Interrupted` is retried; any other error is returned
    /// (the connection is broken).
    pub fn flush_to<W: Write + ?Sized>(&mut self, sink: &mut W) -> io::Result<Flush> {
        self.flush(sink, false)
    }

    /// Like [`flush_to`](Self::flush_to), for a **non-blocking socket**:
    /// it also stops at the first short write, reporting
    /// [`Flush::Blocked`] without trying again.
    ///
    /// A non-blocking TCP socket takes less than it is offered only when its
    /// send buffer is full. Writing again at once finds room only for what
    /// the peer drained meanwhile, a few kilobytes, so a loop "until
    /// `WouldBlock`" makes many small system calls and usually ends in a
    /// failed one. Waiting for writability instead resumes when the kernel
    /// has freed a good share of the buffer (epoll reports `EPOLLOUT` then),
    /// and the next `sendmsg` moves a large batch.
    pub fn flush_nonblocking<W: Write + ?Sized>(&mut self, sink: &mut W) -> io::Result<Flush> {
        self.flush(sink, true)
    }

    fn flush<W: Write + ?Sized>(
        &mut self,
        sink: &mut W,
        stop_when_short: bool,
    ) -> io::Result<Flush> {
        while !self.frames.is_empty() {
            // A short queue gets a small iovec array: filling 1 024 empty
            // entries (16 KiB) for a few frames cost more than the frames.
            let attempt = if self.frames.len() <= MAX_IOVECS {
                self.write_once::<W, MAX_IOVECS>(sink)
            } else {
                self.write_once::<W, FLUSH_IOVECS>(sink)
            };
            let (offered, written) = match attempt {
                Ok((_, 0)) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(pair) => pair,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Flush::Blocked),
                Err(e) => return Err(e),
            };
            self.advance(written);
            if stop_when_short && written < offered {
                return Ok(Flush::Blocked);
            }
        }
        self.release_memory();
        Ok(Flush::Done)
    }

    /// One `sendmsg` of the first `N` frames at most: `(offered, written)`.
    fn write_once<W: Write + ?Sized, const N: usize>(
        &self,
        sink: &mut W,
    ) -> io::Result<(usize, usize)> {
        let mut slices = [IoSlice::new(&[]); N];
        let n = self.io_slices(&mut slices);
        let offered = slices[..n].iter().map(|s| s.len()).sum();
        sink.write_vectored(&slices[..n])
            .map(|written| (offered, written))
    }

    /// Fills `slices` with the unsent bytes of the first frames (as many as
    /// fit) and returns how many it filled: the arguments of one
    /// vectored write, for a writer that cannot hand over a [`Write`] sink
    /// (an async one). Report what was written with
    /// [`advance`](Self::advance).
    pub fn io_slices<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        for (i, frame) in self.frames.iter().take(slices.len()).enumerate() {
            let bytes = if i == 0 {
                &frame[self.head_sent..]
            } else {
                &frame[..]
            };
            slices[i] = IoSlice::new(bytes);
            n += 1;
        }
        n
    }

    /// Marks `written` bytes from the front as sent (after a write of the
    /// [`io_slices`](Self::io_slices)); frees memory once the queue is empty.
    pub fn advance(&mut self, written: usize) {
        self.consume(written);
        self.release_memory();
    }

    /// Marks `written` bytes from the front as sent.
    fn consume(&mut self, mut written: usize) {
        self.queued -= written;
        while written > 0 {
            let head_left = self.frames[0].len() - self.head_sent;
            if written >= head_left {
                written -= head_left;
                self.frames.pop_front();
                self.head_sent = 0;
            } else {
                self.head_sent += written;
                written = 0;
            }
        }
    }

    fn release_memory(&mut self) {
        if self.frames.is_empty() && self.frames.capacity() > KEEP_CAPACITY {
            self.frames = VecDeque::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ErrorCode, ServerMsg};

    fn pong(nonce: u64) -> Frame {
        Frame::encode(&ServerMsg::Pong { nonce }).unwrap()
    }

    /// A sink that takes at most `budget` bytes per call, then would block.
    struct Trickle {
        got: Vec<u8>,
        per_call: usize,
        calls_left: usize,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.write_vectored(&[IoSlice::new(buf)])
        }
        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            if self.calls_left == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.calls_left -= 1;
            let mut n = 0;
            for b in bufs {
                let take = (self.per_call - n).min(b.len());
                self.got.extend_from_slice(&b[..take]);
                n += take;
            }
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn empty_queue_takes_any_frame_full_queue_refuses() {
        let mut q = Outbound::new();
        let f = pong(1);
        assert_eq!(
            q.push(f.clone(), 1),
            Ok(()),
            "an empty queue always accepts"
        );
        assert_eq!(q.push(f.clone(), 2 * f.len() - 1), Err(Overflow));
        assert_eq!(
            q.push(f.clone(), 2 * f.len()),
            Ok(()),
            "exactly at the limit is fine"
        );
        assert_eq!(q.queued(), 2 * f.len());
    }

    #[test]
    fn partial_writes_keep_frames_whole_and_in_order() {
        let mut q = Outbound::new();
        let frames: Vec<Frame> = (0..10).map(pong).collect();
        let expected: Vec<u8> = frames.iter().flat_map(|f| f.to_vec()).collect();
        for f in &frames {
            q.push(f.clone(), usize::MAX).unwrap();
        }
        let mut sink = Trickle {
            got: Vec::new(),
            per_call: 5,
            calls_left: 4,
        };
        // Pong frames are 6 bytes: 20 bytes end inside the fourth frame.
        assert_eq!(q.flush_to(&mut sink).unwrap(), Flush::Blocked);
        assert_eq!(q.queued(), expected.len() - 20);
        assert!(q.is_mid_frame());
        sink.calls_left = usize::MAX;
        assert_eq!(q.flush_to(&mut sink).unwrap(), Flush::Done);
        assert_eq!(sink.got, expected);
        assert_eq!(q.queued(), 0);
        assert!(q.is_empty());
    }

    #[test]
    fn nonblocking_flush_stops_at_a_short_write() {
        let mut q = Outbound::new();
        let frames: Vec<Frame> = (0..10).map(pong).collect();
        let expected: Vec<u8> = frames.iter().flat_map(|f| f.to_vec()).collect();
        for f in &frames {
            q.push(f.clone(), usize::MAX).unwrap();
        }
        let mut sink = Trickle {
            got: Vec::new(),
            per_call: 20,
            calls_left: usize::MAX,
        };
        // One call, 20 of 60 bytes taken: the socket is full, wait.
        assert_eq!(q.flush_nonblocking(&mut sink).unwrap(), Flush::Blocked);
        assert_eq!(sink.calls_left, usize::MAX - 1);
        assert_eq!(q.queued(), expected.len() - 20);
        sink.per_call = usize::MAX;
        assert_eq!(q.flush_nonblocking(&mut sink).unwrap(), Flush::Done);
        assert_eq!(sink.got, expected);
        assert!(q.is_empty());
    }

    #[test]
    fn discard_keeps_the_partly_written_frame() {
        let mut q = Outbound::new();
        for n in 0..5 {
            q.push(pong(n), usize::MAX).unwrap();
        }
        let first = pong(0);
        let mut sink = Trickle {
            got: Vec::new(),
            per_call: 2,
            calls_left: 1,
        };
        assert_eq!(q.flush_to(&mut sink).unwrap(), Flush::Blocked);
        q.discard_unstarted();
        assert_eq!(q.queued(), first.len() - 2);
        q.push_unbounded(Frame::error(ErrorCode::SlowConsumer));
        sink.calls_left = usize::MAX;
        sink.per_call = usize::MAX;
        assert_eq!(q.flush_to(&mut sink).unwrap(), Flush::Done);
        let mut expected = first.to_vec();
        expected.extend_from_slice(&Frame::error(ErrorCode::SlowConsumer));
        assert_eq!(sink.got, expected);
    }

    #[test]
    fn io_slices_and_advance_walk_the_queue() {
        let mut q = Outbound::new();
        for n in 0..3 {
            q.push(pong(n), usize::MAX).unwrap();
        }
        let all: Vec<u8> = (0..3).flat_map(|n| pong(n).to_vec()).collect();
        q.advance(4);
        let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
        let n = q.io_slices(&mut slices);
        let rest: Vec<u8> = slices[..n].iter().flat_map(|s| s.to_vec()).collect();
        assert_eq!(n, 3);
        assert_eq!(rest, all[4..]);
        q.advance(all.len() - 4);
        assert!(q.is_empty());
        assert_eq!(q.queued(), 0);
    }

    #[test]
    fn frames_queued_together_are_cut_at_the_frame_in_progress() {
        let together = Frame::concat(&(0..4).map(pong).collect::<Vec<_>>());
        for (written, kept) in [(2usize, 6usize), (6, 0), (8, 12), (24, 0)] {
            let mut q = Outbound::new();
            q.push(together.clone(), usize::MAX).unwrap();
            q.push(pong(9), usize::MAX).unwrap();
            q.advance(written);
            assert_eq!(q.is_mid_frame(), kept > 0, "{written} written");
            q.discard_unstarted();
            assert_eq!(
                q.queued(),
                kept.saturating_sub(written),
                "{written} written"
            );
            let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
            let n = q.io_slices(&mut slices);
            let rest: Vec<u8> = slices[..n].iter().flat_map(|s| s.to_vec()).collect();
            let expected = if kept > 0 {
                &together[written..kept]
            } else {
                &[][..]
            };
            assert_eq!(rest, expected);
        }
    }

    #[test]
    fn discard_on_a_frame_boundary_drops_everything() {
        let mut q = Outbound::new();
        q.push(pong(1), usize::MAX).unwrap();
        q.discard_unstarted();
        assert!(q.is_empty());
        assert_eq!(q.queued(), 0);
    }
}
