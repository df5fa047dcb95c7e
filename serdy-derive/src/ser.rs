//! `#[derive(Serialize)]`: one call on the serializer per shape.
//!
//! ```text
//!   shape                       serializer calls
//!   struct S;                   serialize_unit_struct("S")
//!   struct S(A);                serialize_newtype_struct("S", &self.0)
//!   struct S(A, B);             serialize_tuple_struct("S", 2) + serialize_field x2 + end
//!   struct S { a: A, b: B }     serialize_struct("S", 2) + serialize_field("a"), ("b") + end
//!   enum E { .. V .. }          the same with `_variant`, plus ("E", index, "V")
//! ```
//!
//! Fields go out in declaration order, skipped ones left out, and a
//! variant's index is its position in the enum: that is the whole layout of
//! a positional format such as the chat's binary one.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{quote, quote_spanned};

use syn::Generics;

use crate::ast::{Container, Data, Field, Style, Variant};
use crate::bound;

/// The `impl Serialize` for a checked container.
pub(crate) fn expand(cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let generics = bound::with_bound(
        cont,
        cont.generics,
        |field| !field.skip,
        &syn::parse_quote!(::serdy::ser::Serialize),
    );
    let body = match &cont.data {
        Data::Struct(style, fields) => serialize_struct(cont, *style, fields),
        Data::Enum(variants) => serialize_enum(cont, variants),
    };
    impl_serialize(ident, &generics, body)
}

/// `impl Serialize for #ident` with `generics` (bounds included) around the
/// body of `serialize`, which sees `self` and `__serializer`.
pub(crate) fn impl_serialize(ident: &Ident, generics: &Generics, body: TokenStream) -> TokenStream {
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::serdy::ser::Serialize for #ident #ty_generics #where_clause {
            fn serialize<__S>(
                &self,
                __serializer: __S,
            ) -> ::core::result::Result<
                <__S as ::serdy::ser::Serializer>::Ok,
                <__S as ::serdy::ser::Serializer>::Error,
            >
            where
                __S: ::serdy::ser::Serializer,
            {
                #body
            }
        }
    }
}

fn serialize_struct(cont: &Container, style: Style, fields: &[Field]) -> TokenStream {
    let name = &cont.name;
    match style {
        Style::Unit => quote! {
            ::serdy::ser::Serializer::serialize_unit_struct(__serializer, #name)
        },
        Style::Newtype => {
            let value = quote_spanned!(fields[0].span()=> &self.0);
            quote! {
                ::serdy::ser::Serializer::serialize_newtype_struct(__serializer, #name, #value)
            }
        }
        Style::Tuple => {
            let values = fields.iter().filter(|f| !f.skip).map(|f| {
                let member = &f.member;
                quote_spanned!(f.span()=> &self.#member)
            });
            compound(
                quote!(::serdy::ser::SerializeTupleStruct),
                values,
                |len| quote!(::serdy::ser::Serializer::serialize_tuple_struct(__serializer, #name, #len)),
            )
        }
        Style::Named => {
            let values = fields.iter().filter(|f| !f.skip).map(|f| {
                let (member, key) = (&f.member, &f.name);
                let value = quote_spanned!(f.span()=> &self.#member);
                quote!(#key, #value)
            });
            compound(
                quote!(::serdy::ser::SerializeStruct),
                values,
                |len| quote!(::serdy::ser::Serializer::serialize_struct(__serializer, #name, #len)),
            )
        }
    }
}

/// `let mut __state = begin(len)?; Trait::serialize_field(&mut __state, args)?;
/// ... Trait::end(__state)`, one `serialize_field` per item of `field_args`.
fn compound(
    state_trait: TokenStream,
    field_args: impl Iterator<Item = TokenStream>,
    begin: impl FnOnce(Literal) -> TokenStream,
) -> TokenStream {
    let calls: Vec<TokenStream> = field_args
        .map(|args| quote!(#state_trait::serialize_field(&mut __state, #args)?;))
        .collect();
    let begin = begin(Literal::usize_unsuffixed(calls.len()));
    // `mut` only when a field is written, or rustc warns `unused_mut`.
    let mutability = if calls.is_empty() {
        None
    } else {
        Some(quote!(mut))
    };
    quote! {
        let #mutability __state = #begin?;
        #(#calls)*
        #state_trait::end(__state)
    }
}

fn serialize_enum(cont: &Container, variants: &[Variant]) -> TokenStream {
    let arms = variants.iter().enumerate().map(|(index, variant)| {
        let index = u32::try_from(index).expect("an enum has fewer than 2^32 variants");
        serialize_variant(cont, variant, Literal::u32_suffixed(index))
    });
    quote! {
        match *self {
            #(#arms)*
        }
    }
}

fn serialize_variant(cont: &Container, variant: &Variant, index: Literal) -> TokenStream {
    let (this, ident) = (cont.ident, variant.ident);
    let (enum_name, name) = (&cont.name, &variant.name);
    // Every field is bound as `__fieldN`, spanned at its type so that a
    // missing `Serialize` impl is reported there; skipped ones are simply
    // not used (the leading underscore keeps rustc quiet about them).
    let bindings: Vec<Ident> = variant
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| Ident::new(&format!("__field{i}"), f.span()))
        .collect();
    let written = || {
        variant
            .fields
            .iter()
            .zip(&bindings)
            .filter(|(f, _)| !f.skip)
    };
    match variant.style {
        Style::Unit => quote! {
            #this::#ident => ::serdy::ser::Serializer::serialize_unit_variant(
                __serializer, #enum_name, #index, #name,
            ),
        },
        Style::Newtype => {
            let field = &bindings[0];
            quote! {
                #this::#ident(ref #field) => ::serdy::ser::Serializer::serialize_newtype_variant(
                    __serializer, #enum_name, #index, #name, #field,
                ),
            }
        }
        Style::Tuple => {
            let body = compound(
                quote!(::serdy::ser::SerializeTupleVariant),
                written().map(|(_, binding)| quote!(#binding)),
                |len| {
                    quote!(::serdy::ser::Serializer::serialize_tuple_variant(
                        __serializer, #enum_name, #index, #name, #len
                    ))
                },
            );
            quote! {
                #this::#ident(#(ref #bindings),*) => { #body }
            }
        }
        Style::Named => {
            let members = variant.fields.iter().map(|f| &f.member);
            let body = compound(
                quote!(::serdy::ser::SerializeStructVariant),
                written().map(|(f, binding)| {
                    let key = &f.name;
                    quote!(#key, #binding)
                }),
                |len| {
                    quote!(::serdy::ser::Serializer::serialize_struct_variant(
                        __serializer, #enum_name, #index, #name, #len
                    ))
                },
            );
            quote! {
                #this::#ident { #(#members: ref #bindings),* } => { #body }
            }
        }
    }
}
