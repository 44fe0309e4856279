//! One walkthrough's App and the effects on its session, whatever terminal shows it: the
//! presenter's own (`tui::run`) or an attendee's over SSH (the classroom). A front end feeds
//! it terminal events and the effects' messages, and carries out the few commands only it
//! can (editing, the clipboard, the raised hand).

use std::path::{Path, PathBuf};

use tokio::sync::mpsc;

use super::app::{App, Cmd, Msg, StepStatus};
use super::effects::Effects;
use crate::session::Session;
use crate::session::local_cloud::LocalCloud;
use crate::session::progress::Progress;
use crate::session::recorded::Recorder;

/// What a walkthrough opens with.
pub struct Opening {
    pub session: Session,
    pub progress: Progress,
    /// What the user must be told about their saved progress (a file moved aside).
    pub notice: Option<String>,
    pub state_dir: PathBuf,
    /// The embedded cloud's account this session acts in, if it runs on one.
    pub cloud: Option<LocalCloud>,
    /// The steps done before are replayed: the cloud they ran on is gone (a fresh embedded
    /// cloud, a new classroom account).
    pub replay_done: bool,
    pub traffic_rps: f64,
    pub size: (u16, u16),
}

pub struct Driver {
    pub app: App,
    effects: Effects,
    recorder: Recorder,
    rx: mpsc::UnboundedReceiver<Msg>,
}

impl Driver {
    pub fn open(opening: Opening) -> Driver {
        let Opening {
            session,
            progress,
            notice,
            state_dir,
            cloud,
            replay_done,
            traffic_rps,
            size,
        } = opening;
        let (tx, rx) = mpsc::unbounded_channel();
        let target = session.target().describe();
        let share = session.target().share_lines();
        let recorder = start_recorder(&session, &state_dir);
        let rps = traffic_rps.clamp(1.0, 20_000.0);
        let effects = Effects::with_rate(session, progress, state_dir, cloud, rps, tx);
        let mut app = App::new(target, effects.step_views(), size);
        app.inputs = effects.inputs();
        effects.learn_registered_revisions();
        app.share = share;
        app.clock_scale = effects.clock_scale();
        resume(&mut app, &effects, replay_done);
        show_notice(&mut app, notice);
        effects.handle(Cmd::RefreshResources);
        Driver {
            app,
            effects,
            recorder,
            rx,
        }
    }

    /// The effects' next messages: the first to come, then every one already waiting (one
    /// frame's worth). `None` never comes while the driver lives (it holds a sender).
    pub async fn messages(&mut self) -> Vec<Msg> {
        let mut pending = Vec::new();
        if let Some(first) = self.rx.recv().await {
            pending.push(first);
        }
        while let Ok(more) = self.rx.try_recv() {
            pending.push(more);
        }
        pending
    }

    /// Applies one message; the effects run the App's commands, and those only the front end
    /// can carry out come back: [`Cmd::Edit`], [`Cmd::Copy`], [`Cmd::RaiseHand`].
    pub fn apply(&mut self, msg: Msg) -> Vec<Cmd> {
        if let Msg::StepFinished(index, report) = &msg {
            self.recorder.record(*index, report);
        }
        let mut for_front = Vec::new();
        for cmd in self.app.update(msg) {
            match cmd {
                Cmd::Edit { .. } | Cmd::Copy(_) | Cmd::RaiseHand(_) => for_front.push(cmd),
                other => self.effects.handle(other),
            }
        }
        for_front
    }

    /// Step `index`'s input as text to edit, and its id.
    pub fn text_for_edit(&self, index: usize) -> (String, String) {
        self.effects.text_for_edit(index)
    }

    pub fn store_edit(&mut self, index: usize, text: String) {
        self.effects.store_edit(index, text);
    }

    /// Runs the steps before `index` that are not done, in order, then selects it (the
    /// classroom host bringing an attendee to a step).
    pub fn bring_to(&mut self, index: usize) -> usize {
        let index = index.min(self.app.steps.len().saturating_sub(1));
        let missing: Vec<usize> = (0..index)
            .filter(|&i| self.app.steps[i].status != StepStatus::Done)
            .collect();
        for &i in &missing {
            self.app.steps[i].status = StepStatus::Running;
        }
        self.app.selected = index;
        self.app.scroll = 0;
        if !missing.is_empty() {
            self.effects.replay(missing.clone());
        }
        missing.len()
    }

    /// Stops what runs in the background (traffic, the deployment watch).
    pub fn stop(&self) {
        self.effects.stop_traffic();
    }
}

/// Results are kept for `meshwalk export --format md`.
fn start_recorder(session: &Session, state_dir: &Path) -> Recorder {
    Recorder::start(
        state_dir.to_path_buf(),
        session.target().key(),
        session
            .walkthrough()
            .steps
            .iter()
            .map(|s| s.id.clone())
            .collect(),
    )
}

/// Selects where the user left off; when the cloud the steps ran on is gone, the steps done
/// before are replayed, to resume there.
fn resume(app: &mut App, effects: &Effects, replay_done: bool) {
    let done: Vec<usize> = app
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.status == StepStatus::Done)
        .map(|(i, _)| i)
        .collect();
    app.select_where_progress_stands();
    if replay_done && !done.is_empty() {
        for &i in &done {
            app.steps[i].status = StepStatus::Running;
        }
        let steps = if done.len() == 1 { "step" } else { "steps" };
        app.toast = Some(format!(
            "resuming: replaying {} {steps} on the fresh embedded cloud",
            done.len()
        ));
        effects.replay(done);
    }
}

/// What the user must be told about their saved progress, ahead of the resuming toast.
fn show_notice(app: &mut App, notice: Option<String>) {
    if let Some(notice) = notice {
        app.toast = Some(match app.toast.take() {
            Some(resuming) => format!("{notice} · {resuming}"),
            None => notice,
        });
    }
}
