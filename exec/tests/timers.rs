//! sleep, timeout, interval.

mod util;

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use testkit::Rng;
use util::{rt, watchdog};

#[test]
fn sleeps_on_many_tasks_never_fire_early() {
    watchdog(30, || {
        let rt = rt(2);
        let order = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        let mut rng = Rng::new(42);
        let mut joins = Vec::new();
        for i in 0..200u64 {
            let ms = 1 + rng.below(60);
            let order = order.clone();
            joins.push(rt.spawn(async move {
                let deadline = start + Duration::from_millis(ms);
                exec::time::sleep_until(deadline).await;
                let now = Instant::now();
                assert!(now >= deadline, "timer {i} fired early");
                order.lock().unwrap().push((deadline, i));
            }));
        }
        for j in joins {
            rt.block_on(j).unwrap();
        }
        // Every timer completed, none early. The order in which these tasks
        // run depends on preemption across workers, so it is not checked
        // here; `sleeps_complete_in_deadline_order` checks the order.
        assert_eq!(order.lock().unwrap().len(), 200);
    });
}

/// Many sleeps polled by one task: after every poll of the whole set, the
/// sleeps that have completed are exactly those with the earliest deadlines
/// (a prefix in deadline order). This holds however late the workers run:
/// the heap fires every due timer of a turn at once, in deadline order, and
/// the set is polled from the latest deadline to the earliest, so any sleep
/// seen ready implies every earlier one is ready by the time it is polled.
/// No wall-clock bound is asserted beyond "never early".
#[test]
fn sleeps_complete_in_deadline_order() {
    watchdog(30, || {
        let rt = rt(2);
        rt.block_on(async {
            let start = Instant::now();
            let mut rng = Rng::new(7);
            // Distinct deadlines (a permutation of 1..=100 ms, shuffled so
            // that insertion order differs from deadline order).
            let mut ms: Vec<u64> = (1..=100).collect();
            for i in (1..ms.len()).rev() {
                ms.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let mut sleeps: Vec<(Instant, Option<Pin<Box<exec::time::Sleep>>>)> = ms
                .iter()
                .map(|&ms| {
                    let deadline = start + Duration::from_millis(ms);
                    (deadline, Some(Box::pin(exec::time::sleep_until(deadline))))
                })
                .collect();
            // Poll from the latest deadline to the earliest.
            sleeps.sort_by_key(|(deadline, _)| std::cmp::Reverse(*deadline));
            let mut passes = 0;
            poll_fn(|cx| {
                passes += 1;
                for (deadline, sleep) in sleeps.iter_mut() {
                    if let Some(s) = sleep {
                        if s.as_mut().poll(cx).is_ready() {
                            assert!(Instant::now() >= *deadline, "a sleep fired early");
                            *sleep = None;
                        }
                    }
                }
                // Completed sleeps form a prefix of the deadline order: no
                // pending sleep has an earlier deadline than a completed one.
                let latest_done = sleeps
                    .iter()
                    .filter(|(_, s)| s.is_none())
                    .map(|(d, _)| *d)
                    .max();
                let earliest_pending = sleeps
                    .iter()
                    .filter(|(_, s)| s.is_some())
                    .map(|(d, _)| *d)
                    .min();
                if let (Some(done), Some(pending)) = (latest_done, earliest_pending) {
                    assert!(
                        done < pending,
                        "pass {passes}: a later sleep completed before an earlier one"
                    );
                }
                if earliest_pending.is_none() {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await;
        });
    });
}

#[test]
fn timeout_cancels_the_inner_future() {
    watchdog(30, || {
        let rt = rt(2);
        rt.block_on(async {
            let drops = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let guard = util::CountDrop(drops.clone());
            let slow = async move {
                let _g = guard;
                exec::time::sleep(Duration::from_secs(60)).await;
            };
            let start = Instant::now();
            let r = exec::time::timeout(Duration::from_millis(20), slow).await;
            assert!(r.is_err());
            assert!(start.elapsed() >= Duration::from_millis(20));
            assert_eq!(drops.load(std::sync::atomic::Ordering::SeqCst), 1);
            // A fast future wins and its timer is removed.
            let r = exec::time::timeout(Duration::from_secs(60), async { 5 }).await;
            assert_eq!(r, Ok(5));
            let r = exec::time::timeout(
                Duration::from_secs(60),
                exec::time::sleep(Duration::from_millis(5)),
            )
            .await;
            assert_eq!(r, Ok(()));
        });
        // The abandoned 60 s sleeps left no timers behind.
        assert_eq!(rt.metrics().timers, 0);
    });
}

#[test]
fn a_nearer_timer_shortens_the_reactor_sleep() {
    watchdog(30, || {
        let rt = rt(1);
        // The only worker blocks in the reactor with a one-hour timeout...
        let _far = rt.spawn(async { exec::time::sleep(Duration::from_secs(3600)).await });
        util::wait_until("the worker to block in the reactor", || {
            let m = rt.metrics();
            m.worker_in_reactor && m.timers == 1
        });
        // ...and a 10 ms sleep registered from another thread must wake it
        // to shorten that timeout (otherwise the watchdog fails the test).
        rt.block_on(exec::time::sleep(Duration::from_millis(10)));
    });
}

#[test]
fn interval_ticks_at_its_period() {
    watchdog(30, || {
        let rt = rt(2);
        rt.block_on(async {
            let mut iv = exec::time::interval(Duration::from_millis(10));
            let first = iv.tick().await;
            let mut prev = first;
            for _ in 0..5 {
                let t = iv.tick().await;
                // Exactly one period apart unless the machine stalled for
                // more than a period, in which case the schedule restarts.
                assert!(t - prev >= Duration::from_millis(10));
                assert!(Instant::now() >= t);
                prev = t;
            }
        });
    });
}

#[test]
fn a_sleep_outliving_its_runtime_never_fires_early() {
    watchdog(30, || {
        let first = rt(1);
        let mut sleep = Box::pin(exec::time::sleep(Duration::from_secs(3600)));
        // Register the timer with the first runtime, then shut it down.
        first.block_on(poll_fn(|cx| {
            assert!(sleep.as_mut().poll(cx).is_pending());
            Poll::Ready(())
        }));
        drop(first);
        // Nothing drives that timer any more: the sleep must stay pending
        // (as `Handle` documents), not report an hour that has not passed.
        let second = rt(1);
        let r = second.block_on(exec::time::timeout(Duration::from_millis(10), sleep));
        assert!(r.is_err());
    });
}
