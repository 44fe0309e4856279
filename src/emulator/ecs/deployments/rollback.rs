//! Rollback: what StopServiceDeployment and the circuit breaker decide (`request_rollback`,
//! an order for the service) and how the service carries the order out (`roll_back`).

use crate::model::ecs::*;

use super::super::services;
use super::super::status::{
    DeploymentStatus, HasRolloutState, HasStatus, HookStatus, RolloutState, ServiceDeploymentStatus,
};
use super::super::store::{Ctx, EcsRegion};
use super::{ServiceDeploymentRecord, events, latest_revision_arn, shift};

/// What a deployment asks of the service after a pass: roll back to the source revision.
pub struct RollbackOrder {
    /// The service deployment that rolls back.
    pub arn: String,
    pub cluster: String,
    pub service: String,
    pub source_id: Option<String>,
    pub source_task_definition: Option<String>,
    pub target_id: String,
}

/// The order that rolls `record` back.
pub fn order(record: &ServiceDeploymentRecord) -> RollbackOrder {
    RollbackOrder {
        arn: record
            .deployment
            .service_deployment_arn
            .clone()
            .unwrap_or_default(),
        cluster: record.cluster.clone(),
        service: record.service.clone(),
        source_id: record.source_id.clone(),
        source_task_definition: record.source_task_definition.clone(),
        target_id: record.target_id.clone(),
    }
}

/// Marks the deployment ROLLBACK_REQUESTED and sends all the traffic back to the source.
pub fn request_rollback(cx: &Ctx, record: &mut ServiceDeploymentRecord, reason: &str) {
    let source_revision = record
        .deployment
        .source_service_revisions
        .iter()
        .flatten()
        .next()
        .and_then(|s| s.arn.clone());
    super::set_status(cx, record, ServiceDeploymentStatus::RollbackRequested);
    record.deployment.status_reason = Some(reason.into());
    record.deployment.rollback = Some(Rollback {
        reason: Some(reason.into()),
        started_at: Some(cx.now),
        service_revision_arn: source_revision,
    });
    shift(cx, record, 0.0);
    // A hook still waiting gets no answer now: the deployment no longer goes forward.
    for hook in record
        .deployment
        .lifecycle_hook_details
        .iter_mut()
        .flatten()
    {
        if hook.status() == Some(HookStatus::AwaitingAction) {
            hook.set_status(HookStatus::Failed);
        }
    }
    record.deployment.updated_at = Some(cx.now);
}

/// Carries out a rollback on the service: the source revision's ECS deployment becomes PRIMARY
/// again (a new one if it is gone) and the target's is drained. With no source, the target
/// just stops launching (its rollout FAILED).
pub fn roll_back(cx: &Ctx, region: &mut EcsRegion, order: &RollbackOrder) {
    let key = (order.cluster.clone(), order.service.clone());
    // The Service Connect configuration of the revision rolled back to, for a deployment
    // that has to run it again.
    let source_service_connect = order
        .source_task_definition
        .as_deref()
        .and_then(|td| latest_revision_arn(region, &order.cluster, &order.service, td))
        .and_then(|arn| region.service_revisions.get(&arn))
        .and_then(|r| r.service_connect_configuration.clone());
    let EcsRegion {
        services,
        service_deployments,
        ..
    } = region;
    let Some(service) = services.get_mut(&key) else {
        return;
    };
    if let Some(record) = service_deployments.get(&order.arn) {
        events::push(cx, service, events::rolling_back(record));
    }
    let mut deployments = service.deployments.take().unwrap_or_default();
    for d in deployments.iter_mut() {
        if d.id.as_deref() == Some(order.target_id.as_str()) {
            d.set_status(DeploymentStatus::Active);
            d.set_rollout(RolloutState::Failed);
            d.rollout_state_reason =
                Some("ECS deployment circuit breaker: rolling back or stopped.".into());
            d.updated_at = Some(cx.now);
        }
    }
    if let Some(td) = &order.source_task_definition {
        service.task_definition = Some(td.clone());
        let existing = deployments
            .iter_mut()
            .find(|d| d.id.is_some() && d.id == order.source_id);
        match existing {
            Some(d) => {
                d.set_status(DeploymentStatus::Primary);
                d.desired_count = service.desired_count;
                d.updated_at = Some(cx.now);
            }
            None => {
                // The source's tasks are gone (a finished rolling update): a new deployment
                // runs it again, and the rollback waits for that one.
                let mut d = services::deployment(cx, service, td);
                let resources = deployments
                    .iter()
                    .find(|x| x.id.as_deref() == Some(order.target_id.as_str()))
                    .and_then(|x| x.service_connect_resources.clone());
                if source_service_connect.is_some() {
                    d.service_connect_configuration = source_service_connect;
                    d.service_connect_resources = resources;
                }
                if let Some(record) = service_deployments.get_mut(&order.arn) {
                    record.source_id = d.id.clone();
                }
                deployments.insert(0, d);
            }
        }
    } else if let Some(d) = deployments
        .iter_mut()
        .find(|d| d.id.as_deref() == Some(order.target_id.as_str()))
    {
        // No source: the failed deployment stays PRIMARY but launches no more tasks.
        d.set_status(DeploymentStatus::Primary);
    }
    service.deployments = Some(deployments);
}
