//! sleep, timeout, interval.

mod util;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use util::{rt, watchdog, Rng};

#[test]
fn sleeps_fire_in_order_and_never_early() {
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
        // Every timer completed, none early. (The order in which timers due
        // in the same reactor turn run is up to the scheduler; the heap's
        // own ordering is unit-tested in `time::heap`.)
        assert_eq!(order.lock().unwrap().len(), 200);
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
        std::thread::sleep(Duration::from_millis(20));
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
