//! The JSON `Serializer`: appends compact JSON to a `String`.

use std::fmt::Write as _;

use serdy::ser::{self, Serialize};

use super::key::KeySerializer;
use super::Error;

/// A JSON serializer appending to a borrowed `String`.
///
/// Structs become objects keyed by field name, enums follow serde_json's
/// externally tagged convention (`"Unit"`, `{"Newtype": value}`,
/// `{"Tuple": [..]}`, `{"Struct": {..}}`), `None` and units are `null`,
/// bytes are arrays of numbers, and non-finite floats are `null`.
///
/// ```
/// use chat::fmt::json::Serializer;
/// use serdy::Serialize;
///
/// let mut out = String::new();
/// (1u8, "a\"b", None::<u8>).serialize(&mut Serializer::new(&mut out)).unwrap();
/// assert_eq!(out, r#"[1,"a\"b",null]"#);
/// ```
#[derive(Debug)]
pub struct Serializer<'a> {
    out: &'a mut String,
}

impl<'a> Serializer<'a> {
    /// A serializer that appends to `out`.
    pub fn new(out: &'a mut String) -> Self {
        Serializer { out }
    }

    fn display(&mut self, v: impl std::fmt::Display) {
        // Writing into a String cannot fail.
        let _ = write!(self.out, "{v}");
    }

    fn float(&mut self, finite: bool, v: impl std::fmt::Debug) {
        // `Debug` prints the shortest text that reads back to the same float,
        // keeps a `.0` on whole numbers and uses an exponent for very large or
        // small ones (`1e300`), all valid JSON numbers. JSON has no NaN or
        // infinity: those become `null`, as in serde_json.
        if finite {
            let _ = write!(self.out, "{v:?}");
        } else {
            self.out.push_str("null");
        }
    }

    fn open_variant(&mut self, variant: &str) {
        self.out.push('{');
        write_str(self.out, variant);
        self.out.push(':');
    }
}

/// Writes `s` as a JSON string: quoted, with `"` and `\` escaped, and every
/// control character (C0, DEL and C1, so terminal escape sequences too) as
/// `\u00XX` or its short form. The output is safe to print to a terminal.
pub(super) fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut run = 0; // start of the current run of bytes copied as they are
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // C1 controls U+0080..U+009F are `c2 80`..`c2 9f` in UTF-8.
        let c1 = b == 0xc2 && matches!(bytes.get(i + 1), Some(0x80..=0x9f));
        if !(b < 0x20 || b == b'"' || b == b'\\' || b == 0x7f || c1) {
            i += 1;
            continue;
        }
        // `i` is at an ASCII byte or a lead byte: a char boundary.
        out.push_str(&s[run..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            0xc2 => {
                let _ = write!(out, "\\u{:04x}", bytes[i + 1]);
                i += 1;
            }
            _ => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        i += 1;
        run = i;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

impl<'s, 'a> ser::Serializer for &'s mut Serializer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'s, 'a>;
    type SerializeTuple = Compound<'s, 'a>;
    type SerializeTupleStruct = Compound<'s, 'a>;
    type SerializeTupleVariant = Compound<'s, 'a>;
    type SerializeMap = Compound<'s, 'a>;
    type SerializeStruct = Compound<'s, 'a>;
    type SerializeStructVariant = Compound<'s, 'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }

    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }

    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }

    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }

    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }

    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }

    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }

    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }

    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }

    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.float(v.is_finite(), v);
        Ok(())
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.float(v.is_finite(), v);
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_str(self.out, v);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.out.push('[');
        for (i, b) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.display(b);
        }
        self.out.push(']');
        Ok(())
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        write_str(self.out, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.out.push('}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'s, 'a>, Error> {
        Ok(Compound::open(self, '[', false))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Compound<'s, 'a>, Error> {
        Ok(Compound::open(self, '[', false))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'s, 'a>, Error> {
        Ok(Compound::open(self, '[', false))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'s, 'a>, Error> {
        self.open_variant(variant);
        Ok(Compound::open(self, '[', true))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'s, 'a>, Error> {
        Ok(Compound::open(self, '{', false))
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'s, 'a>, Error> {
        Ok(Compound::open(self, '{', false))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'s, 'a>, Error> {
        self.open_variant(variant);
        Ok(Compound::open(self, '{', true))
    }
}

/// An array or object being written: knows whether a comma is due and
/// which brackets close it.
#[derive(Debug)]
pub struct Compound<'s, 'a> {
    ser: &'s mut Serializer<'a>,
    first: bool,
    close: char,
    /// Inside `{"Variant": ...}`, which needs one more `}`.
    in_variant: bool,
}

impl<'s, 'a> Compound<'s, 'a> {
    fn open(ser: &'s mut Serializer<'a>, open: char, in_variant: bool) -> Self {
        ser.out.push(open);
        let close = if open == '[' { ']' } else { '}' };
        Compound {
            ser,
            first: true,
            close,
            in_variant,
        }
    }

    fn comma(&mut self) {
        if !self.first {
            self.ser.out.push(',');
        }
        self.first = false;
    }

    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.comma();
        value.serialize(&mut *self.ser)
    }

    fn field<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.comma();
        write_str(self.ser.out, key);
        self.ser.out.push(':');
        value.serialize(&mut *self.ser)
    }

    fn close(self) -> Result<(), Error> {
        self.ser.out.push(self.close);
        if self.in_variant {
            self.ser.out.push('}');
        }
        Ok(())
    }
}

macro_rules! compound_impls {
    ($($compound:ident :: $method:ident => $via:ident $(($key:ident))?;)*) => {$(
        impl ser::$compound for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;

            fn $method<T: ?Sized + Serialize>(
                &mut self,
                $($key: &'static str,)?
                value: &T,
            ) -> Result<(), Error> {
                self.$via($($key,)? value)
            }

            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    )*};
}

compound_impls! {
    SerializeSeq::serialize_element => element;
    SerializeTuple::serialize_element => element;
    SerializeTupleStruct::serialize_field => element;
    SerializeTupleVariant::serialize_field => element;
    SerializeStruct::serialize_field => field(key);
    SerializeStructVariant::serialize_field => field(key);
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        key.serialize(KeySerializer::new(self.ser.out))?;
        self.ser.out.push(':');
        Ok(())
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result<(), Error> {
        self.close()
    }
}
