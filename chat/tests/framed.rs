//! The frame layer of PROTOCOL.md section 2: the incremental decoder, the
//! encoder, and the blocking helpers.

use std::io::{self, Read};

use chat::fmt::binary::{self, Error};
use chat::fmt::framed::{
    encode_frame, encode_frame_limited, read_frame, write_frame, FrameDecoder, FrameError,
    ReadFrameError, READ_CHUNK,
};
use chat::protocol::{ClientMsg, ErrorCode, DEFAULT_MAX_FRAME, SERVER_MAX_FRAME};

fn frames(msgs: &[ClientMsg]) -> Vec<u8> {
    let mut wire = Vec::new();
    for m in msgs {
        encode_frame(m, &mut wire).unwrap();
    }
    wire
}

fn sample() -> Vec<ClientMsg> {
    vec![
        ClientMsg::Hello {
            version: 1,
            nick: "ann".into(),
        },
        ClientMsg::Say {
            room: "lobby".into(),
            text: "héllo wörld".into(),
        },
        ClientMsg::ListRooms,
        ClientMsg::Ping { nonce: u64::MAX },
        ClientMsg::Bye,
    ]
}

/// Drains every complete frame, decoding each as a `ClientMsg`.
fn drain(dec: &mut FrameDecoder, out: &mut Vec<ClientMsg>) {
    while let Some(payload) = dec.next_frame().unwrap() {
        out.push(binary::from_bytes(payload).unwrap());
    }
}

#[test]
fn header_split_across_reads() {
    let mut dec = FrameDecoder::new(DEFAULT_MAX_FRAME);
    dec.push(&[0, 0]);
    assert_eq!(dec.next_frame(), Ok(None));
    dec.push(&[0]);
    assert_eq!(dec.next_frame(), Ok(None));
    dec.push(&[3, 0x08]);
    assert_eq!(dec.next_frame(), Ok(None));
    dec.push(&[0xac, 0x02]);
    assert_eq!(dec.next_frame(), Ok(Some(&[0x08, 0xac, 0x02][..])));
    assert_eq!(dec.next_frame(), Ok(None));
    assert!(dec.is_empty());
}

#[test]
fn byte_at_a_time() {
    let msgs = sample();
    let wire = frames(&msgs);
    let mut dec = FrameDecoder::new(DEFAULT_MAX_FRAME);
    let mut got = Vec::new();
    for b in &wire {
        dec.push(std::slice::from_ref(b));
        drain(&mut dec, &mut got);
    }
    assert_eq!(got, msgs);
    assert_eq!(dec.buffered(), 0);
}

#[test]
fn many_frames_in_one_chunk() {
    let msgs: Vec<ClientMsg> = sample().into_iter().cycle().take(1000).collect();
    let wire = frames(&msgs);
    let mut dec = FrameDecoder::new(DEFAULT_MAX_FRAME);
    dec.push(&wire);
    let mut got = Vec::new();
    drain(&mut dec, &mut got);
    assert_eq!(got, msgs);
}

#[test]
fn every_split_of_two_frames() {
    let msgs = sample()[..2].to_vec();
    let wire = frames(&msgs);
    for a in 0..=wire.len() {
        for b in a..=wire.len() {
            let mut dec = FrameDecoder::new(DEFAULT_MAX_FRAME);
            let mut got = Vec::new();
            for part in [&wire[..a], &wire[a..b], &wire[b..]] {
                dec.push(part);
                drain(&mut dec, &mut got);
            }
            assert_eq!(got, msgs, "split at {a}, {b}");
        }
    }
}

#[test]
fn zero_length_is_rejected() {
    let mut dec = FrameDecoder::new(DEFAULT_MAX_FRAME);
    dec.push(&[0, 0, 0]);
    assert_eq!(dec.next_frame(), Ok(None));
    dec.push(&[0]);
    assert_eq!(dec.next_frame(), Err(FrameError::Empty));
    // Sticky: the stream has lost its framing.
    dec.push(&[0, 0, 0, 1, 9]);
    assert_eq!(dec.next_frame(), Err(FrameError::Empty));
    assert_eq!(FrameError::Empty.error_code(), ErrorCode::Malformed);
}

