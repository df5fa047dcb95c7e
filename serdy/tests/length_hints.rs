//! A length hint comes from the input, so it is not trusted: collections
//! preallocate at most 1 MiB from it, however large the claim.

use std::collections::{HashMap, HashSet, VecDeque};

use serdy::de::value::Error;
use serdy::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serdy::{forward_to_deserialize_any, Deserialize};

const MIB: usize = 1024 * 1024;

/// A format that claims `usize::MAX` elements and then holds none.
struct Liar;

impl<'de> Deserializer<'de> for Liar {
    type Error = Error;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(serdy::de::Error::custom("not self-describing"))
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(LyingAccess)
    }
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(LyingAccess)
    }
    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct tuple
        tuple_struct struct enum identifier ignored_any
    }
}

struct LyingAccess;

impl<'de> SeqAccess<'de> for LyingAccess {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        _: T,
    ) -> Result<Option<T::Value>, Error> {
        Ok(None)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(usize::MAX)
    }
}

impl<'de> MapAccess<'de> for LyingAccess {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, _: K) -> Result<Option<K::Value>, Error> {
        Ok(None)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, _: V) -> Result<V::Value, Error> {
        Err(serdy::de::Error::custom("no value"))
    }
    fn size_hint(&self) -> Option<usize> {
        Some(usize::MAX)
    }
}

#[test]
fn vec_preallocates_at_most_one_mib() {
    let bytes = Vec::<u8>::deserialize(Liar).unwrap();
    assert!(bytes.is_empty());
    assert!(bytes.capacity() <= MIB, "capacity {}", bytes.capacity());
    let words = Vec::<u64>::deserialize(Liar).unwrap();
    assert!(words.capacity() * 8 <= MIB, "capacity {}", words.capacity());
    let strings = Vec::<String>::deserialize(Liar).unwrap();
    assert!(strings.capacity() * std::mem::size_of::<String>() <= MIB);
    let units = Vec::<()>::deserialize(Liar).unwrap();
    assert!(units.is_empty());
}

#[test]
fn other_collections_are_capped_too() {
    let deque = VecDeque::<u32>::deserialize(Liar).unwrap();
    assert!(deque.capacity() * 4 <= MIB);
    // A hash table's capacity is 7/8 of its slots, and each slot holds an
    // entry plus a control byte: count the whole table.
    let set = HashSet::<u64>::deserialize(Liar).unwrap();
    let slots = set.capacity() / 7 * 8;
    assert!(slots * (8 + 1) <= MIB, "capacity {}", set.capacity());
    let map = HashMap::<u64, u64>::deserialize(Liar).unwrap();
    let slots = map.capacity() / 7 * 8;
    assert!(slots * (16 + 1) <= MIB, "capacity {}", map.capacity());
}
