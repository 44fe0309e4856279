//! The poller behind the deployment watch: it looks at the service a traffic or deployment
//! step names every half second, tells the traffic pane what it saw (with the stage's bake
//! countdown), sends test traffic while a blue/green deployment is at its test stages, and
//! finishes a deployment step when its deployment ends.

use std::time::{Duration, Instant};

use aws_sdk_ecs::types::{ServiceDeploymentLifecycleStage, ServiceDeploymentStatus};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::emulator::clock::Clock;
use crate::session::approval;
use crate::session::deployment_watch::{self, DeploymentReport, Poll, RevisionNames, has_ended};
use crate::session::{Session, StepReport};
use crate::tui::app::Msg;
use crate::tui::deployment::{DeploymentView, testing};
use crate::walkthrough::step::{RequesterRef, StepKind};

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