#[test]
fn oversized_length_is_rejected_on_the_header() {
    let mut dec = FrameDecoder::new(16);
    dec.push(&[0, 0, 0, 16]);
    assert_eq!(dec.next_frame(), Ok(None), "16 is allowed");
    let mut dec = FrameDecoder::new(16);
    dec.push(&[0, 0, 0, 17]);
    assert_eq!(
        dec.next_frame(),
        Err(FrameError::TooLarge { len: 17, max: 16 })
    );
    let mut dec = FrameDecoder::new(DEFAULT_MAX_FRAME);
    dec.push(&[0xff, 0xff, 0xff, 0xff]);
    let err = dec.next_frame().unwrap_err();
    assert_eq!(
        err,
        FrameError::TooLarge {
            len: u32::MAX,
            max: DEFAULT_MAX_FRAME
        }
    );
    assert_eq!(err.error_code(), ErrorCode::FrameTooLarge);
    assert!(err.to_string().contains("4294967295"));
}

/// A peer that sends `header` and then payload bytes, at most `per_read` a
/// read and `total` in all, counting what it handed over.
struct Peer {
    header: Vec<u8>,
    per_read: usize,
    total: usize,
    sent: usize,
}

impl Read for Peer {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.per_read).min(self.total - self.sent);
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = self.header.get(self.sent + i).copied().unwrap_or(0x61);
        }
        self.sent += n;
        Ok(n)
    }
}

#[test]
fn read_from_stops_at_a_refused_header() {
    for header in [[0xff, 0xff, 0xff, 0xff], [0, 0x01, 0, 1], [0, 0, 0, 0]] {
        let mut peer = Peer {
            header: header.to_vec(),
            per_read: 4,
            total: usize::MAX,
            sent: 0,
        };
        let mut dec = FrameDecoder::new(DEFAULT_MAX_FRAME);
        assert_eq!(dec.read_from(&mut peer).unwrap(), 4);
        assert!(dec.next_frame().is_err());
        let err = dec.read_from(&mut peer).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(peer.sent, 4, "not one payload byte read");
        assert!(dec.capacity() <= 2 * READ_CHUNK);
    }
}

#[test]
fn memory_follows_bytes_received_not_bytes_announced() {
    // Announce 65536 bytes, send 10: a slow-loris peer costs one chunk.
    let mut peer = Peer {
        header: vec![0, 1, 0, 0],
        per_read: 14,
        total: usize::MAX,
        sent: 0,
    };
    let mut dec = FrameDecoder::new(DEFAULT_MAX_FRAME);
    dec.read_from(&mut peer).unwrap();
    assert_eq!(dec.next_frame(), Ok(None));
    assert!(dec.capacity() < 2 * READ_CHUNK, "{}", dec.capacity());

    // A 1 MiB frame arriving in big reads: the buffer stays within about
    // twice the frame, and is freed once the frame is consumed.
    let len = SERVER_MAX_FRAME as usize;
    let mut peer = Peer {
        header: (len as u32).to_be_bytes().to_vec(),
        per_read: usize::MAX,
        total: len + 4,
        sent: 0,
    };
    let mut dec = FrameDecoder::new(SERVER_MAX_FRAME);
    let mut reads = 0;
    let payload_len = loop {
        dec.read_from(&mut peer).unwrap();
        reads += 1;
        assert!(dec.capacity() <= 2 * (len + 4) + READ_CHUNK);
        if let Some(p) = dec.next_frame().unwrap() {
            break p.len();
        }
    };
    assert_eq!(payload_len, len);
    assert!(reads < 20, "{reads} reads for 1 MiB");
    assert_eq!(dec.next_frame(), Ok(None));
    assert_eq!(dec.capacity(), 0, "idle decoder holds no heap memory");
}

/// A non-blocking socket with nothing to read.
struct Empty;

impl Read for Empty {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        Err(io::ErrorKind::WouldBlock.into())
    }
}

