//! Runs steps against a target. Re-running is safe: a resource that already exists with the
//! same spec counts as done; with a different spec the difference is reported and an update
//! can be applied. A failed call leaves the step pending with the AWS error code and message.

use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod compare;
mod learned;
mod observe;

pub use compare::{differences, identifiers};
pub use observe::{SAMPLE_IN_FLIGHT, inside_the_vpc, verdict};

use super::approval::Approval;
use super::deployment_watch::DeploymentReport;
use super::events::{Events, StepEvent};
use crate::api::call::{send, send_json};
use crate::api::capture::Exchange;
use crate::api::error::CallError;
use crate::api::target::{Target, TargetKind};
use crate::load::stats::Summary;
use crate::walkthrough::Walkthrough;
use crate::walkthrough::cli_render::{self, CliTarget};
use crate::walkthrough::input::{self, PreparedCall};
use crate::walkthrough::operation::{Operation, made_by};
use crate::walkthrough::step::{AwsService, Call, StepKind};
use crate::walkthrough::vars::Vars;

/// How long a verification waits for a resource to settle (an ECS service to run its tasks).
const VERIFY_PATIENCE: Duration = Duration::from_secs(30);

/// What running a step came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The call succeeded (and its verification, if any).
    Done,
    /// The resource already existed as the step describes it.
    AlreadyDone(String),
    /// The resource exists with another spec: these differences (have → want).
    Differs(Vec<String>),
    /// The differences were applied with an update call.
    Updated,
    /// Traffic flowed: what was observed.
    Observed(Summary),
    /// A deployment was followed to its end, as the step expected.
    Deployed(DeploymentReport),
    /// Nothing to call.
    Read,
    /// A teardown deleted (or found gone) this many resources.
    TornDown(usize),
    /// What the step shows can only be seen elsewhere (on AWS, inside the VPC): where.
    Elsewhere(String),
    Failed(StepError),
}

impl Outcome {
    /// Not a failure. (A resource that differs is reported, not failed: the user chooses
    /// whether to apply the step's spec.)
    pub fn is_success(&self) -> bool {
        !matches!(self, Outcome::Failed(_))
    }

    /// The step's resource is as the step says (a differing one is not): what the terminal
    /// UI ticks and what saved progress records, for `run` and the UI alike.
    pub fn is_done(&self) -> bool {
        !matches!(self, Outcome::Failed(_) | Outcome::Differs(_))
    }

    /// A few words for a status column.
    pub fn label(&self) -> String {
        match self {
            Outcome::Done => "done".into(),
            Outcome::AlreadyDone(why) => format!("already done ({why})"),
            Outcome::Differs(d) => format!("differs ({} fields)", d.len()),
            Outcome::Updated => "updated".into(),
            Outcome::Observed(s) => observed(s),
            Outcome::Deployed(d) => d.label(),
            Outcome::Read => "read".into(),
            Outcome::TornDown(n) => format!("{n} deletions"),
            Outcome::Elsewhere(where_) => where_.clone(),
            Outcome::Failed(e) => e.to_string(),
        }
    }
}

fn observed(s: &Summary) -> String {
    let split: Vec<String> = s
        .versions
        .iter()
        .map(|(v, st)| format!("{v} {:.0}%", st.share * 100.0))
        .collect();
    format!(
        "{} requests, {} errors: {}",
        s.requests,
        s.errors,
        split.join(" / ")
    )
}

/// A failure, with the AWS error code when the service gave one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", match &self.code { Some(c) => format!("{c}: {}", self.message), None => self.message.clone() })]
pub struct StepError {
    pub code: Option<String>,
    pub message: String,
}

impl StepError {
    fn plain(message: impl Into<String>) -> StepError {
        StepError {
            code: None,
            message: message.into(),
        }
    }
}

/// Everything there is to show about one run of a step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepReport {
    pub outcome: Outcome,
    pub prepared: Option<PreparedCall>,
    pub cli: Option<String>,
    pub exchange: Option<Exchange>,
    pub elapsed: Duration,
}

/// A walkthrough bound to a target. Read-only outside the session layer: a front end reads its
/// walkthrough, target and edits, and changes only the edits, through [`Session::edit`].
#[derive(Debug, Clone)]
pub struct Session {
    /// Shared by the session's clones: a clone (one per command the terminal UI runs) copies
    /// no step and no asset.
    pub(in crate::session) walkthrough: Arc<Walkthrough>,
    pub(in crate::session) target: Target,
    pub(in crate::session) vars: Vars,
    /// The user's edits of step inputs, by step id.
    pub(in crate::session) edits: BTreeMap<String, String>,
    /// A tag added to everything created (on AWS, so that what meshwalk made can be found).
    pub(in crate::session) tag: Option<(String, String)>,
    /// What steps taught the session (the revisions their RegisterTaskDefinition registered,
    /// see `Step::revision_var`), shared by the session's clones.
    learned: Arc<Mutex<Vars>>,
    /// Who answers a deployment paused at a PAUSE hook.
    pub(in crate::session) approval: Approval,
}

