//! The service-deployment operations: ListServiceDeployments, DescribeServiceDeployments,
//! DescribeServiceRevisions, StopServiceDeployment and ContinueServiceDeployment (which decide a
//! rollback; the caller carries it out with `deployments::roll_back`). The lifecycle itself is
//! in `deployments`.

use crate::model::ecs::*;

use super::deployments::{
    RollbackOrder, ServiceDeploymentRecord, answer_hook, order, request_rollback,
};
use super::error::{EcsError, Result};
use super::status::{HookAction, WireEnum};
use super::store::{Ctx, EcsState, page, service_name};

fn with_weights(record: &ServiceDeploymentRecord) -> ServiceDeployment {
    let mut d = record.deployment.clone();
    let target = record.target_percent;
    if let Some(t) = d.target_service_revision.as_mut() {
        t.requested_production_traffic_weight = Some(target);
    }
    for s in d.source_service_revisions.iter_mut().flatten() {
        s.requested_production_traffic_weight = Some(((100.0 - target) * 10.0).round() / 10.0);
    }
    d
}

pub fn list_service_deployments(
    cx: &Ctx,
    state: &EcsState,
    input: ListServiceDeploymentsRequest,
) -> Result<ListServiceDeploymentsResponse> {
    let (region, cluster) = state.cluster_region(cx, input.cluster.as_deref())?;
    let name = service_name(&input.service).to_string();
    if !region
        .services
        .contains_key(&(cluster.clone(), name.clone()))
    {
        return Err(EcsError::service_not_found());
    }
    let statuses = input.status.clone().unwrap_or_default();
    let mut found: Vec<&ServiceDeploymentRecord> = region
        .service_deployments
        .values()
        .filter(|d| d.cluster == cluster && d.service == name)
        .filter(|d| {
            statuses.is_empty()
                || d.status()
                    .is_some_and(|status| statuses.iter().any(|s| s == status.as_str()))
        })
        .filter(|d| {
            let at = d.deployment.created_at.unwrap_or(0.0);
            input
                .created_at
                .as_ref()
                .is_none_or(|c| c.after.is_none_or(|a| at >= a) && c.before.is_none_or(|b| at <= b))
        })
        .collect();
    // Newest first, as ECS lists them.
    found.sort_by(|a, b| {
        b.deployment
            .created_at
            .unwrap_or(0.0)
            .total_cmp(&a.deployment.created_at.unwrap_or(0.0))
    });
    let briefs: Vec<ServiceDeploymentBrief> = found
        .iter()
        .map(|d| ServiceDeploymentBrief {
            service_deployment_arn: d.deployment.service_deployment_arn.clone(),
            service_arn: d.deployment.service_arn.clone(),
            cluster_arn: d.deployment.cluster_arn.clone(),
            started_at: d.deployment.started_at,
            created_at: d.deployment.created_at,
            finished_at: d.deployment.finished_at,
            target_service_revision_arn: d
                .deployment
                .target_service_revision
                .as_ref()
                .and_then(|t| t.arn.clone()),
            status: d.deployment.status.clone(),
            status_reason: d.deployment.status_reason.clone(),
        })
        .collect();
    let (service_deployments, next_token) =
        page(&briefs, input.max_results, input.next_token.as_deref())?;
    Ok(ListServiceDeploymentsResponse {
        service_deployments: Some(service_deployments),
        next_token,
    })
}

fn check_arns(arns: &[String], what: &str) -> Result<()> {
    if arns.is_empty() || arns.len() > 20 {
        return Err(EcsError::invalid_parameter(format!(
            "{what}: name between 1 and 20 ARNs."
        )));
    }
    Ok(())
}

