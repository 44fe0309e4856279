//! The terminal UI's side: tells `meshwalk notes` which step the presenter is on. The file is
//! written by a task of its own, so the UI never waits on the disk; only the newest state is
//! written when changes come faster than writes.

use std::path::PathBuf;

use tokio::sync::watch;

use super::state::PresenterState;
use crate::state_file::now_ms;
use crate::walkthrough::Walkthrough;

/// What the notes view needs of each step.
#[derive(Debug, Clone)]
struct StepNotes {
    id: String,
    title: String,
    notes: String,
}

pub struct Publisher {
    steps: Vec<StepNotes>,
    started_ms: u64,
    current: Option<usize>,
    tx: watch::Sender<Option<PresenterState>>,
}

impl Publisher {
    /// Starts the writer task (call within a tokio runtime).
    pub fn start(walkthrough: &Walkthrough, state_dir: PathBuf) -> Publisher {
        let (tx, mut rx) = watch::channel(None::<PresenterState>);
        tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let Some(state) = rx.borrow_and_update().clone() else {
                    continue;
                };
                let dir = state_dir.clone();
                let written = tokio::task::spawn_blocking(move || state.save(&dir)).await;
                if let Ok(Err(e)) = written {
                    tracing::warn!("could not write the presenter's state: {e}");
                }
            }
        });
        Publisher {
            steps: walkthrough
                .steps
                .iter()
                .map(|s| StepNotes {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    notes: s.notes.clone(),
                })
                .collect(),
            started_ms: now_ms(),
            current: None,
            tx,
        }
    }

    /// The presenter is on step `index`: published if that is a change.
    pub fn follow(&mut self, index: usize) {
        if self.current == Some(index) {
            return;
        }
        let Some(step) = self.steps.get(index) else {
            return;
        };
        self.current = Some(index);
        let state = PresenterState {
            step_index: index,
            steps_total: self.steps.len(),
            step_id: step.id.clone(),
            step_title: step.title.clone(),
            notes: step.notes.clone(),
            next_title: self.steps.get(index + 1).map(|s| s.title.clone()),
            entered_ms: now_ms(),
            started_ms: self.started_ms,
        };
        let _ = self.tx.send(Some(state));
    }
}
