//! The terminal UI's state and its one `update`: messages in, commands out. Pure: no I/O
//! here, so every key path is tested directly.

use std::collections::{BTreeMap, VecDeque};

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};

use super::layout::Areas;
use crate::dataplane::traffic::Sample;
use crate::walkthrough::runner::{Outcome, StepReport};

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKindView {
    Api,
    Info,
    Traffic,
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
    pub cluster: Option<String>,
    pub services: Vec<ServiceRow>,
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
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    RunStep { index: usize, update: bool },
    Edit { index: usize },
    Copy(String),
    StartTraffic,
    SetWeights(Weights),
    SetFault(bool),
    Teardown,
    RefreshResources,
    MarkDone(String),
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
    pub resources: Resources,
    pub weights: Option<Weights>,
    pub traffic: TrafficView,
    pub fault: bool,
    pub toast: Option<String>,
    pub size: (u16, u16),
    pub quit: bool,
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
            resources: Resources::default(),
            weights: None,
            traffic: TrafficView::default(),
            fault: false,
            toast: None,
            size,
            quit: false,
        }
    }

    pub fn done_count(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.status == StepStatus::Done)
            .count()
    }

    fn select(&mut self, index: usize) {
        if index < self.steps.len() && index != self.selected {
            self.selected = index;
            self.scroll = 0;
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Key(key) if key.kind == KeyEventKind::Press => self.key(key),
            Msg::Key(_) => vec![],
            Msg::Mouse(mouse) => self.mouse(mouse),
            Msg::Resize(w, h) => {
                self.size = (w, h);
                vec![]
            }
            Msg::Inputs(inputs) => {
                self.inputs = inputs;
                vec![]
            }
            Msg::StepFinished(index, report) => self.finished(index, *report),
            Msg::Resources(resources) => {
                self.resources = resources;
                vec![]
            }
            Msg::Weights(weights) => {
                if self.weights.as_ref() != Some(&weights) && self.traffic.running {
                    let at = self
                        .traffic
                        .latest
                        .as_ref()
                        .map_or(0.0, |s| s.elapsed.as_secs_f64());
                    self.traffic.markers.push(at);
                }
                self.weights = Some(weights);
                vec![]
            }
            Msg::Traffic(sample) => {
                self.traffic.running = true;
                let shares = sample
                    .window
                    .versions
                    .iter()
                    .map(|(v, s)| (v.clone(), s.share * 100.0))
                    .collect();
                self.traffic
                    .history
                    .push_back((sample.elapsed.as_secs_f64(), shares));
                while self.traffic.history.len() > HISTORY {
                    self.traffic.history.pop_front();
                }
                self.traffic.latest = Some(*sample);
                vec![]
            }
            Msg::TrafficStopped(why) => {
                self.traffic.running = false;
                self.toast = Some(why);
                vec![]
            }
            Msg::Toast(text) => {
                self.toast = Some(text);
                vec![]
            }
            Msg::FaultSet(on) => {
                self.fault = on;
                vec![]
            }
        }
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        self.toast = None;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if self.help {
            // Any key closes the overlay; q and Ctrl-C still quit.
            self.help = false;
            let quits = key.code == KeyCode::Char('q') || (ctrl && key.code == KeyCode::Char('c'));
            if !quits {
                return vec![];
            }
        }
        match key.code {
            KeyCode::Char('q') => self.quit(),
            KeyCode::Char('c') if ctrl => self.quit(),
            KeyCode::Char('?') => {
                self.help = true;
                vec![]
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.select(self.selected.saturating_sub(1));
                vec![]
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.select(self.selected + 1);
                vec![]
            }
            KeyCode::Home | KeyCode::Char('g') => {
                self.select(0);
                vec![]
            }
            KeyCode::End | KeyCode::Char('G') => {
                self.select(self.steps.len().saturating_sub(1));
                vec![]
            }
            KeyCode::Tab => {
                self.tab = self.tab.next();
                self.scroll = 0;
                vec![]
            }
            KeyCode::BackTab => {
                self.tab = self.tab.previous();
                self.scroll = 0;
                vec![]
            }
            KeyCode::PageDown => {
                self.scroll = self.scroll.saturating_add(10);
                vec![]
            }
            KeyCode::PageUp => {
                self.scroll = self.scroll.saturating_sub(10);
                vec![]
            }
            KeyCode::Enter => self.enter(),
            KeyCode::Char('u') => match self.steps.get(self.selected) {
                Some(s) if s.status == StepStatus::Differs => {
                    self.steps[self.selected].status = StepStatus::Running;
                    vec![Cmd::RunStep {
                        index: self.selected,
                        update: true,
                    }]
                }
                _ => vec![],
            },
            KeyCode::Char('e') => match self.steps.get(self.selected) {
                Some(s) if s.kind == StepKindView::Api => vec![Cmd::Edit {
                    index: self.selected,
                }],
                _ => {
                    self.toast = Some("this step has no input to edit".into());
                    vec![]
                }
            },
            KeyCode::Char('c') => {
                match self.inputs.get(self.selected).and_then(|i| i.cli.clone()) {
                    Some(cli) => {
                        self.toast = Some("copied the aws CLI command".into());
                        vec![Cmd::Copy(cli)]
                    }
                    None => {
                        self.toast = Some("this step has no aws CLI command".into());
                        vec![]
                    }
                }
            }
            KeyCode::Char('+') | KeyCode::Char('=') => self.shift(10),
            KeyCode::Char('-') => self.shift(-10),
            KeyCode::Char('f') => vec![Cmd::SetFault(!self.fault)],
            _ => vec![],
        }
    }

    fn quit(&mut self) -> Vec<Cmd> {
        self.quit = true;
        vec![Cmd::Quit]
    }

    fn shift(&mut self, points: i32) -> Vec<Cmd> {
        match self.weights.as_ref().map(|w| w.shifted(points)) {
            Some(Some(next)) => vec![Cmd::SetWeights(next)],
            Some(None) => {
                self.toast = Some("the weights are already at the limit".into());
                vec![]
            }
            None => {
                self.toast =
                    Some("create the route first: there are no weights to move yet".into());
                vec![]
            }
        }
    }

    fn enter(&mut self) -> Vec<Cmd> {
        let index = self.selected;
        let Some(step) = self.steps.get_mut(index) else {
            return vec![];
        };
        if step.status == StepStatus::Running {
            return vec![];
        }
        match step.kind {
            StepKindView::Api => {
                step.status = StepStatus::Running;
                vec![Cmd::RunStep {
                    index,
                    update: false,
                }]
            }
            StepKindView::Info => {
                step.status = StepStatus::Done;
                let id = step.id.clone();
                self.select(index + 1);
                vec![Cmd::MarkDone(id)]
            }
            StepKindView::Traffic => {
                step.status = StepStatus::Done;
                let id = step.id.clone();
                self.select(index + 1);
                let mut cmds = vec![Cmd::MarkDone(id)];
                if !self.traffic.running {
                    cmds.insert(0, Cmd::StartTraffic);
                }
                cmds
            }
            StepKindView::Teardown => {
                step.status = StepStatus::Running;
                vec![Cmd::Teardown]
            }
        }
    }

    fn finished(&mut self, index: usize, report: StepReport) -> Vec<Cmd> {
        let Some(step) = self.steps.get_mut(index) else {
            return vec![];
        };
        step.status = match &report.outcome {
            Outcome::Failed(_) => StepStatus::Failed,
            Outcome::Differs(_) => StepStatus::Differs,
            _ => StepStatus::Done,
        };
        let mut cmds = vec![Cmd::RefreshResources];
        if step.status == StepStatus::Done {
            cmds.push(Cmd::MarkDone(step.id.clone()));
            if self.selected == index {
                self.select(index + 1);
            }
        } else if self.selected == index {
            self.tab = Tab::Result;
        }
        self.reports.insert(index, report);
        cmds
    }

    fn mouse(&mut self, mouse: MouseEvent) -> Vec<Cmd> {
        let areas = Areas::new(Rect::new(0, 0, self.size.0, self.size.1));
        match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                let at = Position::new(mouse.column, mouse.row);
                if let Some(list) = areas.steps
                    && list.contains(at)
                {
                    let row = mouse.row.saturating_sub(list.y + 1) as usize;
                    let first = super::layout::first_visible(
                        self.selected,
                        list.height.saturating_sub(2) as usize,
                    );
                    self.select(first + row);
                }
                vec![]
            }
            MouseEventKind::ScrollDown => {
                self.scroll = self.scroll.saturating_add(3);
                vec![]
            }
            MouseEventKind::ScrollUp => {
                self.scroll = self.scroll.saturating_sub(3);
                vec![]
            }
            _ => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ratatui::crossterm::event::{KeyEventState, MouseEvent};

    use super::*;
    use crate::dataplane::stats::Summary;

    fn step(id: &str, kind: StepKindView) -> StepView {
        StepView {
            id: id.into(),
            title: id.into(),
            kind,
            narrative: String::new(),
            status: StepStatus::Pending,
        }
    }

    fn app() -> App {
        let steps = vec![
            step("01-welcome", StepKindView::Info),
            step("02-mesh", StepKindView::Api),
            step("03-traffic", StepKindView::Traffic),
            step("04-teardown", StepKindView::Teardown),
        ];
        let mut app = App::new("test".into(), steps, (140, 45));
        app.inputs = vec![
            InputView::default(),
            InputView {
                cli: Some("aws appmesh create-mesh".into()),
                ..InputView::default()
            },
            InputView::default(),
            InputView::default(),
        ];
        app
    }

    fn key(code: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn report(outcome: Outcome) -> Box<StepReport> {
        Box::new(StepReport {
            outcome,
            prepared: None,
            cli: None,
            exchange: None,
            elapsed: Duration::ZERO,
        })
    }

    #[test]
    fn moving_with_arrows_and_vim_keys() {
        let mut a = app();
        assert!(a.update(key(KeyCode::Down)).is_empty());
        assert_eq!(a.selected, 1);
        a.update(key(KeyCode::Char('j')));
        a.update(key(KeyCode::Char('j')));
        a.update(key(KeyCode::Char('j')));
        assert_eq!(a.selected, 3, "stops at the last step");
        a.update(key(KeyCode::Char('k')));
        a.update(key(KeyCode::Up));
        assert_eq!(a.selected, 1);
        a.update(key(KeyCode::End));
        assert_eq!(a.selected, 3);
        a.update(key(KeyCode::Home));
        assert_eq!(a.selected, 0);
    }

    #[test]
    fn only_presses_count() {
        let mut a = app();
        let mut release = KeyEvent::new(KeyCode::Down, KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        release.state = KeyEventState::NONE;
        a.update(Msg::Key(release));
        assert_eq!(a.selected, 0);
    }

    #[test]
    fn enter_on_an_info_step_marks_it_done_and_moves_on() {
        let mut a = app();
        assert_eq!(
            a.update(key(KeyCode::Enter)),
            [Cmd::MarkDone("01-welcome".into())]
        );
        assert_eq!(a.steps[0].status, StepStatus::Done);
        assert_eq!(a.selected, 1);
    }

    #[test]
    fn enter_runs_an_api_step_and_success_selects_the_next() {
        let mut a = app();
        a.selected = 1;
        assert_eq!(
            a.update(key(KeyCode::Enter)),
            [Cmd::RunStep {
                index: 1,
                update: false
            }]
        );
        assert_eq!(a.steps[1].status, StepStatus::Running);
        assert!(
            a.update(key(KeyCode::Enter)).is_empty(),
            "no second run while it runs"
        );
        let cmds = a.update(Msg::StepFinished(1, report(Outcome::Done)));
        assert_eq!(
            cmds,
            [Cmd::RefreshResources, Cmd::MarkDone("02-mesh".into())]
        );
        assert_eq!(
            (a.steps[1].status.clone(), a.selected),
            (StepStatus::Done, 2)
        );
    }

    #[test]
    fn a_failed_step_stays_selected_and_shows_its_result() {
        let mut a = app();
        a.selected = 1;
        a.update(key(KeyCode::Enter));
        let failure = Outcome::Failed(crate::walkthrough::runner::StepError {
            code: Some("NotFoundException".into()),
            message: "no mesh".into(),
        });
        assert_eq!(
            a.update(Msg::StepFinished(1, report(failure))),
            [Cmd::RefreshResources]
        );
        assert_eq!(
            (a.steps[1].status.clone(), a.selected, a.tab),
            (StepStatus::Failed, 1, Tab::Result)
        );
    }

    #[test]
    fn u_applies_the_spec_of_a_step_that_differs() {
        let mut a = app();
        a.selected = 1;
        assert!(
            a.update(key(KeyCode::Char('u'))).is_empty(),
            "nothing differs yet"
        );
        a.update(Msg::StepFinished(
            1,
            report(Outcome::Differs(vec!["spec.x: 1 → 2".into()])),
        ));
        assert_eq!(
            a.update(key(KeyCode::Char('u'))),
            [Cmd::RunStep {
                index: 1,
                update: true
            }]
        );
    }

    #[test]
    fn traffic_and_teardown_steps() {
        let mut a = app();
        a.selected = 2;
        assert_eq!(
            a.update(key(KeyCode::Enter)),
            [Cmd::StartTraffic, Cmd::MarkDone("03-traffic".into())]
        );
        assert_eq!(a.selected, 3);
        assert_eq!(a.update(key(KeyCode::Enter)), [Cmd::Teardown]);
    }

    #[test]
    fn tabs_cycle_both_ways() {
        let mut a = app();
        a.update(key(KeyCode::Tab));
        assert_eq!(a.tab, Tab::Cli);
        a.update(key(KeyCode::Tab));
        a.update(key(KeyCode::Tab));
        a.update(key(KeyCode::Tab));
        assert_eq!(a.tab, Tab::Input);
        a.update(key(KeyCode::BackTab));
        assert_eq!(a.tab, Tab::Result);
    }

    #[test]
    fn edit_and_copy() {
        let mut a = app();
        assert!(a.update(key(KeyCode::Char('e'))).is_empty());
        assert!(a.toast.as_deref().unwrap().contains("no input"));
        assert!(a.update(key(KeyCode::Char('c'))).is_empty());
        a.selected = 1;
        assert_eq!(a.update(key(KeyCode::Char('e'))), [Cmd::Edit { index: 1 }]);
        assert_eq!(
            a.update(key(KeyCode::Char('c'))),
            [Cmd::Copy("aws appmesh create-mesh".into())]
        );
        assert!(a.toast.as_deref().unwrap().contains("copied"));
    }

    #[test]
    fn plus_and_minus_move_ten_points_clamped() {
        let mut a = app();
        a.update(key(KeyCode::Char('+')));
        assert!(
            a.toast.as_deref().unwrap().contains("route"),
            "no weights before the route exists"
        );
        let w = |v1, v2| Weights {
            targets: vec![("distributorV1".into(), v1), ("distributorV2".into(), v2)],
        };
        a.update(Msg::Weights(w(100, 0)));
        assert_eq!(
            a.update(key(KeyCode::Char('+'))),
            [Cmd::SetWeights(w(90, 10))]
        );
        assert!(
            a.update(key(KeyCode::Char('-'))).is_empty(),
            "already all on v1"
        );
        a.update(Msg::Weights(w(5, 95)));
        assert_eq!(
            a.update(key(KeyCode::Char('+'))),
            [Cmd::SetWeights(w(0, 100))],
            "clamped at 0"
        );
        a.update(Msg::Weights(w(0, 100)));
        assert_eq!(
            a.update(key(KeyCode::Char('-'))),
            [Cmd::SetWeights(w(10, 90))]
        );
    }

    #[test]
    fn f_toggles_faults() {
        let mut a = app();
        assert_eq!(a.update(key(KeyCode::Char('f'))), [Cmd::SetFault(true)]);
        a.update(Msg::FaultSet(true));
        assert_eq!(a.update(key(KeyCode::Char('f'))), [Cmd::SetFault(false)]);
    }

    #[test]
    fn help_overlay_and_quitting() {
        let mut a = app();
        a.update(key(KeyCode::Char('?')));
        assert!(a.help);
        assert!(a.update(key(KeyCode::Down)).is_empty());
        assert!(
            !a.help && a.selected == 0,
            "any key closes help and does nothing else"
        );
        assert_eq!(a.update(key(KeyCode::Char('q'))), [Cmd::Quit]);
        assert!(a.quit);
        let mut b = app();
        assert_eq!(
            b.update(Msg::Key(KeyEvent::new(
                KeyCode::Char('c'),
                KeyModifiers::CONTROL
            ))),
            [Cmd::Quit]
        );
    }

    #[test]
    fn mouse_click_selects_and_wheel_scrolls() {
        let mut a = app();
        // The step list starts below the header (row 1) and its border (row 2): row 4 is step 3.
        let click = MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row: 4,
            modifiers: KeyModifiers::NONE,
        };
        a.update(Msg::Mouse(click));
        assert_eq!(a.selected, 2);
        let wheel = MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: 60,
            row: 10,
            modifiers: KeyModifiers::NONE,
        };
        a.update(Msg::Mouse(wheel));
        assert_eq!(a.scroll, 3);
    }

    #[test]
    fn traffic_samples_build_the_history_and_markers() {
        let mut a = app();
        let sample = |t: u64| {
            let summary = Summary {
                requests: 10,
                errors: 0,
                duration_s: 1.0,
                rps: 10.0,
                versions: Default::default(),
            };
            Box::new(Sample {
                elapsed: Duration::from_secs(t),
                window: summary.clone(),
                total: summary,
                in_flight: 0,
            })
        };
        for t in 0..(HISTORY as u64 + 5) {
            a.update(Msg::Traffic(sample(t)));
        }
        assert!(a.traffic.running);
        assert_eq!(a.traffic.history.len(), HISTORY);
        a.update(Msg::Weights(Weights {
            targets: vec![("a".into(), 50), ("b".into(), 50)],
        }));
        a.update(Msg::Weights(Weights {
            targets: vec![("a".into(), 40), ("b".into(), 60)],
        }));
        assert_eq!(a.traffic.markers.len(), 2);
        a.update(Msg::Resize(60, 20));
        assert_eq!(a.size, (60, 20));
    }
}
