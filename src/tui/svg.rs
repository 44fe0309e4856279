//! A rendered frame as an SVG picture: the README shows the real App, drawn by the same
//! `render` into a ratatui buffer and written out cell by cell (no screenshot tool needed).

use std::fmt::Write;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

/// Cell size in pixels for a 14 px monospace font.
const CELL_W: f32 = 8.4;
const CELL_H: f32 = 17.0;
const BACKGROUND: &str = "#1e1e2e";
/// Room around the cells, like a terminal window's padding (and no glyph clipped at an edge).
const MARGIN: f32 = 10.0;
const FOREGROUND: &str = "#d4d4d8";

/// The picture of `buffer`: one background rectangle per run of same-coloured cells and one
/// `<text>` per run of same-styled characters, in a dark terminal palette.
pub fn render(buffer: &Buffer) -> String {
    let area = buffer.area;
    let (w, h) = (
        f32::from(area.width) * CELL_W + 2.0 * MARGIN,
        f32::from(area.height) * CELL_H + 2.0 * MARGIN,
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="'DejaVu Sans Mono','Menlo','Consolas',monospace" font-size="14px">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="{BACKGROUND}"/>"#
    );
    let _ = writeln!(out, r#"<g transform="translate({MARGIN},{MARGIN})">"#);
    for y in 0..area.height {
        let row: Vec<Cell> = (0..area.width)
            .map(|x| Cell::of(&buffer[(area.x + x, area.y + y)]))
            .collect();
        backgrounds(&mut out, &row, y);
        texts(&mut out, &row, y);
    }
    out.push_str("</g>\n</svg>\n");
    out
}

#[derive(Clone, PartialEq)]
struct Cell {
    symbol: String,
    fg: &'static str,
    bg: Option<&'static str>,
    bold: bool,
}

impl Cell {
    fn of(cell: &ratatui::buffer::Cell) -> Cell {
        let reversed = cell.modifier.contains(Modifier::REVERSED);
        let (fg, bg) = if reversed {
            (cell.bg, cell.fg)
        } else {
            (cell.fg, cell.bg)
        };
        Cell {
            symbol: cell.symbol().to_string(),
            fg: colour(fg).unwrap_or(if reversed { BACKGROUND } else { FOREGROUND }),
            bg: colour(bg).or(reversed.then_some(FOREGROUND)),
            bold: cell.modifier.contains(Modifier::BOLD),
        }
    }
}

fn backgrounds(out: &mut String, row: &[Cell], y: u16) {
    let mut x = 0;
    while x < row.len() {
        let Some(bg) = row[x].bg else {
            x += 1;
            continue;
        };
        let start = x;
        while x < row.len() && row[x].bg == Some(bg) {
            x += 1;
        }
        let _ = writeln!(
            out,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{CELL_H:.1}" fill="{bg}"/>"#,
            start as f32 * CELL_W,
            f32::from(y) * CELL_H,
            (x - start) as f32 * CELL_W,
        );
    }
}

fn texts(out: &mut String, row: &[Cell], y: u16) {
    let baseline = f32::from(y) * CELL_H + CELL_H * 0.78;
    let mut x = 0;
    while x < row.len() {
        let (fg, bold) = (row[x].fg, row[x].bold);
        let start = x;
        let mut text = String::new();
        while x < row.len() && row[x].fg == fg && row[x].bold == bold {
            text.push_str(&row[x].symbol);
            x += 1;
        }
        if text.trim().is_empty() {
            continue;
        }
        let weight = if bold { r#" font-weight="bold""# } else { "" };
        // Each cell keeps its column: textLength stretches the run to exactly its cells.
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{baseline:.1}" fill="{fg}"{weight} textLength="{:.1}" lengthAdjust="spacingAndGlyphs" xml:space="preserve">{}</text>"#,
            start as f32 * CELL_W,
            (x - start) as f32 * CELL_W,
            escape(&text),
        );
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The 16 basic colours (the only ones meshwalk uses) in a palette readable on a projector.
fn colour(c: Color) -> Option<&'static str> {
    Some(match c {
        Color::Reset => return None,
        Color::Black => "#1e1e2e",
        Color::Red => "#f38ba8",
        Color::Green => "#a6e3a1",
        Color::Yellow => "#f9e2af",
        Color::Blue => "#89b4fa",
        Color::Magenta => "#cba6f7",
        Color::Cyan => "#94e2d5",
        Color::Gray => "#bac2de",
        Color::DarkGray => "#6c7086",
        Color::LightRed => "#eba0ac",
        Color::LightGreen => "#b5e8b0",
        Color::LightYellow => "#fae3b0",
        Color::LightBlue => "#a6c8ff",
        Color::LightMagenta => "#d9b8f7",
        Color::LightCyan => "#a8ece1",
        Color::White => "#f5f5f5",
        _ => FOREGROUND,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn cells_become_positioned_runs_with_their_colours() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 10, 2));
        buffer.set_string(0, 0, "a<b", Style::default().fg(Color::Green));
        buffer.set_string(
            4,
            1,
            "ok",
            Style::default()
                .bg(Color::Blue)
                .add_modifier(Modifier::BOLD),
        );
        let svg = render(&buffer);
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.contains(r#"width="104" height="54""#), "{svg}");
        assert!(svg.contains(r##"fill="#a6e3a1" textLength="25.2" lengthAdjust="spacingAndGlyphs" xml:space="preserve">a&lt;b</text>"##), "{svg}");
        assert!(
            svg.contains(
                r##"<rect x="33.6" y="17.0" width="16.8" height="17.0" fill="#89b4fa"/>"##
            ),
            "{svg}"
        );
        assert!(svg.contains(r#"font-weight="bold""#), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
