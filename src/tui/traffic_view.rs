//! The traffic pane: configured weight against observed share per distributor version, rate,
//! success and latency, how close observed is to configured, and the share over time with a
//! marker where the weights changed.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Wrap};

use std::collections::BTreeSet;

use super::app::{App, Pane, StepKindView, Weights};
use super::deployment;
use super::keys::Moves;
use super::theme::Theme;
use super::view::pane_block;
use crate::canary::Stage;
use crate::load::stats::{Summary, VersionStats};
use crate::load::traffic::Sample;
pub use crate::load::version_of_target;

/// The configured share (in %) of a version: the weight of the route target whose virtual
/// node names it (`distributorV2` ↔ `v2`), over the total weight.
pub fn configured_share(weights: &Weights, version: &str) -> Option<f64> {
    let total: i32 = weights.targets.iter().map(|(_, w)| w).sum();
    let (_, w) = weights.targets.iter().find(|(node, _)| {
        node.to_ascii_lowercase()
            .ends_with(&version.to_ascii_lowercase())
    })?;
    Some(if total > 0 {
        f64::from(*w) * 100.0 / f64::from(total)
    } else {
        0.0
    })
}

/// What is configured for `version` now: chapter 2's deployment shift for a revision, or
/// chapter 1's route weight.
pub fn configured(app: &App, version: &str) -> Option<f64> {
    match &app.deployment {
        Some(view) => deployment::configured_share(view, version),
        None => configured_share(app.weights.as_ref()?, version),
    }
}

/// What the OBSERVED column stands on: in chapter 2, the traffic since the deployment's
/// current stage began (a stage of seconds is seen whole, not blurred by the one before);
/// otherwise the sample's sliding window. With the words that say which.
pub fn observed_span(app: &App, sample: &Sample) -> (Summary, String) {
    if app.deployment.is_some()
        && let Some(stage) = app.traffic.stages.last()
    {
        let seconds = (app.traffic_time() - stage.since).max(0.0);
        let summary = stage
            .tally
            .summary(std::time::Duration::from_secs_f64(seconds));
        if summary.requests > 0 {
            let what = if stage.ended {
                "since it ended"
            } else {
                "this stage"
            };
            return (summary, format!("{what}: {seconds:.0}s"));
        }
    }
    (
        sample.window.clone(),
        format!("last {:.0}s", sample.window.duration_s),
    )
}

/// The 95% margin (in percentage points) of an observed share over `n` requests.
pub fn margin(share: f64, n: u64) -> f64 {
    if n == 0 {
        return 100.0;
    }
    let p = share.clamp(0.0, 1.0);
    1.96 * (p * (1.0 - p) / n as f64).sqrt() * 100.0
}

