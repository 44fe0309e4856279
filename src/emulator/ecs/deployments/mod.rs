//! ECS service deployments and service revisions: what CreateService/UpdateService record when
//! they start a deployment (here), the deploymentConfiguration they accept (`config`), how a
//! deployment moves through its lifecycle stages under its strategy (`lifecycle`: ROLLING,
//! BLUE_GREEN, CANARY, LINEAR), its PAUSE hooks (`hooks`), the traffic split between revisions
//! and the test traffic of a blue/green deployment (`traffic`), rollback (`rollback`:
//! StopServiceDeployment, ContinueServiceDeployment ROLLBACK, a hook's timeout and the
//! deployment circuit breaker), and the service events they write (`events`). The operations
//! that list, describe, stop and continue them are in `service_deployments`.
//!
//! Times are the cloud's clock (clock.rs), so bake times in minutes pass in seconds at a large
//! clock scale.

mod config;
mod events;
mod hooks;
mod lifecycle;
mod rollback;
mod traffic;

pub use config::{breaker_threshold, check_configuration, check_traffic_shifting};
pub use lifecycle::advance;
pub use rollback::{RollbackOrder, order, request_rollback, roll_back};

use crate::model::ecs::*;

use super::error::Result;
use super::status::HookAction;
use super::status::{
    CircuitBreakerStatus, DeploymentStrategy, HasStatus, LifecycleStage, ServiceDeploymentStatus,
    WireEnum,
};
use super::store::{Ctx, EcsRegion};
use config::strategy_name;

/// ContinueServiceDeployment's `action` on `record`'s paused hook `hook_id`: CONTINUE lets the
/// deployment go on at the scheduler's next pass; ROLLBACK requests the rollback and returns
/// the order the service carries out (see [`roll_back`]).
pub fn answer_hook(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    hook_id: &str,
    action: HookAction,
) -> Result<Option<RollbackOrder>> {
    let Some(reason) = hooks::answer(cx, record, hook_id, action)? else {
        return Ok(None);
    };
    request_rollback(cx, record, &reason);
    Ok(Some(order(record)))
}

/// Service deployments kept per service (the oldest finished ones are forgotten beyond it).
const DEPLOYMENTS_KEPT: usize = 50;

/// A service deployment and what the scheduler needs to move it along.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDeploymentRecord {
    pub deployment: ServiceDeployment,
    pub cluster: String,
    pub service: String,
    /// The ECS deployment (`ecs-svc/...`) running the target revision.
    pub target_id: String,
    pub target_task_definition: String,
    /// The ECS deployment and task definition the service ran before, if any.
    pub source_id: Option<String>,
    pub source_task_definition: Option<String>,
    /// The share of production traffic the target revision has, and since when.
    pub target_percent: f64,
    pub shifted_at: f64,
    /// Since when the deployment is at its lifecycle stage (or, rolling back, its status).
    pub stage_since: f64,
    /// The hook stage (DeploymentLifecycleHookStage) whose hooks lifecycleHookDetails lists.
    pub hook_stage: Option<String>,
    /// The target's share when the PRE_PRODUCTION_TRAFFIC_SHIFT hooks of a later traffic shift
    /// step last ran (CANARY, LINEAR).
    pub pre_shift_hooks_at: Option<f64>,
}

impl ServiceDeploymentRecord {
    pub fn status(&self) -> Option<ServiceDeploymentStatus> {
        self.deployment.status()
    }

    pub fn stage(&self) -> Option<LifecycleStage> {
        LifecycleStage::of(self.deployment.lifecycle_stage.as_deref())
    }

    /// The strategy (checked by [`check_configuration`] when the deployment started).
    fn strategy(&self) -> Option<DeploymentStrategy> {
        DeploymentStrategy::of(Some(strategy_name(
            self.deployment.deployment_configuration.as_ref(),
        )))
    }

