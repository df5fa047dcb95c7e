//! RESP3, the Redis serialization protocol: an encoder for commands and an
//! incremental, bounded decoder for everything a server sends.
//!
//! Every RESP3 value starts with one type byte and ends its header line
//! with `\r\n`. Scalars fit on that line; strings give a length and follow
//! with that many bytes and `\r\n`; aggregates give a count and follow with
//! that many values (twice that many for maps and attributes):
//!
//! | byte | type | example on the wire | [`Value`] |
//! | --- | --- | --- | --- |
//! | `+` | simple string | `+OK\r\n` | [`Value::Simple`] |
//! | `-` | simple error | `-ERR no\r\n` | [`Value::Error`] |
//! | `:` | integer | `:-7\r\n` | [`Value::Integer`] |
//! | `$` | bulk string | `$2\r\nhi\r\n` | [`Value::Bulk`] |
//! | `_` | null | `_\r\n` (RESP2: `$-1\r\n`, `*-1\r\n`) | [`Value::Null`] |
//! | `,` | double | `,1.5\r\n`, `,inf\r\n`, `,nan\r\n` | [`Value::Double`] |
//! | `#` | boolean | `#t\r\n` | [`Value::Boolean`] |
//! | `!` | blob error | `!3\r\nERR\r\n` | [`Value::BlobError`] |
//! | `=` | verbatim string | `=7\r\ntxt:abc\r\n` | [`Value::Verbatim`] |
//! | `(` | big number | `(123456789012345678901\r\n` | [`Value::BigNumber`] |
//! | `*` | array | `*1\r\n:1\r\n` | [`Value::Array`] |
//! | `%` | map | `%1\r\n+k\r\n:1\r\n` | [`Value::Map`] |
//! | `~` | set | `~1\r\n:1\r\n` | [`Value::Set`] |
//! | `\|` | attribute | `\|1\r\n+k\r\n:1\r\n:2\r\n` (then the value it annotates) | [`Value::Attribute`] |
//! | `>` | push | `>2\r\n$7\r\nmessage\r\n...` | [`Value::Push`] |
//!
//! A client sends every command as an array of bulk strings
//! ([`encode_command`]).
//!
//! # Bounded before allocating
//!
//! The [`Decoder`] buffers bytes until one whole top-level value is there,
//! checking as it goes, and only then builds it. Every length and count is
//! checked against [`Limits`] when its header is read, before a byte of its
//! body is awaited: a bulk string longer than `max_bulk`, an aggregate with
//! more than `max_elements` entries, nesting deeper than `max_depth`, or a
//! value whose bytes would pass `max_total` is an error at once, and a
//! hostile length never becomes an allocation. Building happens only over
//! bytes that are already buffered and checked, so the memory of a decoded
//! value is at most a small constant times its encoded size (every element
//! takes at least three bytes on the wire).
//!
//! Streamed strings and aggregates (`$?`, `*?`) are refused: Redis never
//! sends them.
//!
//! ```
//! use chat::cluster::resp::{encode_command, Decoder, Limits, Value};
//!
//! let mut wire = Vec::new();
//! encode_command(&["SET", "k", "v"], &mut wire);
//! assert_eq!(wire, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
//!
//! // A reply split anywhere decodes the same.
//! let mut dec = Decoder::new(Limits::default());
//! dec.push(b"%1\r\n$6\r\nserver\r\n$5\r\nre");
//! assert_eq!(dec.next_value().unwrap(), None);
//! dec.push(b"dis\r\n+OK\r\n");
//! assert_eq!(
//!     dec.next_value().unwrap(),
//!     Some(Value::Map(vec![(Value::Bulk(b"server".to_vec()), Value::Bulk(b"redis".to_vec()))]))
//! );
//! assert_eq!(dec.next_value().unwrap(), Some(Value::Simple(b"OK".to_vec())));
//! assert_eq!(dec.next_value().unwrap(), None);
//! ```

use std::fmt;
use std::io::Write as _;

