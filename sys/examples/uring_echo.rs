//! The echo server of the `echo` example, on `io_uring` (Linux only):
//! completions instead of readiness.
//!
//! ```text
//! cargo run -p sys --example uring_echo -- --addr 127.0.0.1:7000
//! cargo run -p sys --example uring_echo -- --self-test
//! ```
//!
//! The pattern, side by side with `echo.rs`:
//!
//! | | `echo` (readiness, `sys::Poll`) | `uring_echo` (completion, `sys::uring`) |
//! | --- | --- | --- |
//! | listener | wait for readable, `accept` until `WouldBlock` | one `accept` in flight, re-armed by its completion |
//! | connection | wait, `read` until `WouldBlock`, `write`, re-register for writable on back-pressure | one `recv` in flight; its completion submits a `send` of the **same buffer**; the send's completion submits the next `recv` |
//! | sockets | non-blocking | blocking mode: the kernel waits for them (it polls internally) |
//! | the buffer | ours, lent to each `read` for the duration of the call | the kernel's from submission to completion: `recv` takes the `Vec` by value and the completion gives it back |
//! | system calls | one per wait, per `read`, per `write`, per interest change | one `io_uring_enter` submits everything queued and waits |
//!
//! The ring holds at most as many operations as its completion ring has
//! entries (128 here), one per connection and one for the listener: past
//! that, the listener is armed again only when a connection closes, and
//! new clients wait in the kernel's listen backlog. When `accept` fails for
//! lack of descriptors, the listener rests the same way, instead of failing
//! in a loop.
//!
//! Each connection has exactly one operation in flight, so its buffer has
//! one owner at a time: the ring while the kernel works on it, the
//! connection between two operations. Closing the connection then never
//! races the kernel. (`sys::uring`'s docs explain why a borrowed buffer
//! would be unsound, and how cancellation works: there is no "stop
//! waiting", only `IORING_OP_ASYNC_CANCEL` and a completion.)
//!
//! ## System calls per echoed message
//!
//! `--self-test` does what `echo --self-test` does (a client in the same
//! thread, 1,000 short messages, one at a time) and counts the ring's
//! `io_uring_enter` calls, the only system call of the loop:
//!
//! ```text
//! uring_echo self-test: 1000 messages echoed
//! call            count  per message
//! io_uring_enter   2001         2.00
//! total            2001         2.00
//! ```
//!
//! Two calls per message against `echo`'s eight: the first submits the
//! client's `send` and returns with the server's `recv` completed, the
//! second submits the echo `send` (and the next `recv`) and returns with
//! the client's `recv` completed. Where readiness asks "can I?" and then
//! acts, completion acts and reports; the asking is gone.
//!
//! ## Readiness on completions, and the reverse
//!
//! A readiness loop can run on `io_uring`: `IORING_OP_POLL_ADD`
//! (`sys::uring::Uring::poll_add`) completes once when a socket is ready,
//! which is one-shot readiness; re-arm after each completion and call
//! `read` yourself. And completion can run on readiness, which is what
//! `echo.rs` and every readiness runtime do: "receive into this buffer"
//! becomes "wait for readable, then `read`". The kernel itself does the
//! same inside `io_uring` when a `recv` finds no data: it arms a poll on
//! the socket and retries on wake-up, without a thread.
//!
//! If `io_uring` is unavailable (kernel without it, `EPERM` from a
//! container's seccomp filter, a kernel older than 5.7), the example says
//! so and exits 0. On other systems it says it is Linux only.

use std::process::ExitCode;

const USAGE: &str = "usage: uring_echo [--addr HOST:PORT] [--self-test]   (default 127.0.0.1:0)";

