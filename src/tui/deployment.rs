//! Chapter 2's traffic pane: the versions are an ECS service's revisions (task definition
//! `family:revision`), and what is configured is the share its current deployment gives each,
//! with the deployment's strategy, stage and bake countdown. A watcher polls the service while
//! the pane shows it, and finishes a deployment step when its deployment ends.

use std::time::{Duration, Instant};

use ratatui::text::{Line, Span};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::app::{App, Msg};
use super::theme::Theme;
use crate::emulator::clock::Clock;
use crate::load::stats::Summary;
use aws_sdk_ecs::types::{ServiceDeploymentLifecycleStage, ServiceDeploymentStatus};

use crate::session::approval;
use crate::session::deployment_watch::{
    self, DeploymentReport, Poll, RevisionNames, has_ended, is_under_way, stage_words,
};
use crate::session::{Session, StepReport};
use crate::walkthrough::step::{RequesterRef, StepKind};

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

/// A deployment step the watcher finishes when the deployment it started on ends.
#[derive(Debug, Clone)]
pub struct Completion {
    pub index: usize,
    pub expect: ServiceDeploymentStatus,
    /// The step's test traffic header (`NAME:VALUE`): while the deployment is at its test
    /// stages the watcher sends test traffic with it, and a rollback after the pause is what
    /// the step then expects, as the headless runner does.
    pub test_header: Option<String>,
}

/// What the watcher looks at: the service a traffic or deployment step names.
pub struct Watch {
    pub cluster: String,
    pub service: String,
    pub requester: RequesterRef,
    pub completion: Option<Completion>,
}

impl Watch {
    /// The watch a step asks for, if it names a service.
    pub fn of_step(session: &Session, index: usize) -> Option<Watch> {
        let step = session.walkthrough().steps.get(index)?;
        let (service, requester, completion) = match &step.kind {
            StepKind::Traffic {
                service: Some(service),
                requester,
                ..
            } => (service, requester, None),
            StepKind::Deployment {
                service,
                requester,
                expect,
                test_header,
            } => (
                service,
                requester,
                Some(Completion {
                    index,
                    expect: expect.clone(),
                    test_header: test_header.clone(),
                }),
            ),
            _ => return None,
        };
        Some(Watch {
            cluster: session
                .vars()
                .substitute(&requester.cluster)
                .unwrap_or_else(|_| requester.cluster.clone()),
            service: service.clone(),
            requester: requester.clone(),
            completion,
        })
    }
}

/// Whether a deployment is at the stages where test traffic goes to green.
fn testing(d: &Poll) -> bool {
    is_under_way(&d.status)
        && matches!(
            d.stage,
            Some(
                ServiceDeploymentLifecycleStage::TestTrafficShift
                    | ServiceDeploymentLifecycleStage::PostTestTrafficShift
            )
        )
}

/// Sends one sample of test traffic (with `header`) and production traffic (without) through
/// the step's requester, and shows where each went.
async fn sample_test_traffic(
    session: Session,
    requester: RequesterRef,
    arn: String,
    header: String,
    tx: UnboundedSender<Msg>,
) {
    let Ok(uri) = session
        .requester_url(&requester, Duration::from_secs(5))
        .await
    else {
        return;
    };
    if let Ok(sample) =
        approval::sample_test_traffic(uri, &arn, &header, approval::RESAMPLE_REQUESTS).await
    {
        let _ = tx.send(Msg::TestTraffic(Box::new(sample)));
    }
}

/// The requester a step sends through (chapter 1's for any step that names none).
pub fn requester_of(session: &Session, index: usize) -> RequesterRef {
    match session.walkthrough().steps.get(index).map(|s| &s.kind) {
        Some(StepKind::Traffic { requester, .. } | StepKind::Deployment { requester, .. }) => {
            requester.clone()
        }
        _ => RequesterRef::default(),
    }
}

/// How often the watcher looks.
const POLL: Duration = Duration::from_millis(500);

