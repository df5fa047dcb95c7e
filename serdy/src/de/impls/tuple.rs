//! Fixed-length sequences: arrays `[T; N]` and tuples up to twelve
//! elements, read with `deserialize_tuple(len)`.

use std::fmt;
use std::marker::PhantomData;

use crate::de::{Deserialize, Deserializer, Error, SeqAccess, Visitor};

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for [T; N] {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<[T; N], D::Error> {
        struct ArrayVisitor<T, const N: usize>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for ArrayVisitor<T, N> {
            type Value = [T; N];
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an array of length {}", N)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<[T; N], A::Error> {
                // Collected through a Vec: building a partly initialised
                // array in place would need `MaybeUninit` and raw writes,
                // which this crate forbids. `N` comes from the type, not
                // the input, so the capacity is trusted.
                let mut elements = Vec::with_capacity(N);
                for i in 0..N {
                    match seq.next_element()? {
                        Some(element) => elements.push(element),
                        None => return Err(A::Error::invalid_length(i, &self)),
                    }
                }
                match elements.try_into() {
                    Ok(array) => Ok(array),
                    Err(_) => unreachable!("exactly N elements were pushed"),
                }
            }
        }
        deserializer.deserialize_tuple(N, ArrayVisitor::<T, N>(PhantomData))
    }
}

macro_rules! tuple {
    ($($len:literal => ($($t:ident)+),)*) => {$(
        impl<'de, $($t: Deserialize<'de>),+> Deserialize<'de> for ($($t,)+) {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct TupleVisitor<$($t),+>(PhantomData<($($t,)+)>);
                impl<'de, $($t: Deserialize<'de>),+> Visitor<'de> for TupleVisitor<$($t),+> {
                    type Value = ($($t,)+);
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("a tuple of size ", $len))
                    }
                    #[allow(non_snake_case, unused_assignments)]
                    fn visit_seq<A: SeqAccess<'de>>(
                        self,
                        mut seq: A,
                    ) -> Result<Self::Value, A::Error> {
                        let mut index = 0;
                        $(
                            let $t = match seq.next_element()? {
                                Some(value) => value,
                                None => return Err(A::Error::invalid_length(index, &self)),
                            };
                            index += 1;
                        )+
                        Ok(($($t,)+))
                    }
                }
                deserializer.deserialize_tuple($len, TupleVisitor(PhantomData))
            }
        }
    )*};
}

tuple! {
    1 => (T0),
    2 => (T0 T1),
    3 => (T0 T1 T2),
    4 => (T0 T1 T2 T3),
    5 => (T0 T1 T2 T3 T4),
    6 => (T0 T1 T2 T3 T4 T5),
    7 => (T0 T1 T2 T3 T4 T5 T6),
    8 => (T0 T1 T2 T3 T4 T5 T6 T7),
    9 => (T0 T1 T2 T3 T4 T5 T6 T7 T8),
    10 => (T0 T1 T2 T3 T4 T5 T6 T7 T8 T9),
    11 => (T0 T1 T2 T3 T4 T5 T6 T7 T8 T9 T10),
    12 => (T0 T1 T2 T3 T4 T5 T6 T7 T8 T9 T10 T11),
}
