//! Reading `#[serdy(...)]` attributes on containers, variants and fields.
//!
//! ```text
//!   #[serdy(rename = "...", rename_all = "...", deny_unknown_fields)]  container
//!   enum E {
//!       #[serdy(rename = "...", rename_all = "...")]                     variant
//!       V {
//!           #[serdy(rename = "...", skip, default)]                      field
//!           f: T,
//!       },
//!   }
//! ```
//!
//! Every mistake is recorded in the [`Ctxt`] and parsing goes on, so all of
//! them are reported together. Attributes that do not start with `serdy` are
//! left alone: they belong to other derives.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta, Token};

use crate::case::RenameRule;
use crate::ctxt::Ctxt;

/// Attributes on the struct or enum itself.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    /// `rename = "..."`: the name passed to the serializer.
    pub(crate) rename: Option<String>,
    /// `rename_all = "..."`: applied to fields (struct) or variants (enum).
    pub(crate) rename_all: Option<RenameRule>,
    /// `deny_unknown_fields`: an unknown field name is an error.
    pub(crate) deny_unknown_fields: bool,
}

/// Attributes on one enum variant.
#[derive(Default)]
pub(crate) struct VariantAttrs {
    /// `rename = "..."`: the variant's name on the wire.
    pub(crate) rename: Option<String>,
    /// `rename_all = "..."`: applied to the fields of a struct variant.
    pub(crate) rename_all: Option<RenameRule>,
}

/// Attributes on one field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    /// `rename = "..."`: the field's name on the wire.
    pub(crate) rename: Option<String>,
    /// `skip`: never serialized; deserialized as `Default::default()`.
    pub(crate) skip: bool,
    /// `default`: when missing from the input, `Default::default()`.
    pub(crate) default: bool,
}

const CONTAINER_KEYS: &str = "`rename`, `rename_all`, `deny_unknown_fields`";
const VARIANT_KEYS: &str = "`rename`, `rename_all`";
const FIELD_KEYS: &str = "`rename`, `skip`, `default`";

impl ContainerAttrs {
    /// Reads the `#[serdy(...)]` attributes of a struct or enum.
    pub(crate) fn parse(cx: &mut Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = ContainerAttrs::default();
        each_meta(cx, attrs, |cx, meta| {
            if meta.path.is_ident("rename") {
                rename(cx, &meta, &mut out.rename)?;
            } else if meta.path.is_ident("rename_all") {
                rename_all(cx, &meta, &mut out.rename_all)?;
            } else if meta.path.is_ident("deny_unknown_fields") {
                flag(cx, &meta, &mut out.deny_unknown_fields)?;
            } else {
                unknown(cx, &meta, "container", CONTAINER_KEYS)?;
            }
            Ok(())
        });
        out
    }
}

impl VariantAttrs {
    /// Reads the `#[serdy(...)]` attributes of an enum variant.
    pub(crate) fn parse(cx: &mut Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = VariantAttrs::default();
        each_meta(cx, attrs, |cx, meta| {
            if meta.path.is_ident("rename") {
                rename(cx, &meta, &mut out.rename)?;
            } else if meta.path.is_ident("rename_all") {
                rename_all(cx, &meta, &mut out.rename_all)?;
            } else if meta.path.is_ident("skip") {
                cx.error_spanned_by(
                    &meta.path,
                    "#[serdy(skip)] is not supported on enum variants: every variant has a \
                     wire index, remove the attribute or the variant",
                );
                skip_rest(&meta)?;
            } else {
                unknown(cx, &meta, "variant", VARIANT_KEYS)?;
            }
            Ok(())
        });
        out
    }
}

impl FieldAttrs {
    /// Reads the `#[serdy(...)]` attributes of a field.
    pub(crate) fn parse(cx: &mut Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = FieldAttrs::default();
        each_meta(cx, attrs, |cx, meta| {
            if meta.path.is_ident("rename") {
                rename(cx, &meta, &mut out.rename)?;
            } else if meta.path.is_ident("skip") {
                flag(cx, &meta, &mut out.skip)?;
            } else if meta.path.is_ident("default") {
                flag(cx, &meta, &mut out.default)?;
            } else {
                unknown(cx, &meta, "field", FIELD_KEYS)?;
            }
            Ok(())
        });
        out
    }
}

