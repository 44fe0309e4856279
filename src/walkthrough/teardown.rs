//! Deletes what the walkthrough creates, in reverse dependency order (the reverse of the steps
//! that create it): ECS services scaled to 0 and deleted, task definitions deregistered, the
//! cluster, then the App Mesh resources with the mesh last. Safe to repeat: what is already
//! gone is reported as such.

use std::ops::Range;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::input;
mod cloud_map;
use super::runner::{Session, identifiers};
use super::step::{AwsService, StepKind};
use super::vars::Vars;
use crate::api::call::{CallRequest, send, send_json};
use crate::api::error::CallError;
use crate::model::{appmesh, ecs};

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

/// Tears down what the steps in `steps` (indexes: a chapter's, or all) create; `progress` is
/// told about each deletion as it happens.
pub async fn teardown(
    session: &Session,
    steps: Range<usize>,
    mut progress: impl FnMut(&Deletion),
) -> Vec<Deletion> {
    let mut done = Vec::new();
    let mut record = |d: Deletion, done: &mut Vec<Deletion>| {
        progress(&d);
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
        match (call.service, call.operation.as_str()) {
            (AwsService::AppMesh, op) if op.starts_with("Create") => {
                let delete = op.replacen("Create", "Delete", 1);
                let what = format!("{} {}", kind_words(op), name_of(want));
                let result = match appmesh::Request::decode(&delete, identifiers(want)) {
                    Ok(r) => outcome(send(&session.target, CallRequest::AppMesh(r)).await.0),
                    Err(e) => Err(e.to_string()),
                };
                record(Deletion { what, result }, &mut done);
            }
            (AwsService::Ecs, "RunTask") => {
                let what = format!("tasks started by {}", started_by(want));
                let result = stop_started_tasks(session, want).await;
                record(Deletion { what, result }, &mut done);
            }
            (AwsService::Ecs, "CreateService") => {
                let what = format!("ECS service {}", name_of(want));
                let result = delete_service(session, want).await;
                record(Deletion { what, result }, &mut done);
            }
            (AwsService::Ecs, "RegisterTaskDefinition") => {
                let family = want
                    .get("family")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                for result in deregister_family(session, family).await {
                    record(result, &mut done);
                }
            }
            (AwsService::Ecs, "CreateCluster") => {
                let what = format!("ECS cluster {}", name_of(want));
                let result = match ecs::Request::decode(
                    "DeleteCluster",
                    json!({"cluster": want.get("clusterName")}),
                ) {
                    Ok(r) => outcome(send(&session.target, CallRequest::Ecs(r)).await.0),
                    Err(e) => Err(e.to_string()),
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
fn kind_words(op: &str) -> String {
    super::cli_render::kebab(op.trim_start_matches("Create")).replace('-', " ")
}

fn started_by(want: &Value) -> &str {
    want.get("startedBy")
        .and_then(Value::as_str)
        .unwrap_or("a RunTask step")
}

/// Stops the tasks a RunTask step started (found by its `startedBy`) and waits (bounded) until
/// they are STOPPED, so that the cluster can go.
async fn stop_started_tasks(session: &Session, want: &Value) -> Result<&'static str, String> {
    let cluster = want.get("cluster").cloned().unwrap_or(json!("default"));
    let Some(started_by) = want.get("startedBy").cloned() else {
        return Err("the RunTask step sets no startedBy: stop its tasks by hand".into());
    };
    let ecs_json = |operation: &str, input: Value| {
        let request = ecs::Request::decode(operation, input).map_err(|e| e.to_string());
        async move {
            match request {
                Ok(r) => send_json(&session.target, CallRequest::Ecs(r)).await,
                Err(e) => Err(CallError::input(&e)),
            }
        }
    };
    let listed = ecs_json(
        "ListTasks",
        json!({"cluster": cluster, "startedBy": started_by, "desiredStatus": "RUNNING"}),
    )
    .await;
    let arns: Vec<Value> = match listed {
        Ok(v) => v
            .get("taskArns")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        Err(e) if e.code().is_some_and(|c| GONE.contains(&c)) => return Ok("already gone"),
        Err(e) => return Err(e.to_string()),
    };
    if arns.is_empty() {
        return Ok("already gone");
    }
    for arn in &arns {
        let stop = json!({"cluster": cluster, "task": arn, "reason": "meshwalk teardown"});
        ecs_json("StopTask", stop)
            .await
            .map_err(|e| e.to_string())?;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let described = ecs_json("DescribeTasks", json!({"cluster": cluster, "tasks": arns}))
            .await
            .map_err(|e| e.to_string())?;
        let stopped = described
            .get("tasks")
            .and_then(Value::as_array)
            .is_some_and(|tasks| {
                tasks
                    .iter()
                    .all(|t| t.get("lastStatus").and_then(Value::as_str) == Some("STOPPED"))
            });
        if stopped {
            return Ok("stopped");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("its tasks are still stopping after 60 s".into())
}

/// Scales the service to 0, deletes it, and waits (bounded) until it is INACTIVE, so that the
/// cluster can go.
async fn delete_service(session: &Session, want: &Value) -> Result<&'static str, String> {
    let cluster = want.get("cluster").cloned().unwrap_or(json!("default"));
    let service = want.get("serviceName").cloned().unwrap_or(Value::Null);
    let scale = ecs::Request::decode(
        "UpdateService",
        json!({"cluster": cluster, "service": service, "desiredCount": 0}),
    )
    .map_err(|e| e.to_string())?;
    if let Err(e) = send(&session.target, CallRequest::Ecs(scale)).await.0
        && e.code().is_some_and(|c| GONE.contains(&c))
    {
        return Ok("already gone");
    }
    let delete = ecs::Request::decode(
        "DeleteService",
        json!({"cluster": cluster, "service": service, "force": true}),
    )
    .map_err(|e| e.to_string())?;
    let result = outcome(send(&session.target, CallRequest::Ecs(delete)).await.0)?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let describe = ecs::Request::decode(
            "DescribeServices",
            json!({"cluster": cluster, "services": [service]}),
        )
        .map_err(|e| e.to_string())?;
        let status = send_json(&session.target, CallRequest::Ecs(describe))
            .await
            .ok()
            .and_then(|v| {
                v.pointer("/services/0/status")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
        if status.as_deref() != Some("DRAINING") {
            return Ok(result);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("the service is still DRAINING after 60 s".into())
}

async fn deregister_family(session: &Session, family: &str) -> Vec<Deletion> {
    let list = match ecs::Request::decode(
        "ListTaskDefinitions",
        json!({"familyPrefix": family, "status": "ACTIVE"}),
    ) {
        Ok(r) => r,
        Err(e) => {
            return vec![Deletion {
                what: format!("task definitions {family}"),
                result: Err(e.to_string()),
            }];
        }
    };
    let arns = match send_json(&session.target, CallRequest::Ecs(list)).await {
        Ok(v) => v
            .get("taskDefinitionArns")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        Err(e) => {
            return vec![Deletion {
                what: format!("task definitions {family}"),
                result: Err(e.to_string()),
            }];
        }
    };
    let mut out = Vec::new();
    for arn in arns {
        let name = arn
            .as_str()
            .and_then(|a| a.rsplit('/').next())
            .unwrap_or(family)
            .to_string();
        let result = match ecs::Request::decode(
            "DeregisterTaskDefinition",
            json!({"taskDefinition": arn}),
        ) {
            Ok(r) => {
                outcome(send(&session.target, CallRequest::Ecs(r)).await.0).map(|_| "deregistered")
            }
            Err(e) => Err(e.to_string()),
        };
        out.push(Deletion {
            what: format!("task definition {name}"),
            result,
        });
    }
    out
}
