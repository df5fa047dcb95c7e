//! [`Interest`]: which readiness a registration asks for.

use std::num::NonZeroU8;
use std::{fmt, ops};

/// Which readiness a registration wants to hear about: readable, writable,
/// or both.
///
/// An interest is never empty (a registration that wants nothing is a
/// deregistration), which is why [`Interest::remove`] returns an `Option`.
///
/// ```
/// use sys::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
/// assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
/// assert_eq!(Interest::READABLE.add(Interest::WRITABLE), both);
/// ```
///
/// Mapping to the kernel (see the backends):
///
/// | interest | epoll | kqueue |
/// | --- | --- | --- |
/// | `READABLE` | `EPOLLIN \| EPOLLRDHUP` | a filter `EVFILT_READ` |
/// | `WRITABLE` | `EPOLLOUT` | a filter `EVFILT_WRITE` |
///
/// On kqueue each filter is a registration of its own, so a source with both
/// interests can produce two events with the same token in one poll.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interest(NonZeroU8);

const READABLE: u8 = 0b01;
const WRITABLE: u8 = 0b10;

impl Interest {
    /// Interest in readability: data to read, a pending connection to
    /// accept, or the peer's end of stream.
    pub const READABLE: Interest = Interest(NonZeroU8::new(READABLE).unwrap());

    /// Interest in writability: room in the send buffer, or the completion of
    /// a non-blocking `connect`.
    pub const WRITABLE: Interest = Interest(NonZeroU8::new(WRITABLE).unwrap());

    /// The union of both interests (usable in `const` context, unlike `|`).
    #[must_use]
    pub const fn add(self, other: Interest) -> Interest {
        // The union of two non-empty sets is non-empty.
        match NonZeroU8::new(self.0.get() | other.0.get()) {
            Some(bits) => Interest(bits),
            None => self,
        }
    }

    /// `self` without `other`, or `None` when nothing would be left.
    #[must_use]
    pub const fn remove(self, other: Interest) -> Option<Interest> {
        match NonZeroU8::new(self.0.get() & !other.0.get()) {
            Some(bits) => Some(Interest(bits)),
            None => None,
        }
    }

    /// Does this interest include readability?
    pub const fn is_readable(self) -> bool {
        self.0.get() & READABLE != 0
    }

    /// Does this interest include writability?
    pub const fn is_writable(self) -> bool {
        self.0.get() & WRITABLE != 0
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            (false, true) => f.write_str("WRITABLE"),
            (false, false) => unreachable!("an Interest is never empty"),
        }
    }
}
