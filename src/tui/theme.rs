//! Styles: the 16 basic colours only (so any terminal shows them), and none at all when
//! NO_COLOR is set — then emphasis carries the meaning.

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
    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
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
        self.fg([Color::Blue, Color::Magenta, Color::Yellow, Color::Cyan][i % 4])
            .add_modifier(Modifier::BOLD)
    }
    pub fn version_color(self, i: usize) -> Color {
        if self.color {
            [Color::Blue, Color::Magenta, Color::Yellow, Color::Cyan][i % 4]
        } else {
            Color::Reset
        }
    }
}
