//! A screen's worth of cells, and the painter that sends a terminal only
//! the cells that changed.
//!
//! The screen model draws each frame from scratch into a [`Grid`]: one
//! [`Cell`] per terminal column and row, each holding what is printed there
//! (a character, plus any combining marks) and its [`CellStyle`]. A
//! character two columns wide (CJK, most emoji) takes its cell and leaves
//! the next one as a *continuation* (empty text, width 0), so a row always
//! has exactly `cols` cells and a column index is a screen column.
//!
//! The [`Painter`] keeps the last frame it sent and compares:
//!
//! ```text
//!   previous frame        new frame            bytes written (one write)
//!   ┌──────────────┐      ┌──────────────┐
//!   │ hello        │      │ hello        │     ESC[?25l
//!   │ > ab_        │      │ > abc_       │     ESC[2;5H c     (one cell)
//!   └──────────────┘      └──────────────┘     ESC[2;6H ESC[?25h
//! ```
//!
//! Only changed cells are sent, each run preceded by a cursor move when the
//! terminal's cursor is not already there and by a style change when the
//! style differs; the whole frame is returned as one byte buffer so that
//! the caller writes it with a single `write`. Nothing changed, cursor
//! included, means an empty buffer and no write at all. After a resize,
//! Ctrl-L or a return from Ctrl-Z, [`Painter::invalidate`] makes the next
//! frame clear the screen and paint every cell.
//!
//! ```
//! use chat::client::tui::grid::{CellStyle, Grid, Painter};
//!
//! let mut grid = Grid::new(10, 2);
//! grid.put_str(0, 0, "hello", CellStyle::default(), 10);
//! let mut painter = Painter::new(true);
//! let first = painter.draw(&grid, Some((5, 0)));
//! assert!(first.starts_with(b"\x1b[?25l\x1b[0m\x1b[H\x1b[2J"));
//!
//! grid.put_str(1, 0, "!", CellStyle::default(), 10);
//! let second = painter.draw(&grid, Some((1, 1)));
//! assert_eq!(second, b"\x1b[?25l\x1b[2;1H\x1b[0m!\x1b[0m\x1b[2;2H\x1b[?25h");
//! assert_eq!(painter.draw(&grid, Some((1, 1))), b"");
//! ```

use std::fmt::Write as _;

use super::width::char_width;

/// How a cell is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CellStyle {
    /// Foreground colour as an SGR code (`31` red ... `95` bright
    /// magenta); dropped when the painter has colour off (`NO_COLOR`).
    pub fg: Option<u8>,
    /// Bold.
    pub bold: bool,
    /// Faint.
    pub dim: bool,
    /// Reverse video (bars and markers stay visible without colour).
    pub reverse: bool,
}

impl CellStyle {
    /// The default style with reverse video.
    pub const REVERSE: CellStyle = CellStyle {
        fg: None,
        bold: false,
        dim: false,
        reverse: true,
    };
    /// The default style, faint.
    pub const DIM: CellStyle = CellStyle {
        fg: None,
        bold: false,
        dim: true,
        reverse: false,
    };
    /// The default style, bold.
    pub const BOLD: CellStyle = CellStyle {
        fg: None,
        bold: true,
        dim: false,
        reverse: false,
    };

    /// This style in foreground colour `fg`.
    pub fn with_fg(self, fg: u8) -> CellStyle {
        CellStyle {
            fg: Some(fg),
            ..self
        }
    }

    /// The SGR sequence that sets exactly this style from any other.
    fn sgr(self, color: bool, out: &mut String) {
        out.push_str("\x1b[0");
        if self.bold {
            out.push_str(";1");
        }
        if self.dim {
            out.push_str(";2");
        }
        if self.reverse {
            out.push_str(";7");
        }
        if let (true, Some(fg)) = (color, self.fg) {
            let _ = write!(out, ";{fg}");
        }
        out.push('m');
    }
}

/// One terminal cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// What is printed: one character and its combining marks, or empty
    /// for the continuation of a wide character.
    pub text: String,
    /// Columns the text takes: 1, 2, or 0 for a continuation.
    pub width: u8,
    /// How it is drawn.
    pub style: CellStyle,
}

