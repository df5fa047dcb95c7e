//! The JSON `Deserializer`: a recursive-descent parser driving a visitor.

use serdy::de::{self, DeserializeSeed, Visitor};

use super::key::KeyDeserializer;
use super::{Error, MAX_DEPTH};

/// A JSON deserializer over a borrowed `&'de str`.
///
/// JSON is self-describing, so [`deserialize_any`](de::Deserializer::deserialize_any)
/// works: it looks at the next character and calls the matching `visit_*`.
/// The typed hints mostly forward to it, except where the type matters:
/// `Option` (`null` or the value), enums (`"Unit"` or `{"Variant": ..}`),
/// `i128`/`u128`/`f32` (parsed in their own width, exactly) and bytes.
///
/// Strings without escapes are handed out as borrows of the input
/// (`visit_borrowed_str`), so `&'de str` fields work as long as the JSON
/// text of that string has no backslash; with escapes the string is decoded
/// into a new `String` (`visit_string`).
///
/// ```
/// use chat::fmt::json::Deserializer;
/// use serdy::Deserialize;
///
/// let mut de = Deserializer::new(r#" ["plain", "esc\"aped"] "#);
/// let v: Vec<String> = Vec::deserialize(&mut de).unwrap();
/// de.end().unwrap();
/// assert_eq!(v, ["plain", "esc\"aped"]);
/// ```
#[derive(Debug)]
pub struct Deserializer<'de> {
    input: &'de str,
    pos: usize,
    depth: usize,
}

/// A string read from the input: borrowed when it had no escapes.
#[derive(Debug)]
pub(super) enum Str<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl<'de> Str<'de> {
    pub(super) fn visit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Str::Borrowed(s) => visitor.visit_borrowed_str(s),
            Str::Owned(s) => visitor.visit_string(s),
        }
    }

    pub(super) fn as_str(&self) -> &str {
        match self {
            Str::Borrowed(s) => s,
            Str::Owned(s) => s,
        }
    }
}

impl<'de> Deserializer<'de> {
    /// A deserializer reading `input` from its start.
    pub fn new(input: &'de str) -> Self {
        Deserializer {
            input,
            pos: 0,
            depth: 0,
        }
    }

    /// Succeeds if only whitespace is left ([`Error::TrailingCharacters`] otherwise).
    pub fn end(&mut self) -> Result<(), Error> {
        self.skip_ws();
        if self.pos == self.input.len() {
            Ok(())
        } else {
            Err(Error::TrailingCharacters { at: self.pos })
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    /// The next character after whitespace, not consumed.
    fn peek_token(&mut self) -> Result<u8, Error> {
        self.skip_ws();
        self.peek().ok_or(Error::UnexpectedEnd)
    }

    fn syntax(&self, expected: &'static str) -> Error {
        if self.pos >= self.input.len() {
            Error::UnexpectedEnd
        } else {
            Error::Syntax {
                at: self.pos,
                expected,
            }
        }
    }

    /// Consumes `byte` after whitespace.
    fn eat(&mut self, byte: u8, expected: &'static str) -> Result<(), Error> {
        if self.peek_token()? == byte {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax(expected))
        }
    }

    fn keyword(&mut self, word: &'static str, expected: &'static str) -> Result<(), Error> {
        if self.input.as_bytes()[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.syntax(expected))
        }
    }