/// Polls the service until aborted, sending what it sees; finishes the completion's step
/// when the deployment that was current at the start (or a later one) ends.
pub fn spawn(
    session: Session,
    watch: Watch,
    clock: Option<Clock>,
    tx: UnboundedSender<Msg>,
    current: tokio::sync::watch::Sender<Option<String>>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let ecs = &session.target().ecs;
        let mut names = RevisionNames::default();
        // When the stage began, in the cloud's time (API seconds).
        let cloud_now = || {
            clock
                .as_ref()
                .map_or_else(crate::emulator::clock::now_epoch_seconds, Clock::now)
        };
        let mut stage_began: (Option<ServiceDeploymentLifecycleStage>, _, _) =
            (None, Vec::new(), cloud_now());
        let started = Instant::now();
        let mut completion = watch.completion.clone();
        let mut ticks = tokio::time::interval(POLL);
        // Test traffic: the sample under way, when the last began, and whether the
        // deployment was seen at its test stages (a rollback after them is then expected).
        let mut sampling: Option<JoinHandle<()>> = None;
        let mut sampled_at: Option<Instant> = None;
        let mut tested = false;
        let test_header = completion.as_ref().and_then(|c| c.test_header.clone());
        loop {
            ticks.tick().await;
            let mut view = DeploymentView {
                service: watch.service.clone(),
                ..DeploymentView::default()
            };
            match look(ecs, &watch, &mut names).await {
                Ok((settled, poll)) => {
                    view.settled = settled;
                    if let Some(p) = &poll {
                        if stage_began.0 != p.stage || stage_began.1 != p.configured {
                            stage_began = (p.stage.clone(), p.configured.clone(), cloud_now());
                        }
                        // What is left of the bake in API seconds, in real ones at the pace.
                        let scale = clock.as_ref().map_or(1.0, Clock::scale).max(1.0);
                        view.bake_left_s = p
                            .bake_minutes
                            .map(|m| (m * 60.0 - (cloud_now() - stage_began.2)).max(0.0) / scale);
                    }
                    current.send_replace(poll.as_ref().map(|p| p.arn.clone()));
                    view.deployment = poll;
                }
                Err(e) => view.error = Some(e),
            }
            if let (Some(header), Some(d)) = (&test_header, &view.deployment)
                && testing(d)
                && !session.target().is_aws()
            {
                tested = true;
                let due = sampled_at.is_none_or(|at| at.elapsed() >= approval::RESAMPLE);
                let idle = sampling.as_ref().is_none_or(JoinHandle::is_finished);
                if due && idle {
                    sampled_at = Some(Instant::now());
                    sampling = Some(tokio::spawn(sample_test_traffic(
                        session.clone(),
                        watch.requester.clone(),
                        d.arn.clone(),
                        header.clone(),
                        tx.clone(),
                    )));
                }
            }
            let ended = view
                .deployment
                .as_ref()
                .filter(|d| has_ended(&d.status))
                .cloned();
            let _ = tx.send(Msg::Deployment(Box::new(view)));
            if tested
                && let (Some(c), Some(d)) = (&mut completion, &ended)
                && deployment_watch::is_rollback(&d.status)
            {
                // Rolled back at (or after) the pause: what the step expects then.
                c.expect = ServiceDeploymentStatus::RollbackSuccessful;
            }
            if let (Some(c), Some(d)) = (&completion, ended) {
                // The same verdict as the headless runner's, on the look that saw the end.
                let outcome = crate::session::verdict(
                    DeploymentReport {
                        service: watch.service.clone(),
                        status: d.status.clone(),
                        status_reason: d.status_reason.clone(),
                        target: d.target.clone(),
                        source: d.source.clone(),
                        stages: Vec::new(),
                    },
                    &c.expect,
                );
                let report = StepReport {
                    outcome,
                    prepared: None,
                    cli: None,
                    exchange: None,
                    elapsed: started.elapsed(),
                };
                let _ = tx.send(Msg::StepFinished(c.index, Box::new(report)));
                completion = None;
            }
        }
    })
}

/// The service's settled revision and its current deployment, if any.
async fn look(
    ecs: &aws_sdk_ecs::Client,
    watch: &Watch,
    names: &mut RevisionNames,
) -> Result<(Option<String>, Option<Poll>), String> {
    let now = deployment_watch::service_now(ecs, &watch.cluster, &watch.service).await?;
    let Some(arn) = &now.current_deployment else {
        return Ok((now.settled, None));
    };
    let d = deployment_watch::describe(ecs, arn).await?;
    Ok((now.settled, Some(names.poll(ecs, arn, &d).await)))
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