/// Calls `f` for every item inside every `#[serdy(...)]` in `attrs`.
///
/// `f` records its own mistakes and consumes the item's tokens, so that one
/// bad item does not hide the items after it; only malformed syntax (which
/// syn reports as an `Err`) ends the attribute early.
fn each_meta(
    cx: &mut Ctxt,
    attrs: &[Attribute],
    mut f: impl FnMut(&mut Ctxt, ParseNestedMeta) -> syn::Result<()>,
) {
    for attr in attrs {
        if !attr.path().is_ident("serdy") {
            continue;
        }
        if !matches!(attr.meta, Meta::List(_)) {
            cx.error_spanned_by(attr, "expected a list: #[serdy(...)]");
            continue;
        }
        if let Err(error) = attr.parse_nested_meta(|meta| f(cx, meta)) {
            cx.syn_error(error);
        }
    }
}

/// `rename = "..."`, wherever it appears.
fn rename(cx: &mut Ctxt, meta: &ParseNestedMeta, slot: &mut Option<String>) -> syn::Result<()> {
    if let Some(name) = string_value(cx, meta, "rename")? {
        set_once(cx, meta, slot, name.value());
    }
    Ok(())
}

/// `rename_all = "..."`, wherever it appears.
fn rename_all(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta,
    slot: &mut Option<RenameRule>,
) -> syn::Result<()> {
    if let Some(rule) = rename_rule(cx, meta)? {
        set_once(cx, meta, slot, rule);
    }
    Ok(())
}

/// Stores `value` unless the same key was already given.
fn set_once<T>(cx: &mut Ctxt, meta: &ParseNestedMeta, slot: &mut Option<T>, value: T) {
    if slot.is_some() {
        cx.error_spanned_by(
            &meta.path,
            format!("duplicate serdy attribute `{}`", key(meta)),
        );
    } else {
        *slot = Some(value);
    }
}

/// A bare flag such as `skip`: no value allowed, not twice.
fn flag(cx: &mut Ctxt, meta: &ParseNestedMeta, slot: &mut bool) -> syn::Result<()> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(&meta.path, format!("`{}` takes no value", key(meta)));
        skip_rest(meta)?;
    } else if *slot {
        cx.error_spanned_by(
            &meta.path,
            format!("duplicate serdy attribute `{}`", key(meta)),
        );
    }
    *slot = true;
    Ok(())
}

/// The string of `key = "..."`, or `None` after recording why there is none.
fn string_value(cx: &mut Ctxt, meta: &ParseNestedMeta, what: &str) -> syn::Result<Option<LitStr>> {
    let message = format!("expected a string: #[serdy({what} = \"...\")]");
    if !meta.input.peek(Token![=]) {
        cx.error_spanned_by(&meta.path, message);
        skip_rest(meta)?;
        return Ok(None);
    }
    let mut value: Expr = meta.value()?.parse()?;
    // A literal passed through a `macro_rules!` fragment arrives wrapped in
    // an invisible group.
    while let Expr::Group(group) = value {
        value = *group.expr;
    }
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(Some(lit)),
        other => {
            cx.error_spanned_by(other, message);
            Ok(None)
        }
    }
}

/// The rule of `rename_all = "..."`, or `None` after recording why not.
fn rename_rule(cx: &mut Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<RenameRule>> {
    let Some(lit) = string_value(cx, meta, "rename_all")? else {
        return Ok(None);
    };
    match RenameRule::from_str(&lit.value()) {
        Ok(rule) => Ok(Some(rule)),
        Err(message) => {
            cx.error_spanned_by(lit, message);
            Ok(None)
        }
    }
}

/// Records an unknown key, naming the ones that exist, and skips its value.
fn unknown(cx: &mut Ctxt, meta: &ParseNestedMeta, place: &str, known: &str) -> syn::Result<()> {
    cx.error_spanned_by(
        &meta.path,
        format!(
            "unknown serdy {place} attribute `{}`, expected one of {known}",
            key(meta)
        ),
    );
    skip_rest(meta)
}

/// Consumes whatever follows a key (`= expr` or `(...)`) so parsing resumes
/// at the next comma.
fn skip_rest(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        let _: proc_macro2::TokenStream = content.parse()?;
    }
    Ok(())
}

/// The key as written, for messages (`rename`, `a::b`).
fn key(meta: &ParseNestedMeta) -> String {
    let segments: Vec<String> = meta
        .path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    segments.join("::")
}