    /// Whether the deployment still runs (so the old revision's tasks are kept).
    pub fn in_progress(&self) -> bool {
        use ServiceDeploymentStatus::*;
        matches!(
            self.status(),
            Some(Pending | InProgress | RollbackRequested | RollbackInProgress)
        )
    }

    /// Whether the deployment goes forward: started and neither finished nor rolling back.
    pub fn rolls_forward(&self) -> bool {
        use ServiceDeploymentStatus::*;
        matches!(self.status(), Some(Pending | InProgress))
    }

    /// Whether the deployment runs the blue/green stages: BLUE_GREEN, CANARY and LINEAR from
    /// a revision the service ran before.
    pub fn blue_green(&self) -> bool {
        self.source_task_definition.is_some()
            && matches!(
                self.strategy(),
                Some(
                    DeploymentStrategy::BlueGreen
                        | DeploymentStrategy::Canary
                        | DeploymentStrategy::Linear
                )
            )
    }

    /// Whether the scheduler must keep the source revision's tasks (a blue/green-based
    /// deployment until its CLEAN_UP stage: both revisions run at full size while traffic
    /// shifts, and the blue one stays through the bake time for a rollback).
    pub fn holds_source(&self) -> bool {
        self.rolls_forward() && self.blue_green() && self.stage() != Some(LifecycleStage::CleanUp)
    }

    /// Whether the scheduler must not start the target revision's tasks yet: a blue/green
    /// deployment before its SCALE_UP stage ("The green service revision has not started").
    pub fn holds_launch(&self) -> bool {
        use LifecycleStage::{PreScaleUp, ReconcileService};
        self.rolls_forward()
            && self.blue_green()
            && (self.status() == Some(ServiceDeploymentStatus::Pending)
                || matches!(self.stage(), Some(PreScaleUp | ReconcileService)))
    }
}

/// 19 digits, as ECS writes the last part of service deployment and revision ARNs.
fn numeric_id() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 10u128.pow(19);
    format!("{n:019}")
}

/// Records a service revision for `service` as it now is, and a service deployment from the
/// service's previous revision (if any) to it. Called by CreateService/UpdateService when they
/// start an ECS deployment `target_id`.
pub fn start(
    cx: &Ctx,
    region: &mut EcsRegion,
    cluster: &str,
    service: &mut Service,
    target_id: &str,
    source: Option<(String, String)>,
) {
    let name = service.service_name.clone().unwrap_or_default();
    let revision_arn = record_revision(cx, region, cluster, service, target_id);
    // A deployment still running is superseded by this one (ECS stops it).
    let superseded: Vec<String> = region
        .service_deployments
        .iter()
        .filter(|(_, d)| d.cluster == cluster && d.service == name && d.in_progress())
        .map(|(arn, _)| arn.clone())
        .collect();
    for arn in &superseded {
        let Some(old) = region.service_deployments.get_mut(arn) else {
            continue;
        };
        finish(
            cx,
            old,
            ServiceDeploymentStatus::Stopped,
            "Superseded by a newer service deployment.",
        );
    }
    let (source_id, source_td) = source.unzip();
    let source_revisions = source_revisions(region, cluster, &name, source_td.as_deref());
    let first_stage = lifecycle::first_stage(
        DeploymentStrategy::of(Some(strategy_name(
            service.deployment_configuration.as_ref(),
        ))),
        source_td.is_some(),
        !superseded.is_empty(),
    );
    let deployment_arn = cx.arn(&format!(
        "service-deployment/{cluster}/{name}/{}",
        numeric_id()
    ));
    let mut deployment = service_deployment(
        cx,
        service,
        &deployment_arn,
        &revision_arn,
        source_revisions,
    );
    deployment.lifecycle_stage = first_stage.wire();
    service.current_service_deployment = Some(deployment_arn.clone());
    events::push(cx, service, events::started(&name, target_id));
    region.service_deployments.insert(
        deployment_arn,
        ServiceDeploymentRecord {
            deployment,
            cluster: cluster.to_string(),
            service: name.clone(),
            target_id: target_id.to_string(),
            target_task_definition: service.task_definition.clone().unwrap_or_default(),
            source_id,
            source_task_definition: source_td,
            target_percent: 0.0,
            shifted_at: cx.now,
            stage_since: cx.now,
            hook_stage: None,
            pre_shift_hooks_at: None,
        },
    );
    prune(region, cluster, &name);
}

