//! How much to preallocate from a length the *input* claims.
//!
//! A length prefix in a frame is attacker-controlled: `Vec::with_capacity`
//! of a claimed 4 billion elements would allocate before a single element
//! is read. Collections therefore preallocate at most [`MAX_PREALLOC_BYTES`]
//! worth of elements and let the vector grow past that as elements actually
//! arrive. (Formats additionally bound the hint by the bytes left in the
//! input.) serde does the same in its private `size_hint::cautious`.

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
    }
}
