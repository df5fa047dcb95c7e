//! [`Events`]: the buffer [`Poll::poll`](crate::Poll::poll) fills.

use std::fmt;

use crate::selector::RawEvent;
use crate::Event;

/// A reusable buffer of [`Event`]s, filled by
/// [`Poll::poll`](crate::Poll::poll).
///
/// Its capacity is the most events one poll returns; more ready sources
/// simply wait for the next poll (the kernel keeps them queued), so a
/// small buffer costs extra polls, never lost events.
///
/// ```
/// use sys::Events;
///
/// let events = Events::with_capacity(128);
/// assert!(events.is_empty());
/// assert_eq!(events.capacity(), 128);
/// ```
pub struct Events {
    inner: Vec<RawEvent>,
}

impl Events {
    /// A buffer for up to `capacity` events per poll (at least one).
    pub fn with_capacity(capacity: usize) -> Events {
        Events {
            inner: Vec::with_capacity(capacity.max(1)),
        }
    }

    /// The most events one poll can return.
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// No events (after a timeout, an interrupted poll, or [`clear`](Events::clear)).
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// How many events the last poll returned.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// The events of the last poll, in the kernel's order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            inner: self.inner.iter(),
        }
    }

    /// Forgets the events (the capacity stays).
    pub fn clear(&mut self) {
        self.inner.clear();
    }

    /// The raw buffer, for the selector to fill.
    pub(crate) fn raw_mut(&mut self) -> &mut Vec<RawEvent> {
        &mut self.inner
    }
}

// SAFETY: an `Events` is a plain buffer of kernel records. On kqueue a
// record holds `udata`, typed as a pointer, which makes the buffer
// `!Send`/`!Sync` by default; this crate only ever stores a token (an
// integer) there and never dereferences it, so sharing or moving the buffer
// across threads is as safe as for a `Vec<usize>`.
unsafe impl Send for Events {}
// SAFETY: as for `Send`: no interior mutability, no real pointers.
unsafe impl Sync for Events {}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a Events {
    type Item = &'a Event;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Iterator over the [`Event`]s of an [`Events`] buffer.
#[derive(Clone)]
pub struct Iter<'a> {
    inner: std::slice::Iter<'a, RawEvent>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Event;

    fn next(&mut self) -> Option<&'a Event> {
        self.inner.next().map(Event::from_raw)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl fmt::Debug for Iter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("remaining", &self.inner.len())
            .finish()
    }
}
