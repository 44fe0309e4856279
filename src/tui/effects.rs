//! Runs the App's commands: each SDK call in its own task with a timeout, results sent back as
//! messages. The UI task never waits on I/O.

use parking_lot::Mutex;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::app::{
    Cmd, InputView, Msg, Resources, Resumed, StepKindView, StepStatus, StepView, Weights,
};
use super::autopilot::{self, Flight, SampleTap};
use super::deployment;
use super::inputs::{edit_text_of, inputs_of};
use super::resource_tree;
use crate::api::route_weights;
use crate::canary::{CanaryPlan, StageEvent};
use crate::load::traffic::{Traffic, TrafficConfig};
use crate::session::events::{Events, StepEvent};
use crate::session::local_cloud::LocalCloud;
use crate::session::progress::{Demo, Progress};
use crate::session::weighted_route::weighted_route;
use crate::session::{Outcome, Session, StepError, StepReport};
use crate::walkthrough::step::{RequesterRef, StepKind};

/// How long one step may take before the UI calls it failed.
const STEP_TIMEOUT: Duration = Duration::from_secs(90);

pub struct Effects {
    /// The rate of the traffic the UI sends once it starts.
    pub traffic_rps: f64,
    session: Arc<Mutex<Session>>,
    tx: UnboundedSender<Msg>,
    /// The embedded cloud this session runs on, if it does: its faults, resilience, clock.
    cloud: Option<LocalCloud>,
    traffic: Arc<Mutex<Option<Traffic>>>,
    forwarder: Mutex<Option<JoinHandle<()>>>,
    progress: Arc<Mutex<Progress>>,
    state_dir: PathBuf,
    autopilot: Mutex<Option<Flight>>,
    tap: SampleTap,
    /// Counts the weight changes sent. A refresh that read the route before the latest one
    /// must not put its stale weights back on screen.
    weights_sent: Arc<AtomicU64>,
    /// Chapter 2's service watcher, and the deployment it last saw (what `R` rolls back).
    watch: Mutex<Option<JoinHandle<()>>>,
    watched_deployment: Arc<Mutex<Option<String>>>,
}

impl Effects {
    pub fn new(
        session: Session,
        progress: Progress,
        state_dir: PathBuf,
        cloud: Option<LocalCloud>,
        tx: UnboundedSender<Msg>,
    ) -> Effects {
        Effects {
            traffic_rps: 50.0,
            session: Arc::new(Mutex::new(session)),
            tx,
            cloud,
            traffic: Arc::new(Mutex::new(None)),
            forwarder: Mutex::new(None),
            progress: Arc::new(Mutex::new(progress)),
            state_dir,
            autopilot: Mutex::new(None),
            tap: SampleTap::default(),
            weights_sent: Arc::default(),
            watch: Mutex::new(None),
            watched_deployment: Arc::default(),
        }
    }

    /// The embedded cloud's clock scale (1 elsewhere), for chapter 2's bake countdowns.
    pub fn clock_scale(&self) -> f64 {
        self.cloud.as_ref().map_or(1.0, LocalCloud::clock_scale)
    }

    fn session(&self) -> Session {
        self.session.lock().clone()
    }

    /// The steps as the list shows them, with what the saved progress says is done.
    pub fn step_views(&self) -> Vec<StepView> {
        let session = self.session();
        let progress = self.progress.lock();
        let key = session.target.key();
        session
            .walkthrough
            .steps
            .iter()
            .map(|s| StepView {
                chapter: s.chapter.clone(),
                requester: match &s.kind {
                    StepKind::Traffic { requester, .. }
                    | StepKind::Deployment { requester, .. } => {
                        let cluster = session
                            .vars()
                            .substitute(&requester.cluster)
                            .unwrap_or_else(|_| requester.cluster.clone());
                        Some(format!("{cluster}/{}", requester.service))
                    }
                    _ => None,
                },
                watches: matches!(
                    s.kind,
                    StepKind::Traffic {
                        service: Some(_),
                        ..
                    } | StepKind::Deployment { .. }
                ),
                id: s.id.clone(),
                title: s.title.clone(),
                kind: match s.kind {
                    StepKind::Api { .. } => StepKindView::Api,
                    StepKind::Info => StepKindView::Info,
                    StepKind::Traffic { .. } => StepKindView::Traffic,
                    StepKind::Deployment { .. } => StepKindView::Deployment,
                    StepKind::Teardown => StepKindView::Teardown,
                },
                narrative: s.narrative.clone(),
                status: if progress.is_done(&key, &s.id) {
                    StepStatus::Done
                } else {
                    StepStatus::Pending
                },
            })
            .collect()
    }

