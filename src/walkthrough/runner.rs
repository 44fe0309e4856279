//! Runs steps against a target. Re-running is safe: a resource that already exists with the
//! same spec counts as done; with a different spec the difference is reported and an update
//! can be applied. A failed call leaves the step pending with the AWS error code and message.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Walkthrough;
use super::cli_render::{self, CliTarget};
use super::deployment_watch::{self, DeploymentReport};
use super::input::{self, CallRequest, PreparedCall};
use super::step::{AwsService, Call, RequesterRef, StepKind};
use super::vars::Vars;
use crate::api::call::{output_json, send, send_json};
use crate::api::capture::Exchange;
use crate::api::error::CallError;
use crate::api::requester;
use crate::api::target::{Target, TargetKind};
use crate::load::stats::Summary;
use crate::load::traffic::{Traffic, TrafficConfig};
use crate::model::{appmesh, ecs};

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

/// A walkthrough bound to a target.
#[derive(Debug, Clone)]
pub struct Session {
    pub walkthrough: Walkthrough,
    pub target: Target,
    pub vars: Vars,
    /// The user's edits of step inputs, by step id.
    pub edits: BTreeMap<String, String>,
    /// A tag added to everything created (on AWS, so that what meshwalk made can be found).
    pub tag: Option<(String, String)>,
    /// What steps taught the session (the revisions their RegisterTaskDefinition registered,
    /// see `Step::revision_var`), shared by the session's clones.
    learned: Arc<Mutex<Vars>>,
}

