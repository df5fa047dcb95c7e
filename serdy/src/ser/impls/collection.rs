//! Sequences and maps: slices, `Vec`, `VecDeque`, the sets and the maps.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use crate::ser::{Serialize, Serializer};

impl<T: Serialize> Serialize for [T] {
    #[inline]
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self)
    }
}

macro_rules! seq {
    ($(<$($gen:ident),*> $ty:ty,)*) => {$(
        impl<T: Serialize, $($gen),*> Serialize for $ty {
            #[inline]
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self)
            }
        }
    )*};
}

seq! {
    <> Vec<T>,
    <> VecDeque<T>,
    <> BTreeSet<T>,
    <H> HashSet<T, H>,
}

impl<K: Serialize, V: Serialize> Serialize for BTreeMap<K, V> {
    #[inline]
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self)
    }
}

impl<K: Serialize, V: Serialize, H> Serialize for HashMap<K, V, H> {
    #[inline]
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self)
    }
}