impl Session {
    pub fn new(
        walkthrough: Walkthrough,
        target: Target,
        extra_vars: &[(String, String)],
    ) -> Session {
        Session::sharing(Arc::new(walkthrough), target, extra_vars)
    }

    /// A session on a walkthrough other sessions share (a classroom's seats: one copy of the
    /// steps and assets for the room).
    pub fn sharing(
        walkthrough: Arc<Walkthrough>,
        target: Target,
        extra_vars: &[(String, String)],
    ) -> Session {
        let mut vars = Vars::embedded(&target.region, &target.account);
        for (k, v) in extra_vars {
            vars.set(k, v);
        }
        Session {
            walkthrough,
            target,
            vars,
            edits: BTreeMap::new(),
            tag: None,
            learned: Arc::default(),
            approval: Approval::default(),
        }
    }

    /// The session with `approval` answering deployments paused at a PAUSE hook.
    pub fn with_approval(mut self, approval: Approval) -> Session {
        self.approval = approval;
        self
    }

    pub fn walkthrough(&self) -> &Walkthrough {
        &self.walkthrough
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The user's edits of step inputs, by step id.
    pub fn edits(&self) -> &BTreeMap<String, String> {
        &self.edits
    }

    /// Keeps the user's edit of step `id`'s input (even one that does not parse).
    pub fn edit(&mut self, id: &str, text: String) {
        self.edits.insert(id.to_string(), text);
    }

    /// Adds the tag `key`=`value` to everything the session's steps create that takes tags (on
    /// AWS, so that what meshwalk made can be found).
    pub fn tag_everything_created(&mut self, key: &str, value: &str) {
        self.tag = Some((key.to_string(), value.to_string()));
    }

    /// Sets `${name}` for this session (as `--var` does).
    pub fn set_var(&mut self, name: &str, value: &str) {
        self.vars.set(name, value);
    }

    /// The session with the user's saved edits.
    pub fn with_edits(mut self, edits: BTreeMap<String, String>) -> Session {
        self.edits = edits;
        self
    }

    /// The `${VAR}` values: the target's and the user's, and what earlier steps taught.
    pub fn vars(&self) -> Vars {
        let mut vars = self.vars.clone();
        let learned = self.learned.lock();
        for (k, v) in &learned.0 {
            vars.set(k, v);
        }
        vars
    }

    pub fn cli_target(&self) -> CliTarget {
        CliTarget {
            endpoint_url: self.target.endpoint_url.clone(),
            region: Some(self.target.region.clone()),
            profile: match &self.target.kind {
                TargetKind::Aws { profile } => profile.clone(),
                _ => None,
            },
        }
    }

    /// The input of an API step, prepared (with the user's edit, if any). A value an earlier
    /// step learns, not learned yet, is said so: which step to run first.
    pub fn prepare(&self, index: usize) -> Option<Result<PreparedCall, input::InputError>> {
        let step = self.walkthrough.steps.get(index)?;
        let StepKind::Api { call, .. } = &step.kind else {
            return None;
        };
        let vars = self.vars();
        Some(
            input::prepare(
                &self.walkthrough,
                call,
                &vars,
                self.edits.get(&step.id).map(String::as_str),
            )
            .map_err(|mut e| {
                let unlearned =
                    self.walkthrough.steps[..index]
                        .iter()
                        .enumerate()
                        .find_map(|(j, s)| {
                            s.revision_var
                                .iter()
                                .chain(s.learn.iter().map(|(n, _)| n))
                                .find(|n| {
                                    vars.get(n).is_none()
                                        && e.message.contains(&format!("${{{n}}}"))
                                })
                                .map(|n| (j, n.clone()))
                        });
                if let Some((j, name)) = unlearned {
                    e.message = format!(
                        "${{{name}}} is what step {} ({}) learns when it runs: run it first",
                        j + 1,
                        self.walkthrough.steps[j].title
                    );
                }
                e
            }),
        )
    }

    /// Runs step `index`. With `update`, a resource that differs is updated to the step's spec.
    pub async fn run(&self, index: usize, update: bool) -> StepReport {
        self.run_with(index, update, &Events::none()).await
    }

    /// Runs step `index`, whatever its kind, telling `events` what it does as it goes and,
    /// last, how it ended: the one way every front end runs a step.
    pub async fn run_with(&self, index: usize, update: bool, events: &Events) -> StepReport {
        // On the heap: every step kind's future together is large, and the caller's future is
        // often on a thread's stack (a test's, a blocking front end's).
        let report = Box::pin(self.run_kind(index, update, events)).await;
        events.send(StepEvent::Finished(index, Box::new(report.clone())));
        report
    }

    async fn run_kind(&self, index: usize, update: bool, events: &Events) -> StepReport {
        let started = Instant::now();
        let mut report = StepReport {
            outcome: Outcome::Read,
            prepared: None,
            cli: None,
            exchange: None,
            elapsed: Duration::ZERO,
        };
        let Some(step) = self.walkthrough.steps.get(index) else {
            report.outcome =
                Outcome::Failed(StepError::plain(format!("there is no step {}", index + 1)));
            return report;
        };
        match &step.kind {
            StepKind::Info => {}
            StepKind::Teardown => report.outcome = self.tear_down_chapter_of(index, events).await,
            StepKind::Traffic {
                service: Some(service),
                ..
            } if self.target.is_aws() => {
                report.outcome = Outcome::Elsewhere(inside_the_vpc(service));
            }
            StepKind::Traffic {
                requests,
                requester,
                ..
            } => report.outcome = self.traffic(*requests, requester, events).await,
            StepKind::Deployment {
                service,
                requester,
                expect,
                test_header,
            } => {
                let watch = observe::Watch {
                    service,
                    requester,
                    expect,
                    test_header: test_header.as_deref(),
                };
                report.outcome = self.deployment(watch, events).await;
            }
            StepKind::Api { verify, .. } => {
                let prepared = match self.prepare_learning(index).await {
                    Some(Ok(p)) => self.tagged(p),
                    None => return report,
                    Some(Err(e)) => {
                        report.outcome = Outcome::Failed(StepError::plain(e.to_string()));
                        report.elapsed = started.elapsed();
                        return report;
                    }
                };
                report.cli = Some(cli_render::render(&prepared, &self.cli_target()));
                let (outcome, exchange) = self.call(&prepared, update).await;
                if let Some(name) = &step.revision_var {
                    self.learn_revision(name, &outcome, exchange.as_ref(), &prepared);
                }
                if matches!(outcome, Outcome::Done | Outcome::Updated) {
                    self.learn_from_answer(&step.learn, exchange.as_ref(), &prepared);
                }
                report.exchange = exchange;
                report.outcome = outcome;
                // A resource that differs from the step's spec (kept so) cannot show what the
                // step's verify expects of that spec: the difference is the report.
                let verifiable =
                    report.outcome.is_success() && !matches!(report.outcome, Outcome::Differs(_));
                if verifiable
                    && let Some(verify) = verify
                    && let Err(e) = self.verify(&verify.call, &verify.expect).await
                {
                    report.outcome = Outcome::Failed(e);
                }
                report.prepared = Some(prepared);
            }
        }
        report.elapsed = started.elapsed();
        report
    }

    /// The call with the session's tag added, when its input takes tags and has none.
    fn tagged(&self, mut prepared: PreparedCall) -> PreparedCall {
        let Some((key, value)) = &self.tag else {
            return prepared;
        };
        use crate::model::{appmesh::Action as Mesh, ecs::Action as Ecs};
        const TAKES_TAGS: [Operation; 8] = [
            Operation::AppMesh(Mesh::CreateMesh),
            Operation::AppMesh(Mesh::CreateVirtualNode),
            Operation::AppMesh(Mesh::CreateVirtualRouter),
            Operation::AppMesh(Mesh::CreateRoute),
            Operation::AppMesh(Mesh::CreateVirtualService),
            Operation::Ecs(Ecs::CreateCluster),
            Operation::Ecs(Ecs::RegisterTaskDefinition),
            Operation::Ecs(Ecs::CreateService),
        ];
        if !TAKES_TAGS.contains(&prepared.operation) {
            return prepared;
        }
        let Some(object) = prepared.json.as_object_mut() else {
            return prepared;
        };
        object
            .entry("tags")
            .or_insert_with(|| json!([{"key": key, "value": value}]));
        let text = serde_json::to_string_pretty(&prepared.json).unwrap_or_default();
        match input::prepare_text(
            prepared.operation,
            &prepared.source,
            &text,
            &Vars::default(),
        ) {
            Ok(tagged) => tagged,
            Err(_) => prepared,
        }
    }

    fn classify(&self, service: AwsService, e: CallError) -> StepError {
        let code = e.code().map(str::to_string);
        let message = match &e {
            CallError::Service { message, .. } => message.clone(),
            other => other.to_string(),
        };
        let known = [
            "BadRequestException",
            "ConflictException",
            "NotFoundException",
            "ResourceInUseException",
            "LimitExceededException",
        ];
        let eol = matches!(self.target.kind, TargetKind::Aws { .. })
            && service == AwsService::AppMesh
            && !code.as_deref().is_some_and(|c| known.contains(&c));
        let message = if eol {
            format!(
                "{message}\nAWS App Mesh was discontinued on 2026-09-30: its API no longer takes calls. \
                 The embedded cloud still runs this walkthrough: start meshwalk without --aws."
            )
        } else {
            message
        };
        StepError { code, message }
    }

    async fn call(&self, prepared: &PreparedCall, update: bool) -> (Outcome, Option<Exchange>) {
        use crate::model::ecs::Action as Ecs;
        let op = prepared.operation;
        if op == Operation::Ecs(Ecs::RegisterTaskDefinition)
            && let Some(revision) = self.registered_revision(&prepared.json).await
        {
            return (
                Outcome::AlreadyDone(format!("revision {revision} is registered")),
                None,
            );
        }
        if op == Operation::Ecs(Ecs::UpdateService)
            && let Some(why) = self.already_deployed(&prepared.json).await
        {
            return (Outcome::AlreadyDone(why), None);
        }
        let (result, exchange) = send(&self.target, prepared.request.clone()).await;
        let Err(error) = result else {
            return (Outcome::Done, Some(exchange));
        };
        let conflict = error.code() == Some("ConflictException");
        if conflict
            && op == Operation::Ecs(Ecs::StopServiceDeployment)
            && let Some(why) = self.already_rolled_back(&prepared.json).await
        {
            return (Outcome::AlreadyDone(why), Some(exchange));
        }
        let ecs_duplicate = error.code() == Some("InvalidParameterException")
            && error.to_string().contains("not idempotent");
        let existing = if let Operation::AppMesh(create) = op
            && let Some(made) = made_by(create)
            && conflict
        {
            self.compare_appmesh(prepared, made).await
        } else if op == Operation::Ecs(Ecs::CreateService) && ecs_duplicate {
            self.compare_service(prepared).await
        } else {
            None
        };
        match existing {
            Some(Ok(diff)) if diff.is_empty() => (
                Outcome::AlreadyDone("it exists with this spec".into()),
                Some(exchange),
            ),
            Some(Ok(_)) if update => match self.update(prepared).await {
                Ok(exchange) => (Outcome::Updated, Some(exchange)),
                Err(e) => (Outcome::Failed(e), Some(exchange)),
            },
            Some(Ok(diff)) => (Outcome::Differs(diff), Some(exchange)),
            _ => (
                Outcome::Failed(self.classify(prepared.service(), error)),
                Some(exchange),
            ),
        }
    }

    /// Calls the verify operation until its answer holds what the step expects (resources such
    /// as ECS services settle over a few seconds), or fails with the last mismatch.
    async fn verify(&self, call: &Call, expect: &[(String, Value)]) -> Result<(), StepError> {
        let prepared = input::prepare(&self.walkthrough, call, &self.vars(), None)
            .map_err(|e| StepError::plain(format!("verify: {e}")))?;
        let deadline = Instant::now() + VERIFY_PATIENCE;
        loop {
            let have = send_json(&self.target, prepared.request.clone())
                .await
                .map_err(|e| {
                    let e = self.classify(call.service(), e);
                    StepError {
                        code: e.code,
                        message: format!("verify {}: {}", call.operation, e.message),
                    }
                })?;
            let mismatch = expect.iter().find_map(|(pointer, want)| {
                let want = match want {
                    Value::String(s) => {
                        Value::String(self.vars().substitute(s).unwrap_or_else(|_| s.clone()))
                    }
                    other => other.clone(),
                };
                match have.pointer(pointer) {
                    Some(v) if *v == want => None,
                    Some(v) => Some(format!(
                        "verify {}: {pointer} is {v}, expected {want}",
                        call.operation
                    )),
                    None => Some(format!(
                        "verify {}: {pointer} is missing, expected {want}",
                        call.operation
                    )),
                }
            });
            match mismatch {
                None => return Ok(()),
                Some(m) if Instant::now() >= deadline => return Err(StepError::plain(m)),
                Some(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}
