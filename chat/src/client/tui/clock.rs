//! Local time without crates: the TZif zone files, read by hand.
//!
//! Timestamps on the wire are UTC milliseconds; people want their wall
//! clock. The offset from UTC at a given instant (with daylight saving
//! time) is what the system's zone files describe, in the TZif format of
//! RFC 8536. [`LocalZone::load`] finds the zone as the C library does and
//! parses it; anything it cannot read leaves the client on UTC, with a
//! warning to show instead of a wrong clock.
//!
//! # Which zone
//!
//! | `TZ` | zone |
//! | --- | --- |
//! | unset | the file `/etc/localtime` |
//! | empty | UTC |
//! | `/an/absolute/path` (or `:/path`) | that file |
//! | `Europe/Paris` (or `:Europe/Paris`) | `$TZDIR/Europe/Paris`, `TZDIR` defaulting to `/usr/share/zoneinfo` |
//! | `CET-1CEST,M3.5.0,M10.5.0/3` (no such file) | that POSIX TZ rule |
//!
//! A zone name containing `..` is refused rather than followed.
//!
//! # The TZif format (RFC 8536), as read here
//!
//! ```text
//!  header  "TZif" version(1) unused(15) isutcnt isstdcnt leapcnt timecnt typecnt charcnt (6 × u32 BE)
//!  v1 data transition times (timecnt × i32) · type indices (timecnt × u8) ·
//!          local time types (typecnt × {utoff i32, isdst u8, desigidx u8}) ·
//!          designations (charcnt) · leap records (leapcnt × 8) · std/wall (isstdcnt) · UT/local (isutcnt)
//!  v2+     a second header, the same data with 64-bit times (leap records 12 bytes),
//!          then a footer: "\n" POSIX-TZ-string "\n"
//! ```
//!
//! A version 1 file is read from its 32-bit block; a version 2 or later
//! file from its 64-bit block, skipping the first. Before the first
//! transition the first local time type applies (RFC 8536 §3.2); after
//! the last one, the footer's rule (so a "slim" file, which stops its
//! table where the rule takes over, and any year past 2037 are right).
//! Leap-second records are skipped: the client shows minutes.
//!
//! # Hostile files
//!
//! A zone file is input like any other. The reader takes at most
//! [`MAX_FILE_BYTES`], checks every count against the bytes actually
//! present (with overflow-checked arithmetic) before reading, requires at
//! least one local time type, type indices in range, transitions in
//! increasing order, offsets within ±25 hours, and a footer that parses;
//! any failure is a [`TzError`], and [`LocalZone::load`] falls back to
//! UTC with a warning. Nothing here panics on any input (a test feeds it
//! corrupted real files).
//!
//! ```
//! use chat::client::tui::clock::LocalZone;
//!
//! let paris = LocalZone::from_posix_rule("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
//! // 2024-07-15 12:00 UTC is 14:00 in Paris (summer time, UTC+2).
//! assert_eq!(paris.offset_secs(1_721_044_800), 7200);
//! assert_eq!(paris.hh_mm(1_721_044_800_000), "14:00");
//! // 2024-01-15 12:00 UTC is 13:00 (winter, UTC+1).
//! assert_eq!(paris.hh_mm(1_705_320_000_000), "13:00");
//! assert_eq!(LocalZone::utc().hh_mm(1_705_320_000_000), "12:00");
//! ```

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest zone file read; real ones are a few kilobytes.
pub const MAX_FILE_BYTES: u64 = 256 * 1024;

/// The most transitions accepted from one file (real files: under 2000).
const MAX_TRANSITIONS: usize = 100_000;

/// Offsets beyond ±25 hours are not a real zone (RFC 8536 §3.2 asks for
/// -89999..=93599 seconds).
const MAX_OFFSET: i64 = 25 * 3600;

/// A local time zone: how far local time is from UTC at any instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalZone {
    /// Transition instants (UTC seconds), strictly increasing.
    times: Vec<i64>,
    /// The offset in effect from each transition on.
    offsets: Vec<i32>,
    /// The offset before the first transition.
    initial: i32,
    /// The rule after the last transition (the footer); without one, the
    /// last offset stays.
    rule: Option<Rule>,
}

