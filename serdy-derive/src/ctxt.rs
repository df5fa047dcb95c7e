//! Gathering every error before reporting any.
//!
//! Parsing a container walks all of its attributes, fields and variants even
//! after the first mistake, so the user sees every problem in one compile
//! instead of fixing them one rebuild at a time. Each mistake becomes a
//! [`syn::Error`] spanned at the offending token; [`Ctxt::check`] folds them
//! into one error whose `to_compile_error()` emits one `compile_error!` per
//! mistake, each pointing at its own token.

use std::fmt::Display;

use quote::ToTokens;

/// Collects the errors found while parsing one derive input.
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    /// An empty collector.
    pub(crate) fn new() -> Self {
        Ctxt::default()
    }

    /// Records `message`, spanned at the tokens of `tokens`.
    pub(crate) fn error_spanned_by<T: ToTokens, M: Display>(&mut self, tokens: T, message: M) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error produced by syn (for example by `parse_nested_meta`).
    pub(crate) fn syn_error(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// `Ok` when nothing went wrong, otherwise all errors combined into one.
    pub(crate) fn check(self) -> Result<(), syn::Error> {
        let mut errors = self.errors.into_iter();
        match errors.next() {
            None => Ok(()),
            Some(mut first) => {
                for error in errors {
                    first.combine(error);
                }
                Err(first)
            }
        }
    }
}
