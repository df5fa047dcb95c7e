//! The echo example round-trips data with 100 concurrent clients.
//!
//! The example's server loop is compiled into this test (`#[path]`), run on
//! a thread, and stopped through a `Waker` with its `STOP` token.

#[allow(dead_code)] // the example's `main` and argument parsing
#[path = "../examples/echo.rs"]
mod echo;
mod self_test_table;

use std::io::{Read, Write};
use std::net::Shutdown;
use std::thread;
use std::time::Duration;

use sys::net::TcpListener;
use sys::{Poll, Waker};

const CLIENTS: usize = 100;
const BYTES_PER_CLIENT: usize = 64 * 1024;

/// Bytes that differ per client and per position, so a mix-up shows.
fn pattern(client: usize) -> Vec<u8> {
    (0..BYTES_PER_CLIENT)
        .map(|i| (i * 31 + client * 7 + i / 251) as u8)
        .collect()
}

#[test]
fn echo_round_trips_with_100_concurrent_clients() {
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    let poll = Poll::new().unwrap();
    let stop = Waker::new(poll.registry(), echo::STOP).unwrap();
    let server = thread::spawn(move || echo::serve(poll, listener));

    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            thread::spawn(move || {
                let data = pattern(client);
                let mut stream = std::net::TcpStream::connect(addr).unwrap();
                // Bounds a broken server; a working one answers at once.
                stream
                    .set_read_timeout(Some(Duration::from_secs(30)))
                    .unwrap();
                let writer = {
                    let mut stream = stream.try_clone().unwrap();
                    let data = data.clone();
                    // Write in pieces from one thread while reading from
                    // another, as a real client would.
                    thread::spawn(move || {
                        for chunk in data.chunks(1000) {
                            stream.write_all(chunk).unwrap();
                        }
                        stream.shutdown(Shutdown::Write).unwrap();
                    })
                };
                let mut echoed = Vec::new();
                stream.read_to_end(&mut echoed).unwrap();
                writer.join().unwrap();
                assert!(echoed == data, "client {client}: echo differs");
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }

    stop.wake().unwrap();
    server.join().unwrap().unwrap();
}

#[test]
fn self_test_echoes_1000_messages_and_counts_its_system_calls() {
    let table = echo::self_test(1000).unwrap();
    println!("{table}");
    let calls = ["epoll_wait", "read", "sendto", "accept4", "epoll_ctl"];
    let total = self_test_table::check(&table, "echo", &calls, 1000);
    // At least the client's send, the server's read and send, and the
    // client's read happen for every message.
    assert!(total >= 4 * 1000, "{table}");
}