/// Records the service as it now is, with the ECS deployment `target_id`'s Service Connect
/// configuration, as a new service revision. Returns its ARN.
fn record_revision(
    cx: &Ctx,
    region: &mut EcsRegion,
    cluster: &str,
    service: &Service,
    target_id: &str,
) -> String {
    let name = service.service_name.as_deref().unwrap_or_default();
    let revision_arn = cx.arn(&format!(
        "service-revision/{cluster}/{name}/{}",
        numeric_id()
    ));
    let revision = ServiceRevision {
        service_revision_arn: Some(revision_arn.clone()),
        service_arn: service.service_arn.clone(),
        cluster_arn: service.cluster_arn.clone(),
        task_definition: Some(service.task_definition.clone().unwrap_or_default()),
        launch_type: service.launch_type.clone(),
        platform_version: service.platform_version.clone(),
        load_balancers: service.load_balancers.clone(),
        service_registries: service.service_registries.clone(),
        network_configuration: service.network_configuration.clone(),
        service_connect_configuration: service
            .deployments
            .iter()
            .flatten()
            .find(|d| d.id.as_deref() == Some(target_id))
            .and_then(|d| d.service_connect_configuration.clone()),
        created_at: Some(cx.now),
        ..ServiceRevision::default()
    };
    region
        .service_revisions
        .insert(revision_arn.clone(), revision);
    revision_arn
}

/// The revision a deployment starts from: the service's newest one running the source task
/// definition, if any.
fn source_revisions(
    region: &EcsRegion,
    cluster: &str,
    service: &str,
    source_td: Option<&str>,
) -> Vec<ServiceRevisionSummary> {
    source_td
        .iter()
        .filter_map(|td| latest_revision_arn(region, cluster, service, td))
        .map(|arn| ServiceRevisionSummary {
            arn: Some(arn),
            ..ServiceRevisionSummary::default()
        })
        .collect()
}

/// A new service deployment, PENDING (ECS starts it at the scheduler's next pass), from `source_revisions` to
/// the service revision `revision_arn`.
fn service_deployment(
    cx: &Ctx,
    service: &Service,
    deployment_arn: &str,
    revision_arn: &str,
    source_revisions: Vec<ServiceRevisionSummary>,
) -> ServiceDeployment {
    ServiceDeployment {
        service_deployment_arn: Some(deployment_arn.to_string()),
        service_arn: service.service_arn.clone(),
        cluster_arn: service.cluster_arn.clone(),
        created_at: Some(cx.now),
        started_at: Some(cx.now),
        updated_at: Some(cx.now),
        source_service_revisions: Some(source_revisions),
        target_service_revision: Some(ServiceRevisionSummary {
            arn: Some(revision_arn.to_string()),
            requested_task_count: service.desired_count,
            ..ServiceRevisionSummary::default()
        }),
        status: ServiceDeploymentStatus::Pending.wire(),
        deployment_configuration: service.deployment_configuration.clone(),
        deployment_circuit_breaker: Some(circuit_breaker(service)),
        ..ServiceDeployment::default()
    }
}

