//! Drawing: a pure function of the App (it changes nothing).

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{
    Block, BorderType, Borders, Clear, List, ListItem, ListState, Paragraph, Tabs, Wrap,
};

use super::app::{App, InputView, Pane, StepKindView, StepStatus, StepView, Tab};
use super::keys::{self, KEYS};
use super::layout::ListRow;
use super::layout::MIN;
use super::resources_pane;
use super::theme::Theme;
use super::traffic_view;
use crate::api::call::output_json;
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

/// What the selected tab shows of the selected step.
fn tab_text(app: &App, theme: Theme) -> Text<'static> {
    let input = app.inputs.get(app.selected);
    let report = app.reports.get(&app.selected);
    match app.tab {
        Tab::Input => input.map_or_else(|| Text::raw("…"), |i| input_text(i, theme)),
        Tab::Cli => cli_text(input, theme),
        Tab::Wire => wire_tab_text(app, report.and_then(|r| r.exchange.as_ref()), theme),
        Tab::Result => match report {
            Some(r) => result_text(r, &what_to_do(app, r), theme),
            None => Text::styled("Not run yet: press Enter.", theme.dim()),
        },
    }
}

fn cli_text(input: Option<&InputView>, theme: Theme) -> Text<'static> {
    match input.and_then(|i| i.cli.clone()) {
        Some(cli) => Text::from(vec![
            Line::styled("The same call with the aws CLI (c copies it):", theme.dim()),
            Line::default(),
            Line::raw(cli),
        ]),
        None => Text::styled(
            "Fix the input first: there is no command to show.",
            theme.warn(),
        ),
    }
}

/// The step's HTTP exchange, then the autopilot's latest call.
fn wire_tab_text(
    app: &App,
    exchange: Option<&crate::api::capture::Exchange>,
    theme: Theme,
) -> Text<'static> {
    let mut text = match exchange {
        Some(e) => wire_text(e, theme),
        None => Text::styled(
            "Run the step (Enter) to see the HTTP request and response.",
            theme.dim(),
        ),
    };
    // The autopilot's calls are nobody's step: its latest shows under every step's.
    let autopilot = app.autopilot.last.as_ref();
    if let Some((event, e)) = autopilot.and_then(|a| Some((a, a.exchange.as_ref()?))) {
        text.lines.push(Line::default());
        text.lines.push(Line::styled(
            format!("── the autopilot's last call: {} ──", event.line()),
            theme.dim(),
        ));
        text.lines.extend(wire_text(e, theme).lines);
    }
    text
}

/// Markdown laid out for `width` columns: its tables drawn as columns that fit the width,
/// each cell wrapped within its own column (a table's row never wraps into the next cell).
fn markdown_in(source: &str, width: u16, theme: Theme) -> Text<'static> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut prose = String::new();
    let mut table: Vec<&str> = Vec::new();
    let flush_prose = |prose: &mut String, lines: &mut Vec<Line<'static>>| {
        if !prose.trim().is_empty() {
            lines.extend(markdown(prose).lines);
        }
        prose.clear();
    };
    for line in source.lines() {
        if line.trim_start().starts_with('|') {
            flush_prose(&mut prose, &mut lines);
            table.push(line);
            continue;
        }
        if !table.is_empty() {
            lines.extend(table_lines(&table, usize::from(width), theme));
            table.clear();
            lines.push(Line::default());
        }
        prose.push_str(line);
        prose.push('\n');
    }
    flush_prose(&mut prose, &mut lines);
    if !table.is_empty() {
        lines.extend(table_lines(&table, usize::from(width), theme));
    }
    Text::from(lines)
}

