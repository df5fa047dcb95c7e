//! How much to preallocate from a length the *input* claims.
//!
//! A length prefix in a frame is attacker-controlled: `Vec::with_capacity`
//! of a claimed 4 billion elements would allocate before a single element
//! is read. Collections therefore preallocate at most [`MAX_PREALLOC_BYTES`]
//! worth of elements and let the vector grow past that as elements actually
//! arrive. (Formats additionally bound the hint by the bytes left in the
//! input.) serde does the same in its private `size_hint::cautious`.
//!
//! Hash tables need their own budget ([`cautious_hashed`]): asked for `n`
//! entries, `HashMap::with_capacity` allocates more than `n` slots.

use std::mem::size_of;

/// The most a collection preallocates from a length hint: 1 MiB.
pub(crate) const MAX_PREALLOC_BYTES: usize = 1024 * 1024;

/// A capacity for `T` elements that trusts `hint` only up to
/// [`MAX_PREALLOC_BYTES`].
#[inline]
pub(crate) fn cautious<T>(hint: Option<usize>) -> usize {
    // Zero-sized elements need no memory at all: capacity 0 is enough.
    match MAX_PREALLOC_BYTES.checked_div(size_of::<T>()) {
        Some(max_elements) => hint.unwrap_or(0).min(max_elements),
        None => 0,
    }
}

/// A capacity for a hash table (`HashMap`, `HashSet`) of `T` entries whose
/// whole table stays within [`MAX_PREALLOC_BYTES`].
///
/// A table with capacity `n` keeps its slots at most 7/8 full and rounds
/// their number up to a power of two, so it may hold up to `2 × 8/7 × n`
/// slots, each an entry plus one control byte. Budgeting a quarter of the
/// cap per `size_of::<T>() + 1` bytes keeps that worst case (about 0.57 of
/// the cap) below it.
#[inline]
pub(crate) fn cautious_hashed<T>(hint: Option<usize>) -> usize {
    let slot = size_of::<T>() + 1;
    hint.unwrap_or(0).min(MAX_PREALLOC_BYTES / 4 / slot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_hint_is_capped_by_bytes() {
        assert_eq!(cautious::<u8>(Some(usize::MAX)), MAX_PREALLOC_BYTES);
        assert_eq!(cautious::<u64>(Some(usize::MAX)), MAX_PREALLOC_BYTES / 8);
        assert_eq!(
            cautious::<[u8; 3]>(Some(usize::MAX)),
            MAX_PREALLOC_BYTES / 3
        );
    }

    #[test]
    fn small_or_missing_hint_is_kept() {
        assert_eq!(cautious::<u32>(Some(10)), 10);
        assert_eq!(cautious::<u32>(None), 0);
        assert_eq!(cautious::<()>(Some(1 << 40)), 0);
        assert_eq!(cautious_hashed::<u64>(Some(10)), 10);
    }

    #[test]
    fn hash_tables_fit_the_budget_once_slots_are_counted() {
        use std::collections::HashMap;
        let n = cautious_hashed::<(u64, u64)>(Some(usize::MAX));
        let table: HashMap<u64, u64> = HashMap::with_capacity(n);
        // capacity() is 7/8 of the slots; each slot is an entry and a byte.
        let slots = table.capacity() / 7 * 8;
        assert!(slots * (16 + 1) <= MAX_PREALLOC_BYTES, "{slots} slots");
    }
}