/// One RESP3 value as a server sends it.
///
/// Strings are bytes: Redis strings are binary-safe, and a simple string is
/// only promised to hold no `\r` or `\n`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `+`: a short status text such as `OK` or `PONG`.
    Simple(Vec<u8>),
    /// `-`: an error reply; the first word is its code (`ERR`, `WRONGTYPE`).
    Error(Vec<u8>),
    /// `:`: a signed 64-bit integer.
    Integer(i64),
    /// `$`: a binary-safe string.
    Bulk(Vec<u8>),
    /// `_` (and RESP2's `$-1` / `*-1`): no value.
    Null,
    /// `,`: a floating-point number, including `inf`, `-inf` and `nan`.
    Double(f64),
    /// `#`: `t` or `f`.
    Boolean(bool),
    /// `!`: an error reply with a binary-safe text.
    BlobError(Vec<u8>),
    /// `=`: a string with a three-letter format (`txt`, `mkd`).
    Verbatim {
        /// The format, such as `txt`.
        format: [u8; 3],
        /// The text after `fmt:`.
        text: Vec<u8>,
    },
    /// `(`: an integer of any size, as its decimal digits (a leading `-`
    /// allowed).
    BigNumber(Vec<u8>),
    /// `*`: an ordered list.
    Array(Vec<Value>),
    /// `%`: key-value pairs in wire order.
    Map(Vec<(Value, Value)>),
    /// `~`: an unordered collection, in wire order.
    Set(Vec<Value>),
    /// `|`: extra information about the value that follows it.
    Attribute {
        /// The attribute pairs.
        attrs: Vec<(Value, Value)>,
        /// The value they annotate.
        value: Box<Value>,
    },
    /// `>`: out-of-band data (pub/sub messages, subscription confirmations,
    /// invalidations), never the reply to a command.
    Push(Vec<Value>),
}

impl Value {
    /// The bytes of a simple, bulk or verbatim string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Simple(b) | Value::Bulk(b) => Some(b),
            Value::Verbatim { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The integer of an `Integer`.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Integer(n) => Some(*n),
            _ => None,
        }
    }

    /// The text of an error reply (`-` or `!`).
    pub fn as_error(&self) -> Option<&[u8]> {
        match self {
            Value::Error(b) | Value::BlobError(b) => Some(b),
            _ => None,
        }
    }

    /// The elements of an array, set or push.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::Array(v) | Value::Set(v) | Value::Push(v) => Some(v),
            _ => None,
        }
    }

    /// The value under the string key `key` in a map.
    pub fn map_get(&self, key: &[u8]) -> Option<&Value> {
        match self {
            Value::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| k.as_bytes() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Appends the RESP3 encoding of this value to `out`.
    ///
    /// Servers write values; a client needs this only to build test input.
    /// Doubles are written in the shortest form that reads back exactly.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::Simple(b) => line(out, b'+', b),
            Value::Error(b) => line(out, b'-', b),
            Value::Integer(n) => header(out, b':', *n),
            Value::Bulk(b) => blob(out, b'$', b),
            Value::Null => out.extend_from_slice(b"_\r\n"),
            Value::Double(d) => {
                out.push(b',');
                if d.is_nan() {
                    out.extend_from_slice(b"nan");
                } else if d.is_infinite() {
                    out.extend_from_slice(if *d > 0.0 { b"inf" } else { b"-inf" });
                } else {
                    // `{:e}` is the shortest exact form and keeps huge or
                    // tiny values short.
                    let _ = write!(out, "{d:e}");
                }
                out.extend_from_slice(b"\r\n");
            }
            Value::Boolean(b) => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
            Value::BlobError(b) => blob(out, b'!', b),
            Value::Verbatim { format, text } => {
                header(out, b'=', (text.len() + 4) as i64);
                out.extend_from_slice(format);
                out.push(b':');
                out.extend_from_slice(text);
                out.extend_from_slice(b"\r\n");
            }
            Value::BigNumber(b) => line(out, b'(', b),
            Value::Array(v) => list(out, b'*', v),
            Value::Set(v) => list(out, b'~', v),
            Value::Push(v) => list(out, b'>', v),
            Value::Map(pairs) => pairs_to(out, b'%', pairs),
            Value::Attribute { attrs, value } => {
                pairs_to(out, b'|', attrs);
                value.encode(out);
            }
        }
    }
}

fn header(out: &mut Vec<u8>, kind: u8, n: i64) {
    out.push(kind);
    let _ = write!(out, "{n}\r\n");
}

fn line(out: &mut Vec<u8>, kind: u8, text: &[u8]) {
    out.push(kind);
    out.extend_from_slice(text);
    out.extend_from_slice(b"\r\n");
}

