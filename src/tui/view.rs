//! Drawing: a pure function of the App (it changes nothing).

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Borders, Clear, List, ListItem, ListState, Paragraph, Tabs, Wrap,
};

use super::app::{App, Pane, StepKindView, StepStatus, StepView, Tab};
use super::keys::{self, KEYS};
use super::layout::ListRow;
use super::layout::MIN;
use super::resources_pane;
use super::step_text::{markdown_in, result_text, tab_text, what_to_do};
use super::theme::Theme;
use super::traffic_view;
use crate::session::Outcome;

pub fn render(app: &App, frame: &mut Frame, theme: Theme) {
    let areas = app.areas(frame.area());
    if areas.too_small {
        let text = format!(
            "meshwalk needs at least {}×{} — enlarge the window (now {}×{}).",
            MIN.0,
            MIN.1,
            frame.area().width,
            frame.area().height
        );
        frame.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .alignment(Alignment::Center),
            frame.area(),
        );
        return;
    }
    header(app, frame, areas.header, theme);
    if let Some(area) = areas.steps {
        steps(app, frame, area, theme);
    }
    if let Some(area) = areas.pane {
        pane(app, frame, area, theme);
    }
    if let Some(area) = areas.resources {
        resources_pane::render(app, frame, area, theme);
    }
    if let Some(area) = areas.traffic {
        traffic_view::render(app, frame, area, theme);
    }
    footer(app, frame, areas.footer, theme);
    if let Some(lines) = app.share.as_deref().filter(|_| app.sharing) {
        share(frame, lines, theme);
    }
    if app.help {
        help(frame, theme);
    }
    if let Some(text) = app.classroom.as_ref().and_then(|r| r.message.as_deref()) {
        host_message(frame, text, theme);
    }
}

/// The classroom host's broadcast, over the panes: wrapped to the screen, any key closes it.
fn host_message(frame: &mut Frame, text: &str, theme: Theme) {
    let area = frame.area();
    let width = area.width.saturating_sub(4).clamp(10, 72);
    let inner = usize::from(width.saturating_sub(4)).max(1);
    let wrapped: usize = text
        .lines()
        .map(|l| Span::raw(l).width().div_ceil(inner).max(1))
        .sum();
    let height = (wrapped as u16 + 4).min(area.height);
    let popup = Rect::new(
        area.x + (area.width.saturating_sub(width)) / 2,
        area.y + (area.height.saturating_sub(height)) / 3,
        width.min(area.width),
        height,
    );
    let mut lines: Vec<Line> = text.lines().map(|l| Line::raw(l.to_string())).collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled("any key closes", theme.dim()));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            block("📣 From the host", theme).padding(ratatui::widgets::Padding::horizontal(1)),
        ),
        popup,
    );
}

fn block(title: &str, theme: Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.dim())
        .title(Span::styled(format!(" {title} "), theme.title()))
}

/// A pane's frame: the focused pane has a heavy border and a ▶ before its title, so the
/// focus reads without colour too; a zoomed one says how to get back.
pub fn pane_block(app: &App, pane: Pane, title: &str, theme: Theme) -> Block<'static> {
    if app.focus != pane {
        return block(title, theme);
    }
    let mut spans = vec![Span::styled(format!(" ▶ {title} "), theme.focus())];
    if app.zoomed {
        spans.push(Span::styled("(z / Esc: back) ", theme.dim()));
    }
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(theme.focus())
        .title(Line::from(spans))
}

