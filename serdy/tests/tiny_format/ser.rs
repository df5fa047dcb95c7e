use serdy::ser::{Impossible, Serialize, SerializeMap, SerializeSeq, SerializeStruct, Serializer};

/// Writes `value` in the tiny format.
pub fn to_string<T: ?Sized + Serialize>(value: &T) -> Result<String, Error> {
    let mut serializer = TinySerializer(String::new());
    value.serialize(&mut serializer)?;
    Ok(serializer.0)
}

/// The output so far. `&mut TinySerializer` is the `Serializer`, so nested
/// values write into the same string.
#[derive(Debug)]
pub struct TinySerializer(String);

type Done = Result<(), Error>;

fn unsupported(what: &str) -> Error {
    Error(format!("the tiny format has no {what}"))
}

impl Serializer for &mut TinySerializer {
    type Ok = ();
    type Error = Error;
    // Sequences, maps and structs write through the same serializer; the
    // kinds this format lacks (tuples, enums) can never be started.
    type SerializeSeq = Self;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Done {
        self.0.push(if v { 'T' } else { 'F' });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Done {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Done {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Done {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Done {
        self.0 += &format!("i{v};");
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Done {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Done {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Done {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Done {
        self.0 += &format!("u{v};");
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Done {
        Err(unsupported("floats"))
    }
    fn serialize_f64(self, _: f64) -> Done {
        Err(unsupported("floats"))
    }
    fn serialize_char(self, v: char) -> Done {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Done {
        self.0 += &format!("s{}:{v}", v.len());
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Done {
        Err(unsupported("byte strings"))
    }
    fn serialize_none(self) -> Done {
        self.0.push('n');
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Done {
        self.0.push('y');
        value.serialize(self)
    }
    fn serialize_unit(self) -> Done {
        self.0.push('-');
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Done {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Done {
        Err(unsupported("enums"))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Done {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Done {
        Err(unsupported("enums"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Error> {
        self.0.push('[');
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Impossible<(), Error>, Error> {
        Err(unsupported("tuples"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Impossible<(), Error>, Error> {
        Err(unsupported("tuples"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Impossible<(), Error>, Error> {
        Err(unsupported("enums"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Error> {
        self.0.push('{');
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Error> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Impossible<(), Error>, Error> {
        Err(unsupported("enums"))
    }
}

// A sequence is its elements between brackets.
impl SerializeSeq for &mut TinySerializer {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Done {
        v.serialize(&mut **self)
    }
    fn end(self) -> Done {
        self.0.push(']');
        Ok(())
    }
}

// A map is keys and values in turn between braces; a struct is a map whose
// keys are its field names.
impl SerializeMap for &mut TinySerializer {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, k: &T) -> Done {
        k.serialize(&mut **self)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, v: &T) -> Done {
        v.serialize(&mut **self)
    }
    fn end(self) -> Done {
        self.0.push('}');
        Ok(())
    }
}

impl SerializeStruct for &mut TinySerializer {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, v: &T) -> Done {
        key.serialize(&mut **self)?;
        v.serialize(&mut **self)
    }
    fn end(self) -> Done {
        SerializeMap::end(self)
    }
}
