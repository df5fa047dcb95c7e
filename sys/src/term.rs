//! Terminals: is this a terminal ([`isatty`]), how big is it
//! ([`window_size`]), and raw mode with a guard that puts it back
//! ([`RawMode`]).
//!
//! A terminal normally runs in *canonical* mode: the kernel's line
//! discipline collects a line, echoes what is typed, handles Backspace, and
//! hands the program a whole line when Enter is pressed; Ctrl-C and Ctrl-Z
//! become signals. A full-screen program wants every key as it is pressed,
//! no echo (it draws the screen itself), and Ctrl-C as a key. That is
//! *raw* mode, set with `tcsetattr(3)`. The settings belong to the
//! terminal, not to the process: a program that exits, crashes or is
//! stopped without restoring them leaves the user's shell with no echo.
//! Hence the guard.
//!
//! ```text
//!   RawMode::enable(fd)   tcgetattr: save the settings, tcsetattr: raw
//!        │
//!        ├── suspend()    tcsetattr: saved settings   (before Ctrl-Z stops us)
//!        ├── resume()     tcsetattr: raw again         (after SIGCONT)
//!        │
//!   drop / restore()      tcsetattr: saved settings   (exit, error, unwinding panic)
//! ```
//!
//! # Every exit path
//!
//! * **Normal exit, `?` errors, unwinding panics:** the guard's `Drop`.
//! * **A panic hook** (which runs before unwinding, while the screen is
//!   still raw) or a `panic = "abort"` build: a [`Restorer`], a plain copy
//!   of the saved settings that can be moved into the hook.
//! * **SIGINT, SIGTERM, SIGHUP:** received as events through
//!   [`Signals`](crate::signal::Signals) on the program's `Poll`, so the
//!   main loop returns normally and the guard drops.
//! * **Ctrl-Z:** in raw mode it arrives as the byte 0x1a (`ISIG` is off).
//!   When a job-control shell can continue the process
//!   ([`resumable`](crate::signal::resumable)), the program calls
//!   [`RawMode::suspend`], then [`stop_self`](crate::signal::stop_self);
//!   when the shell's `fg` sends SIGCONT, `stop_self` returns and the
//!   program calls [`RawMode::resume`] and redraws. Otherwise (an orphaned
//!   process group: `xterm -e`, `exec`), stopping would freeze it for good,
//!   so it stays. A SIGTSTP sent with `kill` arrives through `Signals` as
//!   [`Signal::TerminalStop`](crate::signal::Signal::TerminalStop) and is
//!   handled the same way.
//! * **SIGKILL** cannot be caught; `stty sane` (or `reset`) is the user's
//!   way back, as for every terminal program.
//!
//! # Raw, precisely
//!
//! | flag | off because |
//! | --- | --- |
//! | `ICANON` | keys are delivered one by one, not by line |
//! | `ECHO` | the program draws what was typed |
//! | `ISIG` | Ctrl-C, Ctrl-Z, Ctrl-\\ arrive as bytes, not signals |
//! | `IEXTEN` | Ctrl-V (literal next) arrives as a byte |
//! | `IXON` | Ctrl-S and Ctrl-Q arrive as bytes, not flow control |
//! | `ICRNL` | Enter arrives as `CR`, Ctrl-M, distinct from Ctrl-J |
//! | `BRKINT`, `INPCK`, `ISTRIP` | no signal on break, no parity check, all 8 bits |
//!
//! `CS8` is set, and `VMIN = 1`, `VTIME = 0`: a `read` returns as soon as
//! one byte is there. Output processing (`OPOST`, `ONLCR`) is **kept**: a
//! full-screen renderer positions the cursor itself, and a message written
//! by mistake while raw (a panic message) still starts its lines at the
//! left edge.
//!
//! `tcsetattr` reports success when *any* of the changes was made
//! (tcsetattr(3), POSIX), so [`RawMode::enable`] reads the settings back
//! and fails if the terminal did not take them.
//!
//! # Portability
//!
//! These are POSIX calls with the same meaning on Linux, macOS and the
//! BSDs; only the widths of the flag words (`tcflag_t`) and the `ioctl`
//! request type differ, which the `libc` definitions absorb, so there is
//! one implementation and no backend split. `.ci/check-bsd` type-checks it
//! for FreeBSD, macOS, NetBSD and OpenBSD. Man pages: termios(3),
//! tcgetattr(3), tcsetattr(3), tty_ioctl(4) (`TIOCGWINSZ`; tty(4) on the
//! BSDs), isatty(3).
//!
//! With `SYS_TRACE=1` each call is traced (here on a pseudo-terminal):
//!
//! ```text
//! sys: tcgetattr(fd=4) = 0
//! sys: tcsetattr(fd=4, TCSAFLUSH, raw: lflag=ECHOE|ECHOK|ECHOCTL|ECHOKE, iflag=0x0) = 0
//! sys: tcgetattr(fd=4) = 0
//! sys: ioctl(fd=4, TIOCGWINSZ) = 0 -> 132x43
//! sys: tcsetattr(fd=4, TCSADRAIN, saved: lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN, iflag=ICRNL|IXON) = 0
//! ```

