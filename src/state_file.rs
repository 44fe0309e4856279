//! Files in meshwalk's state directory: each replaced whole, by a temporary file beside it
//! renamed over it, so a reader (another meshwalk, a presenter's follower) never sees half of
//! one; and the wall clock their records are stamped with.

use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// How much a save must survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Losing the latest write in a crash loses nothing a user made (it is written again).
    Replaceable,
    /// The user's own work (progress, edits): synced, and the rename synced with its directory,
    /// so that a crash leaves the old file or the new one, never none.
    Synced,
}

/// Writes `value` as pretty JSON to `dir/name`, replacing the file whole.
pub fn save_json(
    dir: &Path,
    name: &str,
    value: &impl Serialize,
    durability: Durability,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let text = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(&text)?;
    if durability == Durability::Synced {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(dir.join(name)).map_err(|e| e.error)?;
    if durability == Durability::Synced {
        sync_dir(dir)?;
    }
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Milliseconds since the Unix epoch (0 before it, which no clock here shows).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_save_replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        save_json(dir.path(), "a.json", &vec![1, 2, 3], Durability::Synced).unwrap();
        save_json(dir.path(), "a.json", &vec![4], Durability::Replaceable).unwrap();
        let text = std::fs::read_to_string(dir.path().join("a.json")).unwrap();
        assert_eq!(serde_json::from_str::<Vec<i32>>(&text).unwrap(), vec![4]);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["a.json"]);
    }
}
