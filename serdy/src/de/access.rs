//! The access traits a format hands to a [`Visitor`]: [`SeqAccess`],
//! [`MapAccess`], [`EnumAccess`] and [`VariantAccess`].
//!
//! They turn the visitor around: instead of the format pushing every element
//! at once, the visitor *pulls* elements one by one, choosing each element's
//! type as it goes (the first field is a `u32`, the second a `String`).

use std::marker::PhantomData;

use super::{Deserialize, DeserializeSeed, Error, Visitor};

/// Gives a visitor the elements of a sequence, one at a time.
pub trait SeqAccess<'de> {
    /// The format's error type.
    type Error: Error;

    /// Reads the next element with a seed, or `None` at the end.
    fn next_element_seed<T>(&mut self, seed: T) -> Result<Option<T::Value>, Self::Error>
    where
        T: DeserializeSeed<'de>;

    /// Reads the next element, or `None` at the end.
    #[inline]
    fn next_element<T>(&mut self) -> Result<Option<T>, Self::Error>
    where
        T: Deserialize<'de>,
    {
        self.next_element_seed(PhantomData)
    }

    /// How many elements remain, if the format knows.
    ///
    /// Both sides treat it as untrusted: a format returns at most what the
    /// rest of its input could hold (a length prefix of four billion in a
    /// 5-byte frame is a hint of at most 5 where each element takes a
    /// byte), and a collection preallocates from it only up to a fixed
    /// budget, growing as elements really arrive.
    #[inline]
    fn size_hint(&self) -> Option<usize> {
        None
    }
}

impl<'de, A> SeqAccess<'de> for &mut A
where
    A: ?Sized + SeqAccess<'de>,
{
    type Error = A::Error;
    #[inline]
    fn next_element_seed<T>(&mut self, seed: T) -> Result<Option<T::Value>, Self::Error>
    where
        T: DeserializeSeed<'de>,
    {
        (**self).next_element_seed(seed)
    }
    #[inline]
    fn size_hint(&self) -> Option<usize> {
        (**self).size_hint()
    }
}

/// Gives a visitor the entries of a map (or the fields of a struct in a
/// self-describing format), key then value.
pub trait MapAccess<'de> {
    /// The format's error type.
    type Error: Error;

    /// Reads the next key with a seed, or `None` at the end.
    fn next_key_seed<K>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error>
    where
        K: DeserializeSeed<'de>;

    /// Reads the value of the key just read, with a seed.
    fn next_value_seed<V>(&mut self, seed: V) -> Result<V::Value, Self::Error>
    where
        V: DeserializeSeed<'de>;

    /// Reads a whole entry with seeds, or `None` at the end.
    #[inline]
    #[allow(clippy::type_complexity)] // serde's exact signature
    fn next_entry_seed<K, V>(
        &mut self,
        kseed: K,
        vseed: V,
    ) -> Result<Option<(K::Value, V::Value)>, Self::Error>
    where
        K: DeserializeSeed<'de>,
        V: DeserializeSeed<'de>,
    {
        match self.next_key_seed(kseed)? {
            Some(key) => {
                let value = self.next_value_seed(vseed)?;
                Ok(Some((key, value)))
            }
            None => Ok(None),
        }
    }

    /// Reads the next key, or `None` at the end.
    #[inline]
    fn next_key<K>(&mut self) -> Result<Option<K>, Self::Error>
    where
        K: Deserialize<'de>,
    {
        self.next_key_seed(PhantomData)
    }

    /// Reads the value of the key just read.
    #[inline]
    fn next_value<V>(&mut self) -> Result<V, Self::Error>
    where
        V: Deserialize<'de>,
    {
        self.next_value_seed(PhantomData)
    }

    /// Reads a whole entry, or `None` at the end.
    #[inline]
    fn next_entry<K, V>(&mut self) -> Result<Option<(K, V)>, Self::Error>
    where
        K: Deserialize<'de>,
        V: Deserialize<'de>,
    {
        self.next_entry_seed(PhantomData, PhantomData)
    }

    /// How many entries remain, if the format knows. Untrusted, as
    /// [`SeqAccess::size_hint`] explains.
    #[inline]
    fn size_hint(&self) -> Option<usize> {
        None
    }
}

impl<'de, A> MapAccess<'de> for &mut A
where
    A: ?Sized + MapAccess<'de>,
{
    type Error = A::Error;
    #[inline]
    fn next_key_seed<K>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error>
    where
        K: DeserializeSeed<'de>,
    {
        (**self).next_key_seed(seed)
    }
    #[inline]
    fn next_value_seed<V>(&mut self, seed: V) -> Result<V::Value, Self::Error>
    where
        V: DeserializeSeed<'de>,
    {
        (**self).next_value_seed(seed)
    }
    #[inline]
    fn size_hint(&self) -> Option<usize> {
        (**self).size_hint()
    }
}

/// Gives a visitor an enum: first which variant, then (through the
/// returned [`VariantAccess`]) its content.
pub trait EnumAccess<'de>: Sized {
    /// The format's error type.
    type Error: Error;
    /// Reads the variant's content once the variant is known.
    type Variant: VariantAccess<'de, Error = Self::Error>;

    /// Reads the variant identifier (a name or an index) with a seed.
    fn variant_seed<V>(self, seed: V) -> Result<(V::Value, Self::Variant), Self::Error>
    where
        V: DeserializeSeed<'de>;

    /// Reads the variant identifier.
    #[inline]
    fn variant<V>(self) -> Result<(V, Self::Variant), Self::Error>
    where
        V: Deserialize<'de>,
    {
        self.variant_seed(PhantomData)
    }
}

/// Reads the content of the variant an [`EnumAccess`] identified. The
/// visitor calls the method matching the variant's kind.
pub trait VariantAccess<'de>: Sized {
    /// The format's error type.
    type Error: Error;

    /// The variant is a unit variant: there is nothing more to read.
    fn unit_variant(self) -> Result<(), Self::Error>;

    /// The variant is a newtype variant: read its value with a seed.
    fn newtype_variant_seed<T>(self, seed: T) -> Result<T::Value, Self::Error>
    where
        T: DeserializeSeed<'de>;

    /// The variant is a newtype variant: read its value.
    #[inline]
    fn newtype_variant<T>(self) -> Result<T, Self::Error>
    where
        T: Deserialize<'de>,
    {
        self.newtype_variant_seed(PhantomData)
    }

    /// The variant is a tuple variant with `len` fields: the format calls
    /// `visitor.visit_seq`.
    fn tuple_variant<V>(self, len: usize, visitor: V) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;

    /// The variant is a struct variant with these `fields`: the format calls
    /// `visitor.visit_seq` or `visitor.visit_map`.
    fn struct_variant<V>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error>
    where
        V: Visitor<'de>;
}