/// A Markdown table's rows as columns within `width`: each column as wide as its widest cell
/// while they fit, else the first columns at most a third of the width each and the last
/// the rest; cells wrap at spaces within their column, and a rule parts rows that wrapped.
fn table_lines(rows: &[&str], width: usize, theme: Theme) -> Vec<Line<'static>> {
    let cells = |row: &str| -> Vec<String> {
        let row = row.trim();
        let row = row.strip_prefix('|').unwrap_or(row);
        let row = row.strip_suffix('|').unwrap_or(row);
        row.split('|')
            .map(|c| c.trim().replace('`', "").replace("**", ""))
            .collect()
    };
    let is_rule = |cells: &[String]| {
        cells
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| cells(r))
        .filter(|c| !is_rule(c))
        .collect();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    if columns == 0 {
        return Vec::new();
    }
    let w = |s: &str| Span::raw(s).width();
    let natural: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| w(c))
                .max()
                .unwrap_or(0)
                .max(1)
        })
        .collect();
    let gaps = 3 * (columns - 1);
    let room = width.saturating_sub(gaps).max(columns);
    let widths: Vec<usize> = if natural.iter().sum::<usize>() <= room {
        natural.clone()
    } else {
        let mut widths = Vec::new();
        let mut left = room;
        for (i, n) in natural.iter().enumerate() {
            let rest = columns - i - 1;
            let take = if rest == 0 {
                left
            } else {
                (*n).min((room / 3).max(4))
                    .min(left.saturating_sub(rest * 4))
            };
            widths.push(take.max(1));
            left = left.saturating_sub(take);
        }
        widths
    };
    let wrapped = |row: &Vec<String>| -> Vec<Vec<String>> {
        (0..columns)
            .map(|i| wrap_words(row.get(i).map_or("", String::as_str), widths[i]))
            .collect()
    };
    let rule = |cross: &str| {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
        Line::styled(parts.join(&format!("─{cross}─")), theme.dim())
    };
    let mut lines = Vec::new();
    let any_wraps = rows.iter().any(|r| wrapped(r).iter().any(|c| c.len() > 1));
    for (r, row) in rows.iter().enumerate() {
        let cells = wrapped(row);
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            let text: Vec<String> = (0..columns)
                .map(|i| {
                    let part = cells[i].get(k).map_or("", String::as_str);
                    let pad = widths[i].saturating_sub(w(part));
                    format!("{part}{}", " ".repeat(pad))
                })
                .collect();
            let text = text.join(" │ ").trim_end().to_string();
            lines.push(if r == 0 {
                Line::styled(text, theme.title())
            } else {
                Line::raw(text)
            });
        }
        // Under the header; between rows when some wrapped (else rows are lines enough).
        if r == 0 || (any_wraps && r + 1 < rows.len()) {
            lines.push(rule("┼"));
        }
    }
    lines
}

/// `text` in lines of at most `width` columns, broken at spaces (a word longer than the
/// width is cut into pieces).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        loop {
            let line = lines.last_mut().expect("one line at least");
            let used = Span::raw(line.as_str()).width();
            let needs = Span::raw(word.as_str()).width() + usize::from(used > 0);
            if used + needs <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if used > 0 {
                lines.push(String::new());
                continue;
            }
            // A word wider than the column: as much as fits, the rest on the next line.
            let mut cut = 0;
            for (i, ch) in word.char_indices() {
                if Span::raw(&word[..i + ch.len_utf8()]).width() > width {
                    break;
                }
                cut = i + ch.len_utf8();
            }
            let cut = cut.max(word.chars().next().map_or(1, char::len_utf8));
            line.push_str(&word[..cut]);
            word = word[cut..].to_string();
            if word.is_empty() {
                break;
            }
            lines.push(String::new());
        }
    }
    lines
}

fn markdown(source: &str) -> Text<'static> {
    let text = tui_markdown::from_str(source);
    // Owned lines, so the text outlives the source string.
    Text::from(
        text.lines
            .into_iter()
            .map(|l| {
                Line::from(
                    l.spans
                        .into_iter()
                        .map(|s| Span::styled(s.content.into_owned(), s.style))
                        .collect::<Vec<_>>(),
                )
                .style(l.style)
            })
            .collect::<Vec<_>>(),
    )
}

fn input_text(input: &InputView, theme: Theme) -> Text<'static> {
    let mut lines = vec![Line::from(vec![
        Span::styled(input.call.clone(), theme.title()),
        Span::styled(format!("  {}", input.source), theme.dim()),
    ])];
    if let Some(error) = &input.error {
        lines.push(Line::styled(format!("✗ {error}"), theme.bad()));
        lines.push(Line::styled(
            "  (e edits the input; your edit is kept)",
            theme.dim(),
        ));
    }
    // The JSON right below its call: at 80×24 every row counts.
    lines.extend(json_lines(&input.text, theme));
    Text::from(lines)
}

