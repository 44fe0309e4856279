//! The terminal UI's state and its one `update`: messages in, commands out. Pure: no I/O
//! here, so every key path is tested directly.

use std::collections::{BTreeMap, VecDeque};

use ratatui::crossterm::event::{KeyEvent, KeyEventKind, MouseEvent};
use ratatui::layout::Rect;

use ratatui::text::Span;

mod input;
mod shown;

use super::deployment::DeploymentView;
use super::layout::{Areas, Shape};
use crate::canary::{CanaryPlan, StageEvent};
use crate::load::traffic::Sample;
use crate::session::approval::TestTraffic;
pub use crate::session::local_cloud::ClockChange;
pub use crate::session::local_cloud::{HostHealth, ResilienceEvent, ResilienceView};
use crate::session::{Outcome, StepReport};

/// Where a step stands.
#[derive(Debug, Clone, PartialEq)]
pub enum StepStatus {
    Pending,
    Running,
    Done,
    Differs,
    Failed,
}

/// What the list and the step pane show of a step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    pub id: String,
    pub title: String,
    pub kind: StepKindView,
    pub narrative: String,
    pub status: StepStatus,
    /// The title of the chapter this step opens (a heading above it in the list).
    pub chapter: Option<String>,
    /// The requester a traffic or deployment step sends through (`cluster/service`).
    pub requester: Option<String>,
    /// Whether the step watches an ECS service's revisions (chapter 2's traffic steps).
    pub watches: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKindView {
    Api,
    Info,
    Traffic,
    /// Follows an ECS deployment while traffic flows (chapter 2).
    Deployment,
    Teardown,
}

/// A step's input as shown: the JSON sent (variables filled), or why it cannot be sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputView {
    pub call: String,
    pub source: String,
    pub text: String,
    pub error: Option<String>,
    pub cli: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Input,
    Cli,
    Wire,
    Result,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Input, Tab::Cli, Tab::Wire, Tab::Result];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Input => "Input",
            Tab::Cli => "CLI",
            Tab::Wire => "Wire",
            Tab::Result => "Result",
        }
    }

    fn next(self) -> Tab {
        let i = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0);
        Tab::ALL[(i + 1) % Tab::ALL.len()]
    }

    fn previous(self) -> Tab {
        let i = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0);
        Tab::ALL[(i + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }
}

/// The panes that take focus (the step list is always moved with ↑ ↓): the focused one is
/// drawn with a heavy border and a ▶ in its title, and `z` zooms it to the whole screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Step,
    Resources,
    Traffic,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Step, Pane::Resources, Pane::Traffic];

    fn next(self) -> Pane {
        let i = Pane::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Pane::ALL[(i + 1) % Pane::ALL.len()]
    }

    fn previous(self) -> Pane {
        let i = Pane::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Pane::ALL[(i + Pane::ALL.len() - 1) % Pane::ALL.len()]
    }
}

/// A route and its weighted targets (virtual node, weight).
pub type RouteRow = (String, Vec<(String, i32)>);

/// The cloud's resources, as the tree shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resources {
    pub mesh: Option<String>,
    pub virtual_nodes: Vec<String>,
    /// Routers with their routes and each route's weighted targets.
    pub routers: Vec<(String, Vec<RouteRow>)>,
    pub virtual_services: Vec<(String, String)>,
    /// Each ACTIVE cluster the walkthrough creates (one per chapter), with its services.
    pub clusters: Vec<(String, Vec<ServiceRow>)>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRow {
    pub name: String,
    pub status: String,
    pub running: i32,
    pub pending: i32,
    pub desired: i32,
    pub task_definition: String,
}

/// The route the weight keys move: its targets and their weights, as last configured.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    pub targets: Vec<(String, i32)>,
}

impl Weights {
    /// Moves `points` of weight from the first target to the second (negative: back), each
    /// clamped to 0–100.
    pub fn shifted(&self, points: i32) -> Option<Weights> {
        let [(a, wa), (b, wb)] = self.targets.as_slice() else {
            return None;
        };
        let moved = points.clamp(-*wb, *wa);
        if moved == 0 {
            return None;
        }
        Some(Weights {
            targets: vec![(a.clone(), wa - moved), (b.clone(), wb + moved)],
        })
    }
}

