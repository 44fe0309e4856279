//! The presenter's state as a file (`presenter.json` in the state directory): written whole
//! (a temporary file renamed over the old one), so a reader never sees half of it.

use std::path::{Path, PathBuf};

use crate::state_file::{self, Durability};
use serde::{Deserialize, Serialize};

/// Where the presenter is. Times are milliseconds since the Unix epoch: two processes read them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenterState {
    /// 0-based.
    pub step_index: usize,
    pub steps_total: usize,
    pub step_id: String,
    pub step_title: String,
    /// The step's presenter notes (Markdown), empty when it has none.
    pub notes: String,
    pub next_title: Option<String>,
    /// When the presenter moved to this step.
    pub entered_ms: u64,
    /// When the presenter's session started (the talk's clock).
    pub started_ms: u64,
}

impl PresenterState {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join("presenter.json")
    }

    /// Replaces the file whole. Not synced to disk: losing it in a crash loses nothing a
    /// presenter needs (the next step change writes it again).
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        state_file::save_json(dir, "presenter.json", self, Durability::Replaceable)
    }

    /// None when no presenter has started yet (or the file is not one of ours).
    pub fn load(dir: &Path) -> Option<PresenterState> {
        let bytes = std::fs::read(PresenterState::path(dir)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// Follows the presenter's file: each `poll` reads it and says whether it changed.
#[derive(Debug)]
pub struct Follower {
    dir: PathBuf,
    state: Option<PresenterState>,
}

impl Follower {
    pub fn new(dir: &Path) -> Follower {
        Follower {
            dir: dir.to_path_buf(),
            state: None,
        }
    }

    /// Reads the file again; true if what it says changed. (A small file read a few times a
    /// second: simpler and more portable than a file watcher, and as quick for a person.)
    pub fn poll(&mut self) -> bool {
        let now = PresenterState::load(&self.dir);
        if now == self.state {
            return false;
        }
        self.state = now;
        true
    }

    pub fn state(&self) -> Option<&PresenterState> {
        self.state.as_ref()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
