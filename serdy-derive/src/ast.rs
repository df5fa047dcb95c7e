//! The derive input, checked and reduced to what code generation needs.
//!
//! [`Container::from_input`] turns a [`syn::DeriveInput`] into a tree of
//! [`Container`], [`Variant`] and [`Field`], with every attribute applied:
//! wire names are final (after `rename` and `rename_all`), skipped fields are
//! marked, and the shape of each struct or variant is one [`Style`]. Both
//! derives then read this tree and never look at attributes again.

use std::collections::HashSet;

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{DeriveInput, Generics, Ident, Member, Type};

use crate::attr::{ContainerAttrs, FieldAttrs, VariantAttrs};
use crate::case::RenameRule;
use crate::ctxt::Ctxt;

/// A struct or enum that derives.
pub(crate) struct Container<'a> {
    /// The type's name in Rust.
    pub(crate) ident: &'a Ident,
    /// The name given to the serializer (`rename` or the ident).
    pub(crate) name: String,
    /// `#[serdy(deny_unknown_fields)]`.
    pub(crate) deny_unknown_fields: bool,
    /// The type's generics as written.
    pub(crate) generics: &'a Generics,
    /// Fields or variants.
    pub(crate) data: Data<'a>,
}

/// What the container holds.
pub(crate) enum Data<'a> {
    /// A struct of the given shape.
    Struct(Style, Vec<Field<'a>>),
    /// An enum; variant `i` has wire index `i`.
    Enum(Vec<Variant<'a>>),
}

/// The shape of a struct or of an enum variant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `{ a: A, b: B }`
    Named,
    /// `(A, B)`, also `()`
    Tuple,
    /// `(A)`: exactly one unnamed field
    Newtype,
    /// no fields at all
    Unit,
}

/// One enum variant.
pub(crate) struct Variant<'a> {
    /// The variant's name in Rust.
    pub(crate) ident: &'a Ident,
    /// The variant's name on the wire.
    pub(crate) name: String,
    /// Its shape.
    pub(crate) style: Style,
    /// Its fields, in declaration order.
    pub(crate) fields: Vec<Field<'a>>,
}

/// One field of a struct or variant.
pub(crate) struct Field<'a> {
    /// `self.<member>`: a name or a tuple index.
    pub(crate) member: Member,
    /// The field's name on the wire (for tuple fields, its index as text).
    pub(crate) name: String,
    /// Its Rust type.
    pub(crate) ty: &'a Type,
    /// `#[serdy(skip)]`.
    pub(crate) skip: bool,
    /// `#[serdy(default)]`.
    pub(crate) default: bool,
    /// The field as written, to point errors at.
    pub(crate) original: &'a syn::Field,
}

impl Field<'_> {
    /// Where errors about this field's type should point: its type.
    pub(crate) fn span(&self) -> Span {
        syn::spanned::Spanned::span(self.ty)
    }

    /// Whether the field is filled with `Default::default()` when the input
    /// lacks it: skipped fields always are, `default` ones when missing.
    pub(crate) fn needs_default(&self) -> bool {
        self.skip || self.default
    }
}