/// Everything the traffic pane shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrafficView {
    pub running: bool,
    pub latest: Option<Sample>,
    /// (seconds since start, share per version in %) — the newest at the back.
    pub history: VecDeque<(f64, BTreeMap<String, f64>)>,
    /// When the weights changed (seconds since start).
    pub markers: Vec<f64>,
    /// The requester the traffic goes through (`cluster/service`), as the step that started
    /// it named it.
    pub requester: Option<String>,
    /// Chapter 2: each stage of the watched service's deployments, with the traffic seen
    /// while it lasted (the newest is the current stage); at most [`STAGES_KEPT`].
    pub stages: Vec<SeenStage>,
}

/// How many deployment stages the traffic pane keeps (a deployment has a handful).
pub const STAGES_KEPT: usize = 32;

/// One stretch of a deployment with one lifecycle stage and split, and the traffic seen while
/// it lasted.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenStage {
    pub arn: String,
    pub stage: Option<aws_sdk_ecs::types::ServiceDeploymentLifecycleStage>,
    /// `(family:revision, percent)` as the deployment configured it, the target first.
    pub configured: Vec<(String, f64)>,
    /// After the deployment ended: where the traffic goes then.
    pub ended: bool,
    /// When it began, in the traffic pane's time (s).
    pub since: f64,
    pub tally: crate::load::stats::Tally,
}

/// The canary autopilot, as the traffic pane shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AutopilotView {
    pub running: bool,
    /// The latest stage.
    pub last: Option<StageEvent>,
    /// When it happened, in the traffic pane's time (s).
    pub at: f64,
    /// How long the autopilot holds each weight (s), for the countdown.
    pub interval_s: f64,
}

/// How many samples the history keeps (at 4 a second: two minutes).
pub const HISTORY: usize = 480;

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Inputs(Vec<InputView>),
    StepFinished(usize, Box<StepReport>),
    Resources(Resources),
    Weights(Weights),
    Traffic(Box<Sample>),
    TrafficStopped(String),
    Toast(String),
    FaultSet(bool),
    Resumed(Resumed),
    Autopilot(Box<StageEvent>),
    Resilience(ResilienceView),
    /// What the watcher of chapter 2's service saw.
    Deployment(Box<DeploymentView>),
    /// Where a paused blue/green deployment's test traffic and production went.
    TestTraffic(Box<TestTraffic>),
    /// What the classroom's host tells this attendee's screen.
    Classroom(ClassroomMsg),
    /// The embedded cloud's clock now: its scale, and whether it is paused.
    Clock {
        scale: f64,
        paused: bool,
    },
}

/// The classroom's part of an attendee's screen (see `meshwalk classroom`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassroomView {
    /// `h` raised the hand and the host's dashboard shows it; `h` again lowers it.
    pub hand_raised: bool,
    /// The host's last broadcast, shown over the panes until a key closes it.
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClassroomMsg {
    /// A message from the host to every attendee.
    Broadcast(String),
    /// The host lowered the attendee's hand (the question was answered).
    HandLowered,
}

/// What resuming replayed on a fresh embedded cloud, and what the presenter had set live then.
#[derive(Debug, Clone, PartialEq)]
pub struct Resumed {
    pub replayed: usize,
    pub elapsed: std::time::Duration,
    /// False when a step failed during the replay (its own report says why).
    pub complete: bool,
    pub weights: Option<Weights>,
    pub fault: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    RunStep {
        index: usize,
        update: bool,
    },
    Edit {
        index: usize,
    },
    Copy(String),
    /// Starts traffic through the requester of step `step` (stopping traffic through another),
    /// and watches the service it names.
    StartTraffic {
        step: usize,
    },
    /// Watches the service step `step` names (a deployment step: until its deployment ends).
    Watch {
        step: usize,
    },
    /// StopServiceDeployment with ROLLBACK on the watched service's deployment.
    RollBack,
    /// ContinueServiceDeployment CONTINUE on the PAUSE hook deployment ARN waits at.
    Approve(String),
    SetWeights(Weights),
    SetFault(bool),
    /// Starts the canary autopilot with this plan on the route the weight keys move.
    StartAutopilot(CanaryPlan),
    /// Stops it, leaving the weights where they are.
    StopAutopilot,
    /// Runs the teardown step at `index`: it removes what its chapter created.
    Teardown {
        index: usize,
    },
    RefreshResources,
    MarkDone(String),
    /// These steps are not done any more: a teardown removed what they made.
    ForgetDone(Vec<String>),
    /// Pauses, resumes or paces the embedded cloud's clock (elsewhere: says it cannot).
    Clock(ClockChange),
    /// Puts back what the presenter had set live (no toasts: the resume note stays).
    RestoreDemo {
        weights: Option<Weights>,
        fault: bool,
    },
    /// Raises (true) or lowers the attendee's hand on the classroom host's dashboard.
    RaiseHand(bool),
    Quit,
}

