//! Fixed-length sequences: arrays `[T; N]` and tuples up to twelve
//! elements. Their length is part of the type, so they are data-model
//! *tuples*: compact formats write no length.

use crate::ser::{Serialize, SerializeTuple, Serializer};

impl<T: Serialize, const N: usize> Serialize for [T; N] {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(N)?;
        for element in self {
            tuple.serialize_element(element)?;
        }
        tuple.end()
    }
}

macro_rules! tuple {
    ($($len:literal => ($($n:tt $t:ident)+),)*) => {$(
        impl<$($t: Serialize),+> Serialize for ($($t,)+) {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut tuple = serializer.serialize_tuple($len)?;
                $(tuple.serialize_element(&self.$n)?;)+
                tuple.end()
            }
        }
    )*};
}

tuple! {
    1 => (0 T0),
    2 => (0 T0 1 T1),
    3 => (0 T0 1 T1 2 T2),
    4 => (0 T0 1 T1 2 T2 3 T3),
    5 => (0 T0 1 T1 2 T2 3 T3 4 T4),
    6 => (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5),
    7 => (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6),
    8 => (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6 7 T7),
    9 => (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6 7 T7 8 T8),
    10 => (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6 7 T7 8 T8 9 T9),
    11 => (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6 7 T7 8 T8 9 T9 10 T10),
    12 => (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6 7 T7 8 T8 9 T9 10 T10 11 T11),
}