use std::fmt;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::RawFd;

use crate::syscall::retry_eintr;
use crate::trace::{FlagTable, Flags, Ret};

/// Is `fd` open on a terminal? (`isatty(3)`.)
///
/// ```
/// let (reader, _writer) = std::io::pipe()?;
/// use std::os::fd::AsRawFd;
/// assert!(!sys::term::isatty(reader.as_raw_fd()));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn isatty(fd: RawFd) -> bool {
    // SAFETY: isatty takes any integer and only inspects the descriptor;
    // a closed or invalid one gives 0 with errno EBADF (isatty(3)). It
    // returns 1 or 0, not -1, so it does not go through `syscall!`.
    let res = unsafe { libc::isatty(fd) };
    trace!("isatty(fd={fd}) = {res}");
    res == 1
}

/// The size of the terminal on `fd` as `(columns, rows)`, from the
/// `TIOCGWINSZ` ioctl (tty_ioctl(4)).
///
/// Fails with `ENOTTY` when `fd` is not a terminal. A terminal whose size
/// was never set (a fresh pseudo-terminal) may report `(0, 0)`; callers
/// then fall back to a default such as 80x24. After a SIGWINCH
/// ([`Signal::WindowChange`](crate::signal::Signal::WindowChange)), call
/// it again.
pub fn window_size(fd: RawFd) -> io::Result<(u16, u16)> {
    let mut ws = MaybeUninit::<libc::winsize>::zeroed();
    // SAFETY: TIOCGWINSZ writes one `struct winsize` through its pointer
    // argument, which points to a `winsize` we own (tty_ioctl(4)); a bad
    // fd fails with EBADF or ENOTTY without writing.
    let res = unsafe { syscall!(ioctl(fd, libc::TIOCGWINSZ, ws.as_mut_ptr())) };
    // SAFETY: zero-initialised above, and filled by the kernel on success;
    // `winsize` is plain integers, valid for any bits.
    let ws = unsafe { ws.assume_init() };
    match &res {
        Ok(_) => trace!(
            "ioctl(fd={fd}, TIOCGWINSZ) {} -> {}x{}",
            Ret(&res),
            ws.ws_col,
            ws.ws_row
        ),
        Err(_) => trace!("ioctl(fd={fd}, TIOCGWINSZ) {}", Ret(&res)),
    }
    res?;
    Ok((ws.ws_col, ws.ws_row))
}

/// The saved settings of a terminal, restorable from anywhere.
///
/// A copy of the settings [`RawMode::enable`] found, with the descriptor.
/// It is `Copy`, `Send` and `Sync`, so it can be moved into a panic hook,
/// which runs before unwinding drops the guard:
///
/// ```no_run
/// # fn main() -> std::io::Result<()> {
/// let raw = sys::term::RawMode::enable(0)?;
/// let restorer = raw.restorer();
/// let default_hook = std::panic::take_hook();
/// std::panic::set_hook(Box::new(move |info| {
///     let _ = restorer.restore(); // the message below is then readable
///     default_hook(info);
/// }));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy)]
pub struct Restorer {
    fd: RawFd,
    saved: libc::termios,
}

impl Restorer {
    /// Puts the saved settings back (`tcsetattr(fd, TCSADRAIN, saved)`:
    /// after the output already written has been sent, so the last frame
    /// is not cut; typed-ahead input is left for the shell).
    pub fn restore(&self) -> io::Result<()> {
        set_attr(self.fd, libc::TCSADRAIN, &self.saved, "saved")
    }
}

impl fmt::Debug for Restorer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Restorer")
            .field("fd", &self.fd)
            .field("saved", &Modes(&self.saved))
            .finish()
    }
}

/// Raw mode on a terminal, for as long as this guard lives.
///
/// Dropping it restores the settings found by [`enable`](Self::enable).
/// See the [module documentation](self) for what raw means here and how
/// each way of leaving the program restores the terminal.
///
/// The descriptor is not owned: it must stay open while the guard lives
/// (standard input, typically). If it is closed anyway, restoring fails
/// with `EBADF`, nothing worse.
pub struct RawMode {
    restorer: Restorer,
    raw: libc::termios,
    active: bool,
}

