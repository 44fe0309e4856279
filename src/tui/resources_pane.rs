//! The Resources pane: the mesh, its virtual nodes (with what resilience did to their tasks),
//! routers and weighted routes, virtual services, and the ECS clusters' services, as the last
//! refresh read them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Pane, RouteRow, ServiceRow};
use super::theme::Theme;
use super::view::pane_block;

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let r = &app.resources;
    let mut lines = match &r.mesh {
        Some(mesh) => vec![Line::from(vec![
            Span::styled("mesh ", theme.dim()),
            Span::styled(mesh.clone(), theme.title()),
        ])],
        None => vec![Line::styled("no mesh yet", theme.dim())],
    };
    for node in &r.virtual_nodes {
        lines.extend(node_lines(app, node, theme));
    }
    for (router, routes) in &r.routers {
        lines.extend(router_lines(router, routes, theme));
    }
    for (service, provider) in &r.virtual_services {
        lines.push(Line::from(vec![
            Span::styled(" └ service ", theme.dim()),
            Span::raw(service.clone()),
        ]));
        lines.push(Line::styled(format!("     → {provider}"), theme.dim()));
    }
    lines.push(Line::default());
    if r.clusters.is_empty() {
        lines.push(Line::styled("no ECS cluster yet", theme.dim()));
    }
    for (cluster, services) in &r.clusters {
        lines.push(Line::from(vec![
            Span::styled("cluster ", theme.dim()),
            Span::styled(cluster.clone(), theme.title()),
        ]));
        lines.extend(services.iter().flat_map(|s| service_lines(s, theme)));
    }
    if let Some(e) = &r.error {
        lines.push(Line::styled(e.clone(), theme.bad()));
    }
    frame.render_widget(
        Paragraph::new(lines).block(pane_block(app, Pane::Resources, "Resources", theme)),
        area,
    );
}

/// A virtual node, and what outlier detection and health checks did to its tasks: on a line
/// of its own so that a long node name does not push it out of the pane.
fn node_lines(app: &App, node: &str, theme: Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(vec![
        Span::styled(" ├ node ", theme.dim()),
        Span::raw(node.to_string()),
    ])];
    let (ejected, unhealthy) = app.resilience.marks(node);
    let mut marks = vec![Span::styled(" │    ", theme.dim())];
    if ejected > 0 {
        marks.push(Span::styled(format!("⊘ {ejected} ejected "), theme.bad()));
    }
    if unhealthy > 0 {
        marks.push(Span::styled(
            format!("✗ {unhealthy} unhealthy"),
            theme.warn(),
        ));
    }
    if marks.len() > 1 {
        lines.push(Line::from(marks));
    }
    lines
}

/// A virtual router, its routes, and each route's weighted targets.
fn router_lines(router: &str, routes: &[RouteRow], theme: Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(vec![
        Span::styled(" ├ router ", theme.dim()),
        Span::raw(router.to_string()),
    ])];
    for (route, targets) in routes {
        lines.push(Line::from(vec![
            Span::styled(" │  └ route ", theme.dim()),
            Span::raw(route.clone()),
        ]));
        for (node, weight) in targets {
            lines.push(Line::from(vec![
                Span::styled(format!(" │     {weight:>3} "), theme.json_number()),
                Span::raw(node.clone()),
            ]));
        }
    }
    lines
}

/// An ECS service: its tasks running of desired (and pending), then its status and task
/// definition.
fn service_lines(s: &ServiceRow, theme: Theme) -> [Line<'static>; 2] {
    let style = if s.running == s.desired && s.pending == 0 {
        theme.ok()
    } else {
        theme.warn()
    };
    [
        Line::from(vec![
            Span::styled(" • ", theme.dim()),
            Span::raw(format!("{} ", s.name)),
            Span::styled(format!("{}/{}", s.running, s.desired), style),
            Span::styled(
                if s.pending > 0 {
                    format!(" +{} pending", s.pending)
                } else {
                    String::new()
                },
                theme.warn(),
            ),
        ]),
        Line::styled(
            format!("   {} {}", s.status, s.task_definition),
            theme.dim(),
        ),
    ]
}
