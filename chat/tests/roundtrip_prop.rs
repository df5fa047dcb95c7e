//! Round-trip property tests: random values of a rich type survive both
//! formats unchanged, floats compared by bits.
//!
//! `CHAT_PROP_SEED` picks the seed (printed on every run) and
//! `CHAT_PROP_CASES` the number of cases.

mod fmt_util;

use chat::fmt::{binary, framed, json};
use chat::protocol::{ClientMsg, ErrorCode, RoomInfo, ServerMsg};
use fmt_util::{seed, Floats, Inputs, Rich, Rng, SameBits};
use testkit::env_u64;

#[test]
fn binary_round_trip_rich() {
    let seed = seed(0x5eed_0001);
    let mut rng = Rng::new(seed);
    let mut buf = Vec::new();
    for case in 0..env_u64("CHAT_PROP_CASES", 5_000) {
        let value = rng.rich(Floats::AnyBits);
        buf.clear();
        binary::serialize_into(&value, &mut buf).unwrap();
        assert_eq!(buf, binary::to_vec(&value).unwrap());
        let back: Rich = binary::from_bytes(&buf)
            .unwrap_or_else(|e| panic!("seed {seed} case {case}: {e} decoding {value:?}"));
        assert!(
            value.same_bits(&back),
            "seed {seed} case {case}:\n{value:?}\n!=\n{back:?}"
        );
        // Every strict prefix is an error, never a panic or a shorter value.
        if !buf.is_empty() {
            let cut = rng.below(buf.len() as u64) as usize;
            assert!(binary::from_bytes::<Rich>(&buf[..cut]).is_err());
        }
    }
}

#[test]
fn json_round_trip_rich() {
    let seed = seed(0x5eed_0002);
    let mut rng = Rng::new(seed);
    for case in 0..env_u64("CHAT_PROP_CASES", 2_000) {
        let value = rng.rich(Floats::Finite);
        let text = json::to_string(&value).unwrap();
        let back: Rich = json::from_str(&text)
            .unwrap_or_else(|e| panic!("seed {seed} case {case}: {e} decoding {text}"));
        assert!(
            value.same_bits(&back),
            "seed {seed} case {case}:\n{value:?}\n!=\n{back:?}\nvia {text}"
        );
        // The JSON text never carries a raw control character.
        assert!(!text.chars().any(|c| c.is_control()), "{text}");
    }
}

fn random_client(rng: &mut Rng) -> ClientMsg {
    let s = |rng: &mut Rng| rng.string(20);
    match rng.below(10) {
        0 => ClientMsg::Hello {
            version: rng.edgy_u64() as u32,
            nick: s(rng),
        },
        1 => ClientMsg::Say {
            room: s(rng),
            text: s(rng),
        },
        2 => ClientMsg::Join { room: s(rng) },
        3 => ClientMsg::Leave { room: s(rng) },
        4 => ClientMsg::Whisper {
            to: s(rng),
            text: s(rng),
        },
        5 => ClientMsg::Nick { nick: s(rng) },
        6 => ClientMsg::ListRooms,
        7 => ClientMsg::ListUsers { room: s(rng) },
        8 => ClientMsg::Ping {
            nonce: rng.edgy_u64(),
        },
        _ => ClientMsg::Bye,
    }
}

fn random_server(rng: &mut Rng) -> ServerMsg {
    let s = |rng: &mut Rng| rng.string(20);
    match rng.below(10) {
        0 => ServerMsg::Welcome {
            version: rng.edgy_u64() as u32,
            nick: s(rng),
            server: s(rng),
        },
        1 => ServerMsg::Message {
            room: s(rng),
            from: s(rng),
            text: s(rng),
            seq: rng.edgy_u64(),
            time_ms: rng.edgy_u64(),
        },
        2 => ServerMsg::Whispered {
            from: s(rng),
            to: s(rng),
            text: s(rng),
            time_ms: rng.edgy_u64(),
        },
        3 => ServerMsg::Joined {
            room: s(rng),
            nick: s(rng),
        },
        4 => ServerMsg::Left {
            room: s(rng),
            nick: s(rng),
        },
        5 => ServerMsg::Renamed {
            old: s(rng),
            new: s(rng),
        },
        6 => ServerMsg::Rooms {
            rooms: (0..rng.below(5))
                .map(|_| RoomInfo {
                    name: s(rng),
                    members: rng.edgy_u64() as u32,
                })
                .collect(),
        },
        7 => ServerMsg::Users {
            room: s(rng),
            nicks: (0..rng.below(5)).map(|_| s(rng)).collect(),
        },
        8 => ServerMsg::Pong {
            nonce: rng.edgy_u64(),
        },
        _ => ServerMsg::Error {
            code: ErrorCode::ALL[rng.below(ErrorCode::ALL.len() as u64) as usize],
            detail: s(rng),
        },
    }
}

#[test]
fn messages_round_trip_through_frames_and_json() {
    let seed = seed(0x5eed_0003);
    let mut rng = Rng::new(seed);
    let mut wire = Vec::new();
    let mut sent_c = Vec::new();
    let mut sent_s = Vec::new();
    for _ in 0..env_u64("CHAT_PROP_CASES", 2_000) {
        let c = random_client(&mut rng);
        let s = random_server(&mut rng);
        framed::encode_frame(&c, &mut wire).unwrap();
        framed::encode_frame(&s, &mut wire).unwrap();
        assert_eq!(
            json::from_str::<ClientMsg>(&json::to_string(&c).unwrap()).unwrap(),
            c
        );
        assert_eq!(
            json::from_str::<ServerMsg>(&json::to_string(&s).unwrap()).unwrap(),
            s
        );
        sent_c.push(c);
        sent_s.push(s);
    }
    // Read it all back through the decoder in random-sized chunks.
    let mut dec = framed::FrameDecoder::new(u32::MAX);
    let (mut got_c, mut got_s) = (Vec::new(), Vec::new());
    let mut rest = &wire[..];
    while !rest.is_empty() {
        let n = (1 + rng.below(300) as usize).min(rest.len());
        dec.push(&rest[..n]);
        rest = &rest[n..];
        while let Some(payload) = dec.next_frame().unwrap() {
            if got_c.len() == got_s.len() {
                got_c.push(binary::from_bytes::<ClientMsg>(payload).unwrap());
            } else {
                got_s.push(binary::from_bytes::<ServerMsg>(payload).unwrap());
            }
        }
    }
    assert!(dec.is_empty());
    assert_eq!(got_c, sent_c, "seed {seed}");
    assert_eq!(got_s, sent_s, "seed {seed}");
}
