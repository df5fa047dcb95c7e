//! mpsc, oneshot and Notify.

mod util;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use exec::sync::mpsc::{self, TryRecvError, TrySendError};
use exec::sync::{oneshot, Notify};
use util::{rt, watchdog};

#[test]
fn messages_from_one_sender_arrive_in_order() {
    let rt = rt(2);
    rt.block_on(async {
        let (tx, mut rx) = mpsc::channel(8);
        exec::spawn(async move {
            for i in 0..10_000u32 {
                tx.send(i).await.unwrap();
            }
        });
        for i in 0..10_000u32 {
            assert_eq!(rx.recv().await, Some(i));
        }
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn bounded_channel_applies_backpressure() {
    watchdog(30, || {
        let rt = rt(2);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(3);
            for i in 0..3 {
                tx.try_send(i).unwrap();
            }
            assert!(matches!(tx.try_send(3), Err(TrySendError::Full(3))));
            let sent = Arc::new(AtomicUsize::new(0));
            let s = sent.clone();
            let tx2 = tx.clone();
            let sender = exec::spawn(async move {
                tx2.send(3).await.unwrap();
                s.store(1, Ordering::SeqCst);
            });
            // The sender is stuck while the channel is full.
            exec::time::sleep(Duration::from_millis(30)).await;
            assert_eq!(sent.load(Ordering::SeqCst), 0);
            assert_eq!(rx.len(), 3);
            assert_eq!(rx.recv().await, Some(0));
            sender.await.unwrap();
            assert_eq!(sent.load(Ordering::SeqCst), 1);
            for i in 1..4 {
                assert_eq!(rx.recv().await, Some(i));
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            drop(tx);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        });
    });
}

#[test]
fn closing_wakes_the_receiver_and_the_senders() {
    watchdog(30, || {
        let rt = rt(2);
        rt.block_on(async {
            // Last sender dropped while the receiver waits.
            let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
            let waiter = exec::spawn(async move { rx.recv().await });
            exec::time::sleep(Duration::from_millis(10)).await;
            drop(tx);
            assert_eq!(waiter.await.unwrap(), None);

            // Receiver dropped while a sender waits for room.
            let (tx, rx) = mpsc::channel::<u8>(1);
            tx.send(1).await.unwrap();
            let tx2 = tx.clone();
            let blocked = exec::spawn(async move { tx2.send(2).await });
            exec::time::sleep(Duration::from_millis(10)).await;
            drop(rx);
            let err = blocked.await.unwrap().unwrap_err();
            assert_eq!(err.0, 2);
            assert!(tx.is_closed());
            assert!(tx.send(3).await.is_err());

            // close() refuses new sends but keeps queued ones.
            let (tx, mut rx) = mpsc::channel::<u8>(4);
            tx.send(7).await.unwrap();
            rx.close();
            assert!(tx.try_send(8).is_err());
            assert_eq!(rx.recv().await, Some(7));
            assert_eq!(rx.recv().await, None);
        });
    });
}

#[test]
fn eight_producers_lose_no_messages() {
    watchdog(60, || {
        let rt = rt(2);
        const PER: u64 = 100_000;
        rt.block_on(async {
            let (utx, mut urx) = mpsc::unbounded_channel::<u64>();
            let (btx, mut brx) = mpsc::channel::<u64>(64);
            for p in 0..8u64 {
                let utx = utx.clone();
                let btx = btx.clone();
                exec::spawn(async move {
                    for i in 0..PER {
                        utx.send(p * PER + i).unwrap();
                        btx.send(p * PER + i).await.unwrap();
                    }
                });
            }
            drop(utx);
            drop(btx);
            let bounded = exec::spawn(async move {
                let mut last = [None::<u64>; 8];
                let mut n = 0u64;
                while let Some(v) = brx.recv().await {
                    let p = (v / PER) as usize;
                    assert!(last[p].is_none_or(|l| l < v), "per-sender order");
                    last[p] = Some(v);
                    n += 1;
                }
                n
            });
            let mut seen = vec![false; (8 * PER) as usize];
            let mut n = 0;
            while let Some(v) = urx.recv().await {
                assert!(
                    !std::mem::replace(&mut seen[v as usize], true),
                    "duplicate {v}"
                );
                n += 1;
            }
            assert_eq!(n, 8 * PER);
            assert_eq!(bounded.await.unwrap(), 8 * PER);
        });
    });
}

#[test]
fn cancelled_send_passes_its_slot_on() {
    watchdog(30, || {
        let rt = rt(2);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel::<u32>(1);
            tx.send(0).await.unwrap();
            let a = tx.clone();
            let first = exec::spawn(async move { a.send(1).await });
            let b = tx.clone();
            let second = exec::spawn(async move { b.send(2).await });
            exec::time::sleep(Duration::from_millis(10)).await;
            // Free a slot, offered to `first`, then cancel `first` before it
            // can use it: `second` must get the slot.
            first.abort();
            assert_eq!(rx.recv().await, Some(0));
            let _ = first.await;
            second.await.unwrap().unwrap();
            let v = rx.recv().await.unwrap();
            assert!(v == 1 || v == 2);
        });
    });
}

