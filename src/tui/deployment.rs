//! Chapter 2's traffic pane: the versions are an ECS service's revisions (task definition
//! `family:revision`), and what is configured is the share its current deployment gives each,
//! with the deployment's strategy, stage and bake countdown, and a paused blue/green
//! deployment's test traffic. What it shows comes from the poller (`jobs::deployment_poller`).

use ratatui::text::{Line, Span};

use super::app::App;
use super::theme::Theme;
use crate::load::stats::Summary;
use aws_sdk_ecs::types::{ServiceDeploymentLifecycleStage, ServiceDeploymentStatus};

use crate::session::deployment_watch::{Poll, has_ended, is_under_way, stage_words};

/// What the pane shows of the watched service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeploymentView {
    pub service: String,
    /// The service's current deployment, when it has one.
    pub deployment: Option<Poll>,
    /// The revision serving everything when no deployment moves traffic.
    pub settled: Option<String>,
    /// Wall-clock seconds left in the stage's bake, as of when the watcher looked.
    pub bake_left_s: Option<f64>,
    pub error: Option<String>,
}

impl DeploymentView {
    /// `(family:revision, percent)` of every revision the service's traffic goes to now.
    pub fn configured(&self) -> Vec<(String, f64)> {
        match &self.deployment {
            Some(d) if !d.configured.is_empty() && !has_ended(&d.status) => d.configured.clone(),
            _ => self.settled.iter().map(|r| (r.clone(), 100.0)).collect(),
        }
    }

    /// The deployment that a rollback would stop: one still under way.
    pub fn in_progress(&self) -> Option<&Poll> {
        self.deployment.as_ref().filter(|d| is_under_way(&d.status))
    }
}

/// The configured share (in %) of revision `version`: what the deployment gives it, 0 for a
/// revision it gives nothing (the one a finished deployment replaced).
pub fn configured_share(view: &DeploymentView, version: &str) -> Option<f64> {
    let configured = view.configured();
    if configured.is_empty() {
        return None;
    }
    Some(
        configured
            .into_iter()
            .find(|(r, _)| r == version)
            .map_or(0.0, |(_, p)| p),
    )
}

/// "deployment ▶ CANARY to sc-distributor:2 · production traffic shift · bake 42 s left · R rolls back"
pub fn stage_line(app: &App, theme: Theme) -> Option<Line<'static>> {
    let view = app.deployment.as_ref()?;
    if let Some(error) = &view.error {
        return Some(Line::styled(format!("deployment: {error}"), theme.warn()));
    }
    let Some(d) = &view.deployment else {
        return Some(Line::styled(
            format!("{}: no deployment yet", view.service),
            theme.dim(),
        ));
    };
    let running = !has_ended(&d.status);
    let mut spans = vec![
        Span::styled("deployment ", theme.dim()),
        Span::styled(
            if running { "▶ " } else { "■ " },
            if running { theme.ok() } else { theme.dim() },
        ),
        Span::raw(format!("{} to {}", d.strategy, d.target)),
    ];
    if running {
        spans.push(Span::raw(format!(" · {}", stage_words(d.stage.as_ref()))));
        if let Some(left) = view.bake_left_s {
            spans.push(Span::raw(format!(" · bake {} left", countdown(left))));
            if app.clock_paused {
                spans.push(Span::styled(" (clock paused: Space)", theme.bad()));
            }
        }
        spans.push(Span::styled(" · R rolls back", theme.dim()));
    } else {
        let style = if d.status == ServiceDeploymentStatus::Successful {
            theme.ok()
        } else {
            theme.warn()
        };
        spans.push(Span::styled(format!(" · {}", d.status), style));
        if let Some(reason) = &d.status_reason {
            spans.push(Span::styled(format!(" ({reason})"), theme.dim()));
        }
    }
    Some(Line::from(spans))
}

