//! `Duration`, read back from the struct `Duration { secs, nanos }` as
//! fields in order (compact formats) or by name (self-describing ones).

use std::fmt;
use std::time::Duration;

use crate::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Unexpected, Visitor};

/// The field names, in declaration order.
const FIELDS: &[&str] = &["secs", "nanos"];

const NANOS_PER_SEC: u32 = 1_000_000_000;

/// A field identifier of `Duration`.
enum Field {
    Secs,
    Nanos,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Field, D::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`secs` or `nanos`")
            }
            fn visit_u64<E: Error>(self, v: u64) -> Result<Field, E> {
                match v {
                    0 => Ok(Field::Secs),
                    1 => Ok(Field::Nanos),
                    _ => Err(E::invalid_value(Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Field, E> {
                match v {
                    "secs" => Ok(Field::Secs),
                    "nanos" => Ok(Field::Nanos),
                    _ => Err(E::unknown_field(v, FIELDS)),
                }
            }
            fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Field, E> {
                match v {
                    b"secs" => Ok(Field::Secs),
                    b"nanos" => Ok(Field::Nanos),
                    _ => Err(E::unknown_field(&String::from_utf8_lossy(v), FIELDS)),
                }
            }
        }
        deserializer.deserialize_identifier(FieldVisitor)
    }
}

/// Builds the duration, refusing a `nanos` carry that overflows `secs`
/// (where `Duration::new` would panic).
fn checked_duration<E: Error>(secs: u64, nanos: u32) -> Result<Duration, E> {
    match secs.checked_add(u64::from(nanos / NANOS_PER_SEC)) {
        Some(_) => Ok(Duration::new(secs, nanos)),
        None => Err(E::custom("overflow deserializing Duration")),
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        struct DurationVisitor;
        impl<'de> Visitor<'de> for DurationVisitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("struct Duration")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Duration, A::Error> {
                let secs = match seq.next_element()? {
                    Some(secs) => secs,
                    None => return Err(A::Error::invalid_length(0, &self)),
                };
                let nanos = match seq.next_element()? {
                    Some(nanos) => nanos,
                    None => return Err(A::Error::invalid_length(1, &self)),
                };
                checked_duration(secs, nanos)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Duration, A::Error> {
                let mut secs: Option<u64> = None;
                let mut nanos: Option<u32> = None;
                while let Some(field) = map.next_key()? {
                    match field {
                        Field::Secs if secs.is_some() => {
                            return Err(A::Error::duplicate_field("secs"))
                        }
                        Field::Secs => secs = Some(map.next_value()?),
                        Field::Nanos if nanos.is_some() => {
                            return Err(A::Error::duplicate_field("nanos"))
                        }
                        Field::Nanos => nanos = Some(map.next_value()?),
                    }
                }
                let secs = secs.ok_or_else(|| A::Error::missing_field("secs"))?;
                let nanos = nanos.ok_or_else(|| A::Error::missing_field("nanos"))?;
                checked_duration(secs, nanos)
            }
        }
        deserializer.deserialize_struct("Duration", FIELDS, DurationVisitor)
    }
}
