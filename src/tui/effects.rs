//! Runs the App's commands, never waiting on I/O: a step runs in a task of its own through the
//! session's step runner (`jobs::steps`); everything with state of its own is a job told by
//! message (`jobs`). Effects owns the session (whose edits only it changes) and routes.

use std::path::PathBuf;

use tokio::sync::mpsc::UnboundedSender;

use super::app::{Cmd, InputView, Msg, StepKindView, StepStatus, StepView, Weights};
use super::inputs::{edit_text_of, inputs_of};
use super::jobs::autopilot::{AutopilotJob, Crew};
use super::jobs::deployment_poller;
use super::jobs::deployment_watch::WatchJob;
use super::jobs::persistence::Persistence;
use super::jobs::resources::ResourcesJob;
use super::jobs::steps;
use super::jobs::traffic::TrafficJob;
use crate::session::Session;
use crate::session::approval;
use crate::session::local_cloud::{ClockChange, LocalCloud};
use crate::session::progress::{Demo, Progress};
use crate::walkthrough::step::StepKind;

/// The rate of the traffic the UI sends, unless told otherwise.
const DEFAULT_RPS: f64 = 50.0;

pub struct Effects {
    session: Session,
    tx: UnboundedSender<Msg>,
    /// The embedded cloud this session runs on, if it does: its faults, resilience, clock.
    cloud: Option<LocalCloud>,
    /// What the saved progress said when the UI started: the steps done, the presenter's demo.
    started_with: Progress,
    persistence: Persistence,
    resources: ResourcesJob,
    traffic: TrafficJob,
    watch: WatchJob,
    autopilot: AutopilotJob,
}

impl Effects {
    pub fn new(
        session: Session,
        progress: Progress,
        state_dir: PathBuf,
        cloud: Option<LocalCloud>,
        tx: UnboundedSender<Msg>,
    ) -> Effects {
        Effects::with_rate(session, progress, state_dir, cloud, DEFAULT_RPS, tx)
    }

    /// …sending `rps` requests a second when traffic flows.
    pub fn with_rate(
        session: Session,
        progress: Progress,
        state_dir: PathBuf,
        cloud: Option<LocalCloud>,
        rps: f64,
        tx: UnboundedSender<Msg>,
    ) -> Effects {
        let persistence = Persistence::start(progress.clone(), state_dir, tx.clone());
        let resources = ResourcesJob::start(persistence.clone(), tx.clone());
        let traffic = TrafficJob::start(rps, cloud.clone(), tx.clone());
        let clock = cloud.as_ref().map(|c| c.clock().clone());
        let watch = WatchJob::start(clock, tx.clone());
        let crew = Crew {
            traffic: traffic.clone(),
            resources: resources.clone(),
            persistence: persistence.clone(),
        };
        let autopilot = AutopilotJob::start(crew, tx.clone());
        Effects {
            session,
            tx,
            cloud,
            started_with: progress,
            persistence,
            resources,
            traffic,
            watch,
            autopilot,
        }
    }

    /// The embedded cloud's clock scale (1 elsewhere), for chapter 2's bake countdowns.
    pub fn clock_scale(&self) -> f64 {
        self.cloud.as_ref().map_or(1.0, LocalCloud::clock_scale)
    }

    /// The steps as the list shows them, with what the saved progress says is done.
    pub fn step_views(&self) -> Vec<StepView> {
        let session = &self.session;
        let progress = &self.started_with;
        let key = session.target().key();
        session
            .walkthrough()
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
        inputs_of(&self.session)
    }

    /// Looks up the revisions earlier sessions registered, then sends the inputs anew.
    pub fn learn_registered_revisions(&self) {
        steps::learn_registered_revisions(self.session.clone(), self.tx.clone());
    }

    /// The step's id and the text the editor opens: the user's edit, or the asset (with its
    /// `${VAR}`s).
    pub fn text_for_edit(&self, index: usize) -> (String, String) {
        (
            self.session.walkthrough().steps[index].id.clone(),
            edit_text_of(&self.session, index),
        )
    }

    /// Keeps the user's edit (even an invalid one) and saves it.
    pub fn store_edit(&mut self, index: usize, text: String) {
        let id = self.session.walkthrough().steps[index].id.clone();
        self.session.edit(&id, text.clone());
        self.persistence.edit(id, text);
        let _ = self.tx.send(Msg::Inputs(self.inputs()));
    }

    /// Replays steps in order (resuming on a fresh embedded cloud), then puts back what the
    /// presenter had set live.
    pub fn replay(&self, steps: Vec<usize>) {
        let demo = self
            .started_with
            .demo
            .get(&self.session.target().key())
            .cloned()
            .unwrap_or_default();
        steps::replay(
            self.session.clone(),
            steps,
            demo,
            self.cloud.clone(),
            self.tx.clone(),
        );
    }