    /// Steps into an array or object, refusing to go deeper than [`MAX_DEPTH`]
    /// (so hostile input cannot overflow the stack).
    fn enter(&mut self) -> Result<(), Error> {
        if self.depth >= MAX_DEPTH {
            return Err(Error::TooDeep { at: self.pos });
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    fn leave(&mut self, close: u8, expected: &'static str) -> Result<(), Error> {
        self.eat(close, expected)?;
        self.depth -= 1;
        Ok(())
    }

    /// Reads a string; the cursor is on its opening quote.
    pub(super) fn parse_string(&mut self) -> Result<Str<'de>, Error> {
        self.pos += 1;
        let bytes = self.input.as_bytes();
        let start = self.pos;
        // Fast path: no escape, the string is a slice of the input.
        loop {
            match bytes.get(self.pos) {
                None => return Err(Error::UnexpectedEnd),
                Some(b'"') => {
                    let s = &self.input[start..self.pos];
                    self.pos += 1;
                    return Ok(Str::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(0..=0x1f) => {
                    return Err(self.syntax("an escape instead of a control character"))
                }
                Some(_) => self.pos += 1,
            }
        }
        // Slow path: decode escapes into a new string. Every stop is at an
        // ASCII byte, so every slice below is on a char boundary.
        let mut out = String::from(&self.input[start..self.pos]);
        loop {
            match bytes.get(self.pos) {
                None => return Err(Error::UnexpectedEnd),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Str::Owned(out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escaped = match bytes.get(self.pos) {
                        None => return Err(Error::UnexpectedEnd),
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            out.push(self.unicode_escape()?);
                            continue;
                        }
                        Some(_) => return Err(self.syntax("a valid escape")),
                    };
                    self.pos += 1;
                    out.push(escaped);
                }
                Some(0..=0x1f) => {
                    return Err(self.syntax("an escape instead of a control character"))
                }
                Some(_) => {
                    let run = self.pos;
                    while let Some(&b) = bytes.get(self.pos) {
                        if b == b'"' || b == b'\\' || b < 0x20 {
                            break;
                        }
                        self.pos += 1;
                    }
                    out.push_str(&self.input[run..self.pos]);
                }
            }
        }
    }

    /// After `\u`: four hex digits, and for a high surrogate the `\uXXXX`
    /// of its low half.
    fn unicode_escape(&mut self) -> Result<char, Error> {
        let hi = self.hex4()?;
        let code = match hi {
            0xd800..=0xdbff => {
                if !self.input.as_bytes()[self.pos..].starts_with(b"\\u") {
                    return Err(self.syntax("the low half of a surrogate pair"));
                }
                self.pos += 2;
                let lo = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&lo) {
                    return Err(self.syntax("the low half of a surrogate pair"));
                }
                0x10000 + ((u32::from(hi) - 0xd800) << 10) + (u32::from(lo) - 0xdc00)
            }
            0xdc00..=0xdfff => return Err(self.syntax("a high surrogate before a low one")),
            _ => u32::from(hi),
        };
        char::from_u32(code).ok_or_else(|| self.syntax("a Unicode scalar value"))
    }

    fn hex4(&mut self) -> Result<u16, Error> {
        let mut v = 0u16;
        for _ in 0..4 {
            let digit = match self.peek() {
                None => return Err(Error::UnexpectedEnd),
                Some(b) => (b as char)
                    .to_digit(16)
                    .ok_or_else(|| self.syntax("four hex digits"))?,
            };
            v = (v << 4) | digit as u16;
            self.pos += 1;
        }
        Ok(v)
    }

    /// Scans a number per the JSON grammar; returns its text and whether it
    /// has a fraction or exponent.
    fn number_token(&mut self) -> Result<(&'de str, bool), Error> {
        self.skip_ws();
        let start = self.pos;
        let mut float = false;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.syntax("a number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.require_digits()?;
            float = true;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.require_digits()?;
            float = true;
        }
        Ok((&self.input[start..self.pos], float))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    fn require_digits(&mut self) -> Result<(), Error> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.syntax("a digit"));
        }
        self.digits();
        Ok(())
    }

    fn any_number<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        let at = self.pos;
        let (text, float) = self.number_token()?;
        if !float {
            if text.starts_with('-') {
                if let Ok(v) = text.parse::<i64>() {
                    return visitor.visit_i64(v);
                }
                if let Ok(v) = text.parse::<i128>() {
                    return visitor.visit_i128(v);
                }
            } else {
                if let Ok(v) = text.parse::<u64>() {
                    return visitor.visit_u64(v);
                }
                if let Ok(v) = text.parse::<u128>() {
                    return visitor.visit_u128(v);
                }
            }
        }
        match text.parse::<f64>() {
            Ok(v) => visitor.visit_f64(v),
            Err(_) => Err(Error::Syntax {
                at,
                expected: "a number",
            }),
        }
    }

    /// A number parsed straight into `T` (for the widths `deserialize_any`
    /// would round through `f64` or `u64`).
    fn typed_number<T: std::str::FromStr>(&mut self) -> Result<T, Error> {
        let at = self.pos;
        let (text, _) = self.number_token()?;
        text.parse::<T>().map_err(|_| Error::Syntax {
            at,
            expected: "a number that fits the type",
        })
    }
}

