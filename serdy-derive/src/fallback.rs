//! What the derive emits when the input has mistakes.
//!
//! Besides the `compile_error!`s, the derive still writes an impl of the
//! trait, with a body that is never meant to run. Without it, every place
//! that uses the type as `Serialize` would add its own "trait not
//! implemented" error and bury the real one.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::{bound, de, ser};

/// `impl Serialize` with an `unimplemented!()` body.
pub(crate) fn serialize(input: &DeriveInput) -> TokenStream {
    ser::impl_serialize(&input.ident, &input.generics, unreachable_body())
}

/// `impl Deserialize<'de>` with an `unimplemented!()` body, or nothing when
/// the type already declares `'de` (the stub would only add a second error).
pub(crate) fn deserialize(input: &DeriveInput) -> TokenStream {
    if bound::conflicting_de_lifetime(&input.generics).is_some() {
        return TokenStream::new();
    }
    let de = bound::de_lifetime();
    let mut de_generics = input.generics.clone();
    de_generics.params.insert(0, syn::parse_quote!(#de));
    de::impl_deserialize(
        &input.ident,
        &de_generics,
        &input.generics,
        unreachable_body(),
    )
}

fn unreachable_body() -> TokenStream {
    quote!(::core::unimplemented!(
        "serdy-derive reported an error for this type"
    ))
}
