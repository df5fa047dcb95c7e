//! Case folding without allocation.
//!
//! Nicks are compared ignoring ASCII case and room names are stored in
//! lowercase (PROTOCOL.md section 5.1). A valid name is at most
//! [`MAX_NAME`] bytes of ASCII, so its folded form fits in a small array on
//! the stack: looking a name up never allocates, whatever case the client
//! typed. Only storing a *new* name (a new nick, a new room) allocates.

use std::cmp::Ordering;

use crate::protocol::MAX_NAME;

/// The lowercase form of a valid name, held on the stack.
///
/// Build it with [`Folded::new`], which refuses anything that breaks the
/// naming rule, then borrow it with [`Folded::as_str`] as a map key.
#[derive(Clone, Copy)]
pub(crate) struct Folded {
    buf: [u8; MAX_NAME],
    len: usize,
}

impl Folded {
    /// Folds `name` if it passes [`is_valid_name`](crate::protocol::is_valid_name),
    /// else `None`. Checking and folding happen in the same pass.
    pub(crate) fn new(name: &str) -> Option<Folded> {
        let bytes = name.as_bytes();
        if bytes.is_empty() || bytes.len() > MAX_NAME {
            return None;
        }
        let mut buf = [0u8; MAX_NAME];
        for (slot, &b) in buf.iter_mut().zip(bytes) {
            if !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                return None;
            }
            *slot = b.to_ascii_lowercase();
        }
        Some(Folded {
            buf,
            len: bytes.len(),
        })
    }

    /// The folded name.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII bytes were copied in, so this never fails; the fallback
        // keeps network input from ever reaching a panic.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Debug for Folded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Folded").field(&self.as_str()).finish()
    }
}

/// Compares two nicks by their ASCII-lowercased bytes: the order of
/// `Users` (section 4), in which `_` (0x5F) sorts before the lowercase
/// letters (0x61 and up).
pub(crate) fn cmp_folded(a: &str, b: &str) -> Ordering {
    let a = a.bytes().map(|c| c.to_ascii_lowercase());
    let b = b.bytes().map(|c| c.to_ascii_lowercase());
    a.cmp(b)
}