/// Every version the pane shows, in one order (its colour and row follow it): those seen in
/// the traffic and every target of the route — a target at weight 0 gets no requests, and
/// is shown all the same.
pub fn versions(app: &App) -> Vec<String> {
    let mut all: BTreeSet<String> = app
        .traffic
        .history
        .iter()
        .flat_map(|(_, shares)| shares.keys().cloned())
        .collect();
    if let Some(sample) = &app.traffic.latest {
        all.extend(sample.window.versions.keys().cloned());
    }
    if let Some(view) = &app.deployment {
        all.extend(view.configured().into_iter().map(|(revision, _)| revision));
    } else if let Some(weights) = &app.weights {
        for (node, _) in &weights.targets {
            let covered = all
                .iter()
                .any(|v| node.to_ascii_lowercase().ends_with(&v.to_ascii_lowercase()));
            if !covered {
                all.insert(version_of_target(node));
            }
        }
    }
    all.into_iter().collect()
}

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    if area.height < 3 {
        strip(app, frame, area, theme);
        return;
    }
    // The deployment's stage and countdown in the title: it shows however short the pane.
    let title = match deployment::title(app) {
        Some(stage) => format!("Traffic · {stage}"),
        None => "Traffic".to_string(),
    };
    let block = pane_block(app, Pane::Traffic, &title, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(sample) = &app.traffic.latest else {
        if app.deployment.is_some() {
            // On AWS: what the deployment configures, without an observed split.
            let mut lines = vec![Line::styled(
                format!("{:<24}{:>7}", "REVISION", "SHIFT"),
                theme.dim(),
            )];
            let view = app
                .deployment
                .as_ref()
                .map(|d| d.configured())
                .unwrap_or_default();
            for (i, (revision, share)) in view.iter().enumerate() {
                lines.push(Line::from(vec![
                    Span::styled(format!("{revision:<24}"), theme.version(i)),
                    Span::raw(format!("{share:>6.0}%")),
                ]));
            }
            lines.extend(deployment::stage_line(app, theme));
            lines.extend(deployment::test_traffic_line(app, theme));
            let service = app
                .deployment
                .as_ref()
                .map(|d| d.service.as_str())
                .unwrap_or_default();
            lines.push(Line::styled(
                format!("observed: {}", crate::session::inside_the_vpc(service)),
                theme.dim(),
            ));
            frame.render_widget(
                Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }),
                inner,
            );
            return;
        }
        let text = vec![
            Line::styled("No traffic yet.", theme.dim()),
            Line::raw(format!(
                "It starts at {}, once the services run.",
                traffic_step(app)
            )),
            Line::raw(if weights_chapter(app) {
                "Then + and - move the weights, and f injects faults into v2."
            } else {
                "Then each ECS deployment moves it; R rolls one back."
            }),
        ];
        frame.render_widget(Paragraph::new(text), inner);
        return;
    };
    let versions = versions(app);
    let mut lines = table(app, sample, &versions, inner.width, theme);
    let summary = summary(app, sample, theme);
    // Status lines wrap rather than lose their end (a rollback's reason, a check's figures).
    let rows = |lines: &[Line<'static>]| {
        let text = Text::from(lines.to_vec());
        u16::try_from(
            Paragraph::new(text)
                .wrap(Wrap { trim: false })
                .line_count(inner.width),
        )
        .unwrap_or(u16::MAX)
    };
    let summary_rows = rows(&summary);
    // The table on top; the share over time below it, when there is room for a chart.
    let table_rows = lines.len() as u16 + 1 + summary_rows;
    if inner.height < table_rows {
        // Short (80×24): one compact row per revision that matters, then what status fits.
        let mut compact = compact_rows(app, sample, &versions, theme);
        compact.extend(summary);
        frame.render_widget(Paragraph::new(compact).wrap(Wrap { trim: false }), inner);
        return;
    }
    let with_chart = inner.height >= table_rows + 5;
    lines.push(Line::default());
    lines.extend(summary);
    let [table_area, chart_area] = if with_chart {
        Layout::vertical([Constraint::Length(table_rows), Constraint::Min(5)]).areas(inner)
    } else {
        Layout::vertical([Constraint::Min(1), Constraint::Length(0)]).areas(inner)
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), table_area);
    if with_chart && chart_area.width > 20 {
        chart(app, &versions, frame, chart_area, theme);
    }
}

/// One line per version that matters now (configured a share, or observed), each cell named:
/// `sc-distributor:3 shift 20% seen 18.2% ok 97.50% p99 1.0ms` — no header row to spare.
fn compact_rows(
    app: &App,
    sample: &Sample,
    versions: &[String],
    theme: Theme,
) -> Vec<Line<'static>> {
    let (w, _) = observed_span(app, sample);
    let name_width = versions
        .iter()
        .map(|v| Span::raw(v.as_str()).width() + 1)
        .max()
        .unwrap_or(0);
    let label = if app.deployment.is_some() {
        "shift"
    } else {
        "weight"
    };
    versions
        .iter()
        .enumerate()
        .filter(|(_, v)| {
            configured(app, v).is_some_and(|c| c > 0.0) || w.versions.contains_key(v.as_str())
        })
        .map(|(i, version)| {
            let mut row = vec![
                Span::styled(format!("{version:<name_width$}"), theme.version(i)),
                Span::raw(format!(
                    "{label} {:>3}% ",
                    configured(app, version).map_or("–".into(), |c| format!("{c:.0}"))
                )),
            ];
            match w.versions.get(version) {
                Some(v) => {
                    row.push(Span::raw(format!("seen {:>5.1}% ", v.share * 100.0)));
                    let style = if v.success >= 0.999 {
                        theme.ok()
                    } else if v.success >= 0.95 {
                        theme.warn()
                    } else {
                        theme.bad()
                    };
                    row.push(Span::styled(
                        format!("ok {:.2}% ", v.success * 100.0),
                        style,
                    ));
                    row.push(Span::raw(format!("p99 {:.1}ms", v.p99_ms)));
                }
                None => row.push(Span::styled("seen   0.0%", theme.dim())),
            }
            Line::from(row)
        })
        .collect()
}

