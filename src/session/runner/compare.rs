//! A Create step whose resource exists: compared with the step's spec, updated to it on
//! request; a task definition revision that already matches is found rather than registered
//! again.

use serde_json::{Value, json};

use super::{Session, StepError};
use crate::api::call::{send, send_json};
use crate::api::capture::Exchange;
use crate::api::error::CallError;
use crate::model::ecs;
use crate::session::deployment_watch::family_revision;
use crate::walkthrough::input::{CallRequest, PreparedCall};
use crate::walkthrough::operation::{AppMeshResource, Operation, made_by};

impl Session {
    /// The App Mesh resource a Create step names, compared with the step's spec.
    pub(super) async fn compare_appmesh(
        &self,
        prepared: &PreparedCall,
        made: AppMeshResource,
    ) -> Option<Result<Vec<String>, CallError>> {
        let request = made.describe.decode(identifiers(&prepared.json)).ok()?;
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
    pub(super) async fn compare_service(
        &self,
        prepared: &PreparedCall,
    ) -> Option<Result<Vec<String>, CallError>> {
        let want = &prepared.json;
        let request = ecs::Action::DescribeServices
            .decode(json!({"cluster": want.get("cluster"), "services": [want.get("serviceName")]}))
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

    /// A deploying UpdateService (a task definition and a deployment configuration) whose
    /// revision the service is deploying, or runs after a deployment of it succeeded: what to
    /// say instead of starting a deployment of that revision to itself. None when the step
    /// deploys something new, or the revision came back by a rollback (the chapter run again
    /// deploys it anew), or the service cannot be described (the call then says why).
    pub(super) async fn already_deployed(&self, want: &Value) -> Option<String> {
        let td = want.get("taskDefinition")?.as_str()?;
        want.get("deploymentConfiguration")?;
        let service = want.get("service")?.as_str()?;
        let request = ecs::Action::DescribeServices
            .decode(json!({"cluster": want.get("cluster"), "services": [service]}))
            .ok()?;
        let have = send_json(&self.target, CallRequest::Ecs(request))
            .await
            .ok()?;
        let have = have.pointer("/services/0")?;
        let have_td = have.get("taskDefinition")?.as_str()?;
        let revision = family_revision(td);
        if family_revision(have_td) != revision {
            return None;
        }
        let status = match have.get("currentServiceDeployment").and_then(Value::as_str) {
            Some(arn) => {
                let request = ecs::Action::DescribeServiceDeployments
                    .decode(json!({"serviceDeploymentArns": [arn]}))
                    .ok()?;
                send_json(&self.target, CallRequest::Ecs(request))
                    .await
                    .ok()
                    .and_then(|d| {
                        d.pointer("/serviceDeployments/0/status")?
                            .as_str()
                            .map(str::to_string)
                    })
            }
            None => None,
        };
        match status.as_deref() {
            Some(s @ ("PENDING" | "IN_PROGRESS")) => Some(format!(
                "{service} is deploying {revision} already ({s}): no second deployment started"
            )),
            Some("SUCCESSFUL") => Some(format!(
                "{service} runs {revision} already (its deployment was SUCCESSFUL): no \
                 deployment of it to itself started; deploy another revision first to show \
                 this one again"
            )),
            _ => None,
        }
    }

    /// A StopServiceDeployment ROLLBACK refused because its deployment is rolled back already
    /// (`R` in the terminal UI did it, or the circuit breaker): the step's aim holds, and this
    /// says so. None otherwise (the refusal stands, with its advice).
    pub(super) async fn already_rolled_back(&self, want: &Value) -> Option<String> {
        if want.get("stopType").and_then(Value::as_str) != Some("ROLLBACK") {
            return None;
        }
        let arn = want.get("serviceDeploymentArn")?.as_str()?;
        let request = ecs::Action::DescribeServiceDeployments
            .decode(json!({"serviceDeploymentArns": [arn]}))
            .ok()?;
        let have = send_json(&self.target, CallRequest::Ecs(request))
            .await
            .ok()?;
        let status = have.pointer("/serviceDeployments/0/status")?.as_str()?;
        status.starts_with("ROLLBACK_").then(|| {
            format!("the deployment is {status} already: it was rolled back before this step ran")
        })
    }

    /// Applies a step's spec to the existing resource.
    pub(super) async fn update(&self, prepared: &PreparedCall) -> Result<Exchange, StepError> {
        let mut input = prepared.json.clone();
        let request = match prepared.operation {
            Operation::AppMesh(create) => {
                let made = made_by(create).ok_or_else(|| {
                    StepError::plain(format!("{create:?} makes nothing meshwalk can update"))
                })?;
                if let Some(o) = input.as_object_mut() {
                    o.remove("tags");
                    o.remove("clientToken");
                }
                CallRequest::AppMesh(
                    made.update
                        .decode(input)
                        .map_err(|e| StepError::plain(e.to_string()))?,
                )
            }
            Operation::Ecs(_) => {
                let w = &prepared.json;
                let update = json!({
                    "cluster": w.get("cluster"), "service": w.get("serviceName"),
                    "taskDefinition": w.get("taskDefinition"), "desiredCount": w.get("desiredCount"),
                    "networkConfiguration": w.get("networkConfiguration"),
                });
                CallRequest::Ecs(
                    ecs::Action::UpdateService
                        .decode(strip_nulls(update))
                        .map_err(|e| StepError::plain(e.to_string()))?,
                )
            }
            // Cloud Map resources are never compared (`call` only compares App Mesh and ECS).
            Operation::ServiceDiscovery(_) => {
                return Err(StepError::plain(
                    "meshwalk does not update Cloud Map resources in place",
                ));
            }
        };
        let (result, exchange) = send(&self.target, request).await;
        result.map_err(|e| self.classify(prepared.service(), e))?;
        Ok(exchange)
    }

    /// The revision of the task definition's family that already matches the step, if any.
    pub(super) async fn registered_revision(&self, want: &Value) -> Option<i64> {
        let family = want.get("family")?.as_str()?;
        let list = ecs::Action::ListTaskDefinitions
            .decode(json!({"familyPrefix": family, "status": "ACTIVE"}))
            .ok()?;
        let listed = send_json(&self.target, CallRequest::Ecs(list)).await.ok()?;
        let mut want = want.clone();
        want.as_object_mut()?.remove("tags");
        for arn in listed.get("taskDefinitionArns")?.as_array()? {
            let describe = ecs::Action::DescribeTaskDefinition
                .decode(json!({"taskDefinition": arn}))
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

pub(super) fn strip_nulls(v: Value) -> Value {
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
    pub(super) fn differences_ignore_what_the_step_does_not_say() {
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
