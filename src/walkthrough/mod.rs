//! The walkthrough: steps (Markdown with TOML front matter) and assets (request bodies in the
//! aws CLI's `--cli-input-json` format), loading and validation, `${VAR}` substitution,
//! and the aws CLI rendering of a step's call. Running steps is the session layer's job.
//!
//! The default walkthrough is compiled in from steps/ and assets/; `--walkthrough DIR` loads
//! another one (a directory holding steps/ and assets/) without touching Rust.

pub mod cli_render;
pub mod input;
pub mod operation;
pub mod problem;
pub mod step;
pub mod vars;

use std::collections::BTreeMap;
use std::path::Path;

use include_dir::{Dir, include_dir};

pub use problem::Problem;
pub use step::{Step, StepKind};

static BUILTIN_STEPS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/steps");
static BUILTIN_ASSETS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/assets");

#[derive(Debug, Clone, Default)]
pub struct Walkthrough {
    pub steps: Vec<Step>,
    /// By path relative to assets/ (e.g. `VirtualNodes/virtual-node-requester.json`).
    pub assets: BTreeMap<String, String>,
}

/// Why a walkthrough could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    /// There is no walkthrough to read (no steps/ folder, or a file that cannot be read).
    #[error("{0}")]
    Unreadable(String),
    /// Its steps have problems (all of them, not only the first).
    #[error("{}", describe(.0))]
    Problems(Vec<Problem>),
}

fn describe(problems: &[Problem]) -> String {
    match problems {
        [one] => one.to_string(),
        [first, ..] => format!("{}, the first: {first}", problem::count(problems.len())),
        [] => problem::count(0),
    }
}

/// A walkthrough as far as it could be read (the steps that parse), and the problems found.
#[derive(Debug, Clone, Default)]
pub struct Read {
    pub walkthrough: Walkthrough,
    pub problems: Vec<Problem>,
    /// The text of the step files left out, so that their assets do not look unused.
    pub unparsed: Vec<String>,
}

impl Read {
    fn into_result(self) -> Result<Walkthrough, LoadError> {
        if !self.problems.is_empty() {
            return Err(LoadError::Problems(self.problems));
        }
        if self.walkthrough.steps.is_empty() {
            return Err(LoadError::Unreadable("the walkthrough has no steps".into()));
        }
        Ok(self.walkthrough)
    }
}

impl Walkthrough {
    /// The steps in `range` (indices into `steps`), each with its index.
    pub fn steps_in(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = (usize, &Step)> {
        self.steps
            .iter()
            .enumerate()
            .skip(range.start)
            .take(range.len())
    }

    /// The walkthrough built into meshwalk.
    pub fn builtin() -> Result<Walkthrough, LoadError> {
        Walkthrough::read_builtin().into_result()
    }

    pub fn read_builtin() -> Read {
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
    pub fn load_dir(dir: &Path) -> Result<Walkthrough, LoadError> {
        Walkthrough::read_dir(dir)?.into_result()
    }

    /// Reads `dir` as far as it can: a step with problems is left out and its problems kept.
    pub fn read_dir(dir: &Path) -> Result<Read, LoadError> {
        let unreadable =
            |p: &Path, e: std::io::Error| LoadError::Unreadable(format!("{}: {e}", p.display()));
        let steps_dir = dir.join("steps");
        let mut steps = Vec::new();
        let entries = std::fs::read_dir(&steps_dir).map_err(|e| unreadable(&steps_dir, e))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "md") {
                let name = entry.file_name().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(&path).map_err(|e| unreadable(&path, e))?;
                steps.push((name, text));
            }
        }
        let mut assets = Vec::new();
        collect_disk(&dir.join("assets"), "", &mut assets).map_err(LoadError::Unreadable)?;
        Ok(Walkthrough::from_files(steps, assets))
    }

    fn from_files(mut steps: Vec<(String, String)>, assets: Vec<(String, String)>) -> Read {
        steps.retain(|(name, _)| name.ends_with(".md") && !name.eq_ignore_ascii_case("README.md"));
        steps.sort();
        let mut read = Read::default();
        for (name, text) in &steps {
            match step::parse(name.trim_end_matches(".md"), text) {
                Ok(step) => read.walkthrough.steps.push(step),
                Err(problems) => {
                    read.problems.extend(problems);
                    read.unparsed.push(text.clone());
                }
            }
        }
        read.walkthrough.assets = assets.into_iter().collect();
        read
    }

    /// A step by number (1-based), id, or id prefix (`05`); or chapter-qualified,
    /// `CHAPTER:STEP`, where STEP is its number within the chapter, its id, or the start of
    /// its id or of its name without the number (`2:3`, `2:canary`, `2:40-sc-canary`).
    pub fn find(&self, which: &str) -> Option<usize> {
        if let Some((chapter, step)) = which.split_once(':')
            && let Ok(n) = chapter.trim().parse::<usize>()
        {
            let range = self.chapters().get(n.checked_sub(1)?)?.steps.clone();
            return find_in(&self.steps[range.clone()], step.trim()).map(|i| range.start + i);
        }
        find_in(&self.steps, which)
    }

    /// The chapters: each starts at a step with a `chapter` title and runs to the next one.
    /// Steps before the first title (or all, in a walkthrough without titles) are chapter 1.
    pub fn chapters(&self) -> Vec<Chapter> {
        let mut chapters: Vec<Chapter> = Vec::new();
        for (i, step) in self.steps.iter().enumerate() {
            match (&step.chapter, chapters.last_mut()) {
                (None, Some(last)) => last.steps.end = i + 1,
                (title, _) => chapters.push(Chapter {
                    number: chapters.len() + 1,
                    title: title.clone().unwrap_or_default(),
                    steps: i..i + 1,
                    aws_cost: step.aws_cost.clone(),
                }),
            }
        }
        chapters
    }

    /// The chapter step `index` is in.
    pub fn chapter_of(&self, index: usize) -> Option<Chapter> {
        self.chapters()
            .into_iter()
            .find(|c| c.steps.contains(&index))
    }
}

/// A part of the walkthrough that stands on its own: it can be run without the others, and
/// its teardown removes what its steps created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    /// 1-based.
    pub number: usize,
    /// Empty when the walkthrough names none.
    pub title: String,
    /// Indexes into `Walkthrough::steps`.
    pub steps: std::ops::Range<usize>,
    /// What running it on AWS costs, roughly.
    pub aws_cost: Option<String>,
}

fn find_in(steps: &[Step], which: &str) -> Option<usize> {
    if which.is_empty() {
        return None;
    }
    if let Ok(n) = which.parse::<usize>()
        && (1..=steps.len()).contains(&n)
    {
        return Some(n - 1);
    }
    let name = |id: &str| {
        id.trim_start_matches(|c: char| c.is_ascii_digit())
            .trim_start_matches('-')
            .to_string()
    };
    steps
        .iter()
        .position(|s| s.id == which)
        .or_else(|| steps.iter().position(|s| s.id.starts_with(which)))
        .or_else(|| steps.iter().position(|s| name(&s.id).starts_with(which)))
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