/// Why a zone could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TzError {
    /// The file could not be opened or read.
    Io(String),
    /// The file is larger than [`MAX_FILE_BYTES`].
    TooLarge,
    /// The data is not a TZif file (no `TZif` magic).
    NotTzif,
    /// The file ends before the data its header announces.
    Truncated,
    /// A count, index, offset or order breaks the format.
    Invalid(&'static str),
    /// The POSIX TZ rule (the footer, or `TZ` itself) does not parse.
    BadRule(String),
    /// The zone name is not one to look up (it contains `..`).
    BadName,
}

impl fmt::Display for TzError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TzError::Io(e) => write!(f, "{e}"),
            TzError::TooLarge => write!(f, "larger than {MAX_FILE_BYTES} bytes"),
            TzError::NotTzif => f.write_str("not a TZif zone file"),
            TzError::Truncated => f.write_str("zone file cut short"),
            TzError::Invalid(what) => write!(f, "corrupt zone file: {what}"),
            TzError::BadRule(rule) => write!(f, "bad TZ rule {rule:?}"),
            TzError::BadName => f.write_str("zone name contains \"..\""),
        }
    }
}

impl std::error::Error for TzError {}

impl LocalZone {
    /// The zone of this process, from `TZ` or `/etc/localtime` (see the
    /// module docs), and a warning to show the user when it could not be
    /// read and times are therefore UTC.
    pub fn load() -> (LocalZone, Option<String>) {
        let tz = std::env::var_os("TZ").map(|v| v.to_string_lossy().into_owned());
        let dir = std::env::var_os("TZDIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/share/zoneinfo"));
        LocalZone::from_tz(tz.as_deref(), &dir)
    }

    /// [`load`](Self::load) with the value of `TZ` (`None`: unset) and the
    /// zone directory given, for tests and for callers with their own
    /// configuration.
    pub fn from_tz(tz: Option<&str>, zone_dir: &Path) -> (LocalZone, Option<String>) {
        let (what, result) = match tz {
            None => (
                "/etc/localtime".to_string(),
                LocalZone::from_file(Path::new("/etc/localtime")),
            ),
            Some("") => return (LocalZone::utc(), None),
            Some(tz) => {
                let name = tz.strip_prefix(':').unwrap_or(tz);
                (format!("TZ={tz}"), LocalZone::from_name(name, zone_dir))
            }
        };
        match result {
            Ok(zone) => (zone, None),
            Err(e) => (
                LocalZone::utc(),
                Some(format!("time zone unknown ({what}: {e}), times are UTC")),
            ),
        }
    }

    /// A zone name, an absolute path, or a POSIX TZ rule.
    fn from_name(name: &str, zone_dir: &Path) -> Result<LocalZone, TzError> {
        if name.starts_with('/') {
            return LocalZone::from_file(Path::new(name));
        }
        if name.split('/').any(|part| part == "..") {
            return Err(TzError::BadName);
        }
        match LocalZone::from_file(&zone_dir.join(name)) {
            Ok(zone) => Ok(zone),
            // Not a file: perhaps a rule such as "EST5EDT" or "IST-5:30".
            Err(TzError::Io(e)) => LocalZone::from_posix_rule(name).map_err(|_| TzError::Io(e)),
            Err(e) => Err(e),
        }
    }

    /// UTC: offset 0 at every instant.
    pub fn utc() -> LocalZone {
        LocalZone {
            times: Vec::new(),
            offsets: Vec::new(),
            initial: 0,
            rule: None,
        }
    }

    /// Reads and parses a TZif file (at most [`MAX_FILE_BYTES`]).
    pub fn from_file(path: &Path) -> Result<LocalZone, TzError> {
        let file = std::fs::File::open(path)
            .map_err(|e| TzError::Io(format!("{}: {e}", path.display())))?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| TzError::Io(format!("{}: {e}", path.display())))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(TzError::TooLarge);
        }
        LocalZone::parse(&bytes)
    }

    /// Parses the bytes of a TZif file (RFC 8536, versions 1 to 4).
    pub fn parse(bytes: &[u8]) -> Result<LocalZone, TzError> {
        let mut r = Reader { bytes, pos: 0 };
        let v1 = Header::read(&mut r)?;
        if v1.version == 0 {
            return block(&mut r, &v1, 4, None);
        }
        r.skip(v1.data_len(4)?)?;
        let v2 = Header::read(&mut r)?;
        let footer = read_footer(&mut r, &v2)?;
        let mut body = Reader { bytes, pos: r.pos };
        block(&mut body, &v2, 8, footer)
    }

    /// A zone from a POSIX TZ rule alone (`"CET-1CEST,M3.5.0,M10.5.0/3"`,
    /// `"IST-5:30"`, `"<+0330>-3:30"`).
    pub fn from_posix_rule(rule: &str) -> Result<LocalZone, TzError> {
        let rule = Rule::parse(rule)?;
        Ok(LocalZone {
            times: Vec::new(),
            offsets: Vec::new(),
            initial: rule.std,
            rule: Some(rule),
        })
    }

    /// Seconds to add to UTC to get local time at the instant `unix_secs`.
    pub fn offset_secs(&self, unix_secs: i64) -> i32 {
        // `partition_point`: the number of transitions at or before t.
        let after = self.times.partition_point(|&t| t <= unix_secs);
        if after == 0 {
            if self.times.is_empty() {
                if let Some(rule) = &self.rule {
                    return rule.offset_at(unix_secs);
                }
            }
            return self.initial;
        }
        if after == self.times.len() {
            if let Some(rule) = &self.rule {
                return rule.offset_at(unix_secs);
            }
        }
        self.offsets[after - 1]
    }

    /// The local wall-clock time `HH:MM` of `unix_ms` (UTC milliseconds).
    pub fn hh_mm(&self, unix_ms: u64) -> String {
        let secs = (unix_ms / 1000) as i64;
        let local = secs + i64::from(self.offset_secs(secs));
        let minutes = local.div_euclid(60).rem_euclid(24 * 60);
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// A cursor over the file's bytes; every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], TzError> {
        let end = self.pos.checked_add(n).ok_or(TzError::Truncated)?;
        let slice = self.bytes.get(self.pos..end).ok_or(TzError::Truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn skip(&mut self, n: usize) -> Result<(), TzError> {
        self.take(n).map(drop)
    }

    fn u32(&mut self) -> Result<u32, TzError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A big-endian signed time of `size` bytes (4 or 8).
    fn time(&mut self, size: usize) -> Result<i64, TzError> {
        let b = self.take(size)?;
        Ok(if size == 4 {
            i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        } else {
            i64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
        })
    }
}

/// The counts of one TZif header.
struct Header {
    version: u8,
    isutcnt: usize,
    isstdcnt: usize,
    leapcnt: usize,
    timecnt: usize,
    typecnt: usize,
    charcnt: usize,
}

impl Header {
    fn read(r: &mut Reader) -> Result<Header, TzError> {
        if r.take(4).map_err(|_| TzError::NotTzif)? != b"TZif" {
            return Err(TzError::NotTzif);
        }
        let version = match r.take(1)?[0] {
            0 => 0,
            v @ b'2'..=b'9' => v - b'0',
            _ => return Err(TzError::Invalid("unknown version")),
        };
        r.skip(15)?;
        let mut count = || -> Result<usize, TzError> {
            usize::try_from(r.u32()?).map_err(|_| TzError::Invalid("count too large"))
        };
        let h = Header {
            version,
            isutcnt: count()?,
            isstdcnt: count()?,
            leapcnt: count()?,
            timecnt: count()?,
            typecnt: count()?,
            charcnt: count()?,
        };
        if h.typecnt == 0 {
            return Err(TzError::Invalid("no local time type"));
        }
        if h.typecnt > 256 {
            return Err(TzError::Invalid("more than 256 local time types"));
        }
        if h.timecnt > MAX_TRANSITIONS {
            return Err(TzError::Invalid("too many transitions"));
        }
        if (h.isutcnt != 0 && h.isutcnt != h.typecnt)
            || (h.isstdcnt != 0 && h.isstdcnt != h.typecnt)
        {
            return Err(TzError::Invalid(
                "indicator counts differ from the type count",
            ));
        }
        Ok(h)
    }

    /// The length of the data block with times of `size` bytes.
    fn data_len(&self, size: usize) -> Result<usize, TzError> {
        let parts = [
            self.timecnt.checked_mul(size),
            Some(self.timecnt),
            self.typecnt.checked_mul(6),
            Some(self.charcnt),
            self.leapcnt.checked_mul(size + 4),
            Some(self.isstdcnt),
            Some(self.isutcnt),
        ];
        parts
            .iter()
            .try_fold(0usize, |sum, part| sum.checked_add((*part)?))
            .ok_or(TzError::Truncated)
    }
}

/// Reads the v2+ footer after the 64-bit data block; leaves `r` at the
/// start of that block.
fn read_footer(r: &mut Reader, h: &Header) -> Result<Option<Rule>, TzError> {
    let start = r.pos;
    r.skip(h.data_len(8)?)?;
    let rest = &r.bytes[r.pos..];
    r.pos = start;
    // "\n" rule "\n", required in version 2 and later (the rule may be
    // empty).
    let Some(inner) = rest.strip_prefix(b"\n") else {
        return Err(TzError::Truncated);
    };
    let Some(end) = inner.iter().position(|&b| b == b'\n') else {
        return Err(TzError::Invalid("footer without its closing newline"));
    };
    let text =
        std::str::from_utf8(&inner[..end]).map_err(|_| TzError::Invalid("footer not ASCII"))?;
    if text.is_empty() {
        return Ok(None);
    }
    Rule::parse(text).map(Some)
}

/// Reads one data block into a zone.
fn block(
    r: &mut Reader,
    h: &Header,
    size: usize,
    rule: Option<Rule>,
) -> Result<LocalZone, TzError> {
    let mut times = Vec::with_capacity(h.timecnt);
    for _ in 0..h.timecnt {
        let t = r.time(size)?;
        if times.last().is_some_and(|&last| t <= last) {
            return Err(TzError::Invalid("transitions out of order"));
        }
        times.push(t);
    }
    let indices = r.take(h.timecnt)?;
    let mut types = Vec::with_capacity(h.typecnt);
    for _ in 0..h.typecnt {
        let utoff = r.time(4)?;
        r.skip(2)?; // isdst, desigidx: not needed for the offset
        if !(-MAX_OFFSET..=MAX_OFFSET).contains(&utoff) {
            return Err(TzError::Invalid("offset beyond 25 hours"));
        }
        types.push(utoff as i32);
    }
    let mut offsets = Vec::with_capacity(h.timecnt);
    for &i in indices {
        let off = types
            .get(usize::from(i))
            .ok_or(TzError::Invalid("type index out of range"))?;
        offsets.push(*off);
    }
    // Designations, leap records and indicators: present, not needed.
    r.skip(h.charcnt)?;
    r.skip(h.leapcnt.checked_mul(size + 4).ok_or(TzError::Truncated)?)?;
    r.skip(h.isstdcnt)?;
    r.skip(h.isutcnt)?;
    Ok(LocalZone {
        times,
        offsets,
        initial: types[0],
        rule,
    })
}

/// A POSIX TZ rule: a standard offset and perhaps daylight saving time
/// with its start and end (the footer of a TZif file; POSIX.1-2017 §8.3,
/// with RFC 8536 §3.3's extension of hours to ±167).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    /// Standard time's offset from UTC, in seconds east (sign already
    /// flipped from the rule's "west" convention).
    std: i32,
    dst: Option<Dst>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Dst {
    offset: i32,
    start: When,
    end: When,
}

/// A day of the year and a local time of day (seconds, may be negative
/// or past 24 h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct When {
    day: Day,
    time: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Day {
    /// `Jn`: 1..=365, February 29 never counted.
    Julian(u16),
    /// `n`: 0..=365, February 29 counted.
    Zero(u16),
    /// `Mm.w.d`: month 1..=12, week 1..=5 (5 = last), weekday 0..=6 (Sunday 0).
    Month(u8, u8, u8),
}

/// A tiny scanner for the rule text.
struct Scan<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn number(&mut self, max: u32) -> Option<u32> {
        let start = self.pos;
        let mut n: u32 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            n = n.checked_mul(10)?.checked_add(u32::from(d - b'0'))?;
            if n > max {
                return None;
            }
            self.pos += 1;
        }
        (self.pos > start).then_some(n)
    }

    /// A zone abbreviation: 3+ letters, or `<...>` with letters, digits,
    /// `+` and `-`.
    fn name(&mut self) -> Option<()> {
        if self.eat(b'<') {
            let start = self.pos;
            while matches!(self.peek(), Some(b) if b.is_ascii_alphanumeric() || b == b'+' || b == b'-')
            {
                self.pos += 1;
            }
            let len = self.pos - start;
            return (self.eat(b'>') && len >= 3).then_some(());
        }
        let start = self.pos;
        while matches!(self.peek(), Some(b) if b.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        (self.pos - start >= 3).then_some(())
    }

    /// `[+-]hh[:mm[:ss]]`, in seconds; hours up to `max_hours`.
    fn hms(&mut self, max_hours: u32) -> Option<i64> {
        let negative = if self.eat(b'-') {
            true
        } else {
            self.eat(b'+');
            false
        };
        let h = self.number(max_hours)?;
        let mut secs = i64::from(h) * 3600;
        if self.eat(b':') {
            secs += i64::from(self.number(59)?) * 60;
            if self.eat(b':') {
                secs += i64::from(self.number(59)?);
            }
        }
        Some(if negative { -secs } else { secs })
    }

    fn when(&mut self) -> Option<When> {
        let day = if self.eat(b'J') {
            let n = self.number(365)?;
            if n == 0 {
                return None;
            }
            Day::Julian(n as u16)
        } else if self.eat(b'M') {
            let m = self.number(12)?;
            if m == 0 || !self.eat(b'.') {
                return None;
            }
            let w = self.number(5)?;
            if w == 0 || !self.eat(b'.') {
                return None;
            }
            let d = self.number(6)?;
            Day::Month(m as u8, w as u8, d as u8)
        } else {
            Day::Zero(self.number(365)? as u16)
        };
        let time = if self.eat(b'/') {
            self.hms(167)?
        } else {
            2 * 3600
        };
        Some(When { day, time })
    }
}

