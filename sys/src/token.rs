//! [`Token`]: the caller's name for a registration.

/// The caller's name for one registration, handed back in every [`Event`]
/// it produces.
///
/// The kernel stores the token next to the interest (in `epoll_event.data`
/// on Linux, in `kevent.udata` on kqueue) and returns it untouched, so a
/// reactor uses it to find the connection an event is about, typically as
/// an index into a slab or a key in a map.
///
/// Tokens are not checked for uniqueness: two registrations with the same
/// token produce events the caller cannot tell apart.
///
/// ```
/// use sys::Token;
///
/// const LISTENER: Token = Token(0);
/// let connection = Token(7);
/// assert_ne!(LISTENER, connection);
/// assert_eq!(usize::from(connection), 7);
/// ```
///
/// [`Event`]: crate::Event
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(pub usize);

impl From<Token> for usize {
    fn from(token: Token) -> usize {
        token.0
    }
}