pub struct App {
    pub target: String,
    pub steps: Vec<StepView>,
    pub inputs: Vec<InputView>,
    pub reports: BTreeMap<usize, StepReport>,
    pub selected: usize,
    pub tab: Tab,
    pub scroll: u16,
    pub help: bool,
    /// The lines that point the aws CLI / SDKs at the cloud (`s`); none on AWS.
    pub share: Option<String>,
    /// Whether the share overlay is open.
    pub sharing: bool,
    pub focus: Pane,
    /// The focused pane fills the screen (for a projector).
    pub zoomed: bool,
    pub resources: Resources,
    pub weights: Option<Weights>,
    pub traffic: TrafficView,
    pub autopilot: AutopilotView,
    pub resilience: ResilienceView,
    /// Chapter 2: the watched service's revisions and deployment; none in chapter 1.
    pub deployment: Option<DeploymentView>,
    /// The last sample of a paused blue/green deployment's test traffic (shown while the
    /// deployment it belongs to is at its test stages).
    pub test_traffic: Option<TestTraffic>,
    pub fault: bool,
    /// The embedded cloud's clock scale (1: real time), said in the header when it is not 1.
    pub clock_scale: f64,
    /// The presenter paused the embedded cloud's clock (the header says so).
    pub clock_paused: bool,
    pub toast: Option<String>,
    /// The step just run, whose Result shows: Enter on it moves on instead of running it again.
    pub shown: Option<usize>,
    pub size: (u16, u16),
    pub quit: bool,
    /// Set when the App is an attendee's in a classroom.
    pub classroom: Option<ClassroomView>,
}

impl App {
    pub fn new(target: String, steps: Vec<StepView>, size: (u16, u16)) -> App {
        App {
            target,
            steps,
            inputs: Vec::new(),
            reports: BTreeMap::new(),
            selected: 0,
            tab: Tab::Input,
            scroll: 0,
            help: false,
            share: None,
            sharing: false,
            focus: Pane::Step,
            zoomed: false,
            resources: Resources::default(),
            weights: None,
            traffic: TrafficView::default(),
            autopilot: AutopilotView::default(),
            resilience: ResilienceView::default(),
            deployment: None,
            test_traffic: None,
            fault: false,
            clock_scale: 1.0,
            clock_paused: false,
            toast: None,
            shown: None,
            size,
            quit: false,
            classroom: None,
        }
    }