impl Rule {
    fn parse(text: &str) -> Result<Rule, TzError> {
        let bad = || TzError::BadRule(text.chars().take(64).collect());
        let mut s = Scan {
            s: text.as_bytes(),
            pos: 0,
        };
        s.name().ok_or_else(bad)?;
        // POSIX offsets count hours west of Greenwich: "CET-1" is UTC+1.
        let std = -s.hms(24).ok_or_else(bad)?;
        let dst = if s.peek().is_some() {
            s.name().ok_or_else(bad)?;
            let offset = match s.peek() {
                Some(b',') | None => std + 3600,
                _ => -s.hms(24).ok_or_else(bad)?,
            };
            let (start, end) = if s.eat(b',') {
                let start = s.when().ok_or_else(bad)?;
                if !s.eat(b',') {
                    return Err(bad());
                }
                (start, s.when().ok_or_else(bad)?)
            } else {
                // No dates: the long-standing default of US rules.
                let at2 = 2 * 3600;
                (
                    When {
                        day: Day::Month(3, 2, 0),
                        time: at2,
                    },
                    When {
                        day: Day::Month(11, 1, 0),
                        time: at2,
                    },
                )
            };
            Some(Dst {
                offset: offset as i32,
                start,
                end,
            })
        } else {
            None
        };
        if s.peek().is_some() {
            return Err(bad());
        }
        Ok(Rule {
            std: std as i32,
            dst,
        })
    }

