//! [`Impossible`]: a compound serializer that cannot exist.

use std::fmt;
use std::marker::PhantomData;

use super::{
    Error, Serialize, SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant,
    SerializeTuple, SerializeTupleStruct, SerializeTupleVariant,
};

/// A compound serializer with no values.
///
/// A format that refuses some compound type (a map-key serializer that only
/// accepts strings, say) still has to name a `Serializer::SerializeSeq` type.
/// It names `Impossible<Ok, Error>` and returns an error from
/// `serialize_seq` instead; since no `Impossible` can be built, its methods
/// are never called.
pub struct Impossible<Ok, Error> {
    void: Void,
    ok: PhantomData<Ok>,
    error: PhantomData<Error>,
}

/// An enum without variants: a value of it cannot exist.
enum Void {}

impl<Ok, Error> fmt::Debug for Impossible<Ok, Error> {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.void {}
    }
}

macro_rules! impossible_element {
    ($trait:ident, $method:ident) => {
        impl<Ok, E: Error> $trait for Impossible<Ok, E> {
            type Ok = Ok;
            type Error = E;
            fn $method<T>(&mut self, _: &T) -> Result<(), E>
            where
                T: ?Sized + Serialize,
            {
                let _ = (&self.ok, &self.error);
                match self.void {}
            }
            fn end(self) -> Result<Ok, E> {
                match self.void {}
            }
        }
    };
}

impossible_element!(SerializeSeq, serialize_element);
impossible_element!(SerializeTuple, serialize_element);
impossible_element!(SerializeTupleStruct, serialize_field);
impossible_element!(SerializeTupleVariant, serialize_field);

impl<Ok, E: Error> SerializeMap for Impossible<Ok, E> {
    type Ok = Ok;
    type Error = E;
    fn serialize_key<T>(&mut self, _: &T) -> Result<(), E>
    where
        T: ?Sized + Serialize,
    {
        match self.void {}
    }
    fn serialize_value<T>(&mut self, _: &T) -> Result<(), E>
    where
        T: ?Sized + Serialize,
    {
        match self.void {}
    }
    fn end(self) -> Result<Ok, E> {
        match self.void {}
    }
}

macro_rules! impossible_field {
    ($trait:ident) => {
        impl<Ok, E: Error> $trait for Impossible<Ok, E> {
            type Ok = Ok;
            type Error = E;
            fn serialize_field<T>(&mut self, _: &'static str, _: &T) -> Result<(), E>
            where
                T: ?Sized + Serialize,
            {
                match self.void {}
            }
            fn end(self) -> Result<Ok, E> {
                match self.void {}
            }
        }
    };
}

impossible_field!(SerializeStruct);
impossible_field!(SerializeStructVariant);