impl Cell {
    fn blank(style: CellStyle) -> Cell {
        Cell {
            text: " ".to_string(),
            width: 1,
            style,
        }
    }
}

/// A rectangle of cells, `cols` by `rows`, blank at first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    cols: usize,
    rows: usize,
    cells: Vec<Cell>,
}

impl Grid {
    /// A blank grid.
    pub fn new(cols: usize, rows: usize) -> Grid {
        Grid {
            cols,
            rows,
            cells: vec![Cell::blank(CellStyle::default()); cols * rows],
        }
    }

    /// Width in columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Height in rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The cell at (`col`, `row`), if inside.
    pub fn cell(&self, col: usize, row: usize) -> Option<&Cell> {
        (col < self.cols && row < self.rows).then(|| &self.cells[row * self.cols + col])
    }

    /// The text of row `row` (continuations skipped, trailing blanks kept):
    /// what a person sees, for tests.
    pub fn row_text(&self, row: usize) -> String {
        (0..self.cols)
            .filter_map(|col| self.cell(col, row))
            .map(|cell| cell.text.as_str())
            .collect()
    }

    /// Fills columns `from..to` of `row` with blanks in `style`.
    pub fn fill(&mut self, row: usize, from: usize, to: usize, style: CellStyle) {
        if row >= self.rows {
            return;
        }
        for col in from..to.min(self.cols) {
            self.set(row, col, Cell::blank(style));
        }
    }

    /// Puts `cell` at (`col`, `row`), blanking the other half of any wide
    /// character it overwrites so that no half character is left behind.
    fn set(&mut self, row: usize, col: usize, cell: Cell) {
        let base = row * self.cols;
        let old = self.cells[base + col].width;
        if old == 0 && cell.width != 0 && col > 0 {
            let style = self.cells[base + col - 1].style;
            self.cells[base + col - 1] = Cell::blank(style);
        }
        if old == 2 && cell.width != 2 && col + 1 < self.cols {
            let style = self.cells[base + col + 1].style;
            self.cells[base + col + 1] = Cell::blank(style);
        }
        self.cells[base + col] = cell;
    }

    /// Writes `text` on `row` from column `col`, stopping before column
    /// `end` (and the grid's edge); returns the column after the last cell
    /// written. Zero-width characters join the previous cell; a wide
    /// character that does not fit is replaced by a blank; control
    /// characters (which must not reach a terminal) become `?`.
    pub fn put_str(
        &mut self,
        row: usize,
        mut col: usize,
        text: &str,
        style: CellStyle,
        end: usize,
    ) -> usize {
        let end = end.min(self.cols);
        if row >= self.rows {
            return col;
        }
        let base = row * self.cols;
        for c in text.chars() {
            let c = if c.is_control() { '?' } else { c };
            let width = char_width(c);
            if width == 0 {
                if col > 0 {
                    // Find the cell this mark belongs to.
                    let mut at = col - 1;
                    while at > 0 && self.cells[base + at].width == 0 {
                        at -= 1;
                    }
                    self.cells[base + at].text.push(c);
                }
                continue;
            }
            if col + width > end {
                if col < end {
                    self.set(row, col, Cell::blank(style));
                    col += 1;
                }
                break;
            }
            self.set(
                row,
                col,
                Cell {
                    text: c.to_string(),
                    width: width as u8,
                    style,
                },
            );
            if width == 2 {
                self.set(
                    row,
                    col + 1,
                    Cell {
                        text: String::new(),
                        width: 0,
                        style,
                    },
                );
            }
            col += width;
        }
        col
    }
}

/// Sends frames to a terminal as the difference from the previous one.
/// See the [module docs](self).
#[derive(Debug)]
pub struct Painter {
    color: bool,
    /// The frame the terminal shows, or `None` when unknown.
    prev: Option<Grid>,
    prev_cursor: Option<(usize, usize)>,
}

impl Painter {
    /// A painter; `color: false` drops every foreground colour (`NO_COLOR`).
    pub fn new(color: bool) -> Painter {
        Painter {
            color,
            prev: None,
            prev_cursor: None,
        }
    }

    /// Forgets what the terminal shows: the next frame is painted whole.
    pub fn invalidate(&mut self) {
        self.prev = None;
        self.prev_cursor = None;
    }