/// The chapter of the selected step: from its opening step to the next chapter's.
fn selected_chapter(app: &App) -> std::ops::Range<usize> {
    let opens = |i: &usize| app.steps[*i].chapter.is_some();
    let start = (0..=app.selected.min(app.steps.len().saturating_sub(1)))
        .rev()
        .find(opens)
        .unwrap_or(0);
    let end = (start + 1..app.steps.len())
        .find(opens)
        .unwrap_or(app.steps.len());
    start..end
}

/// Whether the selected step's chapter moves route weights (chapter 1), rather than ECS
/// deployments.
fn weights_chapter(app: &App) -> bool {
    moves(app) == Moves::Weights
}

/// What moves the traffic in the selected step's chapter.
pub fn moves(app: &App) -> Moves {
    if app.steps.is_empty() {
        return Moves::Weights;
    }
    let deploys = app.steps[selected_chapter(app)]
        .iter()
        .any(|s| s.kind == StepKindView::Deployment);
    if deploys {
        Moves::Deployments
    } else {
        Moves::Weights
    }
}

/// "step 18 "Watch the traffic"" — where traffic starts in the selected step's chapter.
fn traffic_step(app: &App) -> String {
    let chapter = selected_chapter(app);
    app.steps[chapter.clone()]
        .iter()
        .position(|s| s.kind == StepKindView::Traffic)
        .map(|i| i + chapter.start)
        .map_or("the traffic step".into(), |i| {
            format!("step {} \"{}\"", i + 1, app.steps[i].title)
        })
}

/// The one line the traffic pane takes while no traffic runs: the longest wording that fits.
fn strip(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let lead = if app.focus == Pane::Traffic {
        Span::styled(" ▶ Traffic", theme.focus())
    } else {
        Span::styled(" Traffic", theme.title())
    };
    let mut wordings: Vec<Vec<Span>> = match &app.traffic.latest {
        Some(sample) => {
            let last: Vec<String> = sample
                .window
                .versions
                .iter()
                .map(|(v, s)| format!("{v} {:.1}%", s.share * 100.0))
                .collect();
            vec![vec![
                Span::styled(" · stopped · last: ", theme.dim()),
                Span::raw(last.join(" · ")),
            ]]
        }
        None => {
            let step = traffic_step(app);
            let then = if weights_chapter(app) {
                "; then + - move the weights"
            } else {
                "; then ECS deployments move it"
            };
            vec![
                vec![
                    Span::styled(" · not running: ", theme.dim()),
                    Span::raw(format!("{step} starts it")),
                    Span::styled(then, theme.dim()),
                ],
                vec![
                    Span::styled(" · not running: ", theme.dim()),
                    Span::raw(format!("{step} starts it")),
                ],
                vec![Span::styled(" · not running", theme.dim())],
            ]
        }
    };
    let fits = |spans: &Vec<Span>| {
        lead.width() + spans.iter().map(Span::width).sum::<usize>() <= usize::from(area.width)
    };
    let chosen = wordings.iter().position(fits).unwrap_or(wordings.len() - 1);
    let mut spans = vec![lead];
    spans.extend(wordings.swap_remove(chosen));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The header and one row per version: configured weight, observed share and, when the pane
/// is wide enough, a bar, the rate and the lower percentiles.
fn table(
    app: &App,
    sample: &Sample,
    versions: &[String],
    width: u16,
    theme: Theme,
) -> Vec<Line<'static>> {
    let (w, _) = observed_span(app, sample);
    let w = &w;
    let full = width >= 81;
    // Revisions (`sc-distributor:2`) are longer than versions (`v2`).
    let name_width = versions
        .iter()
        .map(|v| Span::raw(v.as_str()).width() + 1)
        .max()
        .unwrap_or(0)
        .max(8);
    let (name, configured_label) = match app.deployment {
        Some(_) => ("REVISION", "SHIFT"),
        None => ("VERSION", "WEIGHT"),
    };
    let mut header = vec![Span::styled(
        format!("{name:<name_width$}{configured_label:>7} {:>8}", "OBSERVED"),
        theme.dim(),
    )];
    if full {
        header.push(Span::styled(
            format!(
                "  {:<12}{:>7} {:>8} {:>7} {:>7} {:>7}",
                "", "RPS", "SUCCESS", "P50", "P95", "P99"
            ),
            theme.dim(),
        ));
    } else {
        header.push(Span::styled(
            format!(" {:>8} {:>7}", "SUCCESS", "P99"),
            theme.dim(),
        ));
    }
    let mut lines = vec![Line::from(header)];
    for (i, version) in versions.iter().enumerate() {
        let configured = configured(app, version);
        let mut row = vec![
            Span::styled(format!("{version:<name_width$}"), theme.version(i)),
            Span::raw(format!(
                "{:>6}%",
                configured.map_or("–".into(), |c| format!("{c:.0}"))
            )),
        ];
        match w.versions.get(version) {
            Some(v) => row.extend(observed(v, w.duration_s, i, full, theme)),
            // No request reached it in the window (weight 0, or not started yet).
            None => row.push(Span::styled(format!(" {:>7.1}%", 0.0), theme.dim())),
        }
        lines.push(Line::from(row));
    }
    lines
}

