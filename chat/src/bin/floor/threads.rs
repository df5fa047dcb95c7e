//! Sending from more than one thread: what a writer thread buys.
//!
//! On loopback a `send` also runs the receiver's side of TCP, so at a
//! steady rate one thread spends a fixed few microseconds per member per
//! flush, and a message waits for its recipient's place in a pass over
//! all members. Two ways to make the sends of a pass on several cores, the
//! first as Redis 6 moved socket writes to I/O threads:
//!
//! - [`Split`] (`--writers K`): each turn's flushes are split between the
//!   main thread and K-1 helper threads, and joined before the next turn.
//!   The main thread keeps the clients and the log; a helper gets the
//!   turn's tail of the log (one copy) and a second descriptor of each
//!   socket, and answers how much each send took.
//! - [`Shards`] (`--shards K`): K writer threads each own the members
//!   handed to them and write them in passes of their own, with no join;
//!   the main thread only reads, appends to the log, and publishes each
//!   turn's new bytes as one shared chunk.
//!
//! ```text
//!  --writers 2, one turn:                 --shards 2, no turns to join:
//!
//!  main: poll, read, append to the log     main: poll, read, append,
//!        │ the turn's 12 flushes, 0..=11         publish chunk ──► board
//!        ├─ 1,3,5,..,11 ─► helper: send          hand over a new member
//!        ├─ 0,2,..,10: send                  writer 0: members 0,2,4..: pass,
//!        └─ join: helper's (client, sent)              send chunks past each
//!  next turn                                           cursor, sleep when done
//!                                          writer 1: members 1,3,5..: same
//! ```
//!
//! Both write each member the log's bytes in the log's order, as one
//! thread does, so `loadgen` checks them the same way (with `--shards`
//! for `fanout` and `latency` only: see the binary's docs).

