//! [`yield_now`]: let other tasks run.

use std::future::poll_fn;
use std::task::Poll;

/// Gives the worker to other tasks once: the current task goes to the back
/// of its worker's queue and continues when its turn comes again.
///
/// ```
/// let rt = exec::Runtime::new().unwrap();
/// let n = rt.block_on(async {
///     exec::spawn(async {
///         let mut n = 0;
///         for _ in 0..10 {
///             exec::yield_now().await;
///             n += 1;
///         }
///         n
///     })
///     .await
///     .unwrap()
/// });
/// assert_eq!(n, 10);
/// ```
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        // A wake during our own poll: the task is re-queued at the back
        // when this poll returns (see `ToIdle::Requeue`).
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}
