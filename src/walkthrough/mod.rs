//! The walkthrough: steps (Markdown with TOML front matter) and assets (request bodies in the
//! aws CLI's `--cli-input-json` format), loading and validation, `${VAR}` substitution,
//! progress, the step runner and teardown.
//!
//! The default walkthrough is compiled in from steps/ and assets/; `--walkthrough DIR` loads
//! another one (a directory holding steps/ and assets/) without touching Rust.

pub mod cli_render;
pub mod input;
pub mod progress;
pub mod runner;
pub mod step;
pub mod teardown;
pub mod vars;

use std::collections::BTreeMap;
use std::path::Path;

use include_dir::{Dir, include_dir};

pub use step::{Step, StepKind};

static BUILTIN_STEPS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/steps");
static BUILTIN_ASSETS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/assets");

#[derive(Debug, Clone, Default)]
pub struct Walkthrough {
    pub steps: Vec<Step>,
    /// By path relative to assets/ (e.g. `VirtualNodes/virtual-node-requester.json`).
    pub assets: BTreeMap<String, String>,
}

impl Walkthrough {
    /// The walkthrough built into meshwalk.
    pub fn builtin() -> Result<Walkthrough, String> {
        let mut steps = Vec::new();
        for file in BUILTIN_STEPS.files() {
            let name = file.path().to_string_lossy().into_owned();
            steps.push((name, file.contents_utf8().unwrap_or_default().to_string()));
        }
        let mut assets = Vec::new();
        collect_builtin(&BUILTIN_ASSETS, &mut assets);
        Walkthrough::from_files(steps, assets)
    }

    /// A walkthrough on disk: `dir/steps/*.md` and `dir/assets/**`.
    pub fn load_dir(dir: &Path) -> Result<Walkthrough, String> {
        let read =
            |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
        let steps_dir = dir.join("steps");
        let mut steps = Vec::new();
        let entries =
            std::fs::read_dir(&steps_dir).map_err(|e| format!("{}: {e}", steps_dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "md") {
                let name = entry.file_name().to_string_lossy().into_owned();
                steps.push((name, read(&path)?));
            }
        }
        let mut assets = Vec::new();
        collect_disk(&dir.join("assets"), "", &mut assets)?;
        Walkthrough::from_files(steps, assets)
    }

    fn from_files(
        mut steps: Vec<(String, String)>,
        assets: Vec<(String, String)>,
    ) -> Result<Walkthrough, String> {
        steps.retain(|(name, _)| name.ends_with(".md") && !name.eq_ignore_ascii_case("README.md"));
        steps.sort();
        let steps = steps
            .iter()
            .map(|(name, text)| {
                let id = name.trim_end_matches(".md");
                step::parse(id, text).map_err(|e| format!("steps/{name}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if steps.is_empty() {
            return Err("the walkthrough has no steps".into());
        }
        Ok(Walkthrough {
            steps,
            assets: assets.into_iter().collect(),
        })
    }

    /// A step by number (1-based), id, or id prefix (`05`).
    pub fn find(&self, which: &str) -> Option<usize> {
        if let Ok(n) = which.parse::<usize>()
            && (1..=self.steps.len()).contains(&n)
        {
            return Some(n - 1);
        }
        self.steps
            .iter()
            .position(|s| s.id == which)
            .or_else(|| self.steps.iter().position(|s| s.id.starts_with(which)))
    }
}

fn collect_builtin(dir: &Dir<'_>, out: &mut Vec<(String, String)>) {
    for file in dir.files() {
        out.push((
            file.path().to_string_lossy().replace('\\', "/"),
            file.contents_utf8().unwrap_or_default().to_string(),
        ));
    }
    for sub in dir.dirs() {
        collect_builtin(sub, out);
    }
}

fn collect_disk(dir: &Path, prefix: &str, out: &mut Vec<(String, String)>) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let path = entry.path();
        if path.is_dir() {
            collect_disk(&path, &rel, out)?;
        } else {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            out.push((rel, text));
        }
    }
    Ok(())
}
