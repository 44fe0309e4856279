//! Styles: the 16 basic colours only (so any terminal shows them), and none at all when
//! NO_COLOR is set — then emphasis carries the meaning.
//!
//! High contrast, for a projector: secondary text (headers, axes, hints, unfocused borders)
//! is the terminal's own foreground, never dark grey nor dimmed, which wash out on a projected
//! screen; revisions and versions are bright colours, never dark blue.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn from_env() -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn title(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    /// Secondary text: the terminal's foreground, readable on any background.
    pub fn dim(self) -> Style {
        Style::new()
    }
    pub fn ok(self) -> Style {
        self.fg(Color::Green)
    }
    pub fn bad(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn running(self) -> Style {
        self.fg(Color::Cyan)
    }
    pub fn selected(self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    /// The focused pane's border and title (its heavy border and ▶ say it without colour).
    pub fn focus(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn key(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn json_key(self) -> Style {
        self.fg(Color::Cyan)
    }
    pub fn json_string(self) -> Style {
        self.fg(Color::Green)
    }
    pub fn json_number(self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn version(self, i: usize) -> Style {
        self.fg(VERSIONS[i % VERSIONS.len()])
            .add_modifier(Modifier::BOLD)
    }
    pub fn version_color(self, i: usize) -> Color {
        if self.color {
            VERSIONS[i % VERSIONS.len()]
        } else {
            Color::Reset
        }
    }
}

/// The versions' colours: bright, so the first is not a dark blue lost on a projector.
const VERSIONS: [Color; 4] = [
    Color::LightBlue,
    Color::LightMagenta,
    Color::Yellow,
    Color::LightCyan,
];

impl Theme {
    /// Every colour a style of this theme may use, for the contrast test.
    #[cfg(test)]
    fn all(self) -> Vec<Style> {
        let mut all = vec![
            self.title(),
            self.dim(),
            self.ok(),
            self.bad(),
            self.warn(),
            self.running(),
            self.selected(),
            self.focus(),
            self.key(),
            self.json_key(),
            self.json_string(),
            self.json_number(),
        ];
        all.extend((0..4).map(|i| self.version(i)));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_washes_out_on_a_projector() {
        for theme in [Theme { color: true }, Theme { color: false }] {
            for style in theme.all() {
                assert!(
                    !matches!(style.fg, Some(Color::DarkGray | Color::Blue | Color::Black)),
                    "{style:?}"
                );
                assert!(!style.add_modifier.contains(Modifier::DIM), "{style:?}");
            }
        }
        // Without colour, no colour at all.
        let plain = Theme { color: false };
        assert!(plain.all().iter().all(|s| s.fg.is_none() && s.bg.is_none()));
        assert_eq!(plain.version_color(0), Color::Reset);
    }
}
