//! Deletes what the walkthrough creates, in reverse dependency order (the reverse of the steps
//! that create it): ECS services scaled to 0 and deleted, task definitions deregistered, the
//! cluster, then the App Mesh resources with the mesh last. Safe to repeat: what is already
//! gone is reported as such.

use std::ops::Range;
use std::time::{Duration, Instant};

use aws_sdk_ecs::error::ProvideErrorMetadata;
use aws_sdk_ecs::types::{DesiredStatus, TaskDefinitionStatus};
use serde_json::Value;

mod cloud_map;

use super::events::{Events, StepEvent};
use super::runner::{Outcome, Session, StepError, identifiers};
use crate::api::call::{CallRequest, send};
use crate::api::describe_error;
use crate::api::error::CallError;
use crate::model::ecs;
use crate::walkthrough::input;
use crate::walkthrough::operation::{Operation, made_by};
use crate::walkthrough::step::StepKind;
use crate::walkthrough::vars::Vars;

/// One deletion and how it went.
#[derive(Debug, Clone, PartialEq)]
pub struct Deletion {
    pub what: String,
    pub result: Result<&'static str, String>,
}

/// Codes that mean "not there", which a repeated teardown expects.
const GONE: [&str; 4] = [
    "NotFoundException",
    "ServiceNotFoundException",
    "ClusterNotFoundException",
    "ServiceNotActiveException",
];

fn outcome(result: Result<(), CallError>) -> Result<&'static str, String> {
    match result {
        Ok(()) => Ok("deleted"),
        Err(e) if e.code().is_some_and(|c| GONE.contains(&c)) => Ok("already gone"),
        Err(e) => Err(e.to_string()),
    }
}

/// How long a deletion waits for ECS to finish it: the bound of the aws CLI's own waiters
/// (`aws ecs wait services-inactive`: 40 checks 15 s apart; `tasks-stopped`: 100 checks 6 s
/// apart). On AWS a service drains for minutes: the deregistration delay, then each task's
/// stop timeout.
const WAIT_BOUND: Duration = Duration::from_secs(600);
/// The first checks come quickly (the embedded cloud is done in milliseconds); later ones back
/// off to this, a few calls a minute on AWS.
const MAX_CHECK_INTERVAL: Duration = Duration::from_secs(5);

/// A wait for ECS to finish a deletion: bounded, backing off, and told to the step's events
/// line (in a terminal) each time what it waits on changes.
struct Wait<'a> {
    events: &'a Events,
    what: String,
    told: String,
    deadline: Instant,
    interval: Duration,
}