#[test]
fn oneshot_semantics() {
    let rt = rt(2);
    rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        let j = exec::spawn(rx);
        tx.send("hi").unwrap();
        assert_eq!(j.await.unwrap(), Ok("hi"));

        let (tx, rx) = oneshot::channel::<u8>();
        drop(rx);
        assert!(tx.is_closed());
        assert_eq!(tx.send(4), Err(4));

        let (tx, mut rx) = oneshot::channel::<u8>();
        assert_eq!(rx.try_recv(), Err(oneshot::TryRecvError::Empty));
        drop(tx);
        assert_eq!(rx.try_recv(), Err(oneshot::TryRecvError::Closed));
    });
}

#[test]
fn oneshot_chain_across_threads() {
    watchdog(30, || {
        let rt = rt(2);
        rt.block_on(async {
            let (first_tx, mut rx) = oneshot::channel::<u64>();
            for _ in 0..1_000 {
                let (tx, next_rx) = oneshot::channel::<u64>();
                exec::spawn(async move {
                    let v = rx.await.unwrap();
                    tx.send(v + 1).unwrap();
                });
                rx = next_rx;
            }
            // Send from a foreign thread.
            std::thread::spawn(move || first_tx.send(0).unwrap());
            assert_eq!(rx.await.unwrap(), 1_000);
        });
    });
}

#[test]
fn notify_one_and_waiters() {
    watchdog(30, || {
        let rt = rt(2);
        rt.block_on(async {
            let notify = Arc::new(Notify::new());
            // A permit stored before anyone waits.
            notify.notify_one();
            notify.notified().await;

            let woken = Arc::new(AtomicUsize::new(0));
            let mut joins = Vec::new();
            for _ in 0..10 {
                let n = notify.clone();
                let w = woken.clone();
                joins.push(exec::spawn(async move {
                    n.notified().await;
                    w.fetch_add(1, Ordering::SeqCst);
                }));
            }
            // Wait until all ten wait in line (no timing assumption).
            while !format!("{notify:?}").contains("waiters: 10") {
                exec::yield_now().await;
            }
            notify.notify_one();
            while woken.load(Ordering::SeqCst) == 0 {
                exec::yield_now().await;
            }
            // Give a wrongly woken second waiter a chance to show up.
            exec::time::sleep(Duration::from_millis(20)).await;
            assert_eq!(woken.load(Ordering::SeqCst), 1);
            notify.notify_waiters();
            for j in joins {
                j.await.unwrap();
            }
            assert_eq!(woken.load(Ordering::SeqCst), 10);
        });
    });
}
