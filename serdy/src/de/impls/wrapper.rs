//! Wrappers: `()`, `PhantomData`, `Option`, `Result`, `Box` and `Cow`.

use std::borrow::{Cow, ToOwned};
use std::fmt;
use std::marker::PhantomData;

use crate::de::{Deserialize, Deserializer, EnumAccess, Error, Unexpected, VariantAccess, Visitor};

impl<'de> Deserialize<'de> for () {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<(), D::Error> {
        struct UnitVisitor;
        impl Visitor<'_> for UnitVisitor {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("unit")
            }
            #[inline]
            fn visit_unit<E: Error>(self) -> Result<(), E> {
                Ok(())
            }
        }
        deserializer.deserialize_unit(UnitVisitor)
    }
}

impl<'de, T: ?Sized> Deserialize<'de> for PhantomData<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PhantomData<T>, D::Error> {
        struct PhantomVisitor<T: ?Sized>(PhantomData<T>);
        impl<T: ?Sized> Visitor<'_> for PhantomVisitor<T> {
            type Value = PhantomData<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("unit")
            }
            #[inline]
            fn visit_unit<E: Error>(self) -> Result<PhantomData<T>, E> {
                Ok(PhantomData)
            }
        }
        deserializer.deserialize_unit_struct("PhantomData", PhantomVisitor(PhantomData))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Option<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
        struct OptionVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OptionVisitor<T> {
            type Value = Option<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("option")
            }
            #[inline]
            fn visit_none<E: Error>(self) -> Result<Option<T>, E> {
                Ok(None)
            }
            /// A self-describing format may write `None` as its unit (`null`).
            #[inline]
            fn visit_unit<E: Error>(self) -> Result<Option<T>, E> {
                Ok(None)
            }
            #[inline]
            fn visit_some<D>(self, deserializer: D) -> Result<Option<T>, D::Error>
            where
                D: Deserializer<'de>,
            {
                T::deserialize(deserializer).map(Some)
            }
        }
        deserializer.deserialize_option(OptionVisitor(PhantomData))
    }
}

/// The variant names of `Result`, in index order.
const RESULT_VARIANTS: &[&str] = &["Ok", "Err"];

/// The variant identifier of `Result`: index 0 or 1, or the name.
enum ResultVariant {
    Ok,
    Err,
}

impl<'de> Deserialize<'de> for ResultVariant {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ResultVariant, D::Error> {
        struct VariantVisitor;
        impl Visitor<'_> for VariantVisitor {
            type Value = ResultVariant;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`Ok` or `Err`")
            }
            fn visit_u64<E: Error>(self, v: u64) -> Result<ResultVariant, E> {
                match v {
                    0 => Ok(ResultVariant::Ok),
                    1 => Ok(ResultVariant::Err),
                    _ => Err(E::invalid_value(
                        Unexpected::Unsigned(v),
                        &"variant index 0 <= i < 2",
                    )),
                }
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<ResultVariant, E> {
                match v {
                    "Ok" => Ok(ResultVariant::Ok),
                    "Err" => Ok(ResultVariant::Err),
                    _ => Err(E::unknown_variant(v, RESULT_VARIANTS)),
                }
            }
            fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<ResultVariant, E> {
                match v {
                    b"Ok" => Ok(ResultVariant::Ok),
                    b"Err" => Ok(ResultVariant::Err),
                    _ => Err(E::unknown_variant(
                        &String::from_utf8_lossy(v),
                        RESULT_VARIANTS,
                    )),
                }
            }
        }
        deserializer.deserialize_identifier(VariantVisitor)
    }
}

impl<'de, T: Deserialize<'de>, E: Deserialize<'de>> Deserialize<'de> for Result<T, E> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Result<T, E>, D::Error> {
        struct ResultVisitor<T, E>(PhantomData<Result<T, E>>);
        impl<'de, T: Deserialize<'de>, E: Deserialize<'de>> Visitor<'de> for ResultVisitor<T, E> {
            type Value = Result<T, E>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("enum Result")
            }
            fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Result<T, E>, A::Error> {
                match data.variant()? {
                    (ResultVariant::Ok, variant) => variant.newtype_variant().map(Ok),
                    (ResultVariant::Err, variant) => variant.newtype_variant().map(Err),
                }
            }
        }
        deserializer.deserialize_enum("Result", RESULT_VARIANTS, ResultVisitor(PhantomData))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Box<T> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Box<T>, D::Error> {
        T::deserialize(deserializer).map(Box::new)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Box<[T]> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Box<[T]>, D::Error> {
        Vec::<T>::deserialize(deserializer).map(Vec::into_boxed_slice)
    }
}

/// Always builds `Cow::Owned`, as serde does: a `Cow<'de, str>` that
/// borrows when it can would need its own visitor.
impl<'de, T> Deserialize<'de> for Cow<'_, T>
where
    T: ?Sized + ToOwned,
    T::Owned: Deserialize<'de>,
{
    #[inline]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::Owned::deserialize(deserializer).map(Cow::Owned)
    }
}
