//! How many terminal cells a character takes: 0, 1 or 2.
//!
//! A terminal draws most characters in one cell, East Asian wide and
//! fullwidth characters and emoji in two, and combining marks and
//! zero-width characters in none (they attach to the character before).
//! The screen needs this to place the cursor and to cut lines, so that a
//! line of `中文` is 4 cells, not 2, and `é` written as `e` + U+0301 is 1.
//!
//! # What the tables cover
//!
//! Two tables of ranges, written into this file (no outside crates, no
//! build step):
//!
//! * **Wide (2):** every assigned code point whose East Asian Width is
//!   Wide or Fullwidth in Unicode 14 (`EastAsianWidth.txt`), with short
//!   gaps of unassigned code points merged into the ranges around them.
//!   That is Hangul jamo initials, CJK radicals, symbols and punctuation,
//!   Hiragana, Katakana, Bopomofo, CJK ideographs (all planes), Yi, Hangul
//!   syllables, fullwidth forms, Tangut, Khitan, Nüshu, Kana supplements,
//!   and the emoji with default emoji presentation, in the BMP (⌚, ☕,
//!   ⚡, ✅, ⭐...) and in the pictograph blocks. Symbols of those blocks
//!   that default to text presentation (U+1F321 THERMOMETER) stay narrow.
//! * **Zero width:** hand-picked: the combining marks (general category
//!   Mn/Me) of the main blocks: Combining Diacritical Marks with their
//!   Extended and Supplement blocks, the marks for symbols, Half Marks,
//!   Cyrillic, Hebrew, Arabic, Syriac, Thaana, NKo, the Brahmic scripts
//!   from Devanagari to Malayalam, Thai, Lao, Tibetan, Khmer; Hangul
//!   medial and final jamo; variation selectors (including Mongolian's
//!   and the supplement); format characters: ZWSP, ZWNJ,
//!   ZWJ, the bidirectional marks, embeddings and isolates, word joiner,
//!   BOM, tags; and control characters (never drawn: the screen
//!   neutralises them first). Marks of scripts outside this list
//!   (Myanmar, Balinese, the Brahmi family of the supplementary plane...)
//!   count 1, one cell too many.
//! * **Everything else is 1**, including unassigned code points and
//!   ambiguous-width characters (the narrow choice, as in a Western locale),
//!   and the soft hyphen U+00AD, which glibc's `wcwidth` and tmux draw in
//!   one cell although it is a format character.
//!
//! Where a terminal still disagrees (an emoji with VS16, a character newer
//! than its tables), the painter does not rely on this table for where the
//! cursor ends up: it moves the cursor explicitly after every cell that is
//! not plain ASCII, and the screen turns auto-wrap off, so a disagreement
//! costs at most that cell's row, never a scrolled screen.
//!
//! An emoji ZWJ sequence counts the sum of its parts, where terminals
//! disagree anyway.
//!
//! ```
//! use chat::client::tui::width::{char_width, str_width};
//!
//! assert_eq!(char_width('a'), 1);
//! assert_eq!(char_width('中'), 2);
//! assert_eq!(char_width('\u{301}'), 0); // combining acute accent
//! assert_eq!(str_width("e\u{301}中😀"), 5);
//! ```

