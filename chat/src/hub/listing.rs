//! Fitting `Rooms` and `Users` replies into one server frame.
//!
//! A listing that would pass [`SERVER_MAX_FRAME`](crate::protocol::SERVER_MAX_FRAME)
//! lists only its first entries, in sort order, that fit (PROTOCOL.md
//! section 5.3). Encoding and re-encoding to find the cut would be slow, but
//! the binary format makes every size predictable: a string is a varint
//! length then its bytes, a `u32` is a varint, and a sequence is a varint
//! count then its elements. So the cut is found by adding sizes, and the
//! reply is encoded once.

/// Bytes of the LEB128 varint of `n`: 7 bits per byte.
pub(crate) fn varint_len(n: u64) -> usize {
    let bits = 64 - (n | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Bytes of a string on the wire: its varint length, then its bytes.
pub(crate) fn str_len(s: &str) -> usize {
    varint_len(s.len() as u64) + s.len()
}

/// Payload bytes of `Rooms` before the count: the variant index (6).
pub(crate) const ROOMS_FIXED: usize = 1;

/// Bytes of one `RoomInfo { name, members }`.
pub(crate) fn room_entry_len(name: &str, members: u32) -> usize {
    str_len(name) + varint_len(u64::from(members))
}

/// Payload bytes of `Users` before the count: the variant index (7) and the room.
pub(crate) fn users_fixed(room: &str) -> usize {
    1 + str_len(room)
}

/// How many leading entries fit in a payload of at most `limit` bytes, when
/// the payload is `fixed` bytes, then the varint count, then the entries
/// whose sizes `sizes` yields in order.
///
/// Greedy is exact: the payload size only grows with each entry taken (the
/// count's varint included), so the first entry that does not fit ends it.
pub(crate) fn fitting(fixed: usize, sizes: impl IntoIterator<Item = usize>, limit: usize) -> usize {
    let mut total = fixed;
    let mut taken = 0usize;
    for size in sizes {
        let next = total + size;
        if next + varint_len(taken as u64 + 1) > limit {
            break;
        }
        total = next;
        taken += 1;
    }
    taken
}