fn main() -> ExitCode {
    let mut addr = String::from("127.0.0.1:0");
    let mut self_test_mode = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => match args.next() {
                Some(value) => addr = value,
                None => return usage("--addr needs a value"),
            },
            "--self-test" => self_test_mode = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => return usage(&format!("unknown argument {other:?}")),
        }
    }
    let result = if self_test_mode {
        self_test(1000).map(|outcome| match outcome {
            Outcome::Done(table) => print!("{table}"),
            Outcome::Unavailable(why) => println!("uring_echo: io_uring is unavailable: {why}"),
        })
    } else {
        run(&addr)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("uring_echo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("uring_echo: {msg}\n{USAGE}");
    ExitCode::from(2)
}

/// What the self-test found.
#[derive(Debug)]
pub enum Outcome {
    /// The echo loop ran; its table of system calls.
    Done(String),
    /// `io_uring` cannot be used here, and why.
    Unavailable(String),
}

#[cfg(not(target_os = "linux"))]
fn run(_addr: &str) -> std::io::Result<()> {
    println!("uring_echo: io_uring is unavailable: it is Linux only");
    Ok(())
}

/// On systems without `io_uring` the self-test reports so.
#[cfg(not(target_os = "linux"))]
pub fn self_test(_messages: usize) -> std::io::Result<Outcome> {
    Ok(Outcome::Unavailable("io_uring is Linux only".into()))
}

#[cfg(target_os = "linux")]
use linux::run;
#[cfg(target_os = "linux")]
pub use linux::self_test;

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::HashMap;
    use std::io::{self, Write};
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::OwnedFd;
    use std::rc::Rc;
    use std::time::Duration;

    use sys::uring::{self, Completion, Uring};

    use super::Outcome;

    /// What an operation is, in the low two bits of its `user_data`; the
    /// rest is the connection's id.
    const ACCEPT: u64 = 0;
    const RECV: u64 = 1;
    const SEND: u64 = 2;

    /// The connection id of the self-test's client.
    const CLIENT: u64 = 1 << 40;

    /// Bytes per receive.
    const BUF_SIZE: usize = 16 * 1024;

    fn tag(id: u64, op: u64) -> u64 {
        id << 2 | op
    }

    pub fn run(addr: &str) -> io::Result<()> {
        let mut ring = match Uring::new(64) {
            Ok(ring) => ring,
            Err(e) if uring::is_unavailable(&e) => {
                println!("uring_echo: io_uring is unavailable: {e}");
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let listener = TcpListener::bind(addr)?;
        println!("listening on {}", listener.local_addr()?);
        io::stdout().flush()?;
        let listener = Rc::new(OwnedFd::from(listener));
        let mut server = Server::new();
        loop {
            if !server.accepting && !server.resting {
                server.arm_accept(&mut ring, &listener);
            }
            ring.submit_and_wait(1)?;
            while let Some(done) = ring.completion() {
                server.on_completion(&mut ring, done)?;
            }
        }
    }

    /// Echoes `messages` messages from a client to the server in this
    /// thread, one at a time, and returns the table of system calls the
    /// loop made; or why `io_uring` cannot be used.
    pub fn self_test(messages: usize) -> io::Result<Outcome> {
        let mut ring = match Uring::new(64) {
            Ok(ring) => ring,
            Err(e) if uring::is_unavailable(&e) => return Ok(Outcome::Unavailable(e.to_string())),
            Err(e) => return Err(e),
        };
        let listener = TcpListener::bind("127.0.0.1:0")?;
        // The handshake completes in the listen queue; `accept` later.
        let client = Rc::new(OwnedFd::from(TcpStream::connect(listener.local_addr()?)?));
        let listener = Rc::new(OwnedFd::from(listener));
        let mut server = Server::new();
        let before = ring.enters();
        server.arm_accept(&mut ring, &listener);
        ring.recv(&client, vec![0; BUF_SIZE], tag(CLIENT, RECV))?;
        for i in 0..messages {
            let message = format!("message {i:04} of the self-test\n").into_bytes();
            ring.send(&client, message.clone(), tag(CLIENT, SEND))?;
            let mut echoed = Vec::new();
            while echoed.len() < message.len() {
                ring.submit_and_wait(1)?;
                while let Some(done) = ring.completion() {
                    match done.user_data {
                        d if d == tag(CLIENT, SEND) => {
                            let (n, buf) = (done.result?, done.buf.unwrap_or_default());
                            if (n as usize) < buf.len() {
                                ring.send(&client, buf[n as usize..].to_vec(), d)?;
                            }
                        }
                        d if d == tag(CLIENT, RECV) => {
                            let buf = done.buf.unwrap_or_default();
                            if done.result? == 0 {
                                return Err(io::ErrorKind::UnexpectedEof.into());
                            }
                            echoed.extend_from_slice(&buf);
                            ring.recv(&client, reuse(buf), d)?;
                        }
                        _ => server.on_completion(&mut ring, done)?,
                    }
                }
            }
            if echoed != message {
                return Err(io::Error::other(format!("message {i}: echo differs")));
            }
        }
        let enters = ring.enters() - before;
        let per = enters as f64 / messages as f64;
        let mut table = format!("uring_echo self-test: {messages} messages echoed\n");
        table += &format!("{:<14} {:>6}  {:>11}\n", "call", "count", "per message");
        table += &format!("{:<14} {enters:>6}  {per:>11.2}\n", "io_uring_enter");
        table += &format!("{:<14} {enters:>6}  {per:>11.2}\n", "total");
        Ok(Outcome::Done(table))
    }

    /// A received buffer, grown back to full size for the next `recv`.
    fn reuse(mut buf: Vec<u8>) -> Vec<u8> {
        buf.resize(BUF_SIZE, 0);
        buf
    }

    /// How long the listener rests when `accept` failed for lack of
    /// descriptors or memory, if no connection closes meanwhile.
    const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

    /// The server side: its listener and its connections, by id.
    struct Server {
        listener: Option<Rc<OwnedFd>>,
        /// Whether an `accept` is in flight.
        accepting: bool,
        /// Whether the listener rests after running out of descriptors,
        /// until a connection closes.
        resting: bool,
        connections: HashMap<u64, Rc<OwnedFd>>,
        next_id: u64,
    }

    impl Server {
        fn new() -> Server {
            Server {
                listener: None,
                accepting: false,
                resting: false,
                connections: HashMap::new(),
                next_id: 1,
            }
        }

        /// Puts an `accept` in flight. When the ring holds as many
        /// operations as it can complete, it is tried again after the next
        /// completion; a connection is never refused for it.
        fn arm_accept(&mut self, ring: &mut Uring, listener: &Rc<OwnedFd>) {
            self.listener = Some(listener.clone());
            self.accepting = ring.accept(listener, tag(0, ACCEPT)).is_ok();
        }

        /// Closes connection `id` (its descriptor closes once the ring's
        /// share is gone too), and lets the listener accept again if it
        /// was resting.
        fn close(&mut self, ring: &mut Uring, id: u64) {
            self.connections.remove(&id);
            self.resting = false;
            if let (false, Some(listener)) = (self.accepting, self.listener.clone()) {
                self.arm_accept(ring, &listener);
            }
        }

        /// Queues `op` for connection `id`; if the ring is full, that one
        /// connection is closed, and the others go on.
        fn queue(&mut self, ring: &mut Uring, id: u64, op: io::Result<()>) {
            if op.is_err() {
                self.close(ring, id);
            }
        }

        /// Handles one completion of the listener or a connection. Each
        /// connection has one operation in flight: a `recv` or a `send`.
        fn on_completion(&mut self, ring: &mut Uring, done: Completion) -> io::Result<()> {
            let (id, op) = (done.user_data >> 2, done.user_data & 3);
            match op {
                ACCEPT => {
                    self.accepting = false;
                    match (done.result, done.accepted) {
                        (Ok(_), Some(fd)) => {
                            let stream = Rc::new(fd);
                            let id = self.next_id;
                            self.next_id += 1;
                            let recv = ring.recv(&stream, vec![0; BUF_SIZE], tag(id, RECV));
                            self.connections.insert(id, stream);
                            self.queue(ring, id, recv);
                        }
                        // Out of descriptors or memory: rest until a
                        // connection closes (or a pause passes, with none
                        // to wait for), instead of failing in a loop.
                        (Err(e), _) if sys::net::is_resource_exhaustion(&e) => {
                            eprintln!("uring_echo: accept: {e}; resting");
                            if ring.in_flight() == 0 {
                                std::thread::sleep(ACCEPT_PAUSE);
                            } else {
                                self.resting = true;
                                return Ok(());
                            }
                        }
                        // A failed accept costs only that connection.
                        (Err(e), _) => eprintln!("uring_echo: accept: {e}"),
                        (Ok(_), None) => {}
                    }
                    if let Some(listener) = self.listener.clone() {
                        self.arm_accept(ring, &listener);
                    }
                    Ok(())
                }
                RECV => match (done.result, done.buf) {
                    // The received bytes go straight back out, in the same
                    // buffer: the ring hands it from one operation to the
                    // next.
                    (Ok(n), Some(buf)) if n > 0 => {
                        let Some(stream) = self.connections.get(&id).cloned() else {
                            return Ok(());
                        };
                        let send = ring.send(&stream, buf, tag(id, SEND));
                        self.queue(ring, id, send);
                        Ok(())
                    }
                    // End of stream or an error: close.
                    _ => {
                        self.close(ring, id);
                        Ok(())
                    }
                },
                _ => match (done.result, done.buf) {
                    (Ok(n), Some(buf)) => {
                        let Some(stream) = self.connections.get(&id).cloned() else {
                            return Ok(());
                        };
                        let next = if (n as usize) < buf.len() {
                            // Short send: the rest, before reading more.
                            ring.send(&stream, buf[n as usize..].to_vec(), tag(id, SEND))
                        } else {
                            ring.recv(&stream, reuse(buf), tag(id, RECV))
                        };
                        self.queue(ring, id, next);
                        Ok(())
                    }
                    _ => {
                        self.close(ring, id);
                        Ok(())
                    }
                },
            }
        }
    }
}