fn header(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let full = header_line(app, true, theme);
    // A narrow terminal drops the target's name, so the progress and the traffic still show.
    let line = if full.width() <= usize::from(area.width) {
        full
    } else {
        header_line(app, false, theme)
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn header_line(app: &App, with_target: bool, theme: Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(" meshwalk ", theme.title())];
    if with_target {
        spans.push(Span::styled("· ", theme.dim()));
        spans.push(Span::raw(app.target.clone()));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled("· ", theme.dim()));
    spans.push(Span::raw(format!(
        "{}/{} steps done",
        app.done_count(),
        app.steps.len()
    )));
    if app.clock_paused {
        spans.push(Span::styled(" · ", theme.dim()));
        spans.push(Span::styled(
            format!("⏸ clock paused (×{})", app.clock_scale),
            theme.bad(),
        ));
    } else if app.clock_scale != 1.0 {
        spans.push(Span::styled(" · ", theme.dim()));
        spans.push(Span::styled(
            format!("clock ×{}", app.clock_scale),
            theme.warn(),
        ));
    }
    if app.traffic.running {
        spans.push(Span::styled(" · ", theme.dim()));
        spans.push(Span::styled("● traffic", theme.ok()));
    }
    if app.fault {
        spans.push(Span::styled(" · ", theme.dim()));
        spans.push(Span::styled("⚡ v2 faults on", theme.bad()));
    }
    if app.classroom.as_ref().is_some_and(|room| room.hand_raised) {
        spans.push(Span::styled(" · ", theme.dim()));
        spans.push(Span::styled("✋ hand raised, the host knows", theme.warn()));
    }
    Line::from(spans)
}

fn status_mark(status: &StepStatus, theme: Theme) -> Span<'static> {
    match status {
        StepStatus::Pending => Span::styled("○", theme.dim()),
        StepStatus::Running => Span::styled("◌", theme.running()),
        StepStatus::Done => Span::styled("✓", theme.ok()),
        StepStatus::Differs => Span::styled("!", theme.warn()),
        StepStatus::Failed => Span::styled("✗", theme.bad()),
    }
}

fn steps(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let list = app.list_rows();
    let items: Vec<ListItem> = list
        .iter()
        .map(|row| match row {
            ListRow::Chapter { number, title } => {
                ListItem::new(Line::styled(format!("{number}  {title}"), theme.title()))
            }
            ListRow::Step(i) => {
                let s = &app.steps[*i];
                ListItem::new(Line::from(vec![
                    status_mark(&s.status, theme),
                    Span::raw(format!(" {:>2} ", i + 1)),
                    Span::raw(s.title.clone()),
                ]))
            }
        })
        .collect();
    let rows = area.height.saturating_sub(2) as usize;
    let (selected, first) = app.list_window(&list, rows);
    let mut state = ListState::default()
        .with_selected(Some(selected))
        .with_offset(first);
    let list = List::new(items)
        .block(block("Steps", theme))
        .highlight_style(theme.selected());
    frame.render_stateful_widget(list, area, &mut state);
}

