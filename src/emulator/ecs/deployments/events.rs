//! The service events a deployment writes (DescribeServices `events`, newest first), each
//! naming its ECS deployment (`ecs-svc/...`): started, traffic shifted, paused at a hook,
//! completed, failed by the circuit breaker, rolling back, rolled back.
//!
//! The texts follow ECS's service event form, `(service NAME) (deployment ID) ...`; which of
//! them AWS's documentation confirms word for word is listed in the README's bounds.

use crate::model::ecs::{Service, ServiceEvent};

use super::super::status::{CircuitBreakerStatus, HasStatus, HookStatus, ServiceDeploymentStatus};
use super::super::store::Ctx;
use super::ServiceDeploymentRecord;

/// Service events kept, newest first (as the scheduler keeps them).
const EVENTS_KEPT: usize = 100;

/// Puts `message` first among the service's events.
pub(super) fn push(cx: &Ctx, service: &mut Service, message: String) {
    let events = service.events.get_or_insert_with(Vec::new);
    events.insert(
        0,
        ServiceEvent {
            id: Some(uuid::Uuid::new_v4().to_string()),
            created_at: Some(cx.now),
            message: Some(message),
        },
    );
    events.truncate(EVENTS_KEPT);
}

fn prefix(record: &ServiceDeploymentRecord) -> String {
    format!(
        "(service {}) (deployment {})",
        record.service, record.target_id
    )
}

pub(super) fn started(service: &str, target_id: &str) -> String {
    format!("(service {service}) (deployment {target_id}) deployment started.")
}

pub(super) fn rolling_back(record: &ServiceDeploymentRecord) -> String {
    let to = record
        .source_id
        .as_deref()
        .map_or(String::new(), |id| format!(" to (deployment {id})"));
    let reason = record
        .deployment
        .status_reason
        .as_deref()
        .unwrap_or_default();
    format!("{} rolling back{to}: {reason}", prefix(record))
}

/// What changed in a deployment between two passes, as service events, oldest first.
pub(super) fn between(
    before: &ServiceDeploymentRecord,
    after: &ServiceDeploymentRecord,
) -> Vec<String> {
    let mut said = Vec::new();
    let p = prefix(after);
    let tripped = |r: &ServiceDeploymentRecord| {
        r.deployment
            .deployment_circuit_breaker
            .as_ref()
            .is_some_and(|b| b.status() == Some(CircuitBreakerStatus::Triggered))
    };
    if tripped(after) && !tripped(before) {
        said.push(format!("{p} deployment failed: tasks failed to start."));
    }
    let for_source = before.source_task_definition.is_some();
    if for_source && after.rolls_forward() && after.target_percent != before.target_percent {
        said.push(format!(
            "{p} shifted production traffic: {}% to the target service revision.",
            after.target_percent
        ));
    }
    let new_pauses = after
        .deployment
        .lifecycle_hook_details
        .iter()
        .flatten()
        .filter(|h| h.status() == Some(HookStatus::AwaitingAction))
        .filter(|h| {
            !before
                .deployment
                .lifecycle_hook_details
                .iter()
                .flatten()
                .any(|b| b.hook_id == h.hook_id)
        });
    for hook in new_pauses {
        said.push(format!(
            "{p} paused at {}: lifecycle hook {} awaits ContinueServiceDeployment.",
            after.hook_stage.as_deref().unwrap_or_default(),
            hook.hook_id.as_deref().unwrap_or_default()
        ));
    }
    if after.status() != before.status() {
        match after.status() {
            Some(ServiceDeploymentStatus::Successful) => {
                said.push(format!("{p} deployment completed."));
            }
            Some(ServiceDeploymentStatus::RollbackSuccessful) => {
                said.push(format!("{p} rollback completed."));
            }
            _ => {}
        }
    }
    said
}
