//! What each tab of the step pane says: the step's notes (Markdown, tables that fit or
//! scroll), its input (highlighted JSON), the equivalent aws CLI command, the HTTP exchange,
//! and the result with what to do next.

use ratatui::style::Modifier;
use ratatui::text::{Line, Span, Text};

use super::app::{App, InputView, Tab};
use super::theme::Theme;
use crate::api::call::output_json;
use crate::session::Outcome;

/// What the selected tab shows of the selected step.
pub(super) fn tab_text(app: &App, theme: Theme) -> Text<'static> {
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
pub(super) fn markdown_in(source: &str, width: u16, theme: Theme) -> Text<'static> {
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
pub(super) fn what_to_do(app: &App, report: &crate::session::StepReport) -> String {
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

pub(super) fn result_text(
    report: &crate::session::StepReport,
    to_do: &str,
    theme: Theme,
) -> Text<'static> {
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