/// JSON with keys, strings and numbers told apart.
pub fn json_lines(text: &str, theme: Theme) -> Vec<Line<'static>> {
    text.lines()
        .map(|line| {
            let mut spans = Vec::new();
            let mut rest = line;
            while !rest.is_empty() {
                if let Some(start) = rest.find('"') {
                    if start > 0 {
                        spans.push(plain_or_number(&rest[..start], theme));
                    }
                    let after = &rest[start + 1..];
                    let mut end = None;
                    let mut escaped = false;
                    for (i, c) in after.char_indices() {
                        match c {
                            '\\' if !escaped => escaped = true,
                            '"' if !escaped => {
                                end = Some(i);
                                break;
                            }
                            _ => escaped = false,
                        }
                    }
                    let end = end.map_or(after.len(), |e| e + 1);
                    let token = &rest[start..start + 1 + end];
                    let is_key = after[end.min(after.len())..].trim_start().starts_with(':');
                    spans.push(Span::styled(
                        token.to_string(),
                        if is_key {
                            theme.json_key()
                        } else {
                            theme.json_string()
                        },
                    ));
                    rest = &rest[(start + 1 + end).min(rest.len())..];
                } else {
                    spans.push(plain_or_number(rest, theme));
                    rest = "";
                }
            }
            Line::from(spans)
        })
        .collect()
}

fn plain_or_number(s: &str, theme: Theme) -> Span<'static> {
    let t = s.trim_matches(|c: char| c.is_whitespace() || ",:[]{}".contains(c));
    if !t.is_empty() && (t.parse::<f64>().is_ok() || ["true", "false", "null"].contains(&t)) {
        Span::styled(s.to_string(), theme.json_number())
    } else {
        Span::raw(s.to_string())
    }
}

fn pretty(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.to_string())
}

/// The headers worth reading on the wire (the SDK's user agents and retry bookkeeping are
/// left out).
fn shown(headers: &[(String, String)]) -> impl Iterator<Item = &(String, String)> {
    const SHOWN: [&str; 6] = [
        "content-type",
        "x-amz-target",
        "authorization",
        "x-amzn-errortype",
        "x-amzn-requestid",
        "x-amz-date",
    ];
    headers
        .iter()
        .filter(|(k, _)| SHOWN.contains(&k.to_ascii_lowercase().as_str()))
}

fn wire_text(e: &crate::api::capture::Exchange, theme: Theme) -> Text<'static> {
    let mut lines = vec![Line::styled(
        format!("{} {}", e.method, e.uri),
        theme.title(),
    )];
    for (k, v) in shown(&e.request_headers) {
        lines.push(Line::from(vec![
            Span::styled(format!("{k}: "), theme.dim()),
            Span::raw(v.clone()),
        ]));
    }
    if !e.request_body.is_empty() {
        lines.push(Line::default());
        lines.extend(json_lines(&pretty(&e.request_body), theme));
    }
    lines.push(Line::default());
    let status = e
        .status
        .map_or("no response".to_string(), |s| format!("HTTP {s}"));
    let style = if e.status.is_some_and(|s| s < 300) {
        theme.ok()
    } else {
        theme.bad()
    };
    lines.push(Line::styled(status, style.add_modifier(Modifier::BOLD)));
    for (k, v) in shown(&e.response_headers) {
        lines.push(Line::from(vec![
            Span::styled(format!("{k}: "), theme.dim()),
            Span::raw(v.clone()),
        ]));
    }
    if !e.response_body.is_empty() {
        lines.push(Line::default());
        lines.extend(json_lines(&pretty(&e.response_body), theme));
    }
    Text::from(lines)
}

/// What a failed step's Result tab suggests: the step to run first when what it needs does not
/// exist yet (an ECS cluster or service an earlier step creates), else to fix the input.
fn what_to_do(app: &App, report: &crate::session::StepReport) -> String {
    let Outcome::Failed(e) = &report.outcome else {
        return String::new();
    };
    let call = app.inputs.get(app.selected).map(|i| i.call.as_str());
    if e.code.as_deref() == Some("ConflictException") && call == Some("ecs:StopServiceDeployment") {
        // The deployment to stop has ended (it succeeded while the presenter talked): only a
        // new one can be rolled back.
        let deploys = nearest_before(app, "ecs:UpdateService");
        return match deploys {
            Some(i) => format!(
                "The deployment this step stops has already ended. Run step {} ({}) again to \
                 start a new one, then this step while it is under way.",
                i + 1,
                app.steps[i].title
            ),
            None => {
                "The deployment this step stops has already ended: start a new one first.".into()
            }
        };
    }
    let makes = match e.code.as_deref() {
        Some("ClusterNotFoundException") => Some("ecs:CreateCluster"),
        Some("ServiceNotFoundException" | "ServiceNotActiveException") => Some("ecs:CreateService"),
        _ => None,
    };
    let maker = makes.and_then(|call| nearest_before(app, call));
    match (maker, makes) {
        (Some(i), _) => format!(
            "The step stays pending: what it needs does not exist yet. Run step {} ({}) first, \
             then press Enter here again.",
            i + 1,
            app.steps[i].title
        ),
        (None, Some(_)) => "The step stays pending: what it needs does not exist yet. Run the \
                            steps before it first, then press Enter here again."
            .into(),
        (None, None) => {
            "The step stays pending: fix the cause (e edits the input) and press Enter again."
                .into()
        }
    }
}