pub fn describe_service_deployments(
    cx: &Ctx,
    state: &EcsState,
    input: DescribeServiceDeploymentsRequest,
) -> Result<DescribeServiceDeploymentsResponse> {
    check_arns(&input.service_deployment_arns, "serviceDeploymentArns")?;
    let region = state.region(cx);
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for arn in &input.service_deployment_arns {
        match region.and_then(|r| r.service_deployments.get(arn)) {
            Some(d) => found.push(with_weights(d)),
            None => failures.push(Failure {
                arn: Some(arn.clone()),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok(DescribeServiceDeploymentsResponse {
        service_deployments: Some(found),
        failures: Some(failures),
    })
}

pub fn describe_service_revisions(
    cx: &Ctx,
    state: &EcsState,
    input: DescribeServiceRevisionsRequest,
) -> Result<DescribeServiceRevisionsResponse> {
    check_arns(&input.service_revision_arns, "serviceRevisionArns")?;
    let region = state.region(cx);
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for arn in &input.service_revision_arns {
        match region.and_then(|r| r.service_revisions.get(arn)) {
            Some(r) => found.push(r.clone()),
            None => failures.push(Failure {
                arn: Some(arn.clone()),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok(DescribeServiceRevisionsResponse {
        service_revisions: Some(found),
        failures: Some(failures),
    })
}

/// StopServiceDeployment: ROLLBACK (the default) returns the service to the source revision;
/// the scheduler carries it out (see `deployments::advance`).
pub fn stop_service_deployment(
    cx: &Ctx,
    state: &mut EcsState,
    input: StopServiceDeploymentRequest,
) -> Result<(StopServiceDeploymentResponse, Option<RollbackOrder>)> {
    let region = state.region_mut(cx);
    let arn = input.service_deployment_arn.clone();
    let record = region.service_deployments.get_mut(&arn).ok_or_else(|| {
        EcsError::service_deployment_not_found(format!(
            "The service deployment {arn} does not exist."
        ))
    })?;
    match input.stop_type.as_deref().unwrap_or("ROLLBACK") {
        "ROLLBACK" => {}
        // ABORT is in the model's enum, but the API reference and the developer guide's
        // "Stopping Amazon ECS service deployments" say "The valid values are ROLLBACK" and
        // document no other stop type: ABORT is refused as such.
        "ABORT" => {
            return Err(EcsError::invalid_parameter(
                "stopType: the valid values are ROLLBACK.",
            ));
        }
        other => {
            return Err(EcsError::invalid_parameter(format!(
                "stopType: '{other}' is not one of ABORT, ROLLBACK."
            )));
        }
    }
    if !record.rolls_forward() {
        return Err(EcsError::conflict(format!(
            "The service deployment is {} and cannot be stopped.",
            record.status().map_or("", WireEnum::as_str)
        )));
    }
    if record.source_task_definition.is_none() {
        return Err(EcsError::invalid_parameter(
            "The service deployment has no previous service revision to roll back to.",
        ));
    }
    request_rollback(
        cx,
        record,
        "Service deployment rolled back by StopServiceDeployment.",
    );
    let order = order(record);
    Ok((
        StopServiceDeploymentResponse {
            service_deployment_arn: Some(arn),
        },
        Some(order),
    ))
}

/// ContinueServiceDeployment: answers a PAUSE hook the deployment waits at; CONTINUE (the
/// default) lets it go on, ROLLBACK returns the service to the source revision.
pub fn continue_service_deployment(
    cx: &Ctx,
    state: &mut EcsState,
    input: ContinueServiceDeploymentRequest,
) -> Result<(ContinueServiceDeploymentResponse, Option<RollbackOrder>)> {
    let action = match input.action.as_deref() {
        None => HookAction::Continue,
        Some(name) => HookAction::parse(name).ok_or_else(|| {
            EcsError::invalid_parameter(format!(
                "action: '{name}' is not one of CONTINUE, ROLLBACK."
            ))
        })?,
    };
    let region = state.region_mut(cx);
    let arn = input.service_deployment_arn.clone();
    let record = region.service_deployments.get_mut(&arn).ok_or_else(|| {
        EcsError::service_deployment_not_found(format!(
            "The service deployment {arn} does not exist."
        ))
    })?;
    let order = answer_hook(cx, record, &input.hook_id, action)?;
    Ok((
        ContinueServiceDeploymentResponse {
            service_deployment_arn: Some(arn),
        },
        order,
    ))
}