    /// The offset at `t` (UTC seconds).
    fn offset_at(&self, t: i64) -> i32 {
        let Some(dst) = &self.dst else {
            return self.std;
        };
        // ±2^40 s is ±34 000 years: far beyond any use, and no overflow below.
        let t = t.clamp(-(1 << 40), 1 << 40);
        let year = civil_from_days((t + i64::from(self.std)).div_euclid(86_400)).0;
        // Both instants in UTC: the start is given in standard time, the
        // end in daylight time (POSIX).
        let start = dst.start.instant(year) - i64::from(self.std);
        let end = dst.end.instant(year) - i64::from(dst.offset);
        let in_dst = if start < end {
            t >= start && t < end
        } else {
            // Southern hemisphere: summer time spans the new year.
            !(t >= end && t < start)
        };
        if in_dst {
            dst.offset
        } else {
            self.std
        }
    }
}

impl When {
    /// Seconds from the epoch to this local date and time in `year`,
    /// counted as if local time were UTC.
    fn instant(&self, year: i64) -> i64 {
        let jan1 = days_from_civil(year, 1, 1);
        let day = match self.day {
            Day::Julian(n) => {
                let n = i64::from(n) - 1;
                // February 29 is not counted: days from March on shift by one.
                jan1 + n + i64::from(is_leap(year) && n >= 59)
            }
            Day::Zero(n) => jan1 + i64::from(n),
            Day::Month(m, w, d) => {
                let first = days_from_civil(year, m.into(), 1);
                // 1970-01-01 was a Thursday (weekday 4).
                let weekday = (first + 4).rem_euclid(7);
                let mut day =
                    first + (i64::from(d) - weekday).rem_euclid(7) + 7 * (i64::from(w) - 1);
                let len = month_len(year, m.into());
                while day - first >= len {
                    day -= 7;
                }
                day
            }
        };
        day * 86_400 + self.time
    }
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn month_len(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date. The year is
/// counted from March so that the leap day ends it; 146 097 days make a
/// 400-year era.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (m + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`]: `(year, month, day)`.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let d = day_of_year - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = year_of_era + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZONES: &str = "/usr/share/zoneinfo";

    /// Seconds since the epoch of a UTC date and time.
    fn utc(y: i64, mo: i64, d: i64, h: i64, mi: i64) -> i64 {
        days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60
    }

    fn zone(name: &str) -> Option<LocalZone> {
        let path = Path::new(ZONES).join(name);
        if !path.exists() {
            eprintln!("skipping: {} is not installed", path.display());
            return None;
        }
        Some(LocalZone::from_file(&path).unwrap())
    }

    #[test]
    fn civil_days_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for z in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn paris_has_summer_time() {
        let Some(paris) = zone("Europe/Paris") else {
            return;
        };
        assert_eq!(paris.offset_secs(utc(2024, 1, 15, 12, 0)), 3600);
        assert_eq!(paris.offset_secs(utc(2024, 7, 15, 12, 0)), 7200);
        // Summer time starts 2024-03-31 at 01:00 UTC, ends 2024-10-27 01:00 UTC.
        assert_eq!(paris.offset_secs(utc(2024, 3, 31, 1, 0) - 1), 3600);
        assert_eq!(paris.offset_secs(utc(2024, 3, 31, 1, 0)), 7200);
        assert_eq!(paris.offset_secs(utc(2024, 10, 27, 1, 0) - 1), 7200);
        assert_eq!(paris.offset_secs(utc(2024, 10, 27, 1, 0)), 3600);
        // Past the table (2037): the footer rule, same dates.
        assert_eq!(paris.offset_secs(utc(2100, 3, 28, 1, 0) - 1), 3600);
        assert_eq!(paris.offset_secs(utc(2100, 3, 28, 1, 0)), 7200);
        assert_eq!(paris.offset_secs(utc(2100, 10, 31, 1, 0) - 1), 7200);
        assert_eq!(paris.offset_secs(utc(2100, 10, 31, 1, 0)), 3600);
        assert_eq!(paris.hh_mm(utc(2024, 7, 15, 22, 30) as u64 * 1000), "00:30");
        // Before the first transition: local mean time (+0:09:21).
        assert_eq!(paris.offset_secs(i64::MIN), 561);
    }

    #[test]
    fn kolkata_is_half_an_hour_off() {
        let Some(kolkata) = zone("Asia/Kolkata") else {
            return;
        };
        assert_eq!(kolkata.offset_secs(utc(2024, 1, 15, 12, 0)), 19_800);
        assert_eq!(kolkata.offset_secs(utc(2090, 7, 1, 0, 0)), 19_800);
        assert_eq!(
            kolkata.hh_mm(utc(2024, 1, 15, 12, 0) as u64 * 1000),
            "17:30"
        );
    }

    #[test]
    fn sydney_has_summer_time_across_the_new_year() {
        let Some(sydney) = zone("Australia/Sydney") else {
            return;
        };
        assert_eq!(sydney.offset_secs(utc(2024, 1, 15, 0, 0)), 11 * 3600);
        assert_eq!(sydney.offset_secs(utc(2024, 7, 15, 0, 0)), 10 * 3600);
        assert_eq!(sydney.offset_secs(utc(2090, 1, 15, 0, 0)), 11 * 3600);
        assert_eq!(sydney.offset_secs(utc(2090, 7, 15, 0, 0)), 10 * 3600);
        // The footer alone agrees with the table where both apply.
        let rule = LocalZone::from_posix_rule("AEST-10AEDT,M10.1.0,M4.1.0/3").unwrap();
        for t in (utc(2025, 1, 1, 0, 0)..utc(2036, 1, 1, 0, 0)).step_by(3600 * 7 + 13) {
            assert_eq!(rule.offset_secs(t), sydney.offset_secs(t), "at {t}");
        }
    }

    #[test]
    fn posix_rules_alone_match_the_files() {
        let Some(paris) = zone("Europe/Paris") else {
            return;
        };
        let rule = LocalZone::from_posix_rule("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        for t in (utc(1997, 1, 1, 0, 0)..utc(2037, 1, 1, 0, 0)).step_by(3600 * 5 + 7) {
            assert_eq!(rule.offset_secs(t), paris.offset_secs(t), "at {t}");
        }
        let Some(ny) = zone("America/New_York") else {
            return;
        };
        let rule = LocalZone::from_posix_rule("EST5EDT,M3.2.0,M11.1.0").unwrap();
        for t in (utc(2008, 1, 1, 0, 0)..utc(2037, 1, 1, 0, 0)).step_by(3600 * 5 + 7) {
            assert_eq!(rule.offset_secs(t), ny.offset_secs(t), "at {t}");
        }
    }

    #[test]
    fn rule_syntax() {
        let off = |rule: &str, t| LocalZone::from_posix_rule(rule).unwrap().offset_secs(t);
        assert_eq!(off("IST-5:30", 0), 19_800);
        assert_eq!(off("<+0330>-3:30", 0), 12_600);
        assert_eq!(off("<-03>3", 0), -10_800);
        assert_eq!(off("UTC0", 0), 0);
        // Jn: day 60 is March 1 in every year.
        let rule = "AAA0BBB,J60/0,J300/0";
        assert_eq!(off(rule, utc(2024, 2, 29, 12, 0)), 0);
        assert_eq!(off(rule, utc(2024, 3, 1, 0, 0)), 3600);
        // n: zero-based, February 29 counted: day 59 is Feb 29 in 2024.
        let rule = "AAA0BBB,59/0,300/0";
        assert_eq!(off(rule, utc(2024, 2, 28, 12, 0)), 0);
        assert_eq!(off(rule, utc(2024, 2, 29, 0, 0)), 3600);
        // A default DST rule (US dates) and offset (one hour ahead).
        assert_eq!(off("EST5EDT", utc(2024, 7, 1, 0, 0)), -4 * 3600);
        for bad in [
            "",
            "C",
            "CET",
            "CET-1CEST,M3.5.0",
            "CET-1CEST,M13.1.0,M10.5.0",
            "CET-1CEST,M3.6.0,M10.5.0",
            "CET-1CEST,M3.5.7,M10.5.0",
            "CET-99",
            "CET-1 trailing",
            "<AB>1",
            "CET-1CEST,J0,J10",
            "CET-1CEST,366,1",
            "CET-1CEST,M3.5.0/200,M10.5.0",
        ] {
            assert!(LocalZone::from_posix_rule(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn from_tz_finds_zones_and_falls_back_with_a_warning() {
        let dir = Path::new(ZONES);
        if !dir.join("Europe/Paris").exists() {
            return;
        }
        let t = utc(2024, 7, 15, 12, 0);
        let (z, warning) = LocalZone::from_tz(Some("Europe/Paris"), dir);
        assert_eq!((z.offset_secs(t), warning), (7200, None));
        let (z, warning) = LocalZone::from_tz(Some(":Asia/Kolkata"), dir);
        assert_eq!((z.offset_secs(t), warning), (19_800, None));
        let (z, warning) = LocalZone::from_tz(Some("/usr/share/zoneinfo/Europe/Paris"), dir);
        assert_eq!((z.offset_secs(t), warning), (7200, None));
        let (z, warning) = LocalZone::from_tz(Some("IST-5:30"), dir);
        assert_eq!((z.offset_secs(t), warning), (19_800, None));
        assert_eq!(LocalZone::from_tz(Some(""), dir), (LocalZone::utc(), None));

        let (z, warning) = LocalZone::from_tz(Some("Mars/Olympus_Mons"), dir);
        assert_eq!(z, LocalZone::utc());
        let warning = warning.unwrap();
        assert!(
            warning.starts_with("time zone unknown (TZ=Mars/Olympus_Mons: "),
            "{warning}"
        );
        assert!(warning.ends_with("), times are UTC"), "{warning}");
        let (z, warning) = LocalZone::from_tz(Some("../../etc/passwd"), dir);
        assert_eq!(z, LocalZone::utc());
        assert!(warning.unwrap().contains("\"..\""));
        // A file that is not a zone file.
        let (z, warning) = LocalZone::from_tz(Some("/etc/hostname"), dir);
        assert_eq!(z, LocalZone::utc());
        assert!(warning.is_some());
    }

    #[test]
    fn corrupt_files_are_errors() {
        let Some(path) = Some(Path::new(ZONES).join("Europe/Paris")).filter(|p| p.exists()) else {
            return;
        };
        let good = std::fs::read(path).unwrap();
        assert_eq!(LocalZone::parse(b""), Err(TzError::NotTzif));
        assert_eq!(LocalZone::parse(b"TZjf2"), Err(TzError::NotTzif));
        assert_eq!(LocalZone::parse(&good[..30]), Err(TzError::Truncated));
        assert_eq!(
            LocalZone::parse(&good[..good.len() - 1]).unwrap_err(),
            TzError::Invalid("footer without its closing newline")
        );
        // typecnt 0.
        let mut bad = good.clone();
        bad[36..40].copy_from_slice(&0u32.to_be_bytes());
        assert_eq!(
            LocalZone::parse(&bad),
            Err(TzError::Invalid("no local time type"))
        );
        // A huge transition count.
        let mut bad = good.clone();
        bad[32..36].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            LocalZone::parse(&bad),
            Err(TzError::Invalid("too many transitions"))
        );
        // Every truncation fails cleanly; none panics.
        for len in 0..good.len() {
            assert!(LocalZone::parse(&good[..len]).is_err(), "cut at {len}");
        }
    }

    #[test]
    fn corrupted_bytes_never_panic() {
        let mut files = Vec::new();
        for name in ["Europe/Paris", "Asia/Kolkata", "Australia/Sydney", "UTC"] {
            if let Ok(bytes) = std::fs::read(Path::new(ZONES).join(name)) {
                files.push(bytes);
            }
        }
        let mut x: u64 = 0x243f_6a88_85a3_08d3; // xorshift64, nonzero seed
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut parsed = 0;
        for file in &files {
            for _ in 0..400 {
                let mut bytes = file.clone();
                for _ in 0..1 + next() % 8 {
                    let i = (next() % bytes.len() as u64) as usize;
                    bytes[i] = next() as u8;
                }
                if let Ok(zone) = LocalZone::parse(&bytes) {
                    parsed += 1;
                    for t in [i64::MIN, -1 << 40, -1, 0, 1_700_000_000, 1 << 40, i64::MAX] {
                        let off = zone.offset_secs(t);
                        assert!(i64::from(off).abs() <= 2 * MAX_OFFSET, "{off}");
                    }
                    let _ = zone.hh_mm(u64::MAX);
                }
            }
        }
        // Many corruptions land in unused bytes or designations and still parse.
        assert!(files.is_empty() || parsed > 0);
    }
}
