//! The identifier enums `Deserialize` uses to recognise fields and variants.
//!
//! A format hands over a field's (or variant's) identity in whichever form it
//! stores: the binary format sends a variant's index, JSON a name. The
//! derive declares a fieldless enum with one variant per candidate and a
//! visitor that accepts all three forms:
//!
//! ```text
//!   visit_u64(1)        ─┐
//!   visit_str("room")   ─┼─>  __Field::__field1
//!   visit_bytes(b"room") ─┘
//! ```
//!
//! The index is matched first and compiles to a jump table, which is the
//! path a positional format takes on every enum it decodes. An unknown field
//! becomes `__ignore` (its value is then skipped) unless the container has
//! `deny_unknown_fields`; an unknown variant is always an error.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

/// One candidate: its variant in the identifier enum and its wire name.
pub(crate) struct Candidate {
    /// `__field3`: the variant of the generated enum.
    pub(crate) tag: Ident,
    /// The name on the wire.
    pub(crate) name: String,
}

/// What the identifier names, which decides how unknown input is handled.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// A struct field; unknown ones are ignored unless `deny_unknown`.
    Field {
        /// `#[serdy(deny_unknown_fields)]`
        deny_unknown: bool,
    },
    /// An enum variant; unknown ones are an error.
    Variant,
}

/// Declares `const #list` (the wire names, for `deserialize_struct` or
/// `deserialize_enum` and for error messages), `enum #ty`, its visitor and
/// its `Deserialize` impl.
pub(crate) fn declare(
    ty: &Ident,
    candidates: &[Candidate],
    kind: Kind,
    list: &Ident,
) -> TokenStream {
    let visitor = quote::format_ident!("{}Visitor", ty);
    let tags: Vec<&Ident> = candidates.iter().map(|c| &c.tag).collect();
    let names: Vec<&str> = candidates.iter().map(|c| c.name.as_str()).collect();
    let bytes: Vec<Literal> = names
        .iter()
        .map(|n| Literal::byte_string(n.as_bytes()))
        .collect();
    let indices = (0..candidates.len() as u64).map(Literal::u64_suffixed);
    let ignore = matches!(
        kind,
        Kind::Field {
            deny_unknown: false
        }
    );

    let (expecting, what) = match kind {
        Kind::Field { .. } => ("field identifier", "field"),
        Kind::Variant => ("variant identifier", "variant"),
    };
    let unknown_fn = match kind {
        Kind::Field { .. } => quote!(unknown_field),
        Kind::Variant => quote!(unknown_variant),
    };
    let ignore_variant = ignore.then(|| quote!(__ignore,));
    let (other_index, other_str, other_bytes) = if ignore {
        let ok = quote!(::core::result::Result::Ok(#ty::__ignore));
        (ok.clone(), ok.clone(), ok)
    } else {
        let range = format!("{what} index 0 <= i < {}", candidates.len());
        (
            quote! {
                ::core::result::Result::Err(::serdy::de::Error::invalid_value(
                    ::serdy::de::Unexpected::Unsigned(__value),
                    &#range,
                ))
            },
            quote!(::core::result::Result::Err(::serdy::de::Error::#unknown_fn(__value, #list))),
            quote! {{
                let __value = &::std::string::String::from_utf8_lossy(__value);
                ::core::result::Result::Err(::serdy::de::Error::#unknown_fn(__value, #list))
            }},
        )
    };
    // With no candidates a `match` would have only the `_` arm, which clippy
    // calls `match_single_binding`: return the fallback directly instead.
    let (by_index, by_str, by_bytes) = if candidates.is_empty() {
        (other_index, other_str, other_bytes)
    } else {
        (
            quote! {
                match __value {
                    #(#indices => ::core::result::Result::Ok(#ty::#tags),)*
                    _ => #other_index,
                }
            },
            quote! {
                match __value {
                    #(#names => ::core::result::Result::Ok(#ty::#tags),)*
                    _ => #other_str,
                }
            },
            quote! {
                match __value {
                    #(#bytes => ::core::result::Result::Ok(#ty::#tags),)*
                    _ => #other_bytes,
                }
            },
        )
    };

    quote! {
        #[doc(hidden)]
        const #list: &[&::core::primitive::str] = &[#(#names),*];

        #[allow(non_camel_case_types)]
        #[doc(hidden)]
        enum #ty {
            #(#tags,)*
            #ignore_variant
        }

        #[doc(hidden)]
        struct #visitor;

        #[automatically_derived]
        impl<'de> ::serdy::de::Visitor<'de> for #visitor {
            type Value = #ty;

            fn expecting(
                &self,
                __formatter: &mut ::core::fmt::Formatter<'_>,
            ) -> ::core::fmt::Result {
                ::core::fmt::Formatter::write_str(__formatter, #expecting)
            }

            #[inline]
            fn visit_u64<__E>(self, __value: ::core::primitive::u64) -> ::core::result::Result<Self::Value, __E>
            where
                __E: ::serdy::de::Error,
            {
                #by_index
            }

            #[inline]
            fn visit_str<__E>(self, __value: &::core::primitive::str) -> ::core::result::Result<Self::Value, __E>
            where
                __E: ::serdy::de::Error,
            {
                #by_str
            }

            #[inline]
            fn visit_bytes<__E>(self, __value: &[::core::primitive::u8]) -> ::core::result::Result<Self::Value, __E>
            where
                __E: ::serdy::de::Error,
            {
                #by_bytes
            }
        }

        #[automatically_derived]
        impl<'de> ::serdy::de::Deserialize<'de> for #ty {
            #[inline]
            fn deserialize<__D>(
                __deserializer: __D,
            ) -> ::core::result::Result<Self, <__D as ::serdy::de::Deserializer<'de>>::Error>
            where
                __D: ::serdy::de::Deserializer<'de>,
            {
                ::serdy::de::Deserializer::deserialize_identifier(__deserializer, #visitor)
            }
        }
    }
}