impl RawMode {
    /// Saves the settings of the terminal on `fd` and switches it to raw
    /// mode. Input typed before the switch is discarded (`TCSAFLUSH`): it
    /// was typed for canonical mode.
    ///
    /// Fails with `ENOTTY` when `fd` is not a terminal, and with
    /// `ErrorKind::Other` when the terminal did not accept raw mode.
    pub fn enable(fd: RawFd) -> io::Result<RawMode> {
        let saved = get_attr(fd)?;
        let raw = make_raw(&saved);
        set_attr(fd, libc::TCSAFLUSH, &raw, "raw")?;
        let mut guard = RawMode {
            restorer: Restorer { fd, saved },
            raw,
            active: true,
        };
        let now = get_attr(fd)?;
        if !is_raw(&now) {
            // Leave the terminal as it was before reporting.
            let _ = guard.suspend();
            return Err(io::Error::other(format!(
                "the terminal on fd {fd} did not switch to raw mode (lflag={})",
                Flags {
                    bits: u64::from(now.c_lflag),
                    table: LFLAGS
                }
            )));
        }
        Ok(guard)
    }

    /// Restores the saved settings for a while (before stopping on Ctrl-Z,
    /// or before running a program that needs the terminal). Does nothing
    /// when already suspended.
    pub fn suspend(&mut self) -> io::Result<()> {
        if self.active {
            self.restorer.restore()?;
            self.active = false;
        }
        Ok(())
    }

    /// Switches back to raw mode after [`suspend`](Self::suspend) (after
    /// SIGCONT). Does nothing when already raw.
    pub fn resume(&mut self) -> io::Result<()> {
        if !self.active {
            set_attr(self.restorer.fd, libc::TCSAFLUSH, &self.raw, "raw")?;
            self.active = true;
        }
        Ok(())
    }

    /// True while the terminal is in raw mode (not suspended).
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// A copy of the saved settings, to restore them where the guard
    /// cannot be reached (a panic hook).
    pub fn restorer(&self) -> Restorer {
        self.restorer
    }

    /// Restores the saved settings now and reports a failure, which `Drop`
    /// cannot.
    pub fn restore(mut self) -> io::Result<()> {
        self.suspend()
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // Nothing to report to from a destructor; `restore` reports.
        let _ = self.suspend();
    }
}

impl fmt::Debug for RawMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawMode")
            .field("fd", &self.restorer.fd)
            .field("active", &self.active)
            .field("saved", &Modes(&self.restorer.saved))
            .field("raw", &Modes(&self.raw))
            .finish()
    }
}

/// `tcgetattr(fd)`.
fn get_attr(fd: RawFd) -> io::Result<libc::termios> {
    let mut t = MaybeUninit::<libc::termios>::zeroed();
    // SAFETY: tcgetattr fills the `struct termios` its pointer designates,
    // which is ours and properly sized (tcgetattr(3)).
    let res = unsafe { syscall!(tcgetattr(fd, t.as_mut_ptr())) };
    trace!("tcgetattr(fd={fd}) {}", Ret(&res));
    res?;
    // SAFETY: zero-initialised, then filled by tcgetattr on success;
    // `termios` is plain integers and arrays, valid for any bits.
    Ok(unsafe { t.assume_init() })
}

/// `tcsetattr(fd, when, t)`, retried when a signal interrupts it (the
/// `TCSADRAIN`/`TCSAFLUSH` forms wait for output to drain and may fail
/// with `EINTR`; nothing changed then, so trying again is sound).
fn set_attr(fd: RawFd, when: libc::c_int, t: &libc::termios, what: &str) -> io::Result<()> {
    let res = retry_eintr(|| {
        // SAFETY: `t` is a valid `struct termios` obtained from tcgetattr
        // and modified field by field; tcsetattr only reads it
        // (tcsetattr(3)).
        unsafe { syscall!(tcsetattr(fd, when, t)) }
    });
    trace!(
        "tcsetattr(fd={fd}, {}, {what}: {}) {}",
        if when == libc::TCSAFLUSH {
            "TCSAFLUSH"
        } else {
            "TCSADRAIN"
        },
        Modes(t),
        Ret(&res)
    );
    res.map(drop)
}