    /// The bytes that turn the terminal's screen into `grid`, with the
    /// cursor at `cursor` (column, row) or hidden when `None`. Empty when
    /// the terminal already shows exactly that.
    pub fn draw(&mut self, grid: &Grid, cursor: Option<(usize, usize)>) -> Vec<u8> {
        let mut out = String::new();
        let full = self
            .prev
            .as_ref()
            .is_none_or(|prev| prev.cols != grid.cols || prev.rows != grid.rows);
        if full {
            out.push_str("\x1b[?25l\x1b[0m\x1b[H\x1b[2J");
        }
        // Where the terminal's cursor is and which style is set, when known.
        let mut at: Option<(usize, usize)> = if full { Some((0, 0)) } else { None };
        let mut style = if full {
            Some(CellStyle::default())
        } else {
            None
        };
        let mut emitted = false;
        for row in 0..grid.rows {
            let mut col = 0;
            while col < grid.cols {
                let cell = &grid.cells[row * grid.cols + col];
                if cell.width == 0 {
                    // A continuation is sent with its wide character.
                    col += 1;
                    continue;
                }
                let span = usize::from(cell.width);
                let changed = match &self.prev {
                    _ if full => !(cell.text == " " && cell.style == CellStyle::default()),
                    Some(prev) => (col..(col + span).min(grid.cols)).any(|c| {
                        prev.cells[row * grid.cols + c] != grid.cells[row * grid.cols + c]
                    }),
                    None => true,
                };
                if changed {
                    emitted = true;
                    if out.is_empty() {
                        out.push_str("\x1b[?25l");
                    }
                    if at != Some((col, row)) {
                        let _ = write!(out, "\x1b[{};{}H", row + 1, col + 1);
                    }
                    if style != Some(cell.style) {
                        cell.style.sgr(self.color, &mut out);
                        style = Some(cell.style);
                    }
                    out.push_str(&cell.text);
                    // At the right edge the terminal's cursor waits to
                    // wrap: its position is then unknown for our purpose.
                    // So is it after anything but ASCII: the terminal's
                    // width tables may differ from ours (an emoji with
                    // VS16, a newer character, a zero-width mark), and the
                    // next cell must not land where it thinks.
                    let trusted = cell.text.is_ascii() && col + span < grid.cols;
                    at = trusted.then_some((col + span, row));
                }
                col += span;
            }
        }
        let moved = cursor != self.prev_cursor;
        if out.is_empty() && !moved {
            return Vec::new();
        }
        if out.is_empty() {
            out.push_str("\x1b[?25l");
        }
        if emitted {
            // Leave the terminal in the default style between frames.
            out.push_str("\x1b[0m");
        }
        if let Some((col, row)) = cursor {
            let _ = write!(out, "\x1b[{};{}H\x1b[?25h", row + 1, col + 1);
        }
        self.prev = Some(grid.clone());
        self.prev_cursor = cursor;
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> String {
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn put_str_handles_wide_combining_and_edges() {
        let mut g = Grid::new(6, 1);
        let end = g.put_str(0, 0, "a日e\u{301}x", CellStyle::default(), 6);
        assert_eq!(end, 5);
        assert_eq!(g.row_text(0), "a日e\u{301}x ");
        assert_eq!(g.cell(2, 0).unwrap().width, 0);
        // A wide character that does not fit leaves a blank.
        let mut g = Grid::new(4, 1);
        assert_eq!(g.put_str(0, 2, "x日", CellStyle::default(), 4), 4);
        assert_eq!(g.row_text(0), "  x ");
        // Controls never reach the terminal.
        g.put_str(0, 0, "\x1b[", CellStyle::default(), 4);
        assert_eq!(g.row_text(0), "?[x ");
        // Outside the grid: nothing happens.
        assert_eq!(g.put_str(5, 0, "zz", CellStyle::default(), 4), 0);
        assert_eq!(g.cell(9, 9), None);
    }

    #[test]
    fn first_frame_is_whole_then_only_changes() {
        let mut g = Grid::new(8, 3);
        g.put_str(0, 0, "title", CellStyle::REVERSE, 8);
        g.put_str(2, 0, "> hi", CellStyle::default(), 8);
        let mut p = Painter::new(true);
        let first = text(&p.draw(&g, Some((4, 2))));
        assert!(first.starts_with("\x1b[?25l\x1b[0m\x1b[H\x1b[2J\x1b[0;7mtitle"));
        assert!(first.ends_with("\x1b[3;5H\x1b[?25h"), "{first:?}");
        // Change one cell in the middle of a row.
        g.put_str(2, 3, "o", CellStyle::default(), 8);
        assert_eq!(
            text(&p.draw(&g, Some((4, 2)))),
            "\x1b[?25l\x1b[3;4H\x1b[0mo\x1b[0m\x1b[3;5H\x1b[?25h"
        );
        // Adjacent changes share one cursor move.
        g.put_str(1, 2, "ab", CellStyle::BOLD, 8);
        assert_eq!(
            text(&p.draw(&g, Some((4, 2)))),
            "\x1b[?25l\x1b[2;3H\x1b[0;1mab\x1b[0m\x1b[3;5H\x1b[?25h"
        );
        // Only the cursor moved.
        assert_eq!(
            text(&p.draw(&g, Some((0, 2)))),
            "\x1b[?25l\x1b[3;1H\x1b[?25h"
        );
        assert_eq!(p.draw(&g, Some((0, 2))), b"");
    }

    #[test]
    fn wide_characters_are_sent_whole() {
        let mut g = Grid::new(4, 1);
        let mut p = Painter::new(false);
        p.draw(&g, None);
        g.put_str(0, 1, "日", CellStyle::default(), 4);
        assert_eq!(
            text(&p.draw(&g, None)),
            "\x1b[?25l\x1b[1;2H\x1b[0m日\x1b[0m"
        );
        // Overwriting only the continuation blanks the first half too.
        g.put_str(0, 2, "x", CellStyle::default(), 4);
        assert_eq!(g.row_text(0), "  x ");
        assert_eq!(
            text(&p.draw(&g, None)),
            "\x1b[?25l\x1b[1;2H\x1b[0m x\x1b[0m"
        );
    }

    #[test]
    fn the_cursor_is_placed_again_after_cells_that_are_not_ascii() {
        // A terminal whose widths differ from ours (say it draws the soft
        // hyphen in none, or an emoji with VS16 in one) must not shift the
        // cells that follow.
        let mut g = Grid::new(8, 1);
        let mut p = Painter::new(false);
        p.draw(&g, None);
        g.put_str(
            0,
            0,
            "a\u{ad}b\u{2764}\u{fe0f}ce\u{301}d",
            CellStyle::default(),
            8,
        );
        assert_eq!(
            text(&p.draw(&g, None)),
            "\x1b[?25l\x1b[1;1H\x1b[0ma\u{ad}\x1b[1;3Hb\u{2764}\u{fe0f}\x1b[1;5Hc\
             e\u{301}\x1b[1;7Hd\x1b[0m"
        );
    }

    #[test]
    fn resize_and_invalidate_repaint_everything() {
        let mut g = Grid::new(4, 2);
        g.put_str(0, 0, "ab", CellStyle::default(), 4);
        let mut p = Painter::new(true);
        p.draw(&g, None);
        p.invalidate();
        let again = text(&p.draw(&g, None));
        assert!(again.contains("\x1b[2J") && again.contains("ab"));
        let mut bigger = Grid::new(5, 2);
        bigger.put_str(0, 0, "ab", CellStyle::default(), 5);
        let resized = text(&p.draw(&bigger, None));
        assert!(resized.contains("\x1b[2J") && resized.contains("ab"));
    }

    #[test]
    fn no_color_drops_only_colours() {
        let mut g = Grid::new(3, 1);
        g.put_str(0, 0, "a", CellStyle::BOLD.with_fg(31), 3);
        let colored = text(&Painter::new(true).draw(&g, None));
        assert!(colored.contains("\x1b[0;1;31ma"), "{colored:?}");
        let plain = text(&Painter::new(false).draw(&g, None));
        assert!(plain.contains("\x1b[0;1ma"), "{plain:?}");
        assert!(!plain.contains("31"), "{plain:?}");
    }
}