/// Zero-width ranges, sorted, inclusive.
const ZERO: &[(u32, u32)] = &[
    (0x0000, 0x001f),
    (0x007f, 0x009f),
    (0x0300, 0x036f),
    (0x0483, 0x0489),
    (0x0591, 0x05bd),
    (0x05bf, 0x05bf),
    (0x05c1, 0x05c2),
    (0x05c4, 0x05c5),
    (0x05c7, 0x05c7),
    (0x0610, 0x061a),
    (0x061c, 0x061c),
    (0x064b, 0x065f),
    (0x0670, 0x0670),
    (0x06d6, 0x06dc),
    (0x06df, 0x06e4),
    (0x06e7, 0x06e8),
    (0x06ea, 0x06ed),
    (0x0711, 0x0711),
    (0x0730, 0x074a),
    (0x07a6, 0x07b0),
    (0x07eb, 0x07f3),
    (0x0900, 0x0902),
    (0x093a, 0x093a),
    (0x093c, 0x093c),
    (0x0941, 0x0948),
    (0x094d, 0x094d),
    (0x0951, 0x0957),
    (0x0962, 0x0963),
    (0x0981, 0x0981),
    (0x09bc, 0x09bc),
    (0x09c1, 0x09c4),
    (0x09cd, 0x09cd),
    (0x09e2, 0x09e3),
    (0x0a01, 0x0a02),
    (0x0a3c, 0x0a3c),
    (0x0a41, 0x0a51),
    (0x0a70, 0x0a71),
    (0x0a75, 0x0a75),
    (0x0a81, 0x0a82),
    (0x0abc, 0x0abc),
    (0x0ac1, 0x0ac8),
    (0x0acd, 0x0acd),
    (0x0ae2, 0x0ae3),
    (0x0b01, 0x0b01),
    (0x0b3c, 0x0b3c),
    (0x0b3f, 0x0b3f),
    (0x0b41, 0x0b44),
    (0x0b4d, 0x0b4d),
    (0x0b82, 0x0b82),
    (0x0bc0, 0x0bc0),
    (0x0bcd, 0x0bcd),
    (0x0c00, 0x0c00),
    (0x0c3e, 0x0c40),
    (0x0c46, 0x0c56),
    (0x0cbc, 0x0cbc),
    (0x0ccc, 0x0ccd),
    (0x0d00, 0x0d01),
    (0x0d41, 0x0d44),
    (0x0d4d, 0x0d4d),
    (0x0e31, 0x0e31),
    (0x0e34, 0x0e3a),
    (0x0e47, 0x0e4e),
    (0x0eb1, 0x0eb1),
    (0x0eb4, 0x0ebc),
    (0x0ec8, 0x0ece),
    (0x0f18, 0x0f19),
    (0x0f35, 0x0f35),
    (0x0f37, 0x0f37),
    (0x0f39, 0x0f39),
    (0x0f71, 0x0f7e),
    (0x0f80, 0x0f84),
    (0x0f86, 0x0f87),
    (0x0f8d, 0x0fbc),
    (0x1160, 0x11ff),
    (0x17b4, 0x17b5),
    (0x17b7, 0x17bd),
    (0x17c6, 0x17c6),
    (0x17c9, 0x17d3),
    (0x180b, 0x180f),
    (0x1ab0, 0x1aff),
    (0x1dc0, 0x1dff),
    (0x200b, 0x200f),
    (0x2028, 0x202e),
    (0x2060, 0x2064),
    (0x2066, 0x206f),
    (0x20d0, 0x20f0),
    (0xfe00, 0xfe0f),
    (0xfe20, 0xfe2f),
    (0xfeff, 0xfeff),
    (0xe0001, 0xe007f),
    (0xe0100, 0xe01ef),
];

/// Wide ranges, sorted, inclusive: East Asian Wide and Fullwidth
/// (see the module docs).
const WIDE: &[(u32, u32)] = &[
    (0x1100, 0x115f),
    (0x231a, 0x231b),
    (0x2329, 0x232a),
    (0x23e9, 0x23ec),
    (0x23f0, 0x23f0),
    (0x23f3, 0x23f3),
    (0x25fd, 0x25fe),
    (0x2614, 0x2615),
    (0x2648, 0x2653),
    (0x267f, 0x267f),
    (0x2693, 0x2693),
    (0x26a1, 0x26a1),
    (0x26aa, 0x26ab),
    (0x26bd, 0x26be),
    (0x26c4, 0x26c5),
    (0x26ce, 0x26ce),
    (0x26d4, 0x26d4),
    (0x26ea, 0x26ea),
    (0x26f2, 0x26f3),
    (0x26f5, 0x26f5),
    (0x26fa, 0x26fa),
    (0x26fd, 0x26fd),
    (0x2705, 0x2705),
    (0x270a, 0x270b),
    (0x2728, 0x2728),
    (0x274c, 0x274c),
    (0x274e, 0x274e),
    (0x2753, 0x2755),
    (0x2757, 0x2757),
    (0x2795, 0x2797),
    (0x27b0, 0x27b0),
    (0x27bf, 0x27bf),
    (0x2b1b, 0x2b1c),
    (0x2b50, 0x2b50),
    (0x2b55, 0x2b55),
    (0x2e80, 0x303e),
    (0x3041, 0x3247),
    (0x3250, 0x4dbf),
    (0x4e00, 0xa4c6),
    (0xa960, 0xa97c),
    (0xac00, 0xd7a3),
    (0xf900, 0xfad9),
    (0xfe10, 0xfe19),
    (0xfe30, 0xfe6b),
    (0xff01, 0xff60),
    (0xffe0, 0xffe6),
    (0x16fe0, 0x18d08),
    (0x1aff0, 0x1b2fb),
    (0x1f004, 0x1f004),
    (0x1f0cf, 0x1f0cf),
    (0x1f18e, 0x1f18e),
    (0x1f191, 0x1f19a),
    (0x1f200, 0x1f265),
    (0x1f300, 0x1f320),
    (0x1f32d, 0x1f335),
    (0x1f337, 0x1f37c),
    (0x1f37e, 0x1f393),
    (0x1f3a0, 0x1f3ca),
    (0x1f3cf, 0x1f3d3),
    (0x1f3e0, 0x1f3f0),
    (0x1f3f4, 0x1f3f4),
    (0x1f3f8, 0x1f43e),
    (0x1f440, 0x1f440),
    (0x1f442, 0x1f4fc),
    (0x1f4ff, 0x1f53d),
    (0x1f54b, 0x1f54e),
    (0x1f550, 0x1f567),
    (0x1f57a, 0x1f57a),
    (0x1f595, 0x1f596),
    (0x1f5a4, 0x1f5a4),
    (0x1f5fb, 0x1f64f),
    (0x1f680, 0x1f6c5),
    (0x1f6cc, 0x1f6cc),
    (0x1f6d0, 0x1f6d2),
    (0x1f6d5, 0x1f6df),
    (0x1f6eb, 0x1f6ec),
    (0x1f6f4, 0x1f6fc),
    (0x1f7e0, 0x1f7f0),
    (0x1f90c, 0x1f93a),
    (0x1f93c, 0x1f945),
    (0x1f947, 0x1f9ff),
    (0x1fa70, 0x1faf6),
    (0x20000, 0x2ebe0),
    (0x2f800, 0x2fa1d),
    (0x30000, 0x3134a),
];

