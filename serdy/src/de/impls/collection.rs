//! Sequences and maps: `Vec`, `VecDeque`, the sets and the maps.
//!
//! Each preallocates from the format's length hint only through
//! [`cautious`] (or [`cautious_hashed`] for hash tables, whose slots cost
//! more than their entries), so a lying length prefix cannot make it
//! allocate more than 1 MiB ahead of the elements that actually arrive.
//! The B-trees allocate node by node and take no hint.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::marker::PhantomData;

use crate::de::size_hint::{cautious, cautious_hashed};
use crate::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Declares a `Deserialize` impl for a sequence collection:
/// `$new(capacity)` makes it, `$insert` adds an element.
macro_rules! seq {
    (
        $ty:ident<T $(, $h:ident)*>, [$($bound:tt)*],
        $expecting:literal, $budget:ident, |$cap:ident| $new:expr, $insert:ident
    ) => {
        impl<'de, T, $($h),*> Deserialize<'de> for $ty<T $(, $h)*>
        where
            T: Deserialize<'de> + $($bound)*,
            $($h: BuildHasher + Default,)*
        {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct SeqVisitor<C>(PhantomData<C>);
                impl<'de, T, $($h),*> Visitor<'de> for SeqVisitor<$ty<T $(, $h)*>>
                where
                    T: Deserialize<'de> + $($bound)*,
                    $($h: BuildHasher + Default,)*
                {
                    type Value = $ty<T $(, $h)*>;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_seq<A: SeqAccess<'de>>(
                        self,
                        mut seq: A,
                    ) -> Result<Self::Value, A::Error> {
                        let $cap = $budget::<T>(seq.size_hint());
                        let mut collection: Self::Value = $new;
                        while let Some(element) = seq.next_element()? {
                            collection.$insert(element);
                        }
                        Ok(collection)
                    }
                }
                deserializer.deserialize_seq(SeqVisitor(PhantomData))
            }
        }
    };
}

seq!(
    Vec<T>,
    [Sized],
    "a sequence",
    cautious,
    |cap| Vec::with_capacity(cap),
    push
);
seq!(
    VecDeque<T>,
    [Sized],
    "a sequence",
    cautious,
    |cap| VecDeque::with_capacity(cap),
    push_back
);
seq!(
    BTreeSet<T>,
    [Ord],
    "a sequence",
    cautious,
    |_cap| BTreeSet::new(),
    insert
);
seq!(
    HashSet<T, H>, [Eq + Hash], "a sequence", cautious_hashed,
    |cap| HashSet::with_capacity_and_hasher(cap, H::default()), insert
);

/// Declares a `Deserialize` impl for a map collection.
macro_rules! map {
    (
        $ty:ident<K, V $(, $h:ident)*>, [$($bound:tt)*],
        $budget:ident, |$cap:ident| $new:expr
    ) => {
        impl<'de, K, V, $($h),*> Deserialize<'de> for $ty<K, V $(, $h)*>
        where
            K: Deserialize<'de> + $($bound)*,
            V: Deserialize<'de>,
            $($h: BuildHasher + Default,)*
        {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct MapVisitor<C>(PhantomData<C>);
                impl<'de, K, V, $($h),*> Visitor<'de> for MapVisitor<$ty<K, V $(, $h)*>>
                where
                    K: Deserialize<'de> + $($bound)*,
                    V: Deserialize<'de>,
                    $($h: BuildHasher + Default,)*
                {
                    type Value = $ty<K, V $(, $h)*>;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a map")
                    }
                    fn visit_map<A: MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<Self::Value, A::Error> {
                        let $cap = $budget::<(K, V)>(map.size_hint());
                        let mut collection: Self::Value = $new;
                        while let Some((key, value)) = map.next_entry()? {
                            collection.insert(key, value);
                        }
                        Ok(collection)
                    }
                }
                deserializer.deserialize_map(MapVisitor(PhantomData))
            }
        }
    };
}

map!(BTreeMap<K, V>, [Ord], cautious, |_cap| BTreeMap::new());
map!(
    HashMap<K, V, H>, [Eq + Hash], cautious_hashed,
    |cap| HashMap::with_capacity_and_hasher(cap, H::default())
);