    /// Every step's input as shown: prepared, or the text and why it cannot be sent.
    pub fn inputs(&self) -> Vec<InputView> {
        inputs_of(&self.session())
    }

    /// Looks up the revisions earlier sessions registered (chapter 2's steps deploy by them),
    /// then sends the inputs anew; nothing to do where none was registered.
    pub fn learn_registered_revisions(&self) {
        let (session, tx) = (self.session(), self.tx.clone());
        let unlearned = session.walkthrough.steps.iter().any(|s| {
            s.revision_var
                .as_ref()
                .is_some_and(|n| session.vars().get(n).is_none())
        });
        if !unlearned {
            return;
        }
        tokio::spawn(async move {
            let all = session.walkthrough.steps.len();
            let learned = tokio::time::timeout(
                Duration::from_secs(20),
                session.learn_registered_revisions(all),
            )
            .await;
            if learned.is_ok() {
                let _ = tx.send(Msg::Inputs(inputs_of(&session)));
            }
        });
    }

    /// The text the editor opens: the user's edit, or the asset (with its `${VAR}`s).
    pub fn edit_text(&self, session: &Session, index: usize) -> String {
        edit_text_of(session, index)
    }

    pub fn text_for_edit(&self, index: usize) -> (String, String) {
        let session = self.session();
        (
            session.walkthrough.steps[index].id.clone(),
            self.edit_text(&session, index),
        )
    }

    /// Keeps the user's edit (even an invalid one) and saves it.
    pub fn store_edit(&self, index: usize, text: String) {
        let id = {
            let mut session = self.session.lock();
            let id = session.walkthrough.steps[index].id.clone();
            session.edits.insert(id.clone(), text.clone());
            id
        };
        let mut progress = self.progress.lock();
        progress.edits.insert(id, text);
        if let Err(e) = progress.save(&self.state_dir) {
            let _ = self
                .tx
                .send(Msg::Toast(format!("could not save the edit: {e}")));
        }
        let _ = self.tx.send(Msg::Inputs(self.inputs()));
    }