impl Session {
    pub fn new(
        walkthrough: Walkthrough,
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
        }
    }

    /// The `${VAR}` values: the target's and the user's, and what earlier steps taught.
    pub fn vars(&self) -> Vars {
        let mut vars = self.vars.clone();
        let learned = self.learned.lock().unwrap_or_else(|p| p.into_inner());
        for (k, v) in &learned.0 {
            vars.set(k, v);
        }
        vars
    }

    fn learn(&self, name: &str, value: String) {
        let mut learned = self.learned.lock().unwrap_or_else(|p| p.into_inner());
        learned.set(name, &value);
    }

    /// Finds the revisions that earlier steps registered (in a previous session, or before
    /// a restart) and that this session has not learned yet.
    pub async fn learn_registered_revisions(&self, before: usize) {
        for (j, step) in self.walkthrough.steps.iter().enumerate().take(before) {
            let Some(name) = &step.revision_var else {
                continue;
            };
            if self.vars().get(name).is_some() {
                continue;
            }
            let Some(Ok(prepared)) = self.prepare(j) else {
                continue;
            };
            if let Some(revision) = self.registered_revision(&prepared.json).await {
                self.learn(name, format!("{}:{revision}", family_of(&prepared.json)));
            }
        }
    }

    /// The input of an API step, prepared; a revision an earlier step registered is looked
    /// up when the session has not learned it yet.
    async fn prepare_learning(
        &self,
        index: usize,
    ) -> Option<Result<PreparedCall, input::InputError>> {
        match self.prepare(index)? {
            Err(_)
                if self.walkthrough.steps[..index].iter().any(|s| {
                    s.revision_var
                        .as_ref()
                        .is_some_and(|n| self.vars().get(n).is_none())
                }) =>
            {
                self.learn_registered_revisions(index).await;
                self.prepare(index)
            }
            prepared => Some(prepared),
        }
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
            StepKind::Info | StepKind::Teardown => {}
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
            } => report.outcome = self.traffic(*requests, requester).await,
            StepKind::Deployment {
                service,
                requester,
                expect,
            } => report.outcome = self.deployment(service, requester, expect).await,
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

    /// Remembers the revision a RegisterTaskDefinition step registered (or found registered).
    fn learn_revision(
        &self,
        name: &str,
        outcome: &Outcome,
        exchange: Option<&Exchange>,
        prepared: &PreparedCall,
    ) {
        let revision = match outcome {
            Outcome::AlreadyDone(_) | Outcome::Done => exchange
                .and_then(|e| serde_json::from_str::<Value>(&e.response_body).ok())
                .and_then(|v| v.pointer("/taskDefinition/revision")?.as_i64())
                .or_else(|| match outcome {
                    Outcome::AlreadyDone(why) => why
                        .strip_prefix("revision ")?
                        .split(' ')
                        .next()?
                        .parse()
                        .ok(),
                    _ => None,
                }),
            _ => None,
        };
        if let Some(revision) = revision {
            self.learn(name, format!("{}:{revision}", family_of(&prepared.json)));
        }
    }

    /// Remembers what a step's `learn` pointers find in its answer.
    fn learn_from_answer(
        &self,
        learn: &[(String, String)],
        exchange: Option<&Exchange>,
        prepared: &PreparedCall,
    ) {
        let Some(answer) = exchange.and_then(|e| {
            output_json(
                prepared.service == AwsService::AppMesh,
                &prepared.operation,
                &e.response_body,
            )
        }) else {
            return;
        };
        for (name, pointer) in learn {
            if let Some(value) = answer.pointer(pointer).and_then(Value::as_str) {
                self.learn(name, value.to_string());
            }
        }
    }

    /// The call with the session's tag added, when its input takes tags and has none.
    fn tagged(&self, mut prepared: PreparedCall) -> PreparedCall {
        let Some((key, value)) = &self.tag else {
            return prepared;
        };
        const TAKES_TAGS: [&str; 8] = [
            "CreateMesh",
            "CreateVirtualNode",
            "CreateVirtualRouter",
            "CreateRoute",
            "CreateVirtualService",
            "CreateCluster",
            "RegisterTaskDefinition",
            "CreateService",
        ];
        if !TAKES_TAGS.contains(&prepared.operation.as_str()) {
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
            prepared.service,
            &prepared.operation,
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
        let op = prepared.operation.as_str();
        if prepared.service == AwsService::Ecs
            && op == "RegisterTaskDefinition"
            && let Some(revision) = self.registered_revision(&prepared.json).await
        {
            return (
                Outcome::AlreadyDone(format!("revision {revision} is registered")),
                None,
            );
        }
        let (result, exchange) = send(&self.target, prepared.request.clone()).await;
        let Err(error) = result else {
            return (Outcome::Done, Some(exchange));
        };
        let conflict = error.code() == Some("ConflictException") && op.starts_with("Create");
        let ecs_duplicate = error.code() == Some("InvalidParameterException")
            && error.to_string().contains("not idempotent");
        let existing = if prepared.service == AwsService::AppMesh && conflict {
            self.compare_appmesh(prepared).await
        } else if prepared.service == AwsService::Ecs && op == "CreateService" && ecs_duplicate {
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
                Outcome::Failed(self.classify(prepared.service, error)),
                Some(exchange),
            ),
        }
    }

    /// The App Mesh resource a Create step names, compared with the step's spec.
    async fn compare_appmesh(
        &self,
        prepared: &PreparedCall,
    ) -> Option<Result<Vec<String>, CallError>> {
        let describe = prepared.operation.replacen("Create", "Describe", 1);
        let request = appmesh::Request::decode(&describe, identifiers(&prepared.json)).ok()?;
        Some(
            send_json(&self.target, CallRequest::AppMesh(request))
                .await
                .map(|have| {
                    let mut diff = Vec::new();
                    let want = prepared.json.get("spec").cloned().unwrap_or(json!({}));
                    // The output is {"virtualNode": {..., "spec": ...}}: one member, the resource.
                    let resource = have
                        .as_object()
                        .and_then(|o| o.values().next())
                        .cloned()
                        .unwrap_or_default();
                    differences(
                        &want,
                        resource.get("spec").unwrap_or(&Value::Null),
                        "spec",
                        &mut diff,
                    );
                    diff
                }),
        )
    }

    /// The ECS service a CreateService step names, compared with the step.
    async fn compare_service(
        &self,
        prepared: &PreparedCall,
    ) -> Option<Result<Vec<String>, CallError>> {
        let want = &prepared.json;
        let request = ecs::Request::decode(
            "DescribeServices",
            json!({"cluster": want.get("cluster"), "services": [want.get("serviceName")]}),
        )
        .ok()?;
        Some(
            send_json(&self.target, CallRequest::Ecs(request))
                .await
                .map(|have| {
                    let have = have.pointer("/services/0").cloned().unwrap_or(Value::Null);
                    let mut diff = Vec::new();
                    for key in ["desiredCount", "launchType", "networkConfiguration"] {
                        if let Some(w) = want.get(key) {
                            differences(w, have.get(key).unwrap_or(&Value::Null), key, &mut diff);
                        }
                    }
                    if let Some(td) = want.get("taskDefinition").and_then(Value::as_str) {
                        let have_td = have
                            .get("taskDefinition")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        if !have_td.ends_with(&format!("/{td}"))
                            && !have_td.contains(&format!("/{td}:"))
                            && have_td != td
                        {
                            diff.push(format!("taskDefinition: {have_td} → {td}"));
                        }
                    }
                    diff
                }),
        )
    }

    /// Applies a step's spec to the existing resource.
    async fn update(&self, prepared: &PreparedCall) -> Result<Exchange, StepError> {
        let mut input = prepared.json.clone();
        let request = match prepared.service {
            AwsService::AppMesh => {
                if let Some(o) = input.as_object_mut() {
                    o.remove("tags");
                    o.remove("clientToken");
                }
                let op = prepared.operation.replacen("Create", "Update", 1);
                CallRequest::AppMesh(
                    appmesh::Request::decode(&op, input)
                        .map_err(|e| StepError::plain(e.to_string()))?,
                )
            }
            AwsService::Ecs => {
                let w = &prepared.json;
                let update = json!({
                    "cluster": w.get("cluster"), "service": w.get("serviceName"),
                    "taskDefinition": w.get("taskDefinition"), "desiredCount": w.get("desiredCount"),
                    "networkConfiguration": w.get("networkConfiguration"),
                });
                CallRequest::Ecs(
                    ecs::Request::decode("UpdateService", strip_nulls(update))
                        .map_err(|e| StepError::plain(e.to_string()))?,
                )
            }
            // Cloud Map resources are never compared (`call` only compares App Mesh and ECS).
            AwsService::ServiceDiscovery => {
                return Err(StepError::plain(
                    "meshwalk does not update Cloud Map resources in place",
                ));
            }
        };
        let (result, exchange) = send(&self.target, request).await;
        result.map_err(|e| self.classify(prepared.service, e))?;
        Ok(exchange)
    }

    /// The revision of the task definition's family that already matches the step, if any.
    async fn registered_revision(&self, want: &Value) -> Option<i64> {
        let family = want.get("family")?.as_str()?;
        let list = ecs::Request::decode(
            "ListTaskDefinitions",
            json!({"familyPrefix": family, "status": "ACTIVE"}),
        )
        .ok()?;
        let listed = send_json(&self.target, CallRequest::Ecs(list)).await.ok()?;
        let mut want = want.clone();
        want.as_object_mut()?.remove("tags");
        for arn in listed.get("taskDefinitionArns")?.as_array()? {
            let describe =
                ecs::Request::decode("DescribeTaskDefinition", json!({"taskDefinition": arn}))
                    .ok()?;
            let have = send_json(&self.target, CallRequest::Ecs(describe))
                .await
                .ok()?;
            let have = have.get("taskDefinition")?;
            let mut diff = Vec::new();
            differences(&want, have, "", &mut diff);
            if diff.is_empty() {
                return have.get("revision")?.as_i64();
            }
        }
        None
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
                    let e = self.classify(call.service, e);
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

    /// The requester's address as ECS reports it, asked again until `patience` runs out (its
    /// task may still be starting).
    pub async fn requester_url(
        &self,
        requester: &RequesterRef,
        patience: Duration,
    ) -> Result<axum::http::Uri, String> {
        let cluster = self.vars().substitute(&requester.cluster)?;
        let deadline = Instant::now() + patience;
        let url = loop {
            match requester::find(&self.target.ecs, &cluster, &requester.service).await {
                Ok(url) => break url,
                Err(e) if Instant::now() >= deadline => {
                    return Err(format!("cannot find the requester: {e}"));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        url.parse()
            .map_err(|_| format!("the requester's address '{url}' is not a URL"))
    }

    /// Sends requests through the requester and reports the split.
    async fn traffic(&self, requests: u32, requester: &RequesterRef) -> Outcome {
        let uri = match self.requester_url(requester, VERIFY_PATIENCE).await {
            Ok(uri) => uri,
            Err(e) => return Outcome::Failed(StepError::plain(e)),
        };
        let mut config = TrafficConfig::new(uri);
        config.rps = 400.0;
        config.duration = Some(Duration::from_secs_f64(
            f64::from(requests.max(1)) / config.rps,
        ));
        let (tx, _rx) = tokio::sync::mpsc::channel(1);
        let summary = Traffic::start(config, tx).finished().await;
        if summary.errors > 0 || summary.requests == 0 {
            return Outcome::Failed(StepError::plain(format!(
                "traffic failed: {}",
                observed(&summary)
            )));
        }
        Outcome::Observed(summary)
    }

    /// Follows `service`'s deployment to its end while traffic flows through the requester;
    /// done when it ends as `expect`.
    async fn deployment(&self, service: &str, requester: &RequesterRef, expect: &str) -> Outcome {
        let cluster = match self.vars().substitute(&requester.cluster) {
            Ok(c) => c,
            Err(e) => return Outcome::Failed(StepError::plain(e)),
        };
        let ecs = &self.target.ecs;
        // On AWS the requester's tasks are inside the VPC: the deployment is followed, the
        // split is not observed from here.
        let followed = if self.target.is_aws() {
            deployment_watch::follow_with(ecs, &cluster, service, None, |_| {}).await
        } else {
            match self.requester_url(requester, VERIFY_PATIENCE).await {
                Ok(uri) => deployment_watch::follow(ecs, &cluster, service, uri).await,
                Err(e) => return Outcome::Failed(StepError::plain(e)),
            }
        };
        match followed {
            Ok(report) if report.status == expect => Outcome::Deployed(report),
            Ok(report) => Outcome::Failed(StepError::plain(format!(
                "the deployment ended {}, not {expect}{}: {}",
                report.status,
                report
                    .status_reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default(),
                report.label()
            ))),
            Err(e) => Outcome::Failed(StepError::plain(e)),
        }
    }
}

/// Where to see a service's traffic split on AWS, where meshwalk cannot reach it.
pub fn inside_the_vpc(service: &str) -> String {
    format!(
        "the split is observed inside the VPC: CloudWatch, namespace AWS/ECS, Service Connect \
         metrics RequestCount and HTTPCode_Target_5XX_Count of ServiceName {service}; each \
         answer's revision is in the requester's container log"
    )
}

/// The `family` a RegisterTaskDefinition input names.
fn family_of(input: &Value) -> &str {
    input
        .get("family")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The members that name a resource (for the Describe, Delete or Update of a Create).
pub fn identifiers(input: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(o) = input.as_object() {
        for (k, v) in o {
            if k.ends_with("Name") || k == "meshOwner" {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(o.into_iter().filter(|(_, v)| !v.is_null()).collect()),
        other => other,
    }
}

/// Where `have` differs from what `want` says (keys `want` does not name are ignored).
pub fn differences(want: &Value, have: &Value, path: &str, out: &mut Vec<String>) {
    let at = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (want, have) {
        (Value::Object(w), Value::Object(h)) => {
            for (k, wv) in w {
                match h.get(k) {
                    Some(hv) => differences(wv, hv, &at(k), out),
                    None if wv.is_null() => {}
                    None => out.push(format!("{}: missing → {wv}", at(k))),
                }
            }
        }
        (Value::Array(w), Value::Array(h)) if w.len() == h.len() => {
            for (i, (wv, hv)) in w.iter().zip(h).enumerate() {
                differences(wv, hv, &format!("{path}[{i}]"), out);
            }
        }
        (Value::Array(w), Value::Array(h)) => {
            out.push(format!("{path}: {} items → {} items", h.len(), w.len()))
        }
        _ if want == have => {}
        _ => out.push(format!("{path}: {have} → {want}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_ignore_what_the_step_does_not_say() {
        let want = json!({"httpRoute": {"action": {"weightedTargets": [{"virtualNode": "a", "weight": 90}]}}});
        let have = json!({"httpRoute": {"action": {"weightedTargets": [{"virtualNode": "a", "weight": 100}]}, "retryPolicy": null}, "priority": 1});
        let mut diff = Vec::new();
        differences(&want, &have, "spec", &mut diff);
        assert_eq!(
            diff,
            ["spec.httpRoute.action.weightedTargets[0].weight: 100 → 90"]
        );
        let mut same = Vec::new();
        differences(
            &json!({"a": [1, 2]}),
            &json!({"a": [1, 2], "b": 3}),
            "",
            &mut same,
        );
        assert!(same.is_empty());
    }
}