use std::collections::VecDeque;
use std::io::{ErrorKind, IoSlice, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use chat::server::shared_hub::lock;
use sys::net::TcpStream;

use super::{send_all, IOV_MAX};

/// One send for a helper: the client, a second descriptor of its socket,
/// and its cursor.
pub type Send = (usize, Arc<TcpStream>, u64);

/// A helper's share of a turn: its sends, all from the log's tail
/// `bytes`, which starts at log offset `base`.
#[derive(Debug)]
struct Job {
    bytes: Arc<[u8]>,
    base: u64,
    sends: Vec<Send>,
}

/// `--writers K`: K-1 helper threads that make part of each turn's sends.
#[derive(Debug)]
pub struct Split {
    jobs: Vec<mpsc::Sender<Job>>,
    done: mpsc::Receiver<Vec<(usize, usize)>>,
    /// Jobs handed out and not yet answered.
    pending: usize,
}

impl Split {
    /// Starts `helpers` threads.
    pub fn start(helpers: usize) -> Split {
        let (done_tx, done) = mpsc::channel();
        let jobs = (0..helpers)
            .map(|_| {
                let (tx, rx) = mpsc::channel::<Job>();
                let done_tx = done_tx.clone();
                thread::spawn(move || {
                    for job in rx {
                        let sent = job
                            .sends
                            .iter()
                            .map(|(id, stream, cursor)| {
                                let from = (cursor - job.base) as usize;
                                (*id, send_all(stream, &job.bytes[from..]))
                            })
                            .collect();
                        if done_tx.send(sent).is_err() {
                            return;
                        }
                    }
                });
                tx
            })
            .collect();
        Split {
            jobs,
            done,
            pending: 0,
        }
    }

    /// Threads that share a turn, the main one included.
    pub fn shares(&self) -> usize {
        self.jobs.len() + 1
    }

    /// Hands `sends[k]` to helper `k`, each with the log from `base` on.
    pub fn hand_out(&mut self, tail: &[u8], base: u64, sends: Vec<Vec<Send>>) {
        if sends.iter().all(Vec::is_empty) {
            return;
        }
        let bytes: Arc<[u8]> = Arc::from(tail);
        for (helper, sends) in self.jobs.iter().zip(sends) {
            if sends.is_empty() {
                continue;
            }
            let job = Job {
                bytes: bytes.clone(),
                base,
                sends,
            };
            // A helper ends only when its channel closes, with `Split`.
            helper.send(job).expect("helpers outlive the split");
            self.pending += 1;
        }
    }

    /// Waits for every job handed out; calls `sent(client, bytes)` for
    /// each send.
    pub fn join(&mut self, mut sent: impl FnMut(usize, usize)) {
        while self.pending > 0 {
            let done = self.done.recv().expect("helpers outlive the split");
            self.pending -= 1;
            for (id, n) in done {
                sent(id, n);
            }
        }
    }
}

/// The log as the writers see it: one chunk per turn that grew it.
#[derive(Debug, Default)]
struct Chunks {
    /// `(offset of the chunk's first byte, its bytes)`, oldest first.
    list: VecDeque<(u64, Arc<[u8]>)>,
    end: u64,
}

/// What the main thread shares with the writers.
#[derive(Debug)]
struct Board {
    chunks: Mutex<Chunks>,
    grown: Condvar,
    /// Each writer's oldest cursor: chunks before the oldest of them go.
    oldest: Vec<AtomicU64>,
    /// How many members each writer has taken off its channel, stored
    /// after its `oldest` counts them: until a writer has taken every
    /// member handed to it, its `oldest` may be too new and nothing is
    /// trimmed.
    taken: Vec<AtomicU64>,
    /// How many members were handed to each writer, counted after the
    /// send: a writer does not sleep while it has members to take.
    handed: Vec<AtomicU64>,
}

/// A writer's member.
#[derive(Debug)]
struct Member {
    stream: Arc<TcpStream>,
    cursor: u64,
}

/// `--shards K`: K writer threads, each writing the members handed to it.
#[derive(Debug)]
pub struct Shards {
    board: Arc<Board>,
    hand: Vec<mpsc::Sender<Member>>,
    next: usize,
    published: u64,
}

impl Shards {
    /// Starts `writers` threads.
    pub fn start(writers: usize) -> Shards {
        let board = Arc::new(Board {
            chunks: Mutex::default(),
            grown: Condvar::new(),
            oldest: (0..writers).map(|_| AtomicU64::new(u64::MAX)).collect(),
            taken: (0..writers).map(|_| AtomicU64::new(0)).collect(),
            handed: (0..writers).map(|_| AtomicU64::new(0)).collect(),
        });
        let hand = (0..writers)
            .map(|k| {
                let (tx, rx) = mpsc::channel();
                let board = board.clone();
                thread::spawn(move || write_shard(k, &board, &rx));
                tx
            })
            .collect();
        Shards {
            board,
            hand,
            next: 0,
            published: 0,
        }
    }

    /// Hands a member to the next writer, round robin; its replies of its
    /// own are written, and the log is its from `cursor` on.
    pub fn hand_over(&mut self, stream: Arc<TcpStream>, cursor: u64) {
        let k = self.next % self.hand.len();
        self.next += 1;
        // A writer ends only when its channel closes, with `Shards`.
        self.hand[k]
            .send(Member { stream, cursor })
            .expect("writers outlive the shards");
        self.board.handed[k].fetch_add(1, Ordering::Release);
        // A writer that looked at `handed` before the count went up holds
        // the lock until it sleeps: taking it here means it is asleep (or
        // saw the count), so the notification reaches it.
        drop(lock(&self.board.chunks));
        self.board.grown.notify_all();
    }

    /// Publishes `bytes`, the log from what was published to `end`, as one
    /// chunk, and drops the chunks every writer is done with.
    pub fn publish(&mut self, bytes: &[u8], end: u64) {
        if bytes.is_empty() {
            return;
        }
        let chunk: Arc<[u8]> = Arc::from(bytes);
        let board = &self.board;
        let all_taken = (board.handed.iter().zip(&board.taken))
            .all(|(handed, taken)| taken.load(Ordering::Acquire) == handed.load(Ordering::Relaxed));
        let oldest = match all_taken {
            true => board.oldest.iter().map(|o| o.load(Ordering::Relaxed)).min(),
            false => None,
        }
        .unwrap_or(0);
        let mut chunks = lock(&self.board.chunks);
        chunks.list.push_back((self.published, chunk));
        chunks.end = end;
        while chunks.list.len() > 1
            && chunks
                .list
                .front()
                .is_some_and(|(start, c)| start + c.len() as u64 <= oldest)
        {
            chunks.list.pop_front();
        }
        drop(chunks);
        self.published = end;
        self.board.grown.notify_all();
    }
}

/// Writer `k`: passes over its members, one `sendmsg` each (the chunks
/// past its cursor as iovecs), sleeping on the board while all of them
/// are up to date.
fn write_shard(k: usize, board: &Board, rx: &mpsc::Receiver<Member>) {
    let mut members: Vec<Member> = Vec::new();
    let mut view: Vec<(u64, Arc<[u8]>)> = Vec::new();
    let mut taken = 0;
    loop {
        let before = members.len();
        members.extend(rx.try_iter());
        if members.is_empty() {
            // Nothing to keep: trimming need not wait for this writer.
            board.oldest[k].store(u64::MAX, Ordering::Relaxed);
            match rx.recv() {
                Ok(member) => members.push(member),
                Err(_) => return,
            }
        }
        let oldest = members.iter().map(|m| m.cursor).min().unwrap_or(u64::MAX);
        board.oldest[k].store(oldest, Ordering::Relaxed);
        taken += (members.len() - before) as u64;
        board.taken[k].store(taken, Ordering::Release);
        let end = {
            let chunks = lock(&board.chunks);
            let to_take = board.handed[k].load(Ordering::Acquire) != taken;
            if oldest >= chunks.end && !to_take {
                // The timeout is a backstop: a chunk or a member notifies.
                let wait = board.grown.wait_timeout(chunks, Duration::from_millis(10));
                drop(wait.unwrap_or_else(PoisonError::into_inner));
                continue;
            }
            view.clear();
            view.extend(
                chunks
                    .list
                    .iter()
                    .filter(|(start, c)| start + c.len() as u64 > oldest)
                    .cloned(),
            );
            chunks.end
        };
        let mut progress = false;
        members.retain_mut(|member| {
            if member.cursor >= end {
                return true;
            }
            // Trimming waits for the oldest cursor: no byte goes missing.
            assert!(view
                .first()
                .is_some_and(|(start, _)| *start <= member.cursor));
            let iovecs: Vec<IoSlice<'_>> = view
                .iter()
                .filter_map(|(start, c)| {
                    let from = member.cursor.saturating_sub(*start) as usize;
                    (from < c.len()).then(|| IoSlice::new(&c[from..]))
                })
                .take(IOV_MAX)
                .collect();
            let mut stream: &TcpStream = &member.stream;
            match stream.write_vectored(&iovecs) {
                Ok(n) => {
                    member.cursor += n as u64;
                    progress = true;
                    true
                }
                Err(e) => matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted),
            }
        });
        if !progress && members.iter().any(|m| m.cursor < end) {
            // Every socket behind is full: wait a little, not spin.
            thread::sleep(Duration::from_micros(100));
        }
    }
}