    /// Replays steps in order (resuming on a fresh embedded cloud), reporting each, then what
    /// the replay did and what the presenter had set live.
    pub fn replay(&self, steps: Vec<usize>) {
        let session = self.session();
        let tx = self.tx.clone();
        let demo = self
            .progress
            .lock()
            .demo
            .get(&session.target.key())
            .cloned()
            .unwrap_or_default();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let mut replayed = 0;
            let mut complete = true;
            for index in steps {
                let report = session.run(index, false).await;
                let ok = report.outcome.is_success();
                let _ = tx.send(Msg::StepFinished(index, Box::new(report)));
                if !ok {
                    complete = false;
                    break;
                }
                replayed += 1;
            }
            let _ = tx.send(Msg::Resumed(Resumed {
                replayed,
                elapsed: started.elapsed(),
                complete,
                weights: demo.weights.map(|targets| Weights { targets }),
                fault: demo.fault,
            }));
        });
    }

    /// Keeps what the presenter set live, to restore it when the session resumes.
    fn remember_demo(&self, change: impl FnOnce(&mut Demo)) {
        remember_demo(
            &self.progress,
            &self.state_dir,
            &self.session().target.key(),
            &self.tx,
            change,
        );
    }

    pub fn handle(&self, cmd: Cmd) {
        match cmd {
            Cmd::RunStep { index, update } => self.run_step(index, update),
            Cmd::RefreshResources => self.refresh_resources(),
            Cmd::StartTraffic { step } => self.start_traffic_of_step(step),
            Cmd::Watch { step } => self.watch(step),
            Cmd::RollBack => self.roll_back(),
            Cmd::StartAutopilot(plan) => self.start_autopilot(plan),
            Cmd::StopAutopilot => self.stop_autopilot(),
            Cmd::SetWeights(weights) => self.move_weights(weights),
            Cmd::SetFault(on) => self.switch_fault(on),
            Cmd::Teardown { index } => self.tear_down_chapter(index),
            Cmd::Copy(text) => copy_to_clipboard(text),
            Cmd::MarkDone(id) => self.mark_done(&id),
            Cmd::RestoreDemo { weights, fault } => self.restore_demo(weights, fault),
            Cmd::Edit { .. } | Cmd::Quit => {}
        }
    }

    /// Runs step `index` through the session's step runner and shows what it tells: its
    /// status lines and deletions as toasts, then its report. A teardown (which on AWS waits
    /// for services to drain, minutes) has no timeout; any other step has the step timeout.
    fn run_step(&self, index: usize, update: bool) {
        let session = self.session();
        let tx = self.tx.clone();
        let teardown = matches!(
            session.walkthrough.steps.get(index).map(|s| &s.kind),
            Some(StepKind::Teardown)
        );
        tokio::spawn(async move {
            let (events, stream) = Events::channel();
            let shown = tokio::spawn(show_step_events(stream, tx.clone(), teardown));
            let running = session.run_with(index, update, &events);
            if teardown {
                running.await;
            } else if tokio::time::timeout(STEP_TIMEOUT, running).await.is_err() {
                let late = failed(format!("no answer within {} s", STEP_TIMEOUT.as_secs()));
                events.send(StepEvent::Finished(index, Box::new(late)));
            }
            drop(events);
            let _ = shown.await;
            // What the step learned (a revision, an ARN) fills later steps' inputs.
            let step = &session.walkthrough.steps[index];
            if step.revision_var.is_some() || !step.learn.is_empty() {
                let _ = tx.send(Msg::Inputs(inputs_of(&session)));
            }
        });
    }

    /// Reads the resource tree anew, and the route's weights unless a change was sent since.
    fn refresh_resources(&self) {
        let session = self.session();
        let tx = self.tx.clone();
        let weights_sent = self.weights_sent.clone();
        let before = weights_sent.load(Ordering::Acquire);
        tokio::spawn(async move {
            if let Ok((resources, weights)) =
                tokio::time::timeout(Duration::from_secs(20), refresh(&session)).await
            {
                let _ = tx.send(Msg::Resources(resources));
                let current = weights_sent.load(Ordering::Acquire) == before;
                if let Some(w) = weights.filter(|_| current) {
                    let _ = tx.send(Msg::Weights(w));
                }
            }
        });
    }

    /// Sends traffic to the requester step `step` names, in place of the traffic before.
    fn start_traffic_of_step(&self, step: usize) {
        self.stop_traffic();
        let session = self.session();
        if let Some(watch) = deployment::Watch::of_step(&session, step)
            && session.target.is_aws()
        {
            // The requester's tasks are inside the VPC: the pane shows what the
            // deployment configures, and says where the split can be seen.
            let where_ = crate::session::inside_the_vpc(&watch.service);
            let _ = self.tx.send(Msg::Toast(where_));
            return;
        }
        self.start_traffic(deployment::requester_of(&session, step));
    }

    fn stop_autopilot(&self) {
        if let Some(flight) = self.autopilot.lock().take() {
            flight.stop();
        }
    }

    /// UpdateRoute with the presenter's weights; once in, remembered and shown.
    fn move_weights(&self, weights: Weights) {
        self.weights_sent.fetch_add(1, Ordering::AcqRel);
        let session = self.session();
        let tx = self.tx.clone();
        let (progress, dir) = (self.progress.clone(), self.state_dir.clone());
        let weights_sent = self.weights_sent.clone();
        tokio::spawn(async move {
            match set_weights(&session, &weights).await {
                Ok(()) => {
                    // Once more now it is in: a refresh begun meanwhile read it before.
                    weights_sent.fetch_add(1, Ordering::AcqRel);
                    let key = session.target.key();
                    remember_demo(&progress, &dir, &key, &tx, |d| {
                        d.weights = Some(weights.targets.clone());
                    });
                    show_moved_weights(&session, &tx, weights).await;
                }
                Err(e) => {
                    let _ = tx.send(Msg::Toast(format!("UpdateRoute failed: {e}")));
                }
            }
        });
    }

    /// The `f` key: v2's faults on or off, where the embedded cloud can inject them.
    fn switch_fault(&self, on: bool) {
        let Some(cloud) = &self.cloud else {
            let _ = self.tx.send(Msg::Toast(
                "fault injection needs the embedded cloud".into(),
            ));
            return;
        };
        cloud.set_v2_fault(on);
        self.remember_demo(|d| d.fault = on);
        let _ = self.tx.send(Msg::FaultSet(on));
        let _ = self.tx.send(Msg::Toast(if on {
            "v2 now fails 30% of its requests (503)".into()
        } else {
            "v2 faults off".into()
        }));
    }

    /// The teardown step `index`: the traffic stops, what the presenter set is forgotten, and
    /// the step runner deletes what the chapter created.
    fn tear_down_chapter(&self, index: usize) {
        self.stop_traffic();
        self.remember_demo(|d| *d = Demo::default());
        self.run_step(index, false);
    }

    fn mark_done(&self, id: &str) {
        let key = self.session().target.key();
        let mut progress = self.progress.lock();
        progress.mark_done(&key, id);
        if let Err(e) = progress.save(&self.state_dir) {
            let _ = self
                .tx
                .send(Msg::Toast(format!("could not save progress: {e}")));
        }
    }
    /// Puts the route's weights and the fault switch back as the presenter had them.
    fn restore_demo(&self, weights: Option<Weights>, fault: bool) {
        if let Some(cloud) = &self.cloud {
            cloud.set_v2_fault(fault);
            let _ = self.tx.send(Msg::FaultSet(fault));
        }
        let Some(weights) = weights else { return };
        self.weights_sent.fetch_add(1, Ordering::AcqRel);
        let session = self.session();
        let tx = self.tx.clone();
        let weights_sent = self.weights_sent.clone();
        tokio::spawn(async move {
            match set_weights(&session, &weights).await {
                Ok(()) => {
                    weights_sent.fetch_add(1, Ordering::AcqRel);
                    let _ = tx.send(Msg::Weights(weights));
                }
                Err(e) => {
                    let _ = tx.send(Msg::Toast(format!("could not restore the weights: {e}")));
                }
            }
        });
    }

    /// Watches the service step `step` names, in place of what was watched before.
    fn watch(&self, step: usize) {
        let session = self.session();
        let handle = deployment::Watch::of_step(&session, step).map(|watch| {
            deployment::spawn(
                session,
                watch,
                self.clock_scale(),
                self.tx.clone(),
                self.watched_deployment.clone(),
            )
        });
        if let Some(old) = std::mem::replace(&mut *self.watch.lock(), handle) {
            old.abort();
        }
    }

    /// `R`: StopServiceDeployment with ROLLBACK on the deployment the watcher last saw.
    fn roll_back(&self) {
        let arn = self.watched_deployment.lock().clone();
        let (session, tx) = (self.session(), self.tx.clone());
        tokio::spawn(async move {
            let Some(arn) = arn else {
                let _ = tx.send(Msg::Toast("no deployment to roll back".into()));
                return;
            };
            let sent = session
                .target
                .ecs
                .stop_service_deployment()
                .service_deployment_arn(&arn)
                .stop_type(aws_sdk_ecs::types::StopServiceDeploymentStopType::Rollback)
                .send()
                .await;
            let _ = tx.send(Msg::Toast(match sent {
                Ok(_) => "rolling back: StopServiceDeployment ROLLBACK accepted".into(),
                Err(e) => format!("StopServiceDeployment: {}", crate::api::describe_error(&e)),
            }));
        });
    }

    fn start_traffic(&self, requester: RequesterRef) {
        let session = self.session();
        let tx = self.tx.clone();
        let slot = self.traffic.clone();
        let rps = self.traffic_rps;
        let tap = self.tap.clone();
        let mut resilience = self.cloud.as_ref().map(LocalCloud::resilience);
        let handle = tokio::spawn(async move {
            let uri = match session
                .requester_url(&requester, Duration::from_secs(30))
                .await
            {
                Ok(uri) => uri,
                Err(e) => {
                    let _ = tx.send(Msg::TrafficStopped(format!(
                        "{e}: run the service steps first"
                    )));
                    return;
                }
            };
            let mut config = TrafficConfig::new(uri);
            config.rps = rps;
            let (samples_tx, mut samples) = tokio::sync::mpsc::channel(64);
            *slot.lock() = Some(Traffic::start(config, samples_tx));
            let mut poll = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    sample = samples.recv() => {
                        let Some(sample) = sample else { break };
                        if let Some(autopilot) = tap.lock().as_ref() {
                            let _ = autopilot.try_send(sample.clone());
                        }
                        if tx.send(Msg::Traffic(Box::new(sample))).is_err() {
                            break;
                        }
                    }
                    _ = poll.tick() => {
                        if let Some(view) = resilience.as_mut().and_then(|r| r.changed()) {
                            let _ = tx.send(Msg::Resilience(view));
                        }
                    }
                }
            }
        });
        *self.forwarder.lock() = Some(handle);
    }

    /// Flies the autopilot on the route the weight keys move, starting the traffic it judges
    /// by when none runs yet.
    fn start_autopilot(&self, plan: CanaryPlan) {
        let session = self.session();
        let Some(route) = weighted_route(&session) else {
            let _ = self
                .tx
                .send(Msg::Autopilot(Box::new(StageEvent::failed_to_start(
                    "the walkthrough has no route".into(),
                ))));
            return;
        };
        let traffic_runs = self
            .forwarder
            .lock()
            .as_ref()
            .is_some_and(|f| !f.is_finished());
        if !traffic_runs {
            self.start_traffic(RequesterRef::default());
        }
        let (progress, dir, tx) = (
            self.progress.clone(),
            self.state_dir.clone(),
            self.tx.clone(),
        );
        let key = session.target.key();
        let weights_sent = self.weights_sent.clone();
        let remember = move |split: Vec<(String, i32)>| {
            weights_sent.fetch_add(1, Ordering::AcqRel);
            remember_demo(&progress, &dir, &key, &tx, |d| d.weights = Some(split));
        };
        let flight = autopilot::start(
            session,
            route,
            plan,
            self.tap.clone(),
            self.tx.clone(),
            remember,
        );
        // A flight already in the air stops as its handle drops.
        *self.autopilot.lock() = Some(flight);
    }

    pub fn stop_traffic(&self) {
        if let Some(watch) = self.watch.lock().take() {
            watch.abort();
        }
        if let Some(handle) = self.forwarder.lock().take() {
            handle.abort();
        }
        drop(self.traffic.lock().take());
    }
}

