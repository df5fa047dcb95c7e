//! `#[derive(Serialize, Deserialize)]` for serdy (first stub: the real
//! expansion lands in the next commits).
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

use proc_macro::TokenStream;

/// Derives `serdy::Serialize`.
#[proc_macro_derive(Serialize, attributes(serdy))]
pub fn derive_serialize(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}

/// Derives `serdy::Deserialize`.
#[proc_macro_derive(Deserialize, attributes(serdy))]
pub fn derive_deserialize(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