fn observed(
    v: &VersionStats,
    seconds: f64,
    i: usize,
    full: bool,
    theme: Theme,
) -> Vec<Span<'static>> {
    let share = v.share * 100.0;
    let success_style = if v.success >= 0.999 {
        theme.ok()
    } else if v.success >= 0.95 {
        theme.warn()
    } else {
        theme.bad()
    };
    let mut spans = vec![Span::raw(format!(" {share:>7.1}%"))];
    if full {
        let bar = "█".repeat(((share / 100.0) * 12.0).round() as usize);
        let rps = if seconds > 0.0 {
            v.count as f64 / seconds
        } else {
            0.0
        };
        spans.push(Span::styled(
            format!("  {bar:<12}"),
            Style::new().fg(theme.version_color(i)),
        ));
        spans.push(Span::raw(format!("{rps:>7.1} ")));
        spans.push(Span::styled(
            format!("{:>7.2}%", v.success * 100.0),
            success_style,
        ));
        spans.push(Span::raw(format!(
            " {:>5.1}ms {:>5.1}ms {:>5.1}ms",
            v.p50_ms, v.p95_ms, v.p99_ms
        )));
    } else {
        spans.push(Span::styled(
            format!(" {:>7.2}%", v.success * 100.0),
            success_style,
        ));
        spans.push(Span::raw(format!(" {:>5.1}ms", v.p99_ms)));
    }
    spans
}

/// How close observed is to configured, and the totals.
fn summary(app: &App, sample: &Sample, theme: Theme) -> Vec<Line<'static>> {
    let (observed, span) = observed_span(app, sample);
    let reached: u64 = observed.versions.values().map(|v| v.count).sum();
    let readout: Vec<String> = observed
        .versions
        .iter()
        .filter_map(|(version, v)| {
            let configured = configured(app, version)?;
            Some(format!(
                "{version} {:.1}% ±{:.1} vs {configured:.0}%",
                v.share * 100.0,
                margin(v.share, reached)
            ))
        })
        .collect();
    let mut lines = Vec::new();
    if !readout.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("converging: ", theme.dim()),
            Span::raw(readout.join(" · ")),
            Span::styled(format!("  ({span}, {reached} requests)"), theme.dim()),
        ]));
    }
    lines.extend(autopilot_line(app, theme));
    lines.extend(deployment::stage_line(app, theme));
    lines.extend(deployment::test_traffic_line(app, theme));
    lines.extend(events_line(app, sample, theme));
    let w = &sample.window;
    lines.push(Line::from(vec![
        Span::styled(format!("{:.1} req/s", w.rps), theme.title()),
        Span::styled(
            format!(
                " · {} errors in the window · {} requests in {:.0}s · {} in flight",
                w.errors, sample.total.requests, sample.total.duration_s, sample.in_flight
            ),
            theme.dim(),
        ),
    ]));
    lines
}