fn blob(out: &mut Vec<u8>, kind: u8, bytes: &[u8]) {
    header(out, kind, bytes.len() as i64);
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

fn list(out: &mut Vec<u8>, kind: u8, items: &[Value]) {
    header(out, kind, items.len() as i64);
    for v in items {
        v.encode(out);
    }
}

fn pairs_to(out: &mut Vec<u8>, kind: u8, pairs: &[(Value, Value)]) {
    header(out, kind, pairs.len() as i64);
    for (k, v) in pairs {
        k.encode(out);
        v.encode(out);
    }
}

/// Appends one command, an array of bulk strings, to `out`.
///
/// ```
/// let mut out = Vec::new();
/// chat::cluster::resp::encode_command(&[&b"GET"[..], b"k\r\n"], &mut out);
/// assert_eq!(out, b"*2\r\n$3\r\nGET\r\n$3\r\nk\r\n\r\n");
/// ```
pub fn encode_command<A: AsRef<[u8]>>(args: &[A], out: &mut Vec<u8>) {
    header(out, b'*', args.len() as i64);
    for a in args {
        blob(out, b'$', a.as_ref());
    }
}

/// The bytes [`encode_command`] appends for `args`, without writing them.
pub fn command_len<A: AsRef<[u8]>>(args: &[A]) -> usize {
    fn digits(mut n: usize) -> usize {
        let mut d = 1;
        while n >= 10 {
            n /= 10;
            d += 1;
        }
        d
    }
    let mut len = 3 + digits(args.len());
    for a in args {
        let n = a.as_ref().len();
        len += 3 + digits(n) + n + 2;
    }
    len
}

/// The bounds a [`Decoder`] holds every value to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest bulk string, blob error, verbatim string, simple string,
    /// simple error or big number, in bytes.
    pub max_bulk: usize,
    /// Most entries in one aggregate (pairs for maps and attributes).
    pub max_elements: usize,
    /// Deepest nesting of aggregates; a top-level scalar has depth 0.
    pub max_depth: usize,
    /// Most bytes one top-level value may take on the wire.
    pub max_total: usize,
}

impl Default for Limits {
    /// Room for what the chat stores and asks for: 1 MiB strings (a chat
    /// frame is at most 1 MiB), 64 Ki entries, depth 8, 16 MiB per reply.
    fn default() -> Self {
        Limits {
            max_bulk: 1 << 20,
            max_elements: 1 << 16,
            max_depth: 8,
            max_total: 16 << 20,
        }
    }
}

/// Why a byte stream is not RESP3 within the [`Limits`].
///
/// Every decode error is fatal: the stream has no resynchronisation point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A value starts with a byte that is no RESP3 type.
    UnknownType(u8),
    /// A header line is not what its type allows (bad digits, a bad
    /// boolean, a lone `\r`, a streamed length).
    BadHeader(u8),
    /// A string body is not followed by `\r\n`, or a verbatim string has
    /// no `fmt:` prefix.
    BadBody(u8),
    /// A string passes [`Limits::max_bulk`].
    BulkTooLong(u64),
    /// An aggregate passes [`Limits::max_elements`].
    TooManyElements(u64),
    /// Aggregates nest deeper than [`Limits::max_depth`].
    TooDeep,
    /// One value passes [`Limits::max_total`] bytes.
    TooLarge,
    /// A previous error ended this stream.
    Poisoned,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownType(b) => write!(f, "RESP: unknown type byte 0x{b:02x}"),
            Error::BadHeader(t) => write!(f, "RESP: malformed header of a `{}` value", *t as char),
            Error::BadBody(t) => write!(f, "RESP: malformed body of a `{}` value", *t as char),
            Error::BulkTooLong(n) => write!(f, "RESP: a {n}-byte string passes the limit"),
            Error::TooManyElements(n) => write!(f, "RESP: {n} elements pass the limit"),
            Error::TooDeep => f.write_str("RESP: aggregates nest too deeply"),
            Error::TooLarge => f.write_str("RESP: a value passes the size limit"),
            Error::Poisoned => f.write_str("RESP: the stream failed earlier"),
        }
    }
}

impl std::error::Error for Error {}

/// Longest header line of a length, count or number, `\r\n` included. A
/// 64-bit integer has at most 20 characters; doubles as Redis prints them
/// (`%.17g`) fewer.
const MAX_NUMBER_LINE: usize = 64;

/// What a header line says.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Head {
    /// A scalar that ends with its line (`+ - : _ , # (`); the value is
    /// rebuilt from the line when building.
    Scalar,
    /// A string body of this many bytes follows (`$ ! =`).
    Blob(usize),
    /// This many values follow (`* ~ > %x2 |x2+1`).
    Aggregate(usize),
}