fn remember_demo(
    progress: &Mutex<Progress>,
    dir: &std::path::Path,
    key: &str,
    tx: &UnboundedSender<Msg>,
    change: impl FnOnce(&mut Demo),
) {
    let mut progress = progress.lock();
    change(progress.demo.entry(key.to_string()).or_default());
    if let Err(e) = progress.save(dir) {
        let _ = tx.send(Msg::Toast(format!("could not save progress: {e}")));
    }
}

/// A step's events as the UI shows them: toasts while it runs, then its report (after a
/// teardown, the traffic pane is told the traffic is gone first).
async fn show_step_events(
    mut stream: tokio::sync::mpsc::UnboundedReceiver<StepEvent>,
    tx: UnboundedSender<Msg>,
    teardown: bool,
) {
    while let Some(event) = stream.recv().await {
        let msg = match event {
            StepEvent::Status(line) if teardown => Msg::Toast(format!("teardown: {line}")),
            StepEvent::Status(line) => Msg::Toast(line),
            StepEvent::Deleted(d) => Msg::Toast(match &d.result {
                Ok(how) => format!("teardown: ✓ {} {how}", d.what),
                Err(e) => format!("teardown: ✗ {}: {e}", d.what),
            }),
            StepEvent::Poll(_) => continue,
            StepEvent::Finished(index, report) => {
                if teardown {
                    let _ = tx.send(Msg::TrafficStopped(format!(
                        "teardown: {}",
                        report.outcome.label()
                    )));
                }
                Msg::StepFinished(index, report)
            }
        };
        let _ = tx.send(msg);
    }
}