/// The autopilot's stage: what it did last, on which figures, and when it checks next.
fn autopilot_line(app: &App, theme: Theme) -> Option<Line<'static>> {
    let pilot = &app.autopilot;
    if !pilot.running && pilot.last.is_none() {
        return None;
    }
    let mark = if pilot.running { "▶" } else { "■" };
    let mut spans = vec![Span::styled(format!("autopilot {mark} "), theme.dim())];
    let Some(event) = &pilot.last else {
        spans.push(Span::styled("starting…", theme.title()));
        return Some(Line::from(spans));
    };
    let style = match event.stage {
        Stage::Promoted => theme.ok(),
        Stage::RolledBack | Stage::Failed => theme.bad(),
        Stage::Stopped => theme.warn(),
        Stage::Started | Stage::Advanced => theme.title(),
        Stage::Held => theme.warn(),
    };
    spans.push(Span::styled(event.headline(), style));
    // The countdown before the figures: on a narrow pane the figures are what gets cut.
    if pilot.running {
        let next = (pilot.at + pilot.interval_s - app.traffic_time()).max(0.0);
        spans.push(Span::styled(
            format!(" · next check in {next:.0} s"),
            theme.dim(),
        ));
    }
    if let Some(reason) = event.reason() {
        spans.push(Span::styled(format!(" · {reason}"), style));
    }
    Some(Line::from(spans))
}

/// What resilience did lately: the newest host event, and what a pool turned away.
fn events_line(app: &App, sample: &Sample, theme: Theme) -> Option<Line<'static>> {
    let newest = app.resilience.events.last();
    // The embedded data plane counts every request its pools turned away, whoever sent it (a
    // `meshwalk traffic --rps 2000` burst from another terminal too); elsewhere only the
    // pane's own traffic can tell.
    let (overflow, since) = match app.resilience.overflowed() {
        0 => (sample.window.overflow, "in the window"),
        n => (n, "in all"),
    };
    if newest.is_none() && overflow == 0 {
        return None;
    }
    let mut spans = vec![Span::styled("events: ", theme.dim())];
    // The overflow count first: it is short, and the event after it may be cut.
    if overflow > 0 {
        spans.push(Span::styled(
            format!("{overflow} overflow (pool full) {since}"),
            theme.bad(),
        ));
        if newest.is_some() {
            spans.push(Span::styled(" · ", theme.dim()));
        }
    }
    if let Some(e) = newest {
        spans.push(Span::styled(
            format!("{} s ago ", e.ago.as_secs()),
            theme.dim(),
        ));
        spans.push(Span::raw(format!("{} {} ", e.node, short_task(&e.task))));
        spans.push(Span::styled(e.what.clone(), theme.warn()));
    }
    Some(Line::from(spans))
}

/// The first 8 characters of a task id, as the ECS console shortens them.
pub fn short_task(task: &str) -> &str {
    task.get(..8).unwrap_or(task)
}