fn pane(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let Some(step) = app.steps.get(app.selected) else {
        return;
    };
    let title = format!("{}. {}", app.selected + 1, step.title);
    let outer = pane_block(app, Pane::Step, &title, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    if step.kind != StepKindView::Api {
        narrated_step(app, step, frame, inner, theme);
        return;
    }
    // The narrative takes the rows it needs, up to a quarter of the pane (a fifth of a short
    // one), so the tab below keeps most of it. Scrolling shows the rest of a long narrative first, then scrolls the
    // tab; the tab bar stays in place.
    let narrative =
        Paragraph::new(markdown_in(&step.narrative, inner.width, theme)).wrap(Wrap { trim: false });
    let needed = u16::try_from(narrative.line_count(inner.width)).unwrap_or(u16::MAX);
    let share = if inner.height < 20 { 5 } else { 4 };
    let narrative_rows = needed.min((inner.height / share).max(2));
    let narrative_scroll = app.scroll.min(needed - narrative_rows);
    let tab_scroll = app.scroll - narrative_scroll;
    let [top, tabs_area, body] = Layout::vertical([
        Constraint::Length(narrative_rows),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(inner);
    frame.render_widget(narrative.scroll((narrative_scroll, 0)), top);
    tab_bar(app, frame, tabs_area, theme);
    if narrative_scroll + narrative_rows < needed {
        more_text_hint(frame, tabs_area, theme, "↓ more text: PgDn ", "↓ PgDn ");
    } else if app.shown == Some(app.selected) {
        more_text_hint(frame, tabs_area, theme, "⏎ next step ", "⏎ next ");
    }
    frame.render_widget(
        Paragraph::new(tab_text(app, theme))
            .wrap(Wrap { trim: false })
            .scroll((tab_scroll, 0)),
        body,
    );
}

/// A step without an input: its narrative, and what Enter does where it does something.
fn narrated_step(app: &App, step: &StepView, frame: &mut Frame, area: Rect, theme: Theme) {
    let mut text = markdown_in(&step.narrative, area.width, theme);
    let shown = app.shown == Some(app.selected);
    if !shown && (step.kind == StepKindView::Traffic || step.kind == StepKindView::Teardown) {
        text.lines.push(Line::default());
        let hint = if step.kind == StepKindView::Traffic {
            "Enter starts the traffic."
        } else {
            "Enter deletes everything this walkthrough created."
        };
        text.lines.push(Line::styled(hint, theme.key()));
    }
    // How it went, once it ran: a deployment's final status and ECS's reason (a rollback's
    // above all), a traffic step's observed split, a teardown's deletions.
    if let Some(report) = app.reports.get(&app.selected) {
        text.lines.push(Line::default());
        text.lines.push(Line::styled("Result", theme.title()));
        text.lines
            .extend(result_text(report, &what_to_do(app, report), theme).lines);
        if let Outcome::Deployed(d) = &report.outcome
            && let Some(reason) = &d.status_reason
        {
            text.lines
                .push(Line::styled(format!("ECS says: {reason}"), theme.dim()));
        }
        if shown {
            text.lines.push(Line::default());
            text.lines
                .push(Line::styled("Enter: on to the next step.", theme.key()));
        }
    }
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .scroll((app.scroll, 0)),
        area,
    );
}

fn tab_bar(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let selected = Tab::ALL.iter().position(|t| *t == app.tab).unwrap_or(0);
    let tabs = Tabs::new(Tab::ALL.iter().map(|t| t.label()))
        .select(selected)
        .style(theme.dim())
        .highlight_style(theme.title().add_modifier(Modifier::REVERSED))
        .divider("│");
    frame.render_widget(tabs, area);
}

/// Says the narrative goes on below (or that Enter moves on). Beside the tabs, never over
/// them: the long hint, a short one, or none.
fn more_text_hint(frame: &mut Frame, tabs_area: Rect, theme: Theme, long: &str, short: &str) {
    let tabs_width: usize = Tab::ALL.iter().map(|t| t.label().len() + 3).sum();
    let room = usize::from(tabs_area.width).saturating_sub(tabs_width);
    let hint = [long, short]
        .into_iter()
        .find(|h| h.chars().count() <= room);
    if let Some(hint) = hint {
        frame.render_widget(
            Paragraph::new(Span::styled(hint, theme.dim())).alignment(Alignment::Right),
            tabs_area,
        );
    }
}

fn footer(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    if let Some(toast) = &app.toast {
        frame.render_widget(
            Paragraph::new(Line::styled(format!(" {toast}"), theme.warn())),
            area,
        );
        return;
    }
    let mut spans = Vec::new();
    for (k, what) in keys::footer_entries(area.width, traffic_view::moves(app)) {
        spans.push(Span::styled(format!(" {k}"), theme.key()));
        spans.push(Span::styled(format!(" {what} "), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The share overlay: the lines to paste in another terminal, whole (never wrapped, so they
/// copy as they are).
fn share(frame: &mut Frame, text: &str, theme: Theme) {
    let area = frame.area();
    let note = "c copies these lines (OSC 52) · any key closes";
    let widest = text.lines().chain([note]).map(str::len).max().unwrap_or(0) as u16;
    let width = (widest + 4).min(area.width);
    let height = (text.lines().count() as u16 + 4).min(area.height);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let mut lines: Vec<Line> = text.lines().map(|l| Line::raw(format!(" {l}"))).collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(format!(" {note}"), theme.dim()));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(block("Point the aws CLI and SDKs at this cloud", theme)),
        popup,
    );
}

fn help(frame: &mut Frame, theme: Theme) {
    let area = frame.area();
    let width = keys::help_width().min(area.width);
    let height = (KEYS.len() as u16 + 3).min(area.height);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|k| {
            Line::from(vec![
                Span::styled(
                    format!("{:>w$}  ", k.keys, w = keys::KEYS_COLUMN),
                    theme.key(),
                ),
                Span::raw(k.does),
            ])
        })
        .collect();
    lines.push(Line::styled(
        format!("{:w$}  {}", "", keys::HELP_NOTE, w = keys::KEYS_COLUMN),
        theme.dim(),
    ));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block("Keys", theme))
            .style(Style::default()),
        popup,
    );
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;