/// The raw version of `t` (see the module docs' table).
fn make_raw(t: &libc::termios) -> libc::termios {
    let mut raw = *t;
    raw.c_iflag &= !(libc::BRKINT | libc::ICRNL | libc::INPCK | libc::ISTRIP | libc::IXON);
    // Eight data bits and no parity, whatever the size and parity were
    // (termios(3), cfmakeraw).
    raw.c_cflag &= !(libc::CSIZE | libc::PARENB);
    raw.c_cflag |= libc::CS8;
    raw.c_lflag &= !(libc::ECHO | libc::ICANON | libc::IEXTEN | libc::ISIG);
    raw.c_cc[libc::VMIN] = 1;
    raw.c_cc[libc::VTIME] = 0;
    raw
}

/// Did the terminal take the raw settings that matter?
fn is_raw(t: &libc::termios) -> bool {
    t.c_lflag & (libc::ECHO | libc::ICANON | libc::ISIG) == 0
}

/// Local-mode flags, by name, for `Debug` and the trace.
const LFLAGS: FlagTable = &[
    (libc::ISIG as u64, "ISIG"),
    (libc::ICANON as u64, "ICANON"),
    (libc::ECHO as u64, "ECHO"),
    (libc::ECHOE as u64, "ECHOE"),
    (libc::ECHOK as u64, "ECHOK"),
    (libc::ECHONL as u64, "ECHONL"),
    (libc::ECHOCTL as u64, "ECHOCTL"),
    (libc::ECHOKE as u64, "ECHOKE"),
    (libc::NOFLSH as u64, "NOFLSH"),
    (libc::TOSTOP as u64, "TOSTOP"),
    (libc::IEXTEN as u64, "IEXTEN"),
];

/// Input-mode flags, by name.
const IFLAGS: FlagTable = &[
    (libc::BRKINT as u64, "BRKINT"),
    (libc::ICRNL as u64, "ICRNL"),
    (libc::INPCK as u64, "INPCK"),
    (libc::ISTRIP as u64, "ISTRIP"),
    (libc::IXON as u64, "IXON"),
    (libc::IXOFF as u64, "IXOFF"),
    (libc::IXANY as u64, "IXANY"),
    (libc::IGNBRK as u64, "IGNBRK"),
    (libc::IGNCR as u64, "IGNCR"),
    (libc::INLCR as u64, "INLCR"),
    (libc::IMAXBEL as u64, "IMAXBEL"),
];

/// The flags of a `termios` that raw mode changes, by name.
struct Modes<'a>(&'a libc::termios);

impl fmt::Display for Modes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "lflag={}, iflag={}",
            Flags {
                bits: u64::from(self.0.c_lflag),
                table: LFLAGS
            },
            Flags {
                bits: u64::from(self.0.c_iflag),
                table: IFLAGS
            }
        )
    }
}

