//! Which bounds the generated impls need.
//!
//! `#[derive(Serialize)] struct Pair<T, U> { a: T, #[serdy(skip)] b: U }`
//! serializes `a` only, so its impl needs `T: Serialize` and nothing on `U`:
//!
//! ```text
//!   impl<T, U> Serialize for Pair<T, U> where T: Serialize { ... }
//! ```
//!
//! The rule, like serde's: a type parameter gets the trait bound when it is
//! mentioned in the type of a field that is (de)serialized, except inside a
//! `PhantomData<...>` (which is (de)serializable for any `T`). A field of an
//! associated type, `I::Item`, bounds that type (`I::Item: Serialize`), not
//! `I`: an iterator need not be serializable for its items to be.
//! A field filled from `Default::default()` (skipped, or `default` and
//! missing) that mentions a type parameter bounds its whole type instead:
//! `Option<U>: Default` holds for every `U`, where serde would ask for
//! `U: Default`.
//!
//! For `Deserialize`, the impl gains a fresh lifetime `'de`, the lifetime of
//! the input. Every lifetime a deserialized field mentions must be outlived
//! by it (`'de: 'a`): that is what lets a `&'a str` field point into the
//! input without copying. (serde asks for `#[serde(borrow)]` on fields other
//! than `&str` and `&[u8]`; serdy bounds every lifetime a field mentions.)

use std::collections::HashSet;

use proc_macro2::Span;
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{parse_quote, GenericParam, Generics, Ident, Lifetime, Type, TypePath, WherePredicate};

use crate::ast::{Container, Field};

/// The lifetime of the input in `impl<'de> Deserialize<'de>`.
pub(crate) fn de_lifetime() -> Lifetime {
    Lifetime::new("'de", Span::call_site())
}

/// `generics` plus `param: bound` for every type parameter that a field
/// selected by `filter` mentions.
pub(crate) fn with_bound(
    cont: &Container,
    generics: &Generics,
    filter: impl Fn(&Field) -> bool,
    bound: &syn::Path,
) -> Generics {
    let mentioned = mentions(cont, &filter);
    let mut generics = generics.clone();
    let mut predicates: Vec<WherePredicate> = cont
        .generics
        .type_params()
        .filter(|param| mentioned.types.contains(&param.ident))
        .map(|param| {
            let ident = &param.ident;
            parse_quote!(#ident: #bound)
        })
        .collect();
    predicates.extend(
        mentioned
            .associated
            .iter()
            .map(|path| -> WherePredicate { parse_quote!(#path: #bound) }),
    );
    generics.make_where_clause().predicates.extend(predicates);
    generics
}

/// `generics` plus `FieldType: bound` for every field selected by `filter`
/// whose type mentions a type parameter (`Self` spelled out as `this_ty`).
pub(crate) fn with_field_bound(
    cont: &Container,
    generics: &Generics,
    filter: impl Fn(&Field) -> bool,
    bound: &syn::Path,
    this_ty: &Type,
) -> Generics {
    let mut generics = generics.clone();
    let mut predicates: Vec<WherePredicate> = Vec::new();
    for field in cont.all_fields().filter(|field| filter(field)) {
        let mut found = Mentions::new(cont);
        found.visit_type(field.ty);
        if !found.types.is_empty() || !found.associated.is_empty() {
            let ty = replace_self(field.ty, this_ty);
            predicates.push(parse_quote!(#ty: #bound));
        }
    }
    generics.make_where_clause().predicates.extend(predicates);
    generics
}

/// `ty` with every `Self` replaced by `this_ty`, for use inside nested
/// items (a visitor struct) where `Self` would name something else.
pub(crate) fn replace_self(ty: &Type, this_ty: &Type) -> Type {
    struct ReplaceSelf<'a>(&'a Type);
    impl VisitMut for ReplaceSelf<'_> {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::Path(path) = ty {
                if path.qself.is_none() && path.path.is_ident("Self") {
                    *ty = self.0.clone();
                    return;
                }
            }
            visit_mut::visit_type_mut(self, ty);
        }
    }
    let mut ty = ty.clone();
    ReplaceSelf(this_ty).visit_type_mut(&mut ty);
    ty
}

/// `generics` with `'de` in front, outliving every lifetime that a field
/// selected by `filter` mentions.
pub(crate) fn with_de_lifetime(
    cont: &Container,
    generics: &Generics,
    filter: impl Fn(&Field) -> bool,
) -> Generics {
    let mentioned = mentions(cont, &filter);
    let de = de_lifetime();
    let mut generics = generics.clone();
    let predicates: Vec<WherePredicate> = cont
        .generics
        .lifetimes()
        .filter(|param| mentioned.lifetimes.contains(&param.lifetime.ident))
        .map(|param| {
            let lifetime = &param.lifetime;
            parse_quote!(#de: #lifetime)
        })
        .collect();
    generics
        .params
        .insert(0, GenericParam::Lifetime(parse_quote!(#de)));
    generics.make_where_clause().predicates.extend(predicates);
    generics
}

/// The declared lifetime named `'de`, if the user already has one.
pub(crate) fn conflicting_de_lifetime(generics: &Generics) -> Option<&Lifetime> {
    generics
        .lifetimes()
        .map(|param| &param.lifetime)
        .find(|lifetime| lifetime.ident == "de")
}

/// Type parameters and lifetimes of the container mentioned by some field.
#[derive(Default)]
struct Mentions {
    type_params: HashSet<Ident>,
    lifetime_params: HashSet<Ident>,
    /// Parameters used as a type of their own: `T`, `Vec<T>`.
    types: HashSet<Ident>,
    /// Associated types of parameters, `T::Item`, each once.
    associated: Vec<TypePath>,
    lifetimes: HashSet<Ident>,
}

impl Mentions {
    /// Nothing found yet, among the parameters of `cont`.
    fn new(cont: &Container) -> Self {
        let generics = cont.generics;
        Mentions {
            type_params: generics.type_params().map(|p| p.ident.clone()).collect(),
            lifetime_params: generics
                .lifetimes()
                .map(|p| p.lifetime.ident.clone())
                .collect(),
            ..Mentions::default()
        }
    }
}

fn mentions(cont: &Container, filter: &dyn Fn(&Field) -> bool) -> Mentions {
    let mut found = Mentions::new(cont);
    for field in cont.all_fields().filter(|field| filter(field)) {
        found.visit_type(field.ty);
    }
    found
}

impl<'ast> Visit<'ast> for Mentions {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        // Whatever a `PhantomData` holds needs no bound.
        if path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "PhantomData")
        {
            return;
        }
        // A parameter on its own (`T`, also inside `Vec<T>`); `::T` and
        // `T::Assoc` are not it.
        if path.leading_colon.is_none() && path.segments.len() == 1 {
            let ident = &path.segments[0].ident;
            if self.type_params.contains(ident) {
                self.types.insert(ident.clone());
            }
        }
        visit::visit_path(self, path);
    }

    fn visit_type_path(&mut self, ty: &'ast TypePath) {
        let path = &ty.path;
        let is_associated = ty.qself.is_none()
            && path.leading_colon.is_none()
            && path.segments.len() > 1
            && self.type_params.contains(&path.segments[0].ident);
        if is_associated && !self.associated.contains(ty) {
            self.associated.push(ty.clone());
        }
        visit::visit_type_path(self, ty);
    }

    fn visit_lifetime(&mut self, lifetime: &'ast Lifetime) {
        if self.lifetime_params.contains(&lifetime.ident) {
            self.lifetimes.insert(lifetime.ident.clone());
        }
    }
}