impl<'a> Wait<'a> {
    fn new(events: &'a Events, what: String) -> Wait<'a> {
        Wait {
            events,
            what,
            told: String::new(),
            deadline: Instant::now() + WAIT_BOUND,
            interval: Duration::from_millis(100),
        }
    }

    /// Says `state` on the status line, if it is new.
    fn tell(&mut self, state: &str) {
        if state == self.told {
            return;
        }
        self.events.status(format!("{}: {state}", self.what));
        self.told = state.to_string();
    }

    /// Sleeps until the next check; `false` once the bound has passed.
    async fn next_check(&mut self) -> bool {
        if Instant::now() + self.interval > self.deadline {
            return false;
        }
        tokio::time::sleep(self.interval).await;
        self.interval = (self.interval * 2).min(MAX_CHECK_INTERVAL);
        true
    }

    /// Why the wait ended unfinished, with the last state seen.
    fn gave_up(&self) -> String {
        format!(
            "still {} after {} s: run teardown again later",
            self.told,
            WAIT_BOUND.as_secs()
        )
    }
}

/// Tears down what the steps in `steps` (indexes: a chapter's, or all) create; `events` is
/// told about each deletion as it ends, and what each wait waits on.
pub async fn teardown(session: &Session, steps: Range<usize>, events: &Events) -> Vec<Deletion> {
    let mut done = Vec::new();
    let record = |d: Deletion, done: &mut Vec<Deletion>| {
        events.send(StepEvent::Deleted(d.clone()));
        done.push(d);
    };
    let all = &session.walkthrough.steps;
    let vars = vars_for_deletion(session);
    for step in all[steps.start.min(all.len())..steps.end.min(all.len())]
        .iter()
        .rev()
    {
        let StepKind::Api { call, .. } = &step.kind else {
            continue;
        };
        let Ok(prepared) = input::prepare(
            &session.walkthrough,
            call,
            &vars,
            session.edits.get(&step.id).map(String::as_str),
        ) else {
            continue;
        };
        let want = &prepared.json;
        use ecs::Action as Ecs;
        match call.operation {
            Operation::AppMesh(create) => {
                let Some(made) = made_by(create) else {
                    continue;
                };
                let what = format!("{} {}", made.kind, name_of(want));
                let result = match made.delete.decode(identifiers(want)) {
                    Ok(r) => outcome(send(&session.target, CallRequest::AppMesh(r)).await.0),
                    Err(e) => Err(e.to_string()),
                };
                record(Deletion { what, result }, &mut done);
            }
            Operation::Ecs(Ecs::RunTask) => {
                let what = format!("tasks started by {}", started_by(want));
                let result = stop_started_tasks(session, want, events).await;
                record(Deletion { what, result }, &mut done);
            }
            Operation::Ecs(Ecs::CreateService) => {
                let what = format!("ECS service {}", name_of(want));
                let result = delete_service(session, want, events).await;
                record(Deletion { what, result }, &mut done);
            }
            Operation::Ecs(Ecs::RegisterTaskDefinition) => {
                let family = want
                    .get("family")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                for result in deregister_family(session, family).await {
                    record(result, &mut done);
                }
            }
            Operation::Ecs(Ecs::CreateCluster) => {
                let name = text_of(want, "clusterName").unwrap_or("default");
                let what = format!("ECS cluster {name}");
                let deleted = session
                    .target
                    .ecs
                    .delete_cluster()
                    .cluster(name)
                    .send()
                    .await;
                let result = match deleted {
                    Ok(_) => Ok("deleted"),
                    Err(e) => gone_or(&e),
                };
                record(Deletion { what, result }, &mut done);
                // ECS made the Service Connect namespace for the cluster: it goes too.
                if let Some(namespace) = want
                    .pointer("/serviceConnectDefaults/namespace")
                    .and_then(Value::as_str)
                {
                    for d in cloud_map::delete_namespace(session, namespace).await {
                        record(d, &mut done);
                    }
                }
            }
            _ => {}
        }
    }
    done
}

/// The session's variables, with a stand-in for each value a step learns that the session has
/// not learned: a task definition's revision (a new process, or one already deregistered) or a
/// deployment's ARN never names what teardown deletes, and without them a service that uses
/// them would be skipped, leaving its cluster undeletable.
fn vars_for_deletion(session: &Session) -> Vars {
    let mut vars = session.vars();
    let learned = session.walkthrough.steps.iter().flat_map(|step| {
        step.revision_var
            .iter()
            .chain(step.learn.iter().map(|(name, _pointer)| name))
    });
    for name in learned {
        if vars.get(name).is_none() {
            vars.set(name, &format!("${{{name}}}"));
        }
    }
    vars
}

fn name_of(want: &Value) -> String {
    [
        "virtualServiceName",
        "routeName",
        "virtualRouterName",
        "virtualNodeName",
        "gatewayRouteName",
        "virtualGatewayName",
        "serviceName",
        "clusterName",
        "meshName",
    ]
    .iter()
    .find_map(|k| want.get(*k).and_then(Value::as_str))
    .unwrap_or("?")
    .to_string()
}

/// `CreateVirtualNode` → `virtual node`.
fn started_by(want: &Value) -> &str {
    want.get("startedBy")
        .and_then(Value::as_str)
        .unwrap_or("a RunTask step")
}

/// Stops the tasks a RunTask step started (found by its `startedBy`) and waits (bounded by
/// [`WAIT_BOUND`]) until they are STOPPED, so that the cluster can go.
async fn stop_started_tasks(
    session: &Session,
    want: &Value,
    events: &Events,
) -> Result<&'static str, String> {
    let ecs = &session.target.ecs;
    let cluster = text_of(want, "cluster").unwrap_or("default");
    let Some(started_by) = text_of(want, "startedBy") else {
        return Err("the RunTask step sets no startedBy: stop its tasks by hand".into());
    };
    let listed = ecs
        .list_tasks()
        .cluster(cluster)
        .started_by(started_by)
        .desired_status(DesiredStatus::Running)
        .send()
        .await;
    let arns = match listed {
        Ok(out) => out.task_arns().to_vec(),
        Err(e) => return gone_or(&e),
    };
    if arns.is_empty() {
        return Ok("already gone");
    }
    for arn in &arns {
        ecs.stop_task()
            .cluster(cluster)
            .task(arn)
            .reason("meshwalk teardown")
            .send()
            .await
            .map_err(|e| describe_error(&e))?;
    }
    let mut wait = Wait::new(events, format!("tasks started by {started_by}"));
    loop {
        let described = ecs
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(arns.clone()))
            .send()
            .await
            .map_err(|e| describe_error(&e))?;
        let tasks = described.tasks();
        // The model's lastStatus is a string (STOPPED is the last of ECS's task lifecycle).
        let stopped = tasks
            .iter()
            .filter(|t| t.last_status() == Some("STOPPED"))
            .count();
        if stopped == tasks.len() {
            return Ok("stopped");
        }
        wait.tell(&format!("stopping, {stopped} of {} stopped", tasks.len()));
        if !wait.next_check().await {
            return Err(wait.gave_up());
        }
    }
}