/// Finds `\r\n` at or after `from`; `Err` on a `\r` followed by anything
/// else. `Ok(None)`: not yet buffered.
fn find_crlf(buf: &[u8], from: usize, kind: u8) -> Result<Option<usize>, Error> {
    let Some(i) = buf[from..].iter().position(|&b| b == b'\r') else {
        return Ok(None);
    };
    let i = from + i;
    match buf.get(i + 1) {
        None => Ok(None),
        Some(b'\n') => Ok(Some(i)),
        Some(_) => Err(Error::BadHeader(kind)),
    }
}

/// A decimal integer as RESP writes it: an optional sign and 1 to 19 digits.
fn parse_int(text: &[u8], kind: u8) -> Result<i64, Error> {
    let digits = text
        .strip_prefix(b"-")
        .or(text.strip_prefix(b"+"))
        .unwrap_or(text);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Error::BadHeader(kind));
    }
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(Error::BadHeader(kind))
}

fn parse_double(text: &[u8]) -> Result<f64, Error> {
    match text {
        b"inf" | b"+inf" => return Ok(f64::INFINITY),
        b"-inf" => return Ok(f64::NEG_INFINITY),
        b"nan" | b"-nan" => return Ok(f64::NAN),
        _ => {}
    }
    // Rust's parser also takes "infinity" and "NaN"; RESP allows only
    // digits, a sign, a point and an exponent.
    if text.is_empty()
        || !text
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
    {
        return Err(Error::BadHeader(b','));
    }
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(Error::BadHeader(b','))
}

fn check_big_number(text: &[u8]) -> Result<(), Error> {
    let digits = text
        .strip_prefix(b"-")
        .or(text.strip_prefix(b"+"))
        .unwrap_or(text);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Error::BadHeader(b'('));
    }
    Ok(())
}

/// A length or count: a non-negative integer, or -1 (RESP2's null) when
/// `null_ok`. `Ok(None)` is that null.
fn parse_len(text: &[u8], kind: u8, null_ok: bool) -> Result<Option<u64>, Error> {
    if text == b"?" {
        // Streamed strings and aggregates: never sent by Redis.
        return Err(Error::BadHeader(kind));
    }
    match parse_int(text, kind)? {
        -1 if null_ok => Ok(None),
        n if n < 0 => Err(Error::BadHeader(kind)),
        n => Ok(Some(n as u64)),
    }
}

/// Reads the header of the value at `pos`: its kind, its line, and what
/// follows. `Ok(None)`: the line is not whole yet. `scan_from` lets a
/// caller skip bytes of a long line it already searched.
fn read_head(
    buf: &[u8],
    pos: usize,
    scan_from: usize,
    limits: &Limits,
) -> Result<Option<(Head, usize)>, Error> {
    let Some(&kind) = buf.get(pos) else {
        return Ok(None);
    };
    let max_line = match kind {
        b'+' | b'-' | b'(' => limits.max_bulk,
        b':' | b'$' | b'_' | b',' | b'#' | b'!' | b'=' | b'*' | b'%' | b'~' | b'|' | b'>' => {
            MAX_NUMBER_LINE
        }
        other => return Err(Error::UnknownType(other)),
    };
    let Some(end) = find_crlf(buf, scan_from.max(pos + 1), kind)? else {
        if buf.len() - pos > max_line.saturating_add(2) {
            return Err(if max_line == MAX_NUMBER_LINE {
                Error::BadHeader(kind)
            } else {
                Error::BulkTooLong((buf.len() - pos) as u64)
            });
        }
        return Ok(None);
    };
    let text = &buf[pos + 1..end];
    if text.len() > max_line {
        return Err(if max_line == MAX_NUMBER_LINE {
            Error::BadHeader(kind)
        } else {
            Error::BulkTooLong(text.len() as u64)
        });
    }
    let next = end + 2;
    let count = |n: u64, per: u64, extra: u64| -> Result<Head, Error> {
        if n > limits.max_elements as u64 {
            return Err(Error::TooManyElements(n));
        }
        Ok(Head::Aggregate((n * per + extra) as usize))
    };
    let head = match kind {
        // Simple strings and errors may hold any byte but CR and LF; a
        // lone LF is refused so that the line stays one line.
        b'+' | b'-' if text.contains(&b'\n') => return Err(Error::BadHeader(kind)),
        b'+' | b'-' => Head::Scalar,
        b':' => parse_int(text, kind).map(|_| Head::Scalar)?,
        b'_' if text.is_empty() => Head::Scalar,
        b',' => parse_double(text).map(|_| Head::Scalar)?,
        b'#' if text == b"t" || text == b"f" => Head::Scalar,
        b'(' => check_big_number(text).map(|_| Head::Scalar)?,
        b'$' | b'!' | b'=' => match parse_len(text, kind, kind == b'$')? {
            None => Head::Scalar, // `$-1`
            Some(n) if n > limits.max_bulk as u64 => return Err(Error::BulkTooLong(n)),
            Some(n) if kind == b'=' && n < 4 => return Err(Error::BadBody(kind)),
            Some(n) => Head::Blob(n as usize),
        },
        b'*' => match parse_len(text, kind, true)? {
            None => Head::Scalar, // `*-1`
            Some(n) => count(n, 1, 0)?,
        },
        b'~' | b'>' => count(parse_len(text, kind, false)?.unwrap_or(0), 1, 0)?,
        b'%' => count(parse_len(text, kind, false)?.unwrap_or(0), 2, 0)?,
        b'|' => count(parse_len(text, kind, false)?.unwrap_or(0), 2, 1)?,
        _ => return Err(Error::BadHeader(kind)),
    };
    Ok(Some((head, next)))
}