/// The nearest step before the selected one whose call is `call` (`ecs:CreateCluster`).
fn nearest_before(app: &App, call: &str) -> Option<usize> {
    (0..app.selected)
        .rev()
        .find(|&i| app.inputs.get(i).is_some_and(|input| input.call == call))
}

fn result_text(report: &crate::session::StepReport, to_do: &str, theme: Theme) -> Text<'static> {
    let mut lines = Vec::new();
    let ms = format!("  ({:.1} ms)", report.elapsed.as_secs_f64() * 1000.0);
    match &report.outcome {
        Outcome::Failed(e) => {
            let code = e.code.clone().unwrap_or_else(|| "Error".into());
            lines.push(Line::from(vec![
                Span::styled(format!("✗ {code}"), theme.bad()),
                Span::styled(ms, theme.dim()),
            ]));
            for l in e.message.lines() {
                lines.push(Line::styled(l.to_string(), theme.bad()));
            }
            lines.push(Line::styled(to_do.to_string(), theme.dim()));
        }
        Outcome::Differs(diff) => {
            lines.push(Line::styled(
                "! It exists with another spec (have → this step):",
                theme.warn(),
            ));
            for d in diff {
                lines.push(Line::raw(format!("  {d}")));
            }
            lines.push(Line::styled(
                "Press u to apply this step's spec.",
                theme.key(),
            ));
        }
        Outcome::Deployed(d) => {
            lines.push(Line::from(vec![
                Span::styled(format!("✓ {}", d.headline()), theme.ok()),
                Span::styled(ms, theme.dim()),
            ]));
            lines.extend(stage_table(d, theme));
        }
        other => lines.push(Line::from(vec![
            Span::styled(format!("✓ {}", other.label()), theme.ok()),
            Span::styled(ms, theme.dim()),
        ])),
    }
    if let Some(e) = &report.exchange
        && !e.response_body.is_empty()
    {
        lines.push(Line::default());
        // A success is shown as the aws CLI prints the output; an error body as it came.
        let succeeded = e.status.is_some_and(|s| s < 300);
        let shown = if succeeded {
            (report.prepared.as_ref())
                .and_then(|p| output_json(&p.request, &e.response_body))
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| e.response_body.clone())
        } else {
            pretty(&e.response_body)
        };
        lines.extend(json_lines(&shown, theme));
    }
    Text::from(lines)
}

/// Each stage of a deployment that saw traffic: the revision that matters, configured against
/// observed, one short row each (no cell wraps at 80 columns).
fn stage_table(
    d: &crate::session::deployment_watch::DeploymentReport,
    theme: Theme,
) -> Vec<Line<'static>> {
    let rows: Vec<_> = d.seen().collect();
    if rows.is_empty() {
        return vec![Line::styled(
            "No stage was seen while traffic flowed (no traffic, or it went by between two looks).",
            theme.dim(),
        )];
    }
    let mut lines = vec![
        Line::styled(format!("The stages, for {}:", d.focus()), theme.dim()),
        Line::styled(
            format!(
                "{:<25}{:>6} {:>7} {:>8}",
                "STAGE", "SHIFT", "SEEN", "REQUESTS"
            ),
            theme.dim(),
        ),
    ];
    for (s, want, seen) in rows {
        let stage = crate::session::deployment_watch::stage_words(s.stage.as_ref());
        lines.push(Line::raw(format!(
            "{:<25}{:>6} {:>6.1}% {:>8}",
            if stage.is_empty() {
                "–".to_string()
            } else {
                stage
            },
            want.map_or("–".into(), |w| format!("{w:.0}%")),
            seen,
            s.observed.requests
        )));
    }
    lines
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
