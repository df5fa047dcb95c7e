//! Small combinators: [`select`] two futures.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

/// The output of [`select`]: which future finished first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Either<L, R> {
    /// The first future finished first.
    Left(L),
    /// The second future finished first.
    Right(R),
}

/// Polls `a` and `b` until one finishes and returns its output; the other
/// is dropped, which cancels it. `a` is polled first each time (biased),
/// so put the future that must win ties there, such as a shutdown signal.
///
/// ```
/// use exec::future::{select, Either};
/// use std::time::Duration;
///
/// let rt = exec::Runtime::new().unwrap();
/// rt.block_on(async {
///     let (tx, rx) = exec::sync::oneshot::channel::<&str>();
///     tx.send("message").unwrap();
///     let slow = exec::time::sleep(Duration::from_secs(60));
///     match select(rx, slow).await {
///         Either::Left(msg) => assert_eq!(msg, Ok("message")),
///         Either::Right(()) => unreachable!("the message was already there"),
///     }
/// });
/// ```
pub async fn select<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    poll_fn(|cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(v));
        }
        if let Poll::Ready(v) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(v));
        }
        Poll::Pending
    })
    .await
}