/// Is `c` in one of the sorted, disjoint, inclusive `ranges`?
fn in_table(c: char, ranges: &[(u32, u32)]) -> bool {
    let c = c as u32;
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// The number of cells `c` takes: 0 for combining marks, zero-width and
/// control characters, 2 for wide characters (CJK, emoji), 1 otherwise.
/// See the module docs for the ranges covered.
pub fn char_width(c: char) -> usize {
    if (c as u32) < 0x7f {
        return usize::from(c >= ' ');
    }
    if in_table(c, ZERO) {
        0
    } else if in_table(c, WIDE) {
        2
    } else {
        1
    }
}

/// True for a character that attaches to the one before it (width 0 and
/// not a control character): combining marks, ZWJ, variation selectors.
pub fn is_combining(c: char) -> bool {
    !c.is_control() && char_width(c) == 0
}

/// The number of cells `s` takes: the sum of its characters' widths.
pub fn str_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_hyphen_takes_a_cell_as_terminals_draw_it() {
        assert_eq!(char_width('\u{ad}'), 1);
        assert_eq!(str_width(&"x\u{ad}".repeat(60)), 120);
    }

    #[test]
    fn tables_are_sorted_and_disjoint() {
        for table in [ZERO, WIDE] {
            for pair in table.windows(2) {
                assert!(pair[0].0 <= pair[0].1, "{pair:x?}");
                assert!(pair[0].1 < pair[1].0, "{pair:x?}");
            }
        }
        for &(lo, hi) in ZERO {
            for &(wlo, whi) in WIDE {
                assert!(
                    hi < wlo || lo > whi,
                    "{lo:x}-{hi:x} overlaps {wlo:x}-{whi:x}"
                );
            }
        }
    }

    #[test]
    fn widths_of_known_characters() {
        let cases = [
            ('a', 1),
            (' ', 1),
            ('~', 1),
            ('\0', 0),
            ('\t', 0),
            ('\x1b', 0),
            ('\u{7f}', 0),
            ('\u{85}', 0),
            ('é', 1),
            ('ß', 1),
            ('Ж', 1),
            ('א', 1),
            ('\u{301}', 0),  // combining acute
            ('\u{5b4}', 0),  // Hebrew hiriq
            ('\u{64e}', 0),  // Arabic fatha
            ('\u{94d}', 0),  // Devanagari virama
            ('\u{e31}', 0),  // Thai mai han-akat
            ('\u{200b}', 0), // zero width space
            ('\u{200d}', 0), // ZWJ
            ('\u{fe0f}', 0), // VS16
            ('\u{feff}', 0), // BOM
            ('\u{1161}', 0), // Hangul medial jamo
            ('\u{1100}', 2), // Hangul initial jamo
            ('中', 2),
            ('。', 2),
            ('\u{3000}', 2), // ideographic space
            ('\u{303f}', 1),
            ('あ', 2),
            ('カ', 2),
            ('한', 2),
            ('Ａ', 2), // fullwidth A
            ('ｱ', 1),  // halfwidth katakana
            ('😀', 2),
            ('🚀', 2),
            ('🤖', 2),
            ('🫠', 2),
            ('⭐', 2),
            ('☕', 2),
            ('✅', 2),
            ('★', 1),
            ('→', 1),
            ('\u{20000}', 2),
            ('\u{1f321}', 1), // thermometer: text presentation
            ('\u{1f7e0}', 2), // large orange circle
            ('\u{17b7}', 0),  // Khmer vowel sign i
            ('\u{2066}', 0),  // left-to-right isolate
            ('\u{10ffff}', 1),
        ];
        for (c, w) in cases {
            assert_eq!(char_width(c), w, "{c:?} U+{:04X}", c as u32);
        }
    }

    #[test]
    fn string_widths() {
        assert_eq!(str_width(""), 0);
        assert_eq!(str_width("hello"), 5);
        assert_eq!(str_width("日本語"), 6);
        assert_eq!(str_width("e\u{301}te\u{301}"), 3);
        assert_eq!(str_width("a😀b"), 4);
        assert!(is_combining('\u{301}'));
        assert!(!is_combining('\n'));
        assert!(!is_combining('a'));
    }
}
