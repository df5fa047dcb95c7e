//! What the derive emits when the input has mistakes.
//!
//! Besides the `compile_error!`s, the derive still writes an impl of the
//! trait, with a body that is never meant to run. Without it, every place
//! that uses the type as `Serialize` would add its own "trait not
//! implemented" error and bury the real one.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::bound;

/// `impl Serialize` with an `unimplemented!()` body.
pub(crate) fn serialize(input: &DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
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
                ::core::unimplemented!("serdy-derive reported an error for this type")
            }
        }
    }
}

/// `impl Deserialize<'de>` with an `unimplemented!()` body, or nothing when
/// the type already declares `'de` (the stub would only add a second error).
pub(crate) fn deserialize(input: &DeriveInput) -> TokenStream {
    if bound::conflicting_de_lifetime(&input.generics).is_some() {
        return TokenStream::new();
    }
    let ident = &input.ident;
    let de = bound::de_lifetime();
    let mut generics = input.generics.clone();
    generics.params.insert(0, syn::parse_quote!(#de));
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let (_, ty_generics, _) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::serdy::de::Deserialize<'de> for #ident #ty_generics #where_clause {
            fn deserialize<__D>(
                __deserializer: __D,
            ) -> ::core::result::Result<Self, <__D as ::serdy::de::Deserializer<'de>>::Error>
            where
                __D: ::serdy::de::Deserializer<'de>,
            {
                ::core::unimplemented!("serdy-derive reported an error for this type")
            }
        }
    }
}
