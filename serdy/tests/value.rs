//! `de::value`: deserializers holding one plain value, as formats use them
//! for enum variant identifiers.

use std::fmt;

use serdy::de::value::{
    BorrowedStrDeserializer, Error, StrDeserializer, StringDeserializer, U32Deserializer,
};
use serdy::de::{
    Deserialize, Deserializer, EnumAccess, Error as _, IgnoredAny, IntoDeserializer, Unexpected,
    VariantAccess, Visitor,
};

/// A unit-only enum with hand-written impls shaped like derived ones.
#[derive(Debug, PartialEq)]
enum Color {
    Red,
    Green,
}

const VARIANTS: &[&str] = &["Red", "Green"];

/// The variant identifier of `Color`, as derive writes it: an index or a
/// name, read with `deserialize_identifier`.
struct ColorId(Color);

impl<'de> Deserialize<'de> for ColorId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ColorId, D::Error> {
        struct IdVisitor;
        impl Visitor<'_> for IdVisitor {
            type Value = ColorId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("variant identifier")
            }
            fn visit_u64<E: serdy::de::Error>(self, v: u64) -> Result<ColorId, E> {
                match v {
                    0 => Ok(ColorId(Color::Red)),
                    1 => Ok(ColorId(Color::Green)),
                    _ => Err(E::invalid_value(
                        Unexpected::Unsigned(v),
                        &"variant index 0 <= i < 2",
                    )),
                }
            }
            fn visit_str<E: serdy::de::Error>(self, v: &str) -> Result<ColorId, E> {
                match v {
                    "Red" => Ok(ColorId(Color::Red)),
                    "Green" => Ok(ColorId(Color::Green)),
                    _ => Err(E::unknown_variant(v, VARIANTS)),
                }
            }
        }
        deserializer.deserialize_identifier(IdVisitor)
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Color, D::Error> {
        struct ColorVisitor;
        impl<'de> Visitor<'de> for ColorVisitor {
            type Value = Color;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("enum Color")
            }
            fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Color, A::Error> {
                let (ColorId(color), variant) = data.variant()?;
                variant.unit_variant()?;
                Ok(color)
            }
        }
        deserializer.deserialize_enum("Color", VARIANTS, ColorVisitor)
    }
}

#[test]
fn an_index_identifies_a_unit_variant() {
    let d: U32Deserializer<Error> = 1u32.into_deserializer();
    assert_eq!(Color::deserialize(d), Ok(Color::Green));
    let d: U32Deserializer<Error> = 5u32.into_deserializer();
    assert_eq!(
        Color::deserialize(d).unwrap_err().to_string(),
        "invalid value: integer `5`, expected variant index 0 <= i < 2"
    );
}

#[test]
fn a_name_identifies_a_unit_variant() {
    let d: StrDeserializer<'_, Error> = "Red".into_deserializer();
    assert_eq!(Color::deserialize(d), Ok(Color::Red));
    let d: StringDeserializer<Error> = "Green".to_string().into_deserializer();
    assert_eq!(Color::deserialize(d), Ok(Color::Green));
    let d = BorrowedStrDeserializer::<Error>::new("Blue");
    assert_eq!(
        Color::deserialize(d).unwrap_err().to_string(),
        "unknown variant `Blue`, expected `Red` or `Green`"
    );
}

#[test]
fn unit_only_refuses_content() {
    let d: StrDeserializer<'_, Error> = "Red".into_deserializer();
    let (_, variant): (IgnoredAny, _) = StrEnum(d).variant().unwrap();
    assert_eq!(
        variant.newtype_variant::<u8>().unwrap_err().to_string(),
        "invalid type: unit variant, expected newtype variant"
    );
}

/// Calls `variant` on a string deserializer's enum access.
struct StrEnum<'a>(StrDeserializer<'a, Error>);

impl<'de, 'a> EnumAccess<'de> for StrEnum<'a> {
    type Error = Error;
    type Variant = <StrDeserializer<'a, Error> as EnumAccess<'de>>::Variant;
    fn variant_seed<V: serdy::de::DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), Error> {
        self.0.variant_seed(seed)
    }
}

#[test]
fn primitives_into_deserializers() {
    let d = IntoDeserializer::<Error>::into_deserializer(true);
    assert_eq!(bool::deserialize(d), Ok(true));
    let d = IntoDeserializer::<Error>::into_deserializer(-5i64);
    assert_eq!(i8::deserialize(d), Ok(-5));
    let d = IntoDeserializer::<Error>::into_deserializer('q');
    assert_eq!(String::deserialize(d), Ok("q".to_string()));
    let d = IntoDeserializer::<Error>::into_deserializer(());
    assert_eq!(Option::<u8>::deserialize(d), Ok(None));
    let d = IntoDeserializer::<Error>::into_deserializer(2.5f64);
    assert_eq!(f64::deserialize(d), Ok(2.5));
}

#[test]
fn borrowed_str_deserializer_lends_the_string() {
    let source = String::from("zero-copy");
    let d = BorrowedStrDeserializer::<Error>::new(&source);
    let s: &str = Deserialize::deserialize(d).unwrap();
    assert_eq!(s.as_ptr(), source.as_ptr());
    let err = Error::custom("x");
    assert_eq!(err.message(), "x");
}