    pub fn handle(&self, cmd: Cmd) {
        let session = || self.session.clone();
        match cmd {
            Cmd::RunStep { index, update } => {
                steps::run(session(), index, update, self.tx.clone());
            }
            Cmd::RefreshResources => self.resources.refresh(session()),
            Cmd::StartTraffic { step } => self.start_traffic_of_step(step),
            Cmd::Watch { step } => self.watch.watch(session(), step),
            Cmd::RollBack => self.watch.roll_back(session()),
            Cmd::Approve(arn) => {
                let (session, tx) = (session(), self.tx.clone());
                tokio::spawn(async move {
                    let said = approval::approve_paused(&session.target().ecs, &arn).await;
                    let _ = tx.send(Msg::Toast(said));
                });
            }
            Cmd::StartAutopilot(plan) => self.autopilot.fly(session(), plan),
            Cmd::StopAutopilot => self.autopilot.stop(),
            Cmd::SetWeights(weights) => self.resources.set_weights(session(), weights),
            Cmd::SetFault(on) => self.switch_fault(on),
            Cmd::Teardown { index } => self.tear_down_chapter(index),
            Cmd::ForgetDone(ids) => self
                .persistence
                .forget_done(&self.session.target().key(), ids),
            Cmd::MarkDone(id) => self
                .persistence
                .mark_done(&self.session.target().key(), &id),
            Cmd::RestoreDemo { weights, fault } => self.restore_demo(weights, fault),
            Cmd::Clock(change) => self.change_clock(change),
            // The front end's: the terminal is its.
            Cmd::Edit { .. } | Cmd::Copy(_) | Cmd::RaiseHand(_) | Cmd::Quit => {}
        }
    }

    /// Sends traffic to the requester step `step` names, in place of the traffic before.
    fn start_traffic_of_step(&self, step: usize) {
        self.stop_traffic();
        if let Some(watch) = deployment_poller::Watch::of_step(&self.session, step)
            && self.session.target().is_aws()
        {
            // The requester's tasks are inside the VPC: the pane shows what the
            // deployment configures, and says where the split can be seen.
            let where_ = crate::session::inside_the_vpc(&watch.service);
            let _ = self.tx.send(Msg::Toast(where_));
            return;
        }
        let requester = deployment_poller::requester_of(&self.session, step);
        self.traffic.start_through(self.session.clone(), requester);
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
        self.persistence
            .demo(&self.session.target().key(), move |d| d.fault = on);
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
        self.persistence
            .demo(&self.session.target().key(), |d| *d = Demo::default());
        steps::run(self.session.clone(), index, false, self.tx.clone());
    }

    /// Space, `<` and `>`: the embedded cloud's clock paused, resumed or paced; elsewhere the
    /// clock is not ours to change, and the toast says so.
    fn change_clock(&self, change: ClockChange) {
        let Some(cloud) = &self.cloud else {
            let _ = self.tx.send(Msg::Toast(if self.session.target().is_aws() {
                "AWS's clock cannot be changed: a bake of a minute takes a minute there".into()
            } else {
                "that cloud keeps its own clock: start it with `meshwalk serve --clock-scale N`"
                    .into()
            }));
            return;
        };
        let before = cloud.clock_scale();
        let (scale, paused) = cloud.set_clock(change);
        let _ = self.tx.send(Msg::Clock { scale, paused });
        let at_the_end = match change {
            ClockChange::Faster if scale == before => Some("the fastest pace (< slows down)"),
            ClockChange::Slower if scale == before => Some("the slowest pace (> speeds up)"),
            _ => None,
        };
        if let Some(end) = at_the_end {
            let _ = self.tx.send(Msg::Toast(format!("clock ×{scale} is {end}")));
            return;
        }
        let _ = self.tx.send(Msg::Toast(if paused {
            format!(
                "clock paused (×{scale}): bakes and stage timers hold, traffic flows · Space resumes"
            )
        } else {
            format!(
                "clock ×{scale}: a minute of bake takes {} · < slower, > faster, Space pauses",
                real_minute(scale)
            )
        }));
    }

    /// Puts the route's weights and the fault switch back as the presenter had them.
    fn restore_demo(&self, weights: Option<Weights>, fault: bool) {
        if let Some(cloud) = &self.cloud {
            cloud.set_v2_fault(fault);
            let _ = self.tx.send(Msg::FaultSet(fault));
        }
        if let Some(weights) = weights {
            self.resources
                .restore_weights(self.session.clone(), weights);
        }
    }

    /// Stops the traffic and the deployment watch.
    pub fn stop_traffic(&self) {
        self.watch.stop();
        self.traffic.stop();
    }
}

/// How long an API minute takes at `scale`: `12 s`, `1 min`.
fn real_minute(scale: f64) -> String {
    let s = 60.0 / scale.max(1.0);
    if s >= 60.0 {
        "1 min".into()
    } else if s >= 10.0 || s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}