/// Progress through the value at the front of the buffer, kept between
/// calls so that each byte is examined a bounded number of times.
#[derive(Debug, Default)]
struct Scan {
    /// Offset (from the value's start) of the next element to read.
    pos: usize,
    /// Elements still expected by each open aggregate, innermost last.
    open: Vec<usize>,
    /// How far the current element's header line was already searched.
    line_searched: usize,
}

/// Cuts a byte stream into RESP3 [`Value`]s.
///
/// Feed it whatever arrived with [`push`](Self::push) and take whole values
/// with [`next_value`](Self::next_value). Bytes are kept only for the value
/// in progress and the values after it; see the [module docs](self) for
/// the bounds.
#[derive(Debug)]
pub struct Decoder {
    buf: Vec<u8>,
    /// Start of the first unconsumed value in `buf`.
    start: usize,
    scan: Scan,
    limits: Limits,
    failed: bool,
}

impl Decoder {
    /// An empty decoder that holds every value to `limits`.
    pub fn new(limits: Limits) -> Self {
        Decoder {
            buf: Vec::new(),
            start: 0,
            scan: Scan::default(),
            limits,
            failed: false,
        }
    }

    /// The limits this decoder enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Appends bytes read from the server.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes buffered and not yet returned as values.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next whole value, `Ok(None)` until its last byte has arrived.
    ///
    /// After an error every later call returns [`Error::Poisoned`].
    pub fn next_value(&mut self) -> Result<Option<Value>, Error> {
        if self.failed {
            return Err(Error::Poisoned);
        }
        match self.scan_value() {
            Ok(Some(len)) => {
                let bytes = &self.buf[self.start..self.start + len];
                let mut pos = 0;
                let value = build(bytes, &mut pos, &self.limits);
                self.start += len;
                self.scan = Scan::default();
                if self.start == self.buf.len() {
                    self.buf.clear();
                    self.start = 0;
                }
                match value {
                    Ok(v) => Ok(Some(v)),
                    Err(e) => self.fail(e),
                }
            }
            Ok(None) => Ok(None),
            Err(e) => self.fail(e),
        }
    }

    fn fail(&mut self, e: Error) -> Result<Option<Value>, Error> {
        self.failed = true;
        self.buf = Vec::new();
        self.start = 0;
        Err(e)
    }