/// The deployment circuit breaker as the service configures it: MONITORING with its failure
/// threshold when enabled, else DISABLED. The developer guide's "Amazon ECS deployment failure
/// detection": the circuit breaker and alarms "only support rolling update deployment and
/// blue/green deployment types", so a CANARY or LINEAR deployment's is DISABLED whatever the
/// configuration says.
fn circuit_breaker(service: &Service) -> ServiceDeploymentCircuitBreaker {
    let config = service.deployment_configuration.as_ref();
    let supported = matches!(
        DeploymentStrategy::of(Some(strategy_name(config))),
        Some(DeploymentStrategy::Rolling | DeploymentStrategy::BlueGreen)
    );
    let breaker = config
        .and_then(|c| c.deployment_circuit_breaker.as_ref())
        .filter(|b| b.enable && supported);
    ServiceDeploymentCircuitBreaker {
        status: if breaker.is_some() {
            CircuitBreakerStatus::Monitoring
        } else {
            CircuitBreakerStatus::Disabled
        }
        .wire(),
        failure_count: Some(0),
        threshold: Some(breaker.map_or(0, |b| {
            breaker_threshold(b, service.desired_count.unwrap_or(0))
        })),
    }
}

/// The newest revision of a service that runs `td`.
fn latest_revision_arn(
    region: &EcsRegion,
    cluster: &str,
    service: &str,
    td: &str,
) -> Option<String> {
    let prefix = format!("service-revision/{cluster}/{service}/");
    region
        .service_revisions
        .values()
        .filter(|r| {
            r.task_definition.as_deref() == Some(td)
                && r.service_revision_arn
                    .as_deref()
                    .is_some_and(|a| a.contains(&prefix))
        })
        .max_by(|a, b| {
            a.created_at
                .unwrap_or(0.0)
                .total_cmp(&b.created_at.unwrap_or(0.0))
        })
        .and_then(|r| r.service_revision_arn.clone())
}

/// Ends the deployment with `status` (its circuit breaker stops monitoring).
fn finish(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    status: ServiceDeploymentStatus,
    reason: &str,
) {
    let d = &mut record.deployment;
    d.set_status(status);
    d.status_reason = Some(reason.into());
    d.finished_at = Some(cx.now);
    if status == ServiceDeploymentStatus::Stopped {
        d.stopped_at = Some(cx.now);
    }
    d.updated_at = Some(cx.now);
    if let Some(b) = d.deployment_circuit_breaker.as_mut()
        && b.status() == Some(CircuitBreakerStatus::Monitoring)
    {
        b.set_status(CircuitBreakerStatus::MonitoringComplete);
    }
}

/// Moves the deployment to its next lifecycle stage.
fn set_stage(cx: &Ctx, record: &mut ServiceDeploymentRecord, stage: LifecycleStage) {
    record.deployment.lifecycle_stage = stage.wire();
    record.deployment.updated_at = Some(cx.now);
    record.stage_since = cx.now;
}

/// Moves the deployment to `status`, from now.
fn set_status(cx: &Ctx, record: &mut ServiceDeploymentRecord, status: ServiceDeploymentStatus) {
    record.deployment.set_status(status);
    record.deployment.updated_at = Some(cx.now);
    record.stage_since = cx.now;
}

/// Gives the target revision `percent` of the production traffic, from now.
fn shift(cx: &Ctx, record: &mut ServiceDeploymentRecord, percent: f64) {
    record.target_percent = percent.clamp(0.0, 100.0);
    record.shifted_at = cx.now;
    record.deployment.updated_at = Some(cx.now);
}

/// Forgets the oldest finished deployments of a service beyond [`DEPLOYMENTS_KEPT`].
fn prune(region: &mut EcsRegion, cluster: &str, service: &str) {
    let mut finished: Vec<(f64, String)> = region
        .service_deployments
        .iter()
        .filter(|(_, d)| d.cluster == cluster && d.service == service && !d.in_progress())
        .map(|(arn, d)| (d.deployment.created_at.unwrap_or(0.0), arn.clone()))
        .collect();
    if finished.len() < DEPLOYMENTS_KEPT {
        return;
    }
    finished.sort_by(|a, b| a.0.total_cmp(&b.0));
    let excess = finished.len() + 1 - DEPLOYMENTS_KEPT;
    for (_, arn) in finished.into_iter().take(excess) {
        region.service_deployments.remove(&arn);
    }
}
