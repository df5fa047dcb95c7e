use serdy::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serdy::{forward_to_deserialize_any, Deserialize, Deserializer};

/// Reads a `T` from `input`, which must hold exactly one value.
pub fn from_str<'de, T: Deserialize<'de>>(input: &'de str) -> Result<T, Error> {
    let mut de = TinyDeserializer {
        input,
        pos: 0,
        depth: 0,
    };
    let value = T::deserialize(&mut de)?;
    if de.pos != input.len() {
        return Err(de.error("trailing characters"));
    }
    Ok(value)
}

/// Nesting deeper than this is refused: each level costs stack.
const MAX_DEPTH: usize = 64;

/// The input and how far we have read. Strings are borrowed from it.
#[derive(Debug)]
pub struct TinyDeserializer<'de> {
    input: &'de str,
    pos: usize,
    depth: usize,
}

impl<'de> TinyDeserializer<'de> {
    fn error(&self, what: &str) -> Error {
        Error(format!("{what} at byte {}", self.pos))
    }
    fn peek(&self) -> Option<u8> {
        self.input.as_bytes().get(self.pos).copied()
    }
    fn next(&mut self) -> Result<u8, Error> {
        let byte = self
            .peek()
            .ok_or_else(|| self.error("unexpected end of input"))?;
        self.pos += 1;
        Ok(byte)
    }
    /// The text up to `end`, parsed as a number; `end` is consumed.
    fn number<N: std::str::FromStr>(&mut self, end: char) -> Result<N, Error> {
        let rest = &self.input[self.pos..];
        let len = rest
            .find(end)
            .ok_or_else(|| self.error("unterminated number"))?;
        let number = rest[..len]
            .parse()
            .map_err(|_| self.error("invalid number"))?;
        self.pos += len + 1;
        Ok(number)
    }
    /// Runs `read` one nesting level deeper, then expects `close`, if any.
    fn nested<T>(
        &mut self,
        close: Option<u8>,
        read: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nested too deep"));
        }
        let value = read(self)?;
        self.depth -= 1;
        match close {
            Some(close) if self.next()? != close => Err(self.error("more elements than expected")),
            _ => Ok(value),
        }
    }
}

impl<'de> Deserializer<'de> for &mut TinyDeserializer<'de> {
    type Error = Error;

    // The format is self-describing: the first byte says what comes next,
    // so every type hint can go through `deserialize_any`.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.next()? {
            b'T' => visitor.visit_bool(true),
            b'F' => visitor.visit_bool(false),
            b'i' => visitor.visit_i64(self.number(';')?),
            b'u' => visitor.visit_u64(self.number(';')?),
            b's' => {
                let len: usize = self.number(':')?;
                let text = self.input.get(self.pos..self.pos.saturating_add(len));
                let text = text.ok_or_else(|| self.error("string past the end of input"))?;
                self.pos += len;
                visitor.visit_borrowed_str(text)
            }
            b'n' => visitor.visit_none(),
            b'y' => self.nested(None, |de| visitor.visit_some(de)),
            b'-' => visitor.visit_unit(),
            b'[' => self.nested(Some(b']'), |de| visitor.visit_seq(Elements(de))),
            b'{' => self.nested(Some(b'}'), |de| visitor.visit_map(Elements(de))),
            _ => Err(self.error("unexpected character")),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The elements of a sequence, or the keys and values of a map, up to the
/// closing bracket (which `nested` consumes).
struct Elements<'a, 'de>(&'a mut TinyDeserializer<'de>);

impl<'de> SeqAccess<'de> for Elements<'_, 'de> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.0.peek() {
            Some(b']') => Ok(None),
            _ => seed.deserialize(&mut *self.0).map(Some),
        }
    }
}

impl<'de> MapAccess<'de> for Elements<'_, 'de> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.0.peek() {
            Some(b'}') => Ok(None),
            _ => seed.deserialize(&mut *self.0).map(Some),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.0)
    }
}
