//! What a user has done and changed, kept in their state directory across runs: the steps
//! done per target, and their edits of step inputs. `--reset` clears it.
//!
//! Nothing a user wrote is ever dropped silently: a file that cannot be parsed is moved aside
//! (never overwritten) and the user is told where it went; a save goes to a fresh temporary
//! file that is synced and then renamed over the old one, so a crash or a second instance
//! leaves either the old file or the new one, whole.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::state_file::{self, Durability};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Steps done, by target key (see `Target::key`).
    #[serde(default)]
    pub done: BTreeMap<String, BTreeSet<String>>,
    /// The user's edited input text, by step id.
    #[serde(default)]
    pub edits: BTreeMap<String, String>,
    /// What the presenter set live, by target key: restored when a session resumes.
    #[serde(default)]
    pub demo: BTreeMap<String, Demo>,
}

/// What a presenter changed during the traffic demo, beyond the steps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Demo {
    /// The route's weighted targets as last set with `+`/`-`: (virtual node, weight).
    #[serde(default)]
    pub weights: Option<Vec<(String, i32)>>,
    /// Whether the fault switch was on.
    #[serde(default)]
    pub fault: bool,
}

/// Saved progress as loaded, and what the user must be told about it (a file moved aside).
#[derive(Debug, Default)]
pub struct Loaded {
    pub progress: Progress,
    pub notice: Option<String>,
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

    /// The saved progress. None saved is a fresh start; a file that cannot be parsed is moved
    /// aside and the notice says where. A file that cannot be read, or moved aside, is an
    /// error: starting fresh would overwrite it on the next save.
    pub fn load(dir: &Path) -> std::io::Result<Loaded> {
        let path = Progress::path(dir);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::default()),
            Err(e) => return Err(with_path(e, "could not read", &path)),
        };
        let problem = match serde_json::from_slice::<Progress>(&bytes) {
            Ok(progress) => {
                return Ok(Loaded {
                    progress,
                    notice: None,
                });
            }
            Err(e) => e,
        };
        let aside = aside_path(&path, std::time::SystemTime::now());
        std::fs::rename(&path, &aside).map_err(|e| with_path(e, "could not move aside", &path))?;
        Ok(Loaded {
            progress: Progress::default(),
            notice: Some(format!(
                "{} could not be read ({problem}); it was kept as {} and meshwalk started fresh",
                path.display(),
                aside.display()
            )),
        })
    }

    /// Replaces the file whole, synced: a crash leaves the old progress or the new.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        state_file::save_json(dir, "progress.json", self, Durability::Synced)
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

    /// The steps are not done any more on `target` (a teardown removed what they made).
    pub fn forget_done<'a>(&mut self, target: &str, steps: impl IntoIterator<Item = &'a str>) {
        if let Some(done) = self.done.get_mut(target) {
            for step in steps {
                done.remove(step);
            }
        }
    }

    pub fn is_done(&self, target: &str, step: &str) -> bool {
        self.done.get(target).is_some_and(|d| d.contains(step))
    }
}

/// `progress.json.unreadable-20261127T165230Z` (with `-2`, `-3`, ... if that exists already).
fn aside_path(path: &Path, now: std::time::SystemTime) -> PathBuf {
    let secs = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let stamp = aws_smithy_types::DateTime::from_secs(secs as i64)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| secs.to_string())
        .replace(['-', ':'], "");
    let base = format!("{}.unreadable-{stamp}", path.display());
    (1..)
        .map(|n| match n {
            1 => PathBuf::from(&base),
            n => PathBuf::from(format!("{base}-{n}")),
        })
        .find(|p| !p.exists())
        .unwrap_or_else(|| PathBuf::from(base))
}

fn with_path(e: std::io::Error, doing: &str, path: &Path) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{doing} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_teardown_forgets_its_chapters_steps_on_its_target_only() {
        let mut p = Progress::default();
        for step in ["01-mesh", "02-node", "03-other-chapter"] {
            p.mark_done("embedded", step);
        }
        p.mark_done("aws", "01-mesh");
        p.forget_done("embedded", ["01-mesh", "02-node"]);
        assert!(!p.is_done("embedded", "01-mesh") && !p.is_done("embedded", "02-node"));
        assert!(p.is_done("embedded", "03-other-chapter"));
        assert!(p.is_done("aws", "01-mesh"));
    }

    #[test]
    fn progress_round_trips_and_resets() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let mut p = Progress::default();
        p.mark_done("embedded", "01-create-mesh");
        p.edits.insert("03-x".into(), "{\"a\": 1}".into());
        p.save(&dir).unwrap();
        let loaded = Progress::load(&dir).unwrap();
        assert_eq!((loaded.progress.clone(), loaded.notice), (p, None));
        assert!(loaded.progress.is_done("embedded", "01-create-mesh"));
        assert!(!loaded.progress.is_done("aws 1 r", "01-create-mesh"));
        Progress::reset(&dir).unwrap();
        assert_eq!(Progress::load(&dir).unwrap().progress, Progress::default());
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert!(
            leftovers.is_empty(),
            "no temporary file left: {leftovers:?}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn an_unreadable_file_is_moved_aside_and_never_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::create_dir_all(&dir).unwrap();
        let written = "{\"edits\": {\"05-route\": \"my precious edit\"}, oops";
        std::fs::write(Progress::path(&dir), written).unwrap();

        let loaded = Progress::load(&dir).unwrap();
        assert_eq!(loaded.progress, Progress::default());
        let notice = loaded.notice.expect("the user is told");
        let aside: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains(".unreadable-"))
            .collect();
        assert_eq!(aside.len(), 1, "{aside:?}");
        assert!(notice.contains(&aside[0].display().to_string()), "{notice}");
        assert!(
            notice.contains("line 1 column"),
            "says what is wrong: {notice}"
        );

        // The next save writes a new file; what the user wrote is still there, whole.
        let mut p = loaded.progress;
        p.mark_done("embedded", "01-create-mesh");
        p.save(&dir).unwrap();
        assert_eq!(std::fs::read_to_string(&aside[0]).unwrap(), written);
        // A second corrupt file gets its own name beside the first.
        std::fs::write(Progress::path(&dir), "not json").unwrap();
        assert!(Progress::load(&dir).unwrap().notice.is_some());
        let kept = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".unreadable-"))
            .count();
        assert_eq!(kept, 2, "each unreadable file keeps its own name");
        assert_eq!(std::fs::read_to_string(&aside[0]).unwrap(), written);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_file_that_cannot_be_read_is_an_error_not_a_fresh_start() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        // A directory in the file's place: it cannot be read as a file.
        std::fs::create_dir_all(Progress::path(&dir)).unwrap();
        let err = Progress::load(&dir).unwrap_err();
        assert!(err.to_string().contains("progress.json"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn saves_from_two_writers_never_leave_a_torn_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::create_dir_all(&dir).unwrap();
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let dir = dir.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        let mut p = Progress::default();
                        p.edits.insert(format!("writer-{w}"), "x".repeat(i * 100));
                        p.save(&dir).unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let loaded = Progress::load(&dir).unwrap();
        assert_eq!(loaded.notice, None, "the file parses");
        assert_eq!(loaded.progress.edits.len(), 1);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["progress.json"]);
        let _ = std::fs::remove_dir_all(dir);
    }
}
