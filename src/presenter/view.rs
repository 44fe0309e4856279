//! The notes screen: the step (number, title), the time on this step and since the start, the
//! notes, and what comes next. Pure: drawn from a state and the time.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::state::PresenterState;

/// `mm:ss`, or `h:mm:ss` past an hour.
pub fn clock(ms: u64) -> String {
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// Draws the notes for `state` (or what to do while no presenter has started) at `now_ms`.
pub fn render(state: Option<&PresenterState>, now_ms: u64, waiting_in: &str, frame: &mut Frame) {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let Some(state) = state else {
        let waiting = Paragraph::new(vec![
            Line::styled("Waiting for the presenter", bold),
            Line::from(format!(
                "Start `meshwalk` in another terminal; its steps show here as it moves ({waiting_in})."
            )),
        ])
        .wrap(Wrap { trim: false });
        frame.render_widget(waiting, header.union(body));
        frame.render_widget(Line::from("q quits"), footer);
        return;
    };
    let on_step = now_ms.saturating_sub(state.entered_ms);
    let talk = now_ms.saturating_sub(state.started_ms);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(
                    format!("Step {} of {}", state.step_index + 1, state.steps_total),
                    bold,
                ),
                Span::raw(format!(" · {}", state.step_title)),
            ]),
            Line::from(format!(
                "on this step {} · since the start {}",
                clock(on_step),
                clock(talk)
            )),
        ]),
        header,
    );
    let notes = if state.notes.trim().is_empty() {
        Paragraph::new(Line::styled(
            "(no notes for this step)",
            Style::default().add_modifier(Modifier::DIM),
        ))
    } else {
        Paragraph::new(tui_markdown::from_str(&state.notes))
    };
    frame.render_widget(
        notes
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::TOP).title(" notes ")),
        body,
    );
    let next = match &state.next_title {
        Some(title) => format!("next: {title} · q quits"),
        None => "last step · q quits".into(),
    };
    frame.render_widget(Line::from(next), footer);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_read_as_minutes_then_hours() {
        assert_eq!(clock(0), "00:00");
        assert_eq!(clock(61_999), "01:01");
        assert_eq!(clock(3_725_000), "1:02:05");
    }
}