    /// Advances the scan of the front value; `Some(len)` once all its
    /// `len` bytes are buffered and checked.
    fn scan_value(&mut self) -> Result<Option<usize>, Error> {
        let buf = &self.buf[self.start..];
        let limits = &self.limits;
        let scan = &mut self.scan;
        loop {
            let Some((head, next)) = read_head(buf, scan.pos, scan.line_searched, limits)? else {
                scan.line_searched = buf.len().saturating_sub(1).max(scan.pos + 1);
                return if buf.len() > limits.max_total {
                    Err(Error::TooLarge)
                } else {
                    Ok(None)
                };
            };
            let end = match head {
                Head::Scalar | Head::Aggregate(_) => next,
                Head::Blob(len) => next + len + 2,
            };
            if end > limits.max_total {
                return Err(Error::TooLarge);
            }
            match head {
                Head::Blob(len) => {
                    if buf.len() < end {
                        return Ok(None);
                    }
                    if &buf[next + len..end] != b"\r\n" {
                        return Err(Error::BadBody(buf[scan.pos]));
                    }
                    if buf[scan.pos] == b'=' && buf[next + 3] != b':' {
                        return Err(Error::BadBody(b'='));
                    }
                }
                Head::Aggregate(n) => {
                    // Every element takes at least three bytes: a count
                    // that cannot fit in the total is refused now.
                    if n.saturating_mul(3) > limits.max_total - end {
                        return Err(Error::TooLarge);
                    }
                    if n > 0 {
                        if scan.open.len() >= limits.max_depth {
                            return Err(Error::TooDeep);
                        }
                        scan.open.push(n);
                        scan.pos = end;
                        scan.line_searched = 0;
                        continue;
                    }
                }
                Head::Scalar => {}
            }
            // One element done: close every aggregate it completes.
            scan.pos = end;
            scan.line_searched = 0;
            loop {
                match scan.open.last_mut() {
                    None => return Ok(Some(end)),
                    Some(left) => {
                        *left -= 1;
                        if *left > 0 {
                            break;
                        }
                        scan.open.pop();
                    }
                }
            }
        }
    }
}

