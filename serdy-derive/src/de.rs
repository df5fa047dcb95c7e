//! `#[derive(Deserialize)]`: a visitor per shape, driven by the format.
//!
//! The impl asks the deserializer for the shape it expects and hands it a
//! visitor; the format calls back whichever `visit_*` method fits its input:
//!
//! ```text
//!   shape             asks for                     visitor accepts
//!   struct S;         deserialize_unit_struct      visit_unit
//!   struct S(A);      deserialize_newtype_struct   visit_newtype_struct, visit_seq
//!   struct S(A, B);   deserialize_tuple_struct     visit_seq
//!   struct S {..}     deserialize_struct(FIELDS)   visit_seq (binary), visit_map (JSON)
//!   enum E {..}       deserialize_enum(VARIANTS)   visit_enum, then per variant
//!                                                  unit_variant / newtype_variant /
//!                                                  tuple_variant / struct_variant
//! ```
//!
//! `visit_seq` reads the fields in declaration order straight into locals,
//! without allocating; `visit_map` keeps one `Option` per field, so that a
//! duplicate is noticed and a missing one reported (or defaulted) at the end.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::{Generics, Ident, Type};

use crate::ast::{Container, Data, Field, Style, Variant};
use crate::bound;
use crate::identifier::{self, Candidate, Kind};

/// The generics every nested visitor repeats.
struct Params {
    /// The container type with its generics: `Foo<'a, T>`.
    this_ty: Type,
    /// `<'de, 'a, T: ...>` for declaring the visitor and its impl.
    decl: TokenStream,
    /// `<'de, 'a, T>` for naming the visitor.
    args: TokenStream,
    /// The where clause with the added bounds.
    where_clause: TokenStream,
}

/// The `impl Deserialize<'de>` for a checked container whose generics have
/// no lifetime called `'de` (the caller checked).
pub(crate) fn expand(cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let generics = bound::with_de_lifetime(cont, cont.generics, |field| !field.skip);
    let generics = bound::with_bound(
        cont,
        &generics,
        |field| !field.skip,
        &syn::parse_quote!(::serdy::de::Deserialize<'de>),
    );
    let (_, ty_generics, _) = cont.generics.split_for_impl();
    let this_ty: Type = syn::parse_quote!(#ident #ty_generics);
    let generics = bound::with_field_bound(
        cont,
        &generics,
        |field| field.needs_default(),
        &syn::parse_quote!(::core::default::Default),
        &this_ty,
    );
    let (impl_generics, visitor_args, where_clause) = generics.split_for_impl();
    let params = Params {
        this_ty,
        decl: impl_generics.to_token_stream(),
        args: visitor_args.to_token_stream(),
        where_clause: where_clause.to_token_stream(),
    };
    let body = match &cont.data {
        Data::Struct(style, fields) => deserialize_struct(cont, &params, *style, fields),
        Data::Enum(variants) => deserialize_enum(cont, &params, variants),
    };
    impl_deserialize(ident, &generics, cont.generics, body)
}

/// `impl<'de, ..> Deserialize<'de> for #ident<..>` around the body of
/// `deserialize`, which sees `__deserializer`. `de_generics` are the impl's
/// (with `'de` and the bounds), `generics` the type's own.
pub(crate) fn impl_deserialize(
    ident: &Ident,
    de_generics: &Generics,
    generics: &Generics,
    body: TokenStream,
) -> TokenStream {
    let (impl_generics, _, where_clause) = de_generics.split_for_impl();
    let (_, ty_generics, _) = generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::serdy::de::Deserialize<'de> for #ident #ty_generics #where_clause {
            fn deserialize<__D>(
                __deserializer: __D,
            ) -> ::core::result::Result<Self, <__D as ::serdy::de::Deserializer<'de>>::Error>
            where
                __D: ::serdy::de::Deserializer<'de>,
            {
                #body
            }
        }
    }
}