/// The share of each version over time, each line labelled with its version at its end (the
/// label's row is the line's last value, so it reads without colour), and a dim vertical line
/// where the weights changed.
fn chart(app: &App, versions: &[String], frame: &mut Frame, area: Rect, theme: Theme) {
    let history = &app.traffic.history;
    let (Some(first), Some(last)) = (history.front(), history.back()) else {
        return;
    };
    let (x0, x1) = (first.0, last.0.max(first.0 + 1.0));
    let latest: Vec<f64> = versions
        .iter()
        .map(|v| last.1.get(v).copied().unwrap_or(0.0))
        .collect();
    let labels: Vec<String> = versions
        .iter()
        .zip(&latest)
        .map(|(v, share)| format!("─ {v} {share:.0}%"))
        .collect();
    let label_width = labels
        .iter()
        .map(|l| Span::raw(l.as_str()).width())
        .max()
        .unwrap_or(0) as u16;
    let [plot_area, label_area] =
        Layout::horizontal([Constraint::Min(1), Constraint::Length(label_width)]).areas(area);
    let series: Vec<Vec<(f64, f64)>> = versions
        .iter()
        .map(|v| {
            history
                .iter()
                .map(|(t, shares)| (*t, shares.get(v).copied().unwrap_or(0.0)))
                .collect()
        })
        .collect();
    let markers: Vec<Vec<(f64, f64)>> = app
        .traffic
        .markers
        .iter()
        .filter(|t| **t >= x0)
        .map(|t| vec![(*t, 0.0), (*t, 100.0)])
        .collect();
    let mut datasets: Vec<Dataset> = markers
        .iter()
        .map(|m| {
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.dim())
                .data(m)
        })
        .collect();
    for (i, (name, points)) in versions.iter().zip(&series).enumerate() {
        datasets.push(
            Dataset::default()
                .name(name.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::new().fg(theme.version_color(i)))
                .data(points),
        );
    }
    let chart = Chart::new(datasets)
        .x_axis(Axis::default().bounds([x0, x1]).style(theme.dim()))
        .y_axis(
            Axis::default()
                .bounds([0.0, 100.0])
                .labels(["0%", "50%", "100%"])
                .style(theme.dim()),
        )
        .legend_position(None);
    frame.render_widget(chart, plot_area);
    let rows = label_rows(&latest, label_area.height);
    for (i, (label, row)) in labels.into_iter().zip(rows).enumerate() {
        let at = Rect::new(label_area.x, label_area.y + row, label_area.width, 1);
        frame.render_widget(Paragraph::new(Span::styled(label, theme.version(i))), at);
    }
}

/// The row (0 = top = 100%) of each line's end in a plot `height` rows tall; two labels that
/// would share a row go to the nearest free one.
pub fn label_rows(shares: &[f64], height: u16) -> Vec<u16> {
    let last = height.saturating_sub(1);
    let mut taken: Vec<u16> = Vec::new();
    for share in shares {
        // Braille dots: four per row; 100% is the top dot, 0% the bottom one.
        let dots = f64::from(height) * 4.0 - 1.0;
        let dot = ((100.0 - share.clamp(0.0, 100.0)) / 100.0 * dots).round();
        let wanted = ((dot / 4.0).floor() as u16).min(last);
        let free = (0..=last)
            .flat_map(|d| [wanted.saturating_add(d), wanted.saturating_sub(d)])
            .find(|r| *r <= last && !taken.contains(r))
            .unwrap_or(wanted);
        taken.push(free);
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_shares_follow_the_node_names() {
        let w = Weights {
            targets: vec![("distributorV1".into(), 90), ("distributorV2".into(), 10)],
        };
        assert_eq!(configured_share(&w, "v1"), Some(90.0));
        assert_eq!(configured_share(&w, "v2"), Some(10.0));
        assert_eq!(configured_share(&w, "v3"), None);
        assert!((margin(0.1, 1000) - 1.859).abs() < 0.01);
        assert_eq!(margin(0.5, 0), 100.0);
    }

    #[test]
    fn a_target_names_its_version() {
        assert_eq!(version_of_target("distributorV2"), "v2");
        assert_eq!(version_of_target("distributor-v12"), "v12");
        assert_eq!(version_of_target("canary"), "canary");
        assert_eq!(version_of_target("v"), "v");
    }

    #[test]
    fn labels_sit_at_the_lines_ends_and_never_share_a_row() {
        assert_eq!(label_rows(&[100.0, 0.0], 9), [0, 8]);
        assert_eq!(label_rows(&[90.0, 10.0], 9), [1, 8]);
        assert_eq!(label_rows(&[50.0, 50.0], 9), [4, 5]);
        assert_eq!(label_rows(&[50.0, 50.0, 50.0], 9), [4, 5, 3]);
    }
}