/// OSC 52: the terminal puts the text on the clipboard, even over SSH.
fn copy_to_clipboard(text: String) {
    let _ = crossterm::execute!(
        std::io::stdout(),
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
    );
}

/// After an UpdateRoute: the tree as it now stands, the weights, and the split in a toast.
async fn show_moved_weights(session: &Session, tx: &UnboundedSender<Msg>, weights: Weights) {
    if let Ok((resources, _)) =
        tokio::time::timeout(Duration::from_secs(20), refresh(session)).await
    {
        let _ = tx.send(Msg::Resources(resources));
    }
    let split: Vec<String> = weights
        .targets
        .iter()
        .map(|(n, w)| format!("{n} {w}"))
        .collect();
    let _ = tx.send(Msg::Weights(weights));
    let _ = tx.send(Msg::Toast(format!("UpdateRoute: {}", split.join(" / "))));
}

pub(super) fn failed(message: String) -> StepReport {
    StepReport {
        outcome: Outcome::Failed(StepError {
            code: None,
            message,
        }),
        prepared: None,
        cli: None,
        exchange: None,
        elapsed: Duration::ZERO,
    }
}

/// Moves the route's weights and nothing else of it (a retry policy set since stays).
async fn set_weights(session: &Session, weights: &Weights) -> Result<(), String> {
    let name = weighted_route(session).ok_or("the walkthrough has no route")?;
    route_weights::set(&session.target, &name, &weights.targets)
        .await
        .0
        .map_err(|e| e.to_string())
}

/// The resource tree and the weights of the route the keys move.
async fn refresh(session: &Session) -> (Resources, Option<Weights>) {
    let route = weighted_route(session).map(|r| (r.router, r.route));
    resource_tree::read(session, route).await
}
