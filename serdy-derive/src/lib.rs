//! `#[derive(Serialize, Deserialize)]` for serdy.
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![doc(test(attr(deny(warnings))))]

mod ast;
mod attr;
mod bound;
mod case;
mod ctxt;
mod de;
mod fallback;
mod identifier;
mod ser;

use proc_macro::TokenStream;
use syn::DeriveInput;

use crate::ast::Container;
use crate::ctxt::Ctxt;

/// Derives `serdy::Serialize`.
#[proc_macro_derive(Serialize, attributes(serdy))]
pub fn derive_serialize(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    let mut cx = Ctxt::new();
    let cont = Container::from_input(&mut cx, &input);
    match (cont, cx.check()) {
        (Some(cont), Ok(())) => ser::expand(&cont),
        (_, Err(errors)) => report(errors, fallback::serialize(&input)),
        (None, Ok(())) => unreachable!("a rejected input always records why"),
    }
    .into()
}

/// Derives `serdy::Deserialize`.
#[proc_macro_derive(Deserialize, attributes(serdy))]
pub fn derive_deserialize(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    let mut cx = Ctxt::new();
    let cont = Container::from_input(&mut cx, &input);
    if let Some(lifetime) = bound::conflicting_de_lifetime(&input.generics) {
        cx.error_spanned_by(
            lifetime,
            "serdy's Deserialize impl adds a lifetime `'de` for the input; rename this one",
        );
    }
    match (cont, cx.check()) {
        (Some(cont), Ok(())) => de::expand(&cont),
        (_, Err(errors)) => report(errors, fallback::deserialize(&input)),
        (None, Ok(())) => unreachable!("a rejected input always records why"),
    }
    .into()
}

/// All errors as `compile_error!`s, followed by the stub impl.
fn report(errors: syn::Error, stub: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut out = errors.to_compile_error();
    out.extend(stub);
    out
}
