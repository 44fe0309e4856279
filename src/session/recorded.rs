//! The results a user's session saw, kept beside their progress (`results.json` in the state
//! directory) so that a handout can show them: per target, per step, the latest run's outcome
//! and the response as the aws CLI would print it. Written by the terminal UI and
//! `meshwalk run`; read by `meshwalk export --format md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::state_file::{self, Durability};
use serde::{Deserialize, Serialize};

use super::runner::StepReport;
use crate::api::call::output_json;
use crate::state_file::now_ms;

/// One run of a step, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedResult {
    pub ok: bool,
    /// "done", "already done (...)", the error, the traffic split...
    pub outcome: String,
    /// The HTTP status of the step's call, when there was one.
    pub status: Option<u16>,
    /// The response body as the aws CLI prints it (pretty JSON), when there was one.
    pub response: Option<String>,
    pub at_ms: u64,
}

impl RecordedResult {
    pub fn of(report: &StepReport) -> RecordedResult {
        let exchange = report.exchange.as_ref();
        let response = exchange.filter(|e| !e.response_body.is_empty()).map(|e| {
            let shaped = report
                .prepared
                .as_ref()
                .and_then(|p| output_json(&p.request, &e.response_body));
            match shaped {
                Some(json) => serde_json::to_string_pretty(&json).unwrap_or_default(),
                None => e.response_body.clone(),
            }
        });
        RecordedResult {
            ok: report.outcome.is_success(),
            outcome: report.outcome.label(),
            status: exchange.and_then(|e| e.status),
            response,
            at_ms: now_ms(),
        }
    }
}

/// By target key (see `Target::key`), then step id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Results(pub BTreeMap<String, BTreeMap<String, RecordedResult>>);

impl Results {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join("results.json")
    }

    /// What was recorded; nothing when the file is missing or not one of ours (results are
    /// meshwalk's own record, rebuilt by running the steps again, not the user's work).
    pub fn load(dir: &Path) -> Results {
        std::fs::read(Results::path(dir))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Replaces the file whole.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        state_file::save_json(dir, "results.json", self, Durability::Replaceable)
    }

    pub fn get(&self, target: &str, step: &str) -> Option<&RecordedResult> {
        self.0.get(target)?.get(step)
    }

    /// Adds one run to the file in `dir`.
    pub fn record(
        dir: &Path,
        target: &str,
        step: &str,
        report: &StepReport,
    ) -> std::io::Result<()> {
        let mut results = Results::load(dir);
        results
            .0
            .entry(target.to_string())
            .or_default()
            .insert(step.to_string(), RecordedResult::of(report));
        results.save(dir)
    }
}

/// Records the terminal UI's results from a task of its own, so the UI never waits on disk.
pub struct Recorder {
    tx: tokio::sync::mpsc::UnboundedSender<(String, StepReport)>,
    steps: Vec<String>,
}

impl Recorder {
    /// Starts the writer task (call within a tokio runtime).
    pub fn start(dir: PathBuf, target: String, steps: Vec<String>) -> Recorder {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, StepReport)>();
        tokio::spawn(async move {
            while let Some((step, report)) = rx.recv().await {
                let (dir, target) = (dir.clone(), target.clone());
                let written = tokio::task::spawn_blocking(move || {
                    Results::record(&dir, &target, &step, &report)
                })
                .await;
                if let Ok(Err(e)) = written {
                    tracing::warn!("could not record a step's result: {e}");
                }
            }
        });
        Recorder { tx, steps }
    }

    pub fn record(&self, index: usize, report: &StepReport) {
        if let Some(step) = self.steps.get(index) {
            let _ = self.tx.send((step.clone(), report.clone()));
        }
    }
}