/// While the watched blue/green deployment is at its test stages: where the step's last
/// sample of test traffic (with the header) and of production (without it) went —
/// "test traffic x-gopher-test:green → sc-distributor:7 100% · production → sc-distributor:6
/// 100% (40 requests each) · A approves".
pub fn test_traffic_line(app: &App, theme: Theme) -> Option<Line<'static>> {
    let sample = app.test_traffic.as_ref()?;
    let d = app.deployment.as_ref()?.deployment.as_ref()?;
    if d.arn != sample.arn || !testing(d) {
        return None;
    }
    Some(Line::from(vec![
        Span::styled("test traffic ", theme.dim()),
        Span::styled(sample.header.clone(), theme.title()),
        Span::raw(format!(" → {}", reached(&sample.test))),
        Span::styled(" · production → ", theme.dim()),
        Span::raw(reached(&sample.production)),
        Span::styled(
            format!(
                " ({} and {} requests)",
                sample.test.requests, sample.production.requests
            ),
            theme.dim(),
        ),
        Span::styled(" · A approves", theme.dim()),
    ]))
}

/// Where a sample's requests went: "sc-distributor:7 100%", the largest share first, and its
/// errors.
fn reached(summary: &Summary) -> String {
    let mut versions: Vec<_> = summary.versions.iter().collect();
    versions.sort_by(|a, b| b.1.share.total_cmp(&a.1.share));
    let mut out = versions
        .iter()
        .map(|(v, s)| format!("{v} {:.0}%", s.share * 100.0))
        .collect::<Vec<_>>()
        .join(", ");
    if out.is_empty() {
        out.push_str("nowhere");
    }
    if summary.errors > 0 {
        out.push_str(&format!(" ({} errors)", summary.errors));
    }
    out
}

/// The deployment in a few words, for the traffic pane's title: "CANARY ▶ 10% on
/// sc-distributor:2 · bake 42 s left", or how it ended.
pub fn title(app: &App) -> Option<String> {
    let view = app.deployment.as_ref()?;
    let d = view.deployment.as_ref()?;
    if has_ended(&d.status) {
        return Some(format!("{} ■ {}", d.strategy, d.status));
    }
    let share = d.configured.first().map_or(0.0, |(_, p)| *p);
    let mut title = format!("{} ▶ {share:.0}% on {}", d.strategy, d.target);
    if let Some(left) = view.bake_left_s {
        title.push_str(&format!(" · bake {} left", countdown(left)));
        if app.clock_paused {
            title.push_str(" ⏸");
        }
    }
    Some(title)
}

fn countdown(seconds: f64) -> String {
    let s = seconds.max(0.0).ceil() as u64;
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s} s")
    }
}

/// Whether a deployment is at the stages where test traffic goes to green.
pub fn testing(d: &Poll) -> bool {
    is_under_way(&d.status)
        && matches!(
            d.stage,
            Some(
                ServiceDeploymentLifecycleStage::TestTrafficShift
                    | ServiceDeploymentLifecycleStage::PostTestTrafficShift
            )
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll(status: ServiceDeploymentStatus, configured: Vec<(&str, f64)>) -> Poll {
        Poll {
            arn: "arn".into(),
            status,
            strategy: aws_sdk_ecs::types::DeploymentStrategy::Canary,
            stage: Some(ServiceDeploymentLifecycleStage::ProductionTrafficShift),
            configured: configured
                .into_iter()
                .map(|(r, p)| (r.to_string(), p))
                .collect(),
            target: "d:2".into(),
            source: Some("d:1".into()),
            status_reason: None,
            bake_minutes: Some(1.0),
        }
    }

    #[test]
    fn a_deployment_under_way_configures_its_split_and_an_ended_one_the_settled_revision() {
        let mut view = DeploymentView {
            service: "d".into(),
            deployment: Some(poll(
                ServiceDeploymentStatus::InProgress,
                vec![("d:2", 10.0), ("d:1", 90.0)],
            )),
            settled: Some("d:2".into()),
            ..DeploymentView::default()
        };
        assert_eq!(configured_share(&view, "d:2"), Some(10.0));
        assert_eq!(configured_share(&view, "d:1"), Some(90.0));
        assert!(view.in_progress().is_some());
        view.deployment = Some(poll(
            ServiceDeploymentStatus::Successful,
            vec![("d:2", 100.0), ("d:1", 0.0)],
        ));
        assert_eq!(configured_share(&view, "d:2"), Some(100.0));
        assert_eq!(configured_share(&view, "d:1"), Some(0.0));
        assert!(view.in_progress().is_none());
        assert_eq!(countdown(42.2), "43 s");
        assert_eq!(countdown(125.0), "2m05s");
    }
}