/// Builds the value at `*pos` from bytes the scan already checked whole.
/// The checks are repeated rather than trusted, so a broken invariant is an
/// error, never a panic.
fn build(buf: &[u8], pos: &mut usize, limits: &Limits) -> Result<Value, Error> {
    let start = *pos;
    let (head, next) = read_head(buf, start, 0, limits)?.ok_or(Error::TooLarge)?;
    let kind = buf[start];
    let text = &buf[start + 1..next - 2];
    *pos = next;
    let value = match head {
        Head::Scalar => match kind {
            b'+' => Value::Simple(text.to_vec()),
            b'-' => Value::Error(text.to_vec()),
            b':' => Value::Integer(parse_int(text, kind)?),
            b',' => Value::Double(parse_double(text)?),
            b'#' => Value::Boolean(text == b"t"),
            b'(' => Value::BigNumber(text.to_vec()),
            _ => Value::Null, // `_`, `$-1`, `*-1`
        },
        Head::Blob(len) => {
            let body = buf.get(next..next + len).ok_or(Error::TooLarge)?;
            *pos = next + len + 2;
            match kind {
                b'$' => Value::Bulk(body.to_vec()),
                b'!' => Value::BlobError(body.to_vec()),
                _ => Value::Verbatim {
                    format: [body[0], body[1], body[2]],
                    text: body[4..].to_vec(),
                },
            }
        }
        Head::Aggregate(n) => match kind {
            b'%' | b'|' => {
                let mut pairs = Vec::with_capacity(n / 2);
                for _ in 0..n / 2 {
                    let k = build(buf, pos, limits)?;
                    let v = build(buf, pos, limits)?;
                    pairs.push((k, v));
                }
                if kind == b'%' {
                    Value::Map(pairs)
                } else {
                    let value = Box::new(build(buf, pos, limits)?);
                    Value::Attribute {
                        attrs: pairs,
                        value,
                    }
                }
            }
            _ => {
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(build(buf, pos, limits)?);
                }
                match kind {
                    b'*' => Value::Array(items),
                    b'~' => Value::Set(items),
                    _ => Value::Push(items),
                }
            }
        },
    };
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::Bulk(s.as_bytes().to_vec())
    }

    /// Every type, from bytes written by hand after the RESP3 spec.
    fn samples() -> Vec<(&'static [u8], Value)> {
        vec![
            (b"+OK\r\n", Value::Simple(b"OK".to_vec())),
            (b"+\r\n", Value::Simple(Vec::new())),
            (b"-ERR unknown\r\n", Value::Error(b"ERR unknown".to_vec())),
            (b":0\r\n", Value::Integer(0)),
            (b":-9223372036854775808\r\n", Value::Integer(i64::MIN)),
            (b":+12\r\n", Value::Integer(12)),
            (b"$5\r\nhello\r\n", bulk("hello")),
            (b"$0\r\n\r\n", bulk("")),
            (b"$4\r\na\r\nb\r\n", bulk("a\r\nb")),
            (b"$-1\r\n", Value::Null),
            (b"*-1\r\n", Value::Null),
            (b"_\r\n", Value::Null),
            (b",1.25\r\n", Value::Double(1.25)),
            (b",-3e2\r\n", Value::Double(-300.0)),
            (b",inf\r\n", Value::Double(f64::INFINITY)),
            (b",-inf\r\n", Value::Double(f64::NEG_INFINITY)),
            (b"#t\r\n", Value::Boolean(true)),
            (b"#f\r\n", Value::Boolean(false)),
            (
                b"!21\r\nSYNTAX invalid syntax\r\n",
                Value::BlobError(b"SYNTAX invalid syntax".to_vec()),
            ),
            (
                b"=15\r\ntxt:Some string\r\n",
                Value::Verbatim {
                    format: *b"txt",
                    text: b"Some string".to_vec(),
                },
            ),
            (
                b"(3492890328409238509324850943850943825024385\r\n",
                Value::BigNumber(b"3492890328409238509324850943850943825024385".to_vec()),
            ),
            (b"*0\r\n", Value::Array(vec![])),
            (
                b"*3\r\n:1\r\n$1\r\nx\r\n*1\r\n_\r\n",
                Value::Array(vec![
                    Value::Integer(1),
                    bulk("x"),
                    Value::Array(vec![Value::Null]),
                ]),
            ),
            (
                b"%2\r\n+first\r\n:1\r\n+second\r\n#f\r\n",
                Value::Map(vec![
                    (Value::Simple(b"first".to_vec()), Value::Integer(1)),
                    (Value::Simple(b"second".to_vec()), Value::Boolean(false)),
                ]),
            ),
            (
                b"~2\r\n$1\r\na\r\n:2\r\n",
                Value::Set(vec![bulk("a"), Value::Integer(2)]),
            ),
            (
                b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.1923\r\n*2\r\n:2039123\r\n:9543892\r\n",
                Value::Attribute {
                    attrs: vec![(
                        Value::Simple(b"key-popularity".to_vec()),
                        Value::Map(vec![(bulk("a"), Value::Double(0.1923))]),
                    )],
                    value: Box::new(Value::Array(vec![
                        Value::Integer(2039123),
                        Value::Integer(9543892),
                    ])),
                },
            ),
            (
                b">3\r\n$8\r\nsmessage\r\n$8\r\nchat:{r}\r\n$2\r\nhi\r\n",
                Value::Push(vec![bulk("smessage"), bulk("chat:{r}"), bulk("hi")]),
            ),
        ]
    }

    fn decode_all(chunks: &[&[u8]], limits: Limits) -> Result<Vec<Value>, Error> {
        let mut dec = Decoder::new(limits);
        let mut out = Vec::new();
        for chunk in chunks {
            dec.push(chunk);
            while let Some(v) = dec.next_value()? {
                out.push(v);
            }
        }
        assert_eq!(dec.buffered(), 0, "bytes left over");
        Ok(out)
    }

    fn same(a: &Value, b: &Value) -> bool {
        // NaN is not equal to itself; compare its encoding instead.
        let (mut x, mut y) = (Vec::new(), Vec::new());
        a.encode(&mut x);
        b.encode(&mut y);
        x == y
    }

    #[test]
    fn every_type_decodes_from_spec_bytes() {
        for (bytes, want) in samples() {
            let got = decode_all(&[bytes], Limits::default()).unwrap();
            assert_eq!(got, [want], "{:?}", String::from_utf8_lossy(bytes));
        }
        let nan = decode_all(&[b",nan\r\n"], Limits::default()).unwrap();
        assert!(matches!(nan[..], [Value::Double(d)] if d.is_nan()));
    }

    #[test]
    fn encode_then_decode_is_identity() {
        let mut wire = Vec::new();
        let values: Vec<Value> = samples().into_iter().map(|(_, v)| v).collect();
        for v in &values {
            v.encode(&mut wire);
        }
        let got = decode_all(&[&wire], Limits::default()).unwrap();
        assert_eq!(got.len(), values.len());
        for (g, v) in got.iter().zip(&values) {
            assert!(same(g, v), "{g:?} != {v:?}");
        }
    }

    #[test]
    fn split_at_every_offset_decodes_the_same() {
        let mut wire = Vec::new();
        let mut want = Vec::new();
        for (bytes, v) in samples() {
            wire.extend_from_slice(bytes);
            want.push(v);
        }
        for cut in 0..=wire.len() {
            let got = decode_all(&[&wire[..cut], &wire[cut..]], Limits::default()).unwrap();
            assert_eq!(got, want, "cut at {cut}");
        }
        // And one byte at a time.
        let chunks: Vec<&[u8]> = wire.chunks(1).collect();
        assert_eq!(decode_all(&chunks, Limits::default()).unwrap(), want);
    }

    #[test]
    fn command_encoding_and_its_length() {
        let args: [&[u8]; 3] = [b"SPUBLISH", b"chat:{lobby}", &[0, 255, b'\r']];
        let mut out = Vec::new();
        encode_command(&args, &mut out);
        assert_eq!(
            out,
            b"*3\r\n$8\r\nSPUBLISH\r\n$12\r\nchat:{lobby}\r\n$3\r\n\x00\xff\r\r\n"
        );
        assert_eq!(command_len(&args), out.len());
        let many: Vec<Vec<u8>> = (0..12).map(|i| vec![b'x'; i * 3]).collect();
        out.clear();
        encode_command(&many, &mut out);
        assert_eq!(command_len(&many), out.len());
    }

    fn err_of(bytes: &[u8], limits: Limits) -> Error {
        let mut dec = Decoder::new(limits);
        dec.push(bytes);
        let e = dec.next_value().unwrap_err();
        assert_eq!(dec.next_value(), Err(Error::Poisoned));
        e
    }

    #[test]
    fn malformed_input_gets_a_named_error() {
        let d = Limits::default();
        assert_eq!(err_of(b"x\r\n", d), Error::UnknownType(b'x'));
        assert_eq!(err_of(b":12a\r\n", d), Error::BadHeader(b':'));
        assert_eq!(err_of(b":\r\n", d), Error::BadHeader(b':'));
        assert_eq!(
            err_of(b":99999999999999999999\r\n", d),
            Error::BadHeader(b':')
        );
        assert_eq!(err_of(b"$-2\r\n", d), Error::BadHeader(b'$'));
        assert_eq!(err_of(b"$?\r\n", d), Error::BadHeader(b'$'));
        assert_eq!(err_of(b"~-1\r\n", d), Error::BadHeader(b'~'));
        assert_eq!(err_of(b"$1\r\nab\r\n", d), Error::BadBody(b'$'));
        assert_eq!(err_of(b"=4\r\ntxtx\r\n", d), Error::BadBody(b'='));
        assert_eq!(err_of(b"=3\r\ntxt\r\n", d), Error::BadBody(b'='));
        assert_eq!(err_of(b"#x\r\n", d), Error::BadHeader(b'#'));
        assert_eq!(err_of(b"_x\r\n", d), Error::BadHeader(b'_'));
        assert_eq!(err_of(b",infinity\r\n", d), Error::BadHeader(b','));
        assert_eq!(err_of(b"(12x\r\n", d), Error::BadHeader(b'('));
        assert_eq!(err_of(b"+a\rb\r\n", d), Error::BadHeader(b'+'));
        assert_eq!(err_of(b"+a\nb\r\n", d), Error::BadHeader(b'+'));
    }

    #[test]
    fn hostile_lengths_are_refused_before_their_body() {
        let d = Limits::default();
        // The header alone is enough to refuse: nothing else is buffered.
        assert_eq!(
            err_of(b"$99999999999\r\n", d),
            Error::BulkTooLong(99_999_999_999)
        );
        assert_eq!(
            err_of(b"*9999999\r\n", d),
            Error::TooManyElements(9_999_999)
        );
        let small = Limits {
            max_bulk: 8,
            max_elements: 4,
            max_depth: 2,
            max_total: 32,
        };
        assert_eq!(err_of(b"$9\r\n", small), Error::BulkTooLong(9));
        assert_eq!(err_of(b"*5\r\n", small), Error::TooManyElements(5));
        assert_eq!(err_of(b"*1\r\n*1\r\n*1\r\n", small), Error::TooDeep);
        assert_eq!(
            err_of(b"*4\r\n$8\r\n01234567\r\n$8\r\n01234567\r\n$8\r\n", small),
            Error::TooLarge
        );
        // A simple string without its end passes max_bulk: refused without
        // waiting for a CRLF that may never come.
        assert_eq!(err_of(b"+0123456789xx", small), Error::BulkTooLong(13));
        // A number line that never ends.
        assert_eq!(err_of(&[b':'; 80], d), Error::BadHeader(b':'));
        // Within the limits, the same shapes decode.
        assert_eq!(
            decode_all(&[b"*2\r\n*1\r\n$8\r\n01234567\r\n:1\r\n"], small).unwrap(),
            [Value::Array(vec![
                Value::Array(vec![bulk("01234567")]),
                Value::Integer(1)
            ])]
        );
    }
}