#[test]
fn idle_decoder_holds_nothing() {
    let mut dec = FrameDecoder::new(DEFAULT_MAX_FRAME);
    assert_eq!(dec.capacity(), 0);
    let err = dec.read_from(&mut Empty).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    assert_eq!(dec.capacity(), 0, "WouldBlock on an empty buffer frees it");

    let wire = frames(&sample());
    let mut src = &wire[..];
    dec.read_from(&mut src).unwrap();
    let mut got = Vec::new();
    drain(&mut dec, &mut got);
    assert_eq!(got, sample());
    assert_eq!(dec.capacity(), 0, "freed once every frame was taken");
    assert_eq!(dec.read_from(&mut src).unwrap(), 0, "end of stream");
    assert_eq!(dec.capacity(), 0);
}

#[test]
fn shrink_keeps_the_buffered_bytes() {
    let mut dec = FrameDecoder::new(DEFAULT_MAX_FRAME);
    let wire = frames(&sample());
    dec.push(&wire[..wire.len() - 1]);
    let mut got = Vec::new();
    drain(&mut dec, &mut got);
    dec.shrink();
    assert!(dec.capacity() <= dec.buffered() + 8);
    dec.push(&wire[wire.len() - 1..]);
    drain(&mut dec, &mut got);
    assert_eq!(got, sample());
}

#[test]
fn encode_frame_patches_the_header_in_place() {
    let mut out = vec![0xee];
    encode_frame(&ClientMsg::Bye, &mut out).unwrap();
    encode_frame(&ClientMsg::ListRooms, &mut out).unwrap();
    assert_eq!(out, [0xee, 0, 0, 0, 1, 0x09, 0, 0, 0, 1, 0x06]);
}

#[test]
fn encode_frame_refuses_empty_and_oversized_payloads() {
    let mut out = vec![1, 2];
    assert_eq!(encode_frame(&(), &mut out), Err(Error::EmptyFrame));
    assert_eq!(out, [1, 2]);
    let big = ClientMsg::Say {
        room: "r".into(),
        text: "x".repeat(SERVER_MAX_FRAME as usize),
    };
    assert_eq!(
        encode_frame_limited(&big, SERVER_MAX_FRAME, &mut out),
        Err(Error::FrameTooLarge)
    );
    assert_eq!(out, [1, 2], "left as it was");
    encode_frame(&big, &mut out).unwrap();
    assert_eq!(out.len(), 2 + 4 + SERVER_MAX_FRAME as usize + 6);
}

#[test]
fn blocking_round_trip() {
    let mut wire = Vec::new();
    for m in sample() {
        write_frame(&mut wire, &m).unwrap();
    }
    assert_eq!(wire, frames(&sample()));
    let mut src = &wire[..];
    let mut buf = Vec::new();
    let mut got = Vec::new();
    while let Some(payload) = read_frame(&mut src, DEFAULT_MAX_FRAME, &mut buf).unwrap() {
        got.push(binary::from_bytes::<ClientMsg>(payload).unwrap());
    }
    assert_eq!(got, sample());
}

#[test]
fn blocking_read_refuses_before_reading_the_payload() {
    let wire = [0xff, 0xff, 0xff, 0xff, 1, 2, 3];
    let mut src = &wire[..];
    let mut buf = Vec::new();
    match read_frame(&mut src, DEFAULT_MAX_FRAME, &mut buf) {
        Err(ReadFrameError::Frame(FrameError::TooLarge { len, .. })) => assert_eq!(len, u32::MAX),
        other => panic!("{other:?}"),
    }
    assert_eq!(src, [1, 2, 3], "payload untouched");
    assert!(buf.is_empty());

    let mut src: &[u8] = &[0, 0, 0, 0];
    assert!(matches!(
        read_frame(&mut src, DEFAULT_MAX_FRAME, &mut buf),
        Err(ReadFrameError::Frame(FrameError::Empty))
    ));
}

#[test]
fn blocking_read_eof_mid_frame_is_an_error() {
    let mut buf = Vec::new();
    for wire in [&[0, 0][..], &[0, 0, 0, 5, 1, 2][..]] {
        let mut src = wire;
        match read_frame(&mut src, DEFAULT_MAX_FRAME, &mut buf) {
            Err(ReadFrameError::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof),
            other => panic!("{other:?}"),
        }
    }
    let mut src: &[u8] = &[];
    assert!(read_frame(&mut src, DEFAULT_MAX_FRAME, &mut buf)
        .unwrap()
        .is_none());
}