impl<'a> Container<'a> {
    /// Checks `input` and applies its attributes; `None` if anything was
    /// wrong (the reasons are in `cx`).
    pub(crate) fn from_input(cx: &mut Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let attrs = ContainerAttrs::parse(cx, &input.attrs);
        let data = match &input.data {
            syn::Data::Struct(data) => {
                let (style, fields) = fields_from_ast(cx, &data.fields, attrs.rename_all, "struct");
                Data::Struct(style, fields)
            }
            syn::Data::Enum(data) => {
                let variants = data
                    .variants
                    .iter()
                    .map(|variant| variant_from_ast(cx, variant, attrs.rename_all))
                    .collect::<Vec<_>>();
                check_unique(
                    cx,
                    "variant",
                    variants.iter().map(|v| (v.name.as_str(), v.ident.span())),
                );
                Data::Enum(variants)
            }
            syn::Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "serdy cannot derive for a union: which field is live is not known \
                     at runtime; use a struct or an enum",
                );
                return None;
            }
        };
        Some(Container {
            ident: &input.ident,
            name: attrs
                .rename
                .unwrap_or_else(|| input.ident.unraw().to_string()),
            deny_unknown_fields: attrs.deny_unknown_fields,
            generics: &input.generics,
            data,
        })
    }

    /// Every field of every struct or variant, for bound inference.
    pub(crate) fn all_fields(&self) -> Box<dyn Iterator<Item = &Field<'a>> + '_> {
        match &self.data {
            Data::Struct(_, fields) => Box::new(fields.iter()),
            Data::Enum(variants) => Box::new(variants.iter().flat_map(|v| v.fields.iter())),
        }
    }
}

fn variant_from_ast<'a>(
    cx: &mut Ctxt,
    variant: &'a syn::Variant,
    rule: Option<RenameRule>,
) -> Variant<'a> {
    let attrs = VariantAttrs::parse(cx, &variant.attrs);
    let (style, fields) = fields_from_ast(cx, &variant.fields, attrs.rename_all, "variant");
    let name = attrs.rename.unwrap_or_else(|| {
        let rust = variant.ident.unraw().to_string();
        match rule {
            Some(rule) => rule.apply_to_variant(&rust),
            None => rust,
        }
    });
    Variant {
        ident: &variant.ident,
        name,
        style,
        fields,
    }
}

/// The fields of a struct or variant (`owner` says which, for messages),
/// renamed by `rule`.
fn fields_from_ast<'a>(
    cx: &mut Ctxt,
    fields: &'a syn::Fields,
    rule: Option<RenameRule>,
    owner: &str,
) -> (Style, Vec<Field<'a>>) {
    let style = match fields {
        syn::Fields::Named(_) => Style::Named,
        syn::Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => Style::Newtype,
        syn::Fields::Unnamed(_) => Style::Tuple,
        syn::Fields::Unit => Style::Unit,
    };
    let fields: Vec<Field<'a>> = fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            let attrs = FieldAttrs::parse(cx, &field.attrs);
            let (member, rust) = match &field.ident {
                Some(ident) => (Member::Named(ident.clone()), ident.unraw().to_string()),
                None => (Member::Unnamed(index.into()), index.to_string()),
            };
            let name = attrs.rename.unwrap_or_else(|| match (rule, &field.ident) {
                (Some(rule), Some(_)) => rule.apply_to_field(&rust),
                _ => rust,
            });
            Field {
                member,
                name,
                ty: &field.ty,
                skip: attrs.skip,
                default: attrs.default,
                original: field,
            }
        })
        .collect();
    if style == Style::Newtype && fields[0].skip {
        cx.error_spanned_by(
            fields[0].original,
            format!("#[serdy(skip)] cannot skip the only field of a newtype {owner}"),
        );
    }
    if style == Style::Named {
        check_unique(
            cx,
            "field",
            fields
                .iter()
                .filter(|f| !f.skip)
                .map(|f| (f.name.as_str(), field_span(f))),
        );
    }
    (style, fields)
}

fn field_span(field: &Field) -> Span {
    match &field.original.ident {
        Some(ident) => ident.span(),
        None => Span::call_site(),
    }
}

/// Two fields (or variants) with the same wire name could never be told
/// apart when deserializing.
fn check_unique<'n>(cx: &mut Ctxt, what: &str, names: impl Iterator<Item = (&'n str, Span)>) {
    let mut seen: HashSet<&str> = HashSet::new();
    for (name, span) in names {
        if !seen.insert(name) {
            cx.syn_error(syn::Error::new(
                span,
                format!("two {what}s are named \"{name}\" on the wire (after renaming)"),
            ));
        }
    }
}