    pub fn done_count(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.status == StepStatus::Done)
            .count()
    }

    /// Where each pane goes in `area` for the current state: render and the mouse use the
    /// same answer.
    pub fn areas(&self, area: Rect) -> Areas {
        Areas::new(
            area,
            Shape {
                traffic_running: self.traffic.running || self.deployment.is_some(),
                focus: self.focus,
                zoomed: self.zoomed,
                list_width: self.list_width(),
            },
        )
    }

    /// The step list's width that shows the longest title whole: borders, the status mark
    /// and the step number take 7 columns.
    fn list_width(&self) -> u16 {
        let longest = self
            .steps
            .iter()
            .map(|s| Span::raw(s.title.as_str()).width() + 7)
            .chain(
                // A chapter heading: `2  Title` within the borders.
                self.steps
                    .iter()
                    .filter_map(|s| s.chapter.as_deref())
                    .map(|c| Span::raw(c).width() + 5),
            )
            .max()
            .unwrap_or(0);
        u16::try_from(longest).unwrap_or(u16::MAX)
    }

    /// The step list's rows (chapter headings and steps), as drawn.
    pub fn list_rows(&self) -> Vec<super::layout::ListRow> {
        super::layout::list_rows(self.steps.iter().map(|s| s.chapter.clone()))
    }

    /// The row of the selected step, and the first row the list shows in `rows` rows.
    pub fn list_window(&self, list: &[super::layout::ListRow], rows: usize) -> (usize, usize) {
        let selected = list
            .iter()
            .position(|r| *r == super::layout::ListRow::Step(self.selected))
            .unwrap_or(0);
        // Keep the selected step's chapter heading in view when it opens the chapter.
        let first = super::layout::first_visible(selected, rows);
        (selected, first)
    }

    fn select(&mut self, index: usize) {
        if index < self.steps.len() && index != self.selected {
            self.selected = index;
            self.scroll = 0;
            self.shown = None;
        }
    }

    /// The step run stays selected with its Result in view (the Wire a Shift-Tab away); Enter then
    /// moves on.
    fn show_result_of(&mut self, index: usize) {
        if self.selected == index {
            self.tab = Tab::Result;
            self.scroll = 0;
            self.shown = Some(index);
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Key(key) if key.kind == KeyEventKind::Press => self.key(key),
            Msg::Mouse(mouse) => self.mouse(mouse),
            Msg::StepFinished(index, report) => self.finished(index, *report),
            Msg::Resumed(resumed) => self.resumed(resumed),
            Msg::Autopilot(event) => self.autopilot_event(*event),
            other => {
                self.show(other);
                vec![]
            }
        }
    }

    /// Traffic through the requester of step `index`: started when none runs, restarted
    /// (with a fresh history) when it runs through another requester; and the watch of the
    /// service the step names.
    fn traffic_for(&mut self, index: usize) -> Vec<Cmd> {
        let Some(step) = self.steps.get(index) else {
            return vec![];
        };
        let (requester, watches) = (step.requester.clone(), step.watches);
        let mut cmds = Vec::new();
        if !self.traffic.running || self.traffic.requester != requester {
            if self.traffic.requester != requester {
                self.traffic = TrafficView::default();
                self.deployment = None;
            }
            self.traffic.requester = requester;
            cmds.push(Cmd::StartTraffic { step: index });
        }
        if watches {
            cmds.push(Cmd::Watch { step: index });
        }
        cmds
    }

    /// `A`: approves the watched deployment paused at a PAUSE hook.
    fn approve_key(&mut self) -> Vec<Cmd> {
        match self.deployment.as_ref().and_then(|d| d.in_progress()) {
            Some(d) => {
                self.toast = Some("approving (ContinueServiceDeployment CONTINUE)".into());
                vec![Cmd::Approve(d.arn.clone())]
            }
            None => {
                self.toast = Some("no deployment under way to approve".into());
                vec![]
            }
        }
    }

    /// `R`: rolls the watched service's deployment back.
    fn roll_back_key(&mut self) -> Vec<Cmd> {
        match self.deployment.as_ref().and_then(|d| d.in_progress()) {
            Some(_) => {
                self.toast = Some("rollback requested (StopServiceDeployment ROLLBACK)".into());
                vec![Cmd::RollBack]
            }
            None => {
                self.toast = Some("no deployment under way to roll back".into());
                vec![]
            }
        }
    }

    /// Now, in the traffic pane's time (s since its traffic started).
    pub fn traffic_time(&self) -> f64 {
        self.traffic
            .latest
            .as_ref()
            .map_or(0.0, |s| s.elapsed.as_secs_f64())
    }

    /// Selects where the progress stands: the first step not done after the last one done (a
    /// presenter who did chapter 2 only resumes in chapter 2, at the step after the last they
    /// ran), or the first step not done when none is.
    pub fn select_where_progress_stands(&mut self) {
        let not_done = |s: &StepView| s.status != StepStatus::Done;
        let after_last_done = self
            .steps
            .iter()
            .rposition(|s| s.status == StepStatus::Done)
            .and_then(|last| (last + 1..self.steps.len()).find(|&i| not_done(&self.steps[i])));
        if let Some(next) = after_last_done.or_else(|| self.steps.iter().position(not_done)) {
            self.select(next);
        }
    }

    /// `a`: starts the autopilot on the route's two targets, or stops it where it is.
    fn autopilot_key(&mut self) -> Vec<Cmd> {
        if self.autopilot.running {
            self.autopilot.running = false;
            self.toast = Some("autopilot stopped: the weights stay where they are".into());
            return vec![Cmd::StopAutopilot];
        }
        if self.weights.as_ref().is_none_or(|w| w.targets.len() != 2) {
            self.toast =
                Some("the autopilot needs the route with its two targets: create it first".into());
            return vec![];
        }
        let plan = CanaryPlan::default();
        // The flight starts its canary at the first step: a split set by hand is replaced, and
        // the presenter is told so rather than seeing it jump.
        if let Some(w) = &self.weights {
            let split: Vec<String> = w.targets.iter().map(|(_, p)| p.to_string()).collect();
            let canary = w.targets.iter().map(|(_, p)| *p).min().unwrap_or(0);
            if canary != 0 && canary != plan.step_weight {
                self.toast = Some(format!(
                    "autopilot: the canary starts again at {}% (your {} split is replaced)",
                    plan.step_weight,
                    split.join("/")
                ));
            }
        }
        self.autopilot = AutopilotView {
            running: true,
            last: None,
            at: self.traffic_time(),
            interval_s: plan.interval.as_secs_f64(),
        };
        vec![Cmd::StartAutopilot(plan)]
    }

    /// After the replay: say what it did, then restore the demo and restart its traffic.
    fn resumed(&mut self, r: Resumed) -> Vec<Cmd> {
        let steps = if r.replayed == 1 { "step" } else { "steps" };
        let took = format!("{} {steps} in {:.1} s", r.replayed, r.elapsed.as_secs_f64());
        if !r.complete {
            self.toast = Some(format!(
                "resume stopped: replayed {took}, then a step failed"
            ));
            return vec![];
        }
        self.toast = Some(format!("resumed: replayed {took}"));
        let mut cmds = Vec::new();
        if r.weights.is_some() || r.fault {
            cmds.push(Cmd::RestoreDemo {
                weights: r.weights,
                fault: r.fault,
            });
        }
        let traffic_done = self
            .steps
            .iter()
            .rposition(|s| s.kind == StepKindView::Traffic && s.status == StepStatus::Done);
        if let Some(step) = traffic_done
            && !self.traffic.running
        {
            cmds.extend(self.traffic_for(step));
        }
        cmds
    }

    /// Marks the steps before `teardown` in its chapter not done (their reports go too), and
    /// returns the ids of the chapter's steps, the teardown's included.
    fn forget_chapter_of(&mut self, teardown: usize) -> Vec<String> {
        let start = (0..=teardown)
            .rev()
            .find(|&i| self.steps[i].chapter.is_some())
            .unwrap_or(0);
        let end = (teardown + 1..self.steps.len())
            .find(|&i| self.steps[i].chapter.is_some())
            .unwrap_or(self.steps.len());
        for i in start..teardown {
            self.steps[i].status = StepStatus::Pending;
            self.reports.remove(&i);
        }
        self.steps[start..end]
            .iter()
            .map(|s| s.id.clone())
            .collect()
    }

    fn finished(&mut self, index: usize, mut report: StepReport) -> Vec<Cmd> {
        // The watcher ends a deployment step with the status; the stages and what the traffic
        // did in each are what this pane saw, however late the step started watching.
        if let Outcome::Deployed(d) = &mut report.outcome
            && d.stages.is_empty()
            && let Some(arn) = self
                .deployment
                .as_ref()
                .and_then(|v| v.deployment.as_ref())
                .map(|p| p.arn.clone())
        {
            d.stages = self.seen_stages(&arn);
        }
        let Some(step) = self.steps.get_mut(index) else {
            return vec![];
        };
        step.status = match &report.outcome {
            Outcome::Failed(_) => StepStatus::Failed,
            Outcome::Differs(_) => StepStatus::Differs,
            done => {
                debug_assert!(done.is_done());
                StepStatus::Done
            }
        };
        let mut cmds = vec![Cmd::RefreshResources];
        if matches!(report.outcome, Outcome::TornDown(_)) {
            // What the chapter's steps made is gone: they are to do again, and a restart
            // replays none of them. The teardown itself is an act, not a state to resume.
            cmds.push(Cmd::ForgetDone(self.forget_chapter_of(index)));
            // The requester and the service the pane showed are gone with the chapter: its
            // figures and chart would speak of traffic that no longer flows.
            self.traffic = TrafficView::default();
            self.deployment = None;
            self.show_result_of(index);
        } else if step.status == StepStatus::Done {
            cmds.push(Cmd::MarkDone(step.id.clone()));
            self.show_result_of(index);
        } else if self.selected == index {
            self.tab = Tab::Result;
        }
        self.reports.insert(index, report);
        cmds
    }
}

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;