impl fmt::Debug for Modes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    #[test]
    fn raw_means_eight_bits_without_parity() {
        // SAFETY: all-zero is a valid termios (plain integers and arrays).
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        t.c_cflag = libc::CS7 | libc::PARENB | libc::CREAD;
        t.c_lflag = libc::ECHO | libc::ICANON | libc::ISIG;
        let raw = make_raw(&t);
        assert_eq!(raw.c_cflag & libc::CSIZE, libc::CS8);
        assert_eq!(raw.c_cflag & libc::PARENB, 0);
        assert_ne!(raw.c_cflag & libc::CREAD, 0);
        assert!(is_raw(&raw));
    }

    /// A pseudo-terminal pair (openpty(3)): `(controller, terminal)`.
    fn pty() -> (OwnedFd, OwnedFd) {
        let mut controller: libc::c_int = -1;
        let mut terminal: libc::c_int = -1;
        // SAFETY: the two out-pointers designate our ints; null name,
        // termios and winsize are allowed and mean "defaults" (openpty(3)).
        unsafe {
            syscall!(openpty(
                &mut controller,
                &mut terminal,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut()
            ))
        }
        .expect("openpty");
        // SAFETY: openpty succeeded: both are new descriptors we own.
        unsafe {
            (
                OwnedFd::from_raw_fd(controller),
                OwnedFd::from_raw_fd(terminal),
            )
        }
    }

    fn set_size(fd: RawFd, cols: u16, rows: u16) {
        let ws = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCSWINSZ reads one `struct winsize` (tty_ioctl(4)).
        unsafe { syscall!(ioctl(fd, libc::TIOCSWINSZ, &ws)) }.expect("TIOCSWINSZ");
    }

    /// The fields raw mode touches, comparable.
    fn modes(t: &libc::termios) -> (u64, u64, u64, u8, u8) {
        (
            u64::from(t.c_iflag),
            u64::from(t.c_cflag),
            u64::from(t.c_lflag),
            t.c_cc[libc::VMIN],
            t.c_cc[libc::VTIME],
        )
    }

    #[test]
    fn isatty_tells_terminals_from_pipes() {
        let (controller, terminal) = pty();
        assert!(isatty(terminal.as_raw_fd()));
        assert!(isatty(controller.as_raw_fd()));
        let (reader, writer) = std::io::pipe().unwrap();
        assert!(!isatty(reader.as_raw_fd()));
        assert!(!isatty(writer.as_raw_fd()));
        assert!(!isatty(-1));
    }

    #[test]
    fn window_size_reads_what_was_set() {
        let (controller, terminal) = pty();
        set_size(controller.as_raw_fd(), 132, 43);
        assert_eq!(window_size(terminal.as_raw_fd()).unwrap(), (132, 43));
        set_size(controller.as_raw_fd(), 80, 24);
        assert_eq!(window_size(terminal.as_raw_fd()).unwrap(), (80, 24));
        let (reader, _writer) = std::io::pipe().unwrap();
        let err = window_size(reader.as_raw_fd()).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOTTY));
    }

    #[test]
    fn raw_mode_is_raw_and_restores_on_drop() {
        let (_controller, terminal) = pty();
        let fd = terminal.as_raw_fd();
        let before = get_attr(fd).unwrap();
        assert!(before.c_lflag & libc::ICANON != 0, "a new pty is canonical");
        {
            let raw = RawMode::enable(fd).unwrap();
            assert!(raw.is_active());
            let now = get_attr(fd).unwrap();
            assert_eq!(
                now.c_lflag & (libc::ICANON | libc::ECHO | libc::ISIG | libc::IEXTEN),
                0
            );
            assert_eq!(now.c_iflag & (libc::ICRNL | libc::IXON), 0);
            assert_eq!(now.c_cc[libc::VMIN], 1);
            assert_eq!(now.c_cc[libc::VTIME], 0);
            // Output processing is kept.
            assert!(now.c_oflag & libc::OPOST != 0);
            assert!(format!("{raw:?}").contains("active: true"));
        }
        assert_eq!(modes(&get_attr(fd).unwrap()), modes(&before));
    }

    #[test]
    fn suspend_resume_and_restorer() {
        let (_controller, terminal) = pty();
        let fd = terminal.as_raw_fd();
        let before = get_attr(fd).unwrap();
        let mut raw = RawMode::enable(fd).unwrap();
        let raw_modes = modes(&get_attr(fd).unwrap());
        raw.suspend().unwrap();
        assert!(!raw.is_active());
        assert_eq!(modes(&get_attr(fd).unwrap()), modes(&before));
        raw.suspend().unwrap(); // idempotent
        raw.resume().unwrap();
        raw.resume().unwrap();
        assert!(raw.is_active());
        assert_eq!(modes(&get_attr(fd).unwrap()), raw_modes);
        // The restorer, from another thread (as a panic hook might).
        let restorer = raw.restorer();
        std::thread::spawn(move || restorer.restore().unwrap())
            .join()
            .unwrap();
        assert_eq!(modes(&get_attr(fd).unwrap()), modes(&before));
        raw.resume().unwrap(); // the guard still thinks it is raw: no-op
        raw.restore().unwrap();
        assert_eq!(modes(&get_attr(fd).unwrap()), modes(&before));
    }

    #[test]
    fn raw_mode_delivers_bytes_one_by_one() {
        use crate::{Events, Interest, Poll, SourceFd, Token};
        use std::io::{Read, Write};
        let (controller, terminal) = pty();
        let mut terminal = std::fs::File::from(terminal);
        let mut controller = std::fs::File::from(controller);
        let fd = terminal.as_raw_fd();
        let _raw = RawMode::enable(fd).unwrap();
        let mut poll = Poll::new().unwrap();
        poll.registry()
            .register(&mut SourceFd(&fd), Token(7), Interest::READABLE)
            .unwrap();
        // Ctrl-C then "a", no newline: canonical mode would hold them back
        // (and turn Ctrl-C into SIGINT); raw mode hands them over as is.
        controller.write_all(b"\x03a").unwrap();
        let mut events = Events::with_capacity(4);
        let mut got = Vec::new();
        while got.len() < 2 {
            // The timeout only keeps a broken build from hanging forever.
            poll.poll(&mut events, Some(std::time::Duration::from_secs(60)))
                .unwrap();
            assert!(!events.is_empty(), "no input within a minute");
            let mut buf = [0u8; 16];
            let n = terminal.read(&mut buf).unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"\x03a");
    }

    #[test]
    fn enable_on_a_pipe_fails_with_enotty() {
        let (reader, _writer) = std::io::pipe().unwrap();
        let err = RawMode::enable(reader.as_raw_fd()).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOTTY));
    }
}