macro_rules! forward_to_any {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.deserialize_any(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_token()? {
            b'n' => {
                self.keyword("null", "a JSON value")?;
                visitor.visit_unit()
            }
            b't' => {
                self.keyword("true", "a JSON value")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.keyword("false", "a JSON value")?;
                visitor.visit_bool(false)
            }
            b'"' => self.parse_string()?.visit(visitor),
            b'[' => {
                self.enter()?;
                let value = visitor.visit_seq(Seq {
                    de: &mut *self,
                    first: true,
                })?;
                self.leave(b']', "`,` or `]`")?;
                Ok(value)
            }
            b'{' => {
                self.enter()?;
                let value = visitor.visit_map(Map {
                    de: &mut *self,
                    first: true,
                })?;
                self.leave(b'}', "`,` or `}`")?;
                Ok(value)
            }
            b'-' | b'0'..=b'9' => self.any_number(visitor),
            _ => Err(self.syntax("a JSON value")),
        }
    }

    forward_to_any! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_char deserialize_str deserialize_string
        deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_i128(self.typed_number()?)
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u128(self.typed_number()?)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // Parsed as f32 directly: via f64 a value could round twice.
        visitor.visit_f32(self.typed_number()?)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_f64(self.typed_number()?)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.peek_token()? == b'"' {
            match self.parse_string()? {
                Str::Borrowed(s) => visitor.visit_borrowed_bytes(s.as_bytes()),
                Str::Owned(s) => visitor.visit_byte_buf(s.into_bytes()),
            }
        } else {
            self.deserialize_any(visitor)
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.peek_token()? == b'n' {
            self.keyword("null", "a JSON value")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.peek_token()? {
            // "Variant": a unit variant.
            b'"' => {
                let name = self.parse_string()?;
                visitor.visit_enum(UnitVariant { name })
            }
            // {"Variant": content}
            b'{' => {
                self.enter()?;
                if self.peek_token()? != b'"' {
                    return Err(self.syntax("a variant name"));
                }
                let name = self.parse_string()?;
                self.eat(b':', "`:`")?;
                let value = visitor.visit_enum(VariantWithContent {
                    de: &mut *self,
                    name,
                })?;
                self.leave(b'}', "`}` after the variant's content")?;
                Ok(value)
            }
            _ => Err(self.syntax("a variant: \"Name\" or {\"Name\": ...}")),
        }
    }
}

/// The elements of an array.
struct Seq<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl<'de> de::SeqAccess<'de> for Seq<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let b = self.de.peek_token()?;
        if b == b']' {
            return Ok(None);
        }
        if !self.first {
            if b != b',' {
                return Err(self.de.syntax("`,` or `]`"));
            }
            self.de.pos += 1;
        }
        self.first = false;
        seed.deserialize(&mut *self.de).map(Some)
    }
}

/// The entries of an object.
struct Map<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl<'de> de::MapAccess<'de> for Map<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let mut b = self.de.peek_token()?;
        if b == b'}' {
            return Ok(None);
        }
        if !self.first {
            if b != b',' {
                return Err(self.de.syntax("`,` or `}`"));
            }
            self.de.pos += 1;
            b = self.de.peek_token()?;
        }
        self.first = false;
        if b != b'"' {
            return Err(self.de.syntax("a string key"));
        }
        let key = self.de.parse_string()?;
        self.de.eat(b':', "`:`")?;
        seed.deserialize(KeyDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.de)
    }
}

/// An enum written as a bare string: only a unit variant fits.
pub(super) struct UnitVariant<'de> {
    pub(super) name: Str<'de>,
}

impl<'de> de::EnumAccess<'de> for UnitVariant<'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let name = match &self.name {
            Str::Borrowed(s) => Str::Borrowed(s),
            Str::Owned(s) => Str::Owned(s.clone()),
        };
        let value = seed.deserialize(KeyDeserializer::new(name))?;
        Ok((value, self))
    }
}

impl<'de> UnitVariant<'de> {
    fn needs_content(&self) -> Error {
        Error::Custom(format!(
            "variant `{}` has content: expected {{\"{}\": ...}}, found a bare string",
            self.name.as_str(),
            self.name.as_str()
        ))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariant<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, Error> {
        Err(self.needs_content())
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, Error> {
        Err(self.needs_content())
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Error> {
        Err(self.needs_content())
    }
}

/// An enum written as `{"Variant": content}`.
struct VariantWithContent<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    name: Str<'de>,
}

impl<'a, 'de> de::EnumAccess<'de> for VariantWithContent<'a, 'de> {
    type Error = Error;
    type Variant = &'a mut Deserializer<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), Error> {
        let value = seed.deserialize(KeyDeserializer::new(self.name))?;
        Ok((value, self.de))
    }
}

impl<'de> de::VariantAccess<'de> for &mut Deserializer<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        // `{"Unit": null}` is accepted too, as serde_json does.
        self.peek_token()?;
        self.keyword("null", "`null` for a unit variant")
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}
