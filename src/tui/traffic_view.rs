//! The traffic pane: configured weight against observed share per distributor version, rate,
//! success and latency, how close observed is to configured, and the share over time with a
//! marker where the weights changed.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, BorderType, Borders, Chart, Dataset, GraphType, Paragraph};

use super::app::{App, Weights};
use super::theme::Theme;

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

/// The 95% margin (in percentage points) of an observed share over `n` requests.
pub fn margin(share: f64, n: u64) -> f64 {
    if n == 0 {
        return 100.0;
    }
    let p = share.clamp(0.0, 1.0);
    1.96 * (p * (1.0 - p) / n as f64).sqrt() * 100.0
}

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.dim())
        .title(Span::styled(" Traffic ", theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(sample) = &app.traffic.latest else {
        let text = vec![
            Line::styled("No traffic yet.", theme.dim()),
            Line::raw("It starts at the step \"Watch the traffic\", once the services run."),
            Line::raw("Then + and - move the weights, and f injects faults into v2."),
        ];
        frame.render_widget(Paragraph::new(text), inner);
        return;
    };
    // The table on top; the share over time below it, when there is room for a chart.
    let table_rows = sample.window.versions.len() as u16 + 4;
    let with_chart = inner.height >= table_rows + 5;
    let [table_area, chart_area] = if with_chart {
        Layout::vertical([Constraint::Length(table_rows), Constraint::Min(5)]).areas(inner)
    } else {
        Layout::vertical([Constraint::Min(4), Constraint::Length(0)]).areas(inner)
    };
    let w = &sample.window;
    // Narrow panes drop the bar, the rate and the lower percentiles.
    let full = table_area.width >= 81;
    let mut header = vec![Span::styled(
        format!("{:<8}{:>7} {:>8}", "VERSION", "WEIGHT", "OBSERVED"),
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
    let reached: u64 = w.versions.values().map(|v| v.count).sum();
    for (i, (version, v)) in w.versions.iter().enumerate() {
        let configured = app
            .weights
            .as_ref()
            .and_then(|ws| configured_share(ws, version));
        let share = v.share * 100.0;
        let success_style = if v.success >= 0.999 {
            theme.ok()
        } else if v.success >= 0.95 {
            theme.warn()
        } else {
            theme.bad()
        };
        let mut row = vec![
            Span::styled(format!("{version:<8}"), theme.version(i)),
            Span::raw(format!(
                "{:>6}%",
                configured.map_or("–".into(), |c| format!("{c:.0}"))
            )),
            Span::raw(format!(" {share:>7.1}%")),
        ];
        if full {
            let bar = "█".repeat(((share / 100.0) * 12.0).round() as usize);
            let rps = if w.duration_s > 0.0 {
                v.count as f64 / w.duration_s
            } else {
                0.0
            };
            row.push(Span::styled(
                format!("  {bar:<12}"),
                Style::new().fg(theme.version_color(i)),
            ));
            row.push(Span::raw(format!("{rps:>7.1} ")));
            row.push(Span::styled(
                format!("{:>7.2}%", v.success * 100.0),
                success_style,
            ));
            row.push(Span::raw(format!(
                " {:>5.1}ms {:>5.1}ms {:>5.1}ms",
                v.p50_ms, v.p95_ms, v.p99_ms
            )));
        } else {
            row.push(Span::styled(
                format!(" {:>7.2}%", v.success * 100.0),
                success_style,
            ));
            row.push(Span::raw(format!(" {:>5.1}ms", v.p99_ms)));
        }
        lines.push(Line::from(row));
    }
    lines.push(Line::default());
    let readout: Vec<String> = w
        .versions
        .iter()
        .filter_map(|(version, v)| {
            let configured = configured_share(app.weights.as_ref()?, version)?;
            Some(format!(
                "{version} {:.1}% ±{:.1} vs {configured:.0}%",
                v.share * 100.0,
                margin(v.share, reached)
            ))
        })
        .collect();
    if !readout.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("converging: ", theme.dim()),
            Span::raw(readout.join(" · ")),
            Span::styled(
                format!("  (last {:.0}s, {reached} requests)", w.duration_s),
                theme.dim(),
            ),
        ]));
    }
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
    frame.render_widget(Paragraph::new(lines), table_area);
    if with_chart && chart_area.width > 10 {
        chart(app, frame, chart_area, theme);
    }
}

fn chart(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let history = &app.traffic.history;
    let (Some(first), Some(last)) = (history.front(), history.back()) else {
        return;
    };
    let (x0, x1) = (first.0, last.0.max(first.0 + 1.0));
    let versions: Vec<String> = last.1.keys().cloned().collect();
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
    frame.render_widget(chart, area);
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
}