/// Scales the service to 0, deletes it, and waits (bounded by [`WAIT_BOUND`]) until it is
/// INACTIVE, so that the cluster can go.
async fn delete_service(
    session: &Session,
    want: &Value,
    events: &Events,
) -> Result<&'static str, String> {
    let ecs = &session.target.ecs;
    let cluster = text_of(want, "cluster").unwrap_or("default");
    let service = text_of(want, "serviceName").unwrap_or_default();
    let scaled = ecs
        .update_service()
        .cluster(cluster)
        .service(service)
        .desired_count(0)
        .send()
        .await;
    if let Err(e) = &scaled
        && is_gone(e)
    {
        return Ok("already gone");
    }
    let deleted = ecs
        .delete_service()
        .cluster(cluster)
        .service(service)
        .force(true)
        .send()
        .await;
    let result = match deleted {
        Ok(_) => "deleted",
        Err(e) => return gone_or(&e),
    };
    let mut wait = Wait::new(events, format!("ECS service {service}"));
    loop {
        let described = ecs
            .describe_services()
            .cluster(cluster)
            .services(service)
            .send()
            .await;
        // The model's service status is a string: ACTIVE, DRAINING or INACTIVE.
        let draining = described.as_ref().ok().and_then(|out| {
            out.services()
                .first()
                .filter(|s| s.status() == Some("DRAINING"))
                .map(|s| s.running_count())
        });
        let Some(running) = draining else {
            return Ok(result);
        };
        wait.tell(&format!("DRAINING, {running} running"));
        if !wait.next_check().await {
            return Err(wait.gave_up());
        }
    }
}

async fn deregister_family(session: &Session, family: &str) -> Vec<Deletion> {
    let ecs = &session.target.ecs;
    let listed = ecs
        .list_task_definitions()
        .family_prefix(family)
        .status(TaskDefinitionStatus::Active)
        .send()
        .await;
    let arns = match listed {
        Ok(out) => out.task_definition_arns().to_vec(),
        Err(e) => {
            return vec![Deletion {
                what: format!("task definitions {family}"),
                result: Err(describe_error(&e)),
            }];
        }
    };
    let mut out = Vec::new();
    for arn in arns {
        let name = arn.rsplit('/').next().unwrap_or(family).to_string();
        let deregistered = ecs
            .deregister_task_definition()
            .task_definition(&arn)
            .send()
            .await;
        out.push(Deletion {
            what: format!("task definition {name}"),
            result: match deregistered {
                Ok(_) => Ok("deregistered"),
                Err(e) => gone_or(&e),
            },
        });
    }
    out
}

/// A string member of a step's input.
fn text_of<'a>(want: &'a Value, key: &str) -> Option<&'a str> {
    want.get(key).and_then(Value::as_str)
}

/// The service says what was to be deleted is not there.
fn is_gone<E: ProvideErrorMetadata>(error: &E) -> bool {
    error.code().is_some_and(|c| GONE.contains(&c))
}

/// "already gone", or the error as people read it.
fn gone_or<E>(error: &E) -> Result<&'static str, String>
where
    E: ProvideErrorMetadata + std::error::Error,
{
    if is_gone(error) {
        Ok("already gone")
    } else {
        Err(describe_error(error))
    }
}

impl Session {
    /// The teardown step `index`: deletes what its chapter's steps created (all steps', in a
    /// walkthrough without chapters); done when every deletion went (or was gone already).
    pub(super) async fn tear_down_chapter_of(&self, index: usize, events: &Events) -> Outcome {
        let steps = self
            .walkthrough
            .chapter_of(index)
            .map_or(0..self.walkthrough.steps.len(), |c| c.steps);
        let deletions = teardown(self, steps, events).await;
        let failures: Vec<String> = deletions
            .iter()
            .filter_map(|d| d.result.as_ref().err().map(|e| format!("{}: {e}", d.what)))
            .collect();
        if failures.is_empty() {
            Outcome::TornDown(deletions.len())
        } else {
            Outcome::Failed(StepError {
                code: None,
                message: failures.join("\n"),
            })
        }
    }
}
