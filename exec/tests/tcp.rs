//! Async TCP over loopback.

mod util;

use std::io;
use std::io::IoSlice;
use std::time::Duration;

use exec::net::{TcpListener, TcpStream};
use util::{rt, watchdog};

async fn echo_server(listener: TcpListener) {
    let (conns, _) = exec::sync::mpsc::unbounded_channel();
    echo_server_tracked(listener, conns).await
}

/// The echo server, handing the `JoinHandle` of every connection task to
/// `conns` so a test can wait for each to finish.
async fn echo_server_tracked(
    listener: TcpListener,
    conns: exec::sync::mpsc::UnboundedSender<exec::JoinHandle<()>>,
) {
    loop {
        let Ok((mut conn, _)) = listener.accept().await else {
            return;
        };
        let _ = conns.send(exec::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                match conn.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if conn.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        }));
    }
}

#[test]
fn echo_with_a_hundred_concurrent_clients() {
    watchdog(60, || {
        let rt = rt(2);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let (conns, mut conn_tasks) = exec::sync::mpsc::unbounded_channel();
            let server = exec::spawn(echo_server_tracked(listener, conns));
            let clients: Vec<_> = (0..100u32)
                .map(|c| {
                    exec::spawn(async move {
                        let mut s = TcpStream::connect(addr).await.unwrap();
                        s.set_nodelay(true).unwrap();
                        for round in 0..20u32 {
                            let msg: Vec<u8> =
                                (0..100 + c).map(|i| (i ^ round ^ c) as u8).collect();
                            s.write_all(&msg).await.unwrap();
                            let mut back = vec![0; msg.len()];
                            s.read_exact(&mut back).await.unwrap();
                            assert_eq!(back, msg);
                        }
                    })
                })
                .collect();
            for c in clients {
                c.await.unwrap();
            }
            // Stop accepting: the cancelled server drops its listener (and
            // its end of `conns`) before its handle reports cancellation.
            server.abort();
            assert!(server.await.unwrap_err().is_cancelled());
            // Every server-side connection task sees EOF and returns,
            // dropping its socket before its handle reports completion.
            let mut finished = 0;
            while let Some(conn) = conn_tasks.recv().await {
                conn.await.unwrap();
                finished += 1;
            }
            assert_eq!(finished, 100);
            // So every socket is deregistered now: no waiting, no race.
            assert_eq!(exec::Handle::current().metrics().io_sources, 0);
        });
    });
}

#[test]
fn split_halves_work_from_two_tasks() {
    watchdog(60, || {
        let rt = rt(2);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            exec::spawn(echo_server(listener));
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut rd, mut wr) = stream.into_split();
            const TOTAL: usize = 1 << 20;
            // The writer sends 1 MiB while the reader reads the echo: both
            // halves wait on the same socket at the same time.
            let writer = exec::spawn(async move {
                let chunk: Vec<u8> = (0..8192).map(|i| i as u8).collect();
                let mut sent = 0;
                while sent < TOTAL {
                    let bufs = [IoSlice::new(&chunk[..4096]), IoSlice::new(&chunk[4096..])];
                    let n = wr.write_vectored(&bufs).await.unwrap();
                    assert!(n > 0);
                    // Finish a partial vectored write plainly.
                    let rest = &chunk[n % 8192..];
                    if n < 8192 {
                        wr.write_all(rest).await.unwrap();
                    }
                    sent += 8192;
                }
                wr
            });
            let mut got = 0;
            let mut buf = vec![0u8; 16384];
            let mut expected = 0usize;
            while got < TOTAL {
                let n = rd.read(&mut buf).await.unwrap();
                assert!(n > 0);
                for &b in &buf[..n] {
                    assert_eq!(b, (expected % 8192) as u8);
                    expected += 1;
                }
                got += n;
            }
            let wr = writer.await.unwrap();
            let mut stream = rd.reunite(wr).expect("same stream");
            stream.shutdown(std::net::Shutdown::Write).unwrap();
            assert_eq!(stream.read(&mut buf).await.unwrap(), 0);
        });
    });
}

#[test]
fn connect_to_a_closed_port_fails_cleanly() {
    watchdog(30, || {
        let rt = rt(1);
        rt.block_on(async {
            // Bind then drop to find a port nobody listens on.
            let addr = {
                let l = TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap()
            };
            let err = TcpStream::connect(addr).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        });
    });
}

#[test]
fn read_exact_reports_early_eof() {
    watchdog(30, || {
        let rt = rt(2);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            exec::spawn(async move {
                let (mut c, _) = listener.accept().await.unwrap();
                c.write_all(b"abc").await.unwrap();
            });
            let mut s = TcpStream::connect(addr).await.unwrap();
            let mut buf = [0u8; 10];
            let err = s.read_exact(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        });
    });
}

#[test]
fn read_with_timeout_on_a_silent_peer() {
    watchdog(30, || {
        let rt = rt(2);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let mut client = TcpStream::connect(addr).await.unwrap();
            let (_server, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4];
            let r = exec::time::timeout(Duration::from_millis(20), client.read(&mut buf)).await;
            assert!(r.is_err());
        });
    });
}

#[test]
fn runtime_shutdown_fails_pending_io() {
    let rt = rt(1);
    let (listener, handle) = rt.block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        (l, exec::Handle::current())
    });
    drop(rt);
    // A socket outliving its runtime reports an error instead of hanging.
    let other = util::rt(1);
    let err = other.block_on(async move { listener.accept().await.map(|_| ()) });
    assert!(err.is_err());
    drop(handle);
}
