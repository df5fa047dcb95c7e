//! Cluster mode's I/O in `async_server`: the Redis connection of the
//! node, as three tasks on the runtime.
//!
//! The node lives in the [`SharedHub`] with the clients' mailboxes, so
//! that a client's request and Redis's answer are handled under the same
//! lock. The tasks only move bytes and time:
//!
//! - the **link** task reads what Redis sends into the node, and when the
//!   connection breaks reports it ([`SharedHub::redis_lost`]) and opens a
//!   new one when the node asks ([`LinkWant::Connect`]);
//! - a **writer** task per connection writes what the node queued; the
//!   hub wakes it when a step leaves bytes for Redis, and it stops when
//!   its connection is no longer the node's;
//! - the **timer** task runs the node's heartbeat, reap and grace.
//!
//! The first connection was made, blocking, before the server listened
//! ([`crate::server::core`]).

use std::future::poll_fn;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use exec::net::{OwnedReadHalf, OwnedWriteHalf, TcpStream};
use exec::time::{sleep, timeout};

use crate::cluster::node::{LinkWant, MIN_BACKOFF};
use crate::server::shared_hub::{SharedHub, Wakeups};

/// How long a new connection to Redis may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Starts the tasks of the node in `hub`, whose first connection to
/// `addr` is `first`.
pub fn start(hub: Arc<SharedHub>, addr: SocketAddr, first: sys::net::TcpStream) {
    let first = TcpStream::from_sys(first).ok();
    {
        let hub = hub.clone();
        exec::spawn(async move { timers(&hub).await });
    }
    exec::spawn(async move { link(&hub, addr, first).await });
}

/// Reads from each connection until it breaks, then reconnects.
async fn link(hub: &Arc<SharedHub>, addr: SocketAddr, mut stream: Option<TcpStream>) {
    let mut wake = Wakeups::new();
    loop {
        if let Some(connected) = stream.take() {
            let _ = connected.set_nodelay(true);
            let (reader, writer) = connected.into_split();
            let generation = hub.redis_generation();
            let writing = {
                let hub = hub.clone();
                exec::spawn(async move { write(&hub, writer, generation).await })
            };
            read(hub, reader, generation, &mut wake).await;
            hub.redis_lost(&mut wake);
            let _ = writing.await;
        }
        stream = reconnect(hub, addr, &mut wake).await;
    }
}

/// Feeds what Redis sends to the node until EOF, an error, bytes the
/// node refuses, or the node giving up on connection `generation`
/// (checked at least once a second).
async fn read(hub: &SharedHub, mut reader: OwnedReadHalf, generation: u64, wake: &mut Wakeups) {
    let mut buf = vec![0; 64 * 1024];
    while hub.redis_generation() == generation {
        let cap = hub.redis_read_capacity().min(buf.len());
        match timeout(Duration::from_secs(1), reader.read(&mut buf[..cap])).await {
            Err(_elapsed) => {}
            Ok(Ok(0) | Err(_)) => return,
            Ok(Ok(n)) => {
                if !hub.redis_input(&buf[..n], generation, wake) {
                    return;
                }
            }
        }
    }
}

/// Writes what the node queues, while connection `generation` is its own.
async fn write(hub: &SharedHub, mut writer: OwnedWriteHalf, generation: u64) {
    let mut buf = Vec::new();
    while poll_fn(|cx| hub.poll_redis_output(&mut buf, generation, cx.waker())).await {
        if writer.write_all(&buf).await.is_err() {
            // The reader sees the broken connection too and reports it.
            return;
        }
    }
}

/// Waits for the node to want a connection, and opens it.
async fn reconnect(hub: &SharedHub, addr: SocketAddr, wake: &mut Wakeups) -> Option<TcpStream> {
    loop {
        match hub.node_timeout(wake) {
            Some((LinkWant::Connect, _)) => {
                match timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
                    Ok(Ok(stream)) => {
                        hub.redis_connected();
                        return Some(stream);
                    }
                    _ => hub.redis_connect_failed(),
                }
            }
            Some((LinkWant::Wait, next)) => sleep(until(next, MIN_BACKOFF)).await,
            // Not a cluster node (or already connected): nothing to do.
            Some((LinkWant::Connected, _)) | None => return None,
        }
    }
}

/// The node's heartbeat, reap and grace, when they fall due.
async fn timers(hub: &SharedHub) {
    let mut wake = Wakeups::new();
    while let Some((_, next)) = hub.node_timeout(&mut wake) {
        sleep(until(next, Duration::from_secs(1))).await;
    }
}

/// How long to sleep until `next`, or `otherwise` when there is none.
fn until(next: Option<Instant>, otherwise: Duration) -> Duration {
    next.map_or(otherwise, |t| t.saturating_duration_since(Instant::now()))
        .max(Duration::from_millis(1))
}