/// `struct __Visitor` plus its `Visitor` impl with `methods`, returning the
/// expression that builds one.
fn visitor(params: &Params, expecting: &str, methods: TokenStream) -> (TokenStream, TokenStream) {
    let Params {
        this_ty,
        decl,
        args,
        where_clause,
    } = params;
    let items = quote! {
        #[doc(hidden)]
        struct __Visitor #decl #where_clause {
            marker: ::core::marker::PhantomData<#this_ty>,
            lifetime: ::core::marker::PhantomData<&'de ()>,
        }

        #[automatically_derived]
        impl #decl ::serdy::de::Visitor<'de> for __Visitor #args #where_clause {
            type Value = #this_ty;

            fn expecting(
                &self,
                __formatter: &mut ::core::fmt::Formatter<'_>,
            ) -> ::core::fmt::Result {
                ::core::fmt::Formatter::write_str(__formatter, #expecting)
            }

            #methods
        }
    };
    let build = quote! {
        __Visitor {
            marker: ::core::marker::PhantomData::<#this_ty>,
            lifetime: ::core::marker::PhantomData,
        }
    };
    (items, build)
}

fn deserialize_struct(
    cont: &Container,
    params: &Params,
    style: Style,
    fields: &[Field],
) -> TokenStream {
    let (ident, name) = (cont.ident, &cont.name);
    let rust_name = ident.unraw().to_string();
    let path = quote!(#ident);
    match style {
        Style::Unit => {
            let (items, build) = visitor(
                params,
                &format!("unit struct {rust_name}"),
                quote! {
                    #[inline]
                    fn visit_unit<__E>(self) -> ::core::result::Result<Self::Value, __E>
                    where
                        __E: ::serdy::de::Error,
                    {
                        ::core::result::Result::Ok(#ident)
                    }
                },
            );
            quote! {
                #items
                ::serdy::de::Deserializer::deserialize_unit_struct(__deserializer, #name, #build)
            }
        }
        Style::Newtype => {
            let ty = field_type(&fields[0], params);
            let seq = visit_seq(
                params,
                fields,
                &format!("tuple struct {rust_name}"),
                |values| quote!(#path(#(#values),*)),
            );
            let (items, build) = visitor(
                params,
                &format!("tuple struct {rust_name}"),
                quote! {
                    #[inline]
                    fn visit_newtype_struct<__E>(
                        self,
                        __e: __E,
                    ) -> ::core::result::Result<Self::Value, <__E as ::serdy::de::Deserializer<'de>>::Error>
                    where
                        __E: ::serdy::de::Deserializer<'de>,
                    {
                        let __field0: #ty = <#ty as ::serdy::de::Deserialize<'de>>::deserialize(__e)?;
                        ::core::result::Result::Ok(#path(__field0))
                    }

                    #seq
                },
            );
            quote! {
                #items
                ::serdy::de::Deserializer::deserialize_newtype_struct(__deserializer, #name, #build)
            }
        }
        Style::Tuple => {
            let expecting = format!("tuple struct {rust_name}");
            let seq = visit_seq(
                params,
                fields,
                &expecting,
                |values| quote!(#path(#(#values),*)),
            );
            let (items, build) = visitor(params, &expecting, seq);
            let len = Literal::usize_unsuffixed(fields.iter().filter(|f| !f.skip).count());
            quote! {
                #items
                ::serdy::de::Deserializer::deserialize_tuple_struct(__deserializer, #name, #len, #build)
            }
        }
        Style::Named => {
            let expecting = format!("struct {rust_name}");
            let (items, build) =
                named_visitor(params, fields, cont.deny_unknown_fields, &expecting, &path);
            quote! {
                #items
                ::serdy::de::Deserializer::deserialize_struct(__deserializer, #name, FIELDS, #build)
            }
        }
    }
}

/// Everything a struct (or struct variant) with named fields needs: the
/// `FIELDS` list, the field identifier, and a visitor with `visit_seq` and
/// `visit_map`. Returns the items and the expression building the visitor.
fn named_visitor(
    params: &Params,
    fields: &[Field],
    deny_unknown: bool,
    expecting: &str,
    path: &TokenStream,
) -> (TokenStream, TokenStream) {
    let candidates: Vec<Candidate> = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.skip)
        .map(|(i, f)| Candidate {
            tag: format_ident!("__field{}", i),
            name: f.name.clone(),
        })
        .collect();
    let field_enum = identifier::declare(
        &format_ident!("__Field"),
        &candidates,
        Kind::Field { deny_unknown },
        &format_ident!("FIELDS"),
    );
    let members: Vec<_> = fields.iter().map(|f| &f.member).collect();
    let seq = visit_seq(
        params,
        fields,
        expecting,
        |values| quote!(#path { #(#members: #values),* }),
    );
    let map = visit_map(
        params,
        fields,
        deny_unknown,
        |values| quote!(#path { #(#members: #values),* }),
    );
    let (visitor_items, build) = visitor(params, expecting, quote!(#seq #map));
    let items = quote! {
        #field_enum
        #visitor_items
    };
    (items, build)
}

/// `fn visit_seq`: the fields in declaration order, skipped ones defaulted.
/// `build` turns one value expression per field into the result.
fn visit_seq(
    params: &Params,
    fields: &[Field],
    expecting: &str,
    build: impl FnOnce(Vec<TokenStream>) -> TokenStream,
) -> TokenStream {
    let count = fields.iter().filter(|f| !f.skip).count();
    let expected = format!(
        "{expecting} with {count} element{}",
        if count == 1 { "" } else { "s" }
    );
    let mut position = 0usize;
    let mut reads = Vec::new();
    let mut values = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        if field.skip {
            values.push(default_value(field));
            continue;
        }
        let local = format_ident!("__field{}", i);
        let ty = field_type(field, params);
        let missing = if field.default {
            default_value(field)
        } else {
            let index = Literal::usize_suffixed(position);
            quote! {
                return ::core::result::Result::Err(
                    ::serdy::de::Error::invalid_length(#index, &#expected),
                )
            }
        };
        reads.push(quote! {
            let #local = match ::serdy::de::SeqAccess::next_element::<#ty>(&mut __seq)? {
                ::core::option::Option::Some(__value) => __value,
                ::core::option::Option::None => #missing,
            };
        });
        values.push(quote!(#local));
        position += 1;
    }
    let mutability = (!reads.is_empty()).then(|| quote!(mut));
    let result = build(values);
    quote! {
        #[inline]
        fn visit_seq<__A>(
            self,
            #mutability __seq: __A,
        ) -> ::core::result::Result<Self::Value, <__A as ::serdy::de::SeqAccess<'de>>::Error>
        where
            __A: ::serdy::de::SeqAccess<'de>,
        {
            #(#reads)*
            ::core::result::Result::Ok(#result)
        }
    }
}

/// `fn visit_map`: keys in any order, each at most once; afterwards missing
/// fields are defaulted or reported.
fn visit_map(
    params: &Params,
    fields: &[Field],
    deny_unknown: bool,
    build: impl FnOnce(Vec<TokenStream>) -> TokenStream,
) -> TokenStream {
    let mut slots = Vec::new();
    let mut arms = Vec::new();
    let mut finish = Vec::new();
    let mut values = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        if field.skip {
            values.push(default_value(field));
            continue;
        }
        let local = format_ident!("__field{}", i);
        let ty = field_type(field, params);
        let name = &field.name;
        slots.push(quote! {
            let mut #local: ::core::option::Option<#ty> = ::core::option::Option::None;
        });
        arms.push(quote! {
            __Field::#local => {
                if ::core::option::Option::is_some(&#local) {
                    return ::core::result::Result::Err(
                        <__A::Error as ::serdy::de::Error>::duplicate_field(#name),
                    );
                }
                #local = ::core::option::Option::Some(
                    ::serdy::de::MapAccess::next_value::<#ty>(&mut __map)?,
                );
            }
        });
        let missing = if field.default {
            default_value(field)
        } else {
            quote!(::serdy::__private::missing_field::<'de, #ty, __A::Error>(#name)?)
        };
        finish.push(quote! {
            let #local = match #local {
                ::core::option::Option::Some(__value) => __value,
                ::core::option::Option::None => #missing,
            };
        });
        values.push(quote!(#local));
    }
    if !deny_unknown {
        arms.push(quote! {
            __Field::__ignore => {
                let _ = ::serdy::de::MapAccess::next_value::<::serdy::de::IgnoredAny>(&mut __map)?;
            }
        });
    }
    let result = build(values);
    quote! {
        #[inline]
        fn visit_map<__A>(
            self,
            mut __map: __A,
        ) -> ::core::result::Result<Self::Value, <__A as ::serdy::de::MapAccess<'de>>::Error>
        where
            __A: ::serdy::de::MapAccess<'de>,
        {
            #(#slots)*
            while let ::core::option::Option::Some(__key) =
                ::serdy::de::MapAccess::next_key::<__Field>(&mut __map)?
            {
                match __key {
                    #(#arms)*
                }
            }
            #(#finish)*
            ::core::result::Result::Ok(#result)
        }
    }
}

fn deserialize_enum(cont: &Container, params: &Params, variants: &[Variant]) -> TokenStream {
    let name = &cont.name;
    let candidates: Vec<Candidate> = variants
        .iter()
        .enumerate()
        .map(|(i, v)| Candidate {
            tag: format_ident!("__variant{}", i),
            name: v.name.clone(),
        })
        .collect();
    let variant_enum = identifier::declare(
        &format_ident!("__Variant"),
        &candidates,
        Kind::Variant,
        &format_ident!("VARIANTS"),
    );
    let arms = variants
        .iter()
        .zip(&candidates)
        .map(|(variant, candidate)| {
            let tag = &candidate.tag;
            let body = deserialize_variant(cont, params, variant);
            quote!((__Variant::#tag, __variant) => #body,)
        })
        .collect::<Vec<_>>();
    let visit_enum_body = if arms.is_empty() {
        // No variant can be named, so `variant` can only have failed.
        quote! {
            let (__never, _) = ::serdy::de::EnumAccess::variant::<__Variant>(__data)?;
            match __never {}
        }
    } else {
        quote! {
            match ::serdy::de::EnumAccess::variant::<__Variant>(__data)? {
                #(#arms)*
            }
        }
    };
    let (items, build) = visitor(
        params,
        &format!("enum {}", cont.ident.unraw()),
        quote! {
            #[inline]
            fn visit_enum<__A>(
                self,
                __data: __A,
            ) -> ::core::result::Result<Self::Value, <__A as ::serdy::de::EnumAccess<'de>>::Error>
            where
                __A: ::serdy::de::EnumAccess<'de>,
            {
                #visit_enum_body
            }
        },
    );
    quote! {
        #variant_enum
        #items
        ::serdy::de::Deserializer::deserialize_enum(__deserializer, #name, VARIANTS, #build)
    }
}

/// The arm body reading the content of one variant from `__variant`.
fn deserialize_variant(cont: &Container, params: &Params, variant: &Variant) -> TokenStream {
    let (this, ident) = (cont.ident, variant.ident);
    let path = quote!(#this::#ident);
    let expecting = |kind: &str| format!("{kind} variant {}::{}", this.unraw(), ident.unraw());
    match variant.style {
        Style::Unit => quote! {{
            ::serdy::de::VariantAccess::unit_variant(__variant)?;
            ::core::result::Result::Ok(#path)
        }},
        Style::Newtype => {
            let ty = field_type(&variant.fields[0], params);
            quote! {
                ::core::result::Result::map(
                    ::serdy::de::VariantAccess::newtype_variant::<#ty>(__variant),
                    #path,
                )
            }
        }
        Style::Tuple => {
            let expecting = expecting("tuple");
            let seq = visit_seq(
                params,
                &variant.fields,
                &expecting,
                |values| quote!(#path(#(#values),*)),
            );
            let (items, build) = visitor(params, &expecting, seq);
            let len = Literal::usize_unsuffixed(variant.fields.iter().filter(|f| !f.skip).count());
            quote! {{
                #items
                ::serdy::de::VariantAccess::tuple_variant(__variant, #len, #build)
            }}
        }
        Style::Named => {
            let (items, build) = named_visitor(
                params,
                &variant.fields,
                cont.deny_unknown_fields,
                &expecting("struct"),
                &path,
            );
            quote! {{
                #items
                ::serdy::de::VariantAccess::struct_variant(__variant, FIELDS, #build)
            }}
        }
    }
}

/// `Default::default()`, spanned at the field's type so that "`Default`
/// is not implemented" points there rather than at the derive.
fn default_value(field: &Field) -> TokenStream {
    quote_spanned!(field.span()=> ::core::default::Default::default())
}

/// The field's type, with `Self` spelled out: the type is repeated inside
/// nested items (the visitor), where `Self` would mean something else.
fn field_type(field: &Field, params: &Params) -> Type {
    bound::replace_self(field.ty, &params.this_ty)
}
