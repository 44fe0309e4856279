//! What a user has done and changed, kept in their state directory across runs: the steps
//! done per target, and their edits of step inputs. `--reset` clears it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Steps done, by target key (see `Target::key`).
    #[serde(default)]
    pub done: BTreeMap<String, BTreeSet<String>>,
    /// The user's edited input text, by step id.
    #[serde(default)]
    pub edits: BTreeMap<String, String>,
}

/// `$MESHWALK_STATE_DIR`, else the platform's state directory (e.g. ~/.local/state/meshwalk).
pub fn state_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MESHWALK_STATE_DIR") {
        return PathBuf::from(dir);
    }
    dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("meshwalk")
}

impl Progress {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join("progress.json")
    }

    /// The saved progress; missing or unreadable progress is a fresh start (and says why).
    pub fn load(dir: &Path) -> (Progress, Option<String>) {
        let path = Progress::path(dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => match serde_json::from_str(&text) {
                Ok(p) => (p, None),
                Err(e) => (
                    Progress::default(),
                    Some(format!("ignored {}: {e}", path.display())),
                ),
            },
            Err(_) => (Progress::default(), None),
        }
    }

    /// Writes atomically (a temporary file renamed over the old one).
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let path = Progress::path(dir);
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self).unwrap_or_default())?;
        std::fs::rename(tmp, path)
    }

    pub fn reset(dir: &Path) -> std::io::Result<()> {
        match std::fs::remove_file(Progress::path(dir)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    pub fn mark_done(&mut self, target: &str, step: &str) {
        self.done
            .entry(target.to_string())
            .or_default()
            .insert(step.to_string());
    }

    pub fn is_done(&self, target: &str, step: &str) -> bool {
        self.done.get(target).is_some_and(|d| d.contains(step))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_round_trips_and_resets() {
        let dir = std::env::temp_dir().join(format!("meshwalk-progress-{}", std::process::id()));
        let mut p = Progress::default();
        p.mark_done("embedded", "01-create-mesh");
        p.edits.insert("03-x".into(), "{\"a\": 1}".into());
        p.save(&dir).unwrap();
        let (loaded, warning) = Progress::load(&dir);
        assert_eq!((loaded.clone(), warning), (p, None));
        assert!(loaded.is_done("embedded", "01-create-mesh"));
        assert!(!loaded.is_done("aws 1 r", "01-create-mesh"));
        Progress::reset(&dir).unwrap();
        assert_eq!(Progress::load(&dir).0, Progress::default());
        std::fs::write(Progress::path(&dir), "not json").unwrap();
        assert!(Progress::load(&dir).1.unwrap().contains("ignored"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
