//! `#[serdy(rename_all = "...")]`: turning Rust names into wire names.
//!
//! Rust spells fields in `snake_case` and variants in `PascalCase`; a rule
//! rewrites every field of a struct (or every variant of an enum) at once.
//!
//! ```text
//!   rule                    field `user_id`     variant `UserId`
//!   lowercase               user_id             userid
//!   UPPERCASE               USER_ID             USERID
//!   PascalCase              UserId              UserId
//!   camelCase               userId              userId
//!   snake_case              user_id             user_id
//!   SCREAMING_SNAKE_CASE    USER_ID             USER_ID
//!   kebab-case              user-id             user-id
//!   SCREAMING-KEBAB-CASE    USER-ID             USER-ID
//! ```

/// One of the eight case conventions `rename_all` accepts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RenameRule {
    /// `lowercase`
    Lower,
    /// `UPPERCASE`
    Upper,
    /// `PascalCase`
    Pascal,
    /// `camelCase`
    Camel,
    /// `snake_case`
    Snake,
    /// `SCREAMING_SNAKE_CASE`
    ScreamingSnake,
    /// `kebab-case`
    Kebab,
    /// `SCREAMING-KEBAB-CASE`
    ScreamingKebab,
}

/// Every rule with the spelling the attribute uses, in documentation order.
const RULES: [(&str, RenameRule); 8] = [
    ("lowercase", RenameRule::Lower),
    ("UPPERCASE", RenameRule::Upper),
    ("PascalCase", RenameRule::Pascal),
    ("camelCase", RenameRule::Camel),
    ("snake_case", RenameRule::Snake),
    ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnake),
    ("kebab-case", RenameRule::Kebab),
    ("SCREAMING-KEBAB-CASE", RenameRule::ScreamingKebab),
];

impl RenameRule {
    /// Parses the attribute's string, or explains which spellings exist.
    pub(crate) fn from_str(rule: &str) -> Result<Self, String> {
        for (name, value) in RULES {
            if name == rule {
                return Ok(value);
            }
        }
        let expected: Vec<String> = RULES
            .iter()
            .map(|(name, _)| format!("\"{name}\""))
            .collect();
        Err(format!(
            "unknown rename_all rule \"{rule}\", expected one of {}",
            expected.join(", ")
        ))
    }

    /// Renames a field, written in `snake_case` in Rust.
    pub(crate) fn apply_to_field(self, field: &str) -> String {
        match self {
            RenameRule::Lower | RenameRule::Snake => field.to_owned(),
            RenameRule::Upper | RenameRule::ScreamingSnake => field.to_ascii_uppercase(),
            RenameRule::Pascal | RenameRule::Camel => {
                let mut out = String::with_capacity(field.len());
                let mut capitalize = self == RenameRule::Pascal;
                for ch in field.chars() {
                    if ch == '_' {
                        capitalize = true;
                    } else if capitalize {
                        out.push(ch.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        out.push(ch);
                    }
                }
                out
            }
            RenameRule::Kebab => field.replace('_', "-"),
            RenameRule::ScreamingKebab => field.replace('_', "-").to_ascii_uppercase(),
        }
    }

    /// Renames a variant, written in `PascalCase` in Rust.
    pub(crate) fn apply_to_variant(self, variant: &str) -> String {
        match self {
            RenameRule::Pascal => variant.to_owned(),
            RenameRule::Lower => variant.to_ascii_lowercase(),
            RenameRule::Upper => variant.to_ascii_uppercase(),
            RenameRule::Camel => {
                let mut chars = variant.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            }
            RenameRule::Snake
            | RenameRule::ScreamingSnake
            | RenameRule::Kebab
            | RenameRule::ScreamingKebab => {
                // Every upper-case letter after the first starts a new word.
                let mut snake = String::with_capacity(variant.len() + 4);
                for (i, ch) in variant.char_indices() {
                    if i > 0 && ch.is_uppercase() {
                        snake.push('_');
                    }
                    snake.push(ch.to_ascii_lowercase());
                }
                // Now a field name: the field rules finish the job.
                self.apply_to_field(&snake)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RenameRule::{self, *};

    const ALL: [RenameRule; 8] = [
        Lower,
        Upper,
        Pascal,
        Camel,
        Snake,
        ScreamingSnake,
        Kebab,
        ScreamingKebab,
    ];

    /// Checks `apply` against one expected spelling per rule, in `ALL` order.
    fn check(apply: fn(RenameRule, &str) -> String, cases: &[(&str, [&str; 8])]) {
        for (original, expected) in cases {
            for (rule, want) in ALL.iter().zip(expected) {
                assert_eq!(apply(*rule, original), *want, "{rule:?} on {original}");
            }
        }
    }

    #[test]
    fn fields() {
        check(
            RenameRule::apply_to_field,
            &[
                (
                    "outcome",
                    [
                        "outcome", "OUTCOME", "Outcome", "outcome", "outcome", "OUTCOME",
                        "outcome", "OUTCOME",
                    ],
                ),
                (
                    "very_tasty",
                    [
                        "very_tasty",
                        "VERY_TASTY",
                        "VeryTasty",
                        "veryTasty",
                        "very_tasty",
                        "VERY_TASTY",
                        "very-tasty",
                        "VERY-TASTY",
                    ],
                ),
                ("a", ["a", "A", "A", "a", "a", "A", "a", "A"]),
            ],
        );
    }

    #[test]
    fn variants() {
        check(
            RenameRule::apply_to_variant,
            &[
                (
                    "Outcome",
                    [
                        "outcome", "OUTCOME", "Outcome", "outcome", "outcome", "OUTCOME",
                        "outcome", "OUTCOME",
                    ],
                ),
                (
                    "VeryTasty",
                    [
                        "verytasty",
                        "VERYTASTY",
                        "VeryTasty",
                        "veryTasty",
                        "very_tasty",
                        "VERY_TASTY",
                        "very-tasty",
                        "VERY-TASTY",
                    ],
                ),
                ("A", ["a", "A", "A", "a", "a", "A", "a", "A"]),
            ],
        );
    }

    #[test]
    fn parse() {
        assert_eq!(RenameRule::from_str("camelCase"), Ok(Camel));
        let err = RenameRule::from_str("Camel").unwrap_err();
        assert!(err.contains("\"camelCase\""), "{err}");
    }
}
