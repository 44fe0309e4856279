//! ECS service deployments and service revisions: what CreateService/UpdateService record when
//! they start a deployment, how a deployment moves through its lifecycle stages under its
//! strategy (ROLLING, CANARY, LINEAR), the traffic split between revisions over time, rollback
//! (StopServiceDeployment ROLLBACK and the deployment circuit breaker). The operations that
//! list, describe and stop them are in `service_deployments`.
//!
//! Times are the cloud's clock (clock.rs), so bake times in minutes pass in seconds at a large
//! clock scale.

use crate::model::ecs::*;

use super::error::{EcsError, Result};
use super::status::{
    CircuitBreakerStatus, DeploymentStatus, DeploymentStrategy, HasRolloutState, HasStatus,
    LifecycleStage, RolloutState, ServiceDeploymentStatus, WireEnum,
};
use super::store::{Ctx, EcsRegion, EcsState, cluster_name, service_name};

const MINUTE: f64 = 60.0;
/// The documented bounds and defaults of canaryConfiguration and linearConfiguration.
const MAX_BAKE_MINUTES: i32 = 1440;
const DEFAULT_CANARY_PERCENT: f64 = 5.0;
const DEFAULT_CANARY_BAKE: i32 = 10;
const DEFAULT_STEP_PERCENT: f64 = 10.0;
const DEFAULT_STEP_BAKE: i32 = 6;
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

    /// Whether the scheduler must keep the source revision's tasks (a CANARY or LINEAR
    /// deployment until its CLEAN_UP stage: both revisions run at full size while traffic
    /// shifts, as in ECS's blue/green-based strategies).
    pub fn holds_source(&self) -> bool {
        self.rolls_forward()
            && matches!(
                self.strategy(),
                Some(DeploymentStrategy::Canary | DeploymentStrategy::Linear)
            )
            && self.stage() != Some(LifecycleStage::CleanUp)
    }
}

/// deploymentConfiguration.strategy as given (ROLLING when none is).
fn strategy_name(config: Option<&DeploymentConfiguration>) -> &str {
    config
        .and_then(|c| c.strategy.as_deref())
        .unwrap_or(DeploymentStrategy::Rolling.as_str())
}

fn multiple_of_tenth(x: f64) -> bool {
    ((x * 10.0).round() - x * 10.0).abs() < 1e-6
}

/// deploymentConfiguration as CreateService and UpdateService check it, with the documented
/// defaults of the chosen strategy filled in.
pub fn check_configuration(config: &mut DeploymentConfiguration) -> Result<()> {
    let name = strategy_name(Some(config));
    let strategy = match DeploymentStrategy::parse(name) {
        // Deviation: the embedded cloud has no load balancers to swap listeners on.
        Some(DeploymentStrategy::BlueGreen) => {
            return Err(EcsError::invalid_parameter(
                "deploymentConfiguration.strategy: BLUE_GREEN is not supported by the embedded cloud; use ROLLING, CANARY or LINEAR.",
            ));
        }
        Some(strategy) => strategy,
        None => {
            return Err(EcsError::invalid_parameter(format!(
                "deploymentConfiguration.strategy: '{name}' is not one of ROLLING, BLUE_GREEN, LINEAR, CANARY."
            )));
        }
    };
    if config.canary_configuration.is_some() && strategy != DeploymentStrategy::Canary {
        return Err(EcsError::invalid_parameter(
            "canaryConfiguration is only valid with the CANARY deployment strategy.",
        ));
    }
    if config.linear_configuration.is_some() && strategy != DeploymentStrategy::Linear {
        return Err(EcsError::invalid_parameter(
            "linearConfiguration is only valid with the LINEAR deployment strategy.",
        ));
    }
    let bake = |name: &str, minutes: Option<i32>| match minutes {
        Some(m) if !(0..=MAX_BAKE_MINUTES).contains(&m) => Err(EcsError::invalid_parameter(
            format!("{name}: valid values are 0 to {MAX_BAKE_MINUTES} minutes."),
        )),
        _ => Ok(()),
    };
    bake("bakeTimeInMinutes", config.bake_time_in_minutes)?;
    if strategy == DeploymentStrategy::Canary {
        let canary = config
            .canary_configuration
            .get_or_insert_with(Default::default);
        let percent = *canary.canary_percent.get_or_insert(DEFAULT_CANARY_PERCENT);
        if !(0.1..=100.0).contains(&percent) || !multiple_of_tenth(percent) {
            return Err(EcsError::invalid_parameter(
                "canaryConfiguration.canaryPercent: valid values are multiples of 0.1 from 0.1 to 100.0.",
            ));
        }
        let minutes = *canary
            .canary_bake_time_in_minutes
            .get_or_insert(DEFAULT_CANARY_BAKE);
        bake("canaryConfiguration.canaryBakeTimeInMinutes", Some(minutes))?;
    }
    if strategy == DeploymentStrategy::Linear {
        let linear = config
            .linear_configuration
            .get_or_insert_with(Default::default);
        let percent = *linear.step_percent.get_or_insert(DEFAULT_STEP_PERCENT);
        if !(3.0..=100.0).contains(&percent) || !multiple_of_tenth(percent) {
            return Err(EcsError::invalid_parameter(
                "linearConfiguration.stepPercent: valid values are multiples of 0.1 from 3.0 to 100.0.",
            ));
        }
        let minutes = *linear
            .step_bake_time_in_minutes
            .get_or_insert(DEFAULT_STEP_BAKE);
        bake("linearConfiguration.stepBakeTimeInMinutes", Some(minutes))?;
    }
    if strategy != DeploymentStrategy::Rolling {
        // Deviation: ECS documents no default for CANARY/LINEAR; none (0) is what a missing one
        // means here.
        config.bake_time_in_minutes.get_or_insert(0);
    }
    Ok(())
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
    let revision_arn = cx.arn(&format!(
        "service-revision/{cluster}/{name}/{}",
        numeric_id()
    ));
    let td = service.task_definition.clone().unwrap_or_default();
    let revision = ServiceRevision {
        service_revision_arn: Some(revision_arn.clone()),
        service_arn: service.service_arn.clone(),
        cluster_arn: service.cluster_arn.clone(),
        task_definition: Some(td.clone()),
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
    // A deployment still running is superseded by this one (ECS stops it).
    for old in region
        .service_deployments
        .values_mut()
        .filter(|d| d.cluster == cluster && d.service == name && d.in_progress())
    {
        finish(
            cx,
            old,
            ServiceDeploymentStatus::Stopped,
            "Superseded by a newer service deployment.",
        );
    }
    let (source_id, source_td) = source.unzip();
    let source_revisions: Vec<ServiceRevisionSummary> = source_td
        .iter()
        .filter_map(|td| latest_revision_arn(region, cluster, &name, td))
        .map(|arn| ServiceRevisionSummary {
            arn: Some(arn),
            ..ServiceRevisionSummary::default()
        })
        .collect();
    let config = service.deployment_configuration.clone();
    let breaker = config
        .as_ref()
        .and_then(|c| c.deployment_circuit_breaker.as_ref())
        .filter(|b| b.enable);
    let deployment_arn = cx.arn(&format!(
        "service-deployment/{cluster}/{name}/{}",
        numeric_id()
    ));
    let deployment = ServiceDeployment {
        service_deployment_arn: Some(deployment_arn.clone()),
        service_arn: service.service_arn.clone(),
        cluster_arn: service.cluster_arn.clone(),
        created_at: Some(cx.now),
        started_at: Some(cx.now),
        updated_at: Some(cx.now),
        source_service_revisions: Some(source_revisions),
        target_service_revision: Some(ServiceRevisionSummary {
            arn: Some(revision_arn.clone()),
            requested_task_count: service.desired_count,
            ..ServiceRevisionSummary::default()
        }),
        status: ServiceDeploymentStatus::InProgress.wire(),
        lifecycle_stage: LifecycleStage::ScaleUp.wire(),
        deployment_configuration: config.clone(),
        deployment_circuit_breaker: Some(ServiceDeploymentCircuitBreaker {
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
        }),
        ..ServiceDeployment::default()
    };
    service.current_service_deployment = Some(deployment_arn.clone());
    region.service_deployments.insert(
        deployment_arn,
        ServiceDeploymentRecord {
            deployment,
            cluster: cluster.to_string(),
            service: name.clone(),
            target_id: target_id.to_string(),
            target_task_definition: td,
            source_id,
            source_task_definition: source_td,
            target_percent: 0.0,
            shifted_at: cx.now,
        },
    );
    prune(region, cluster, &name);
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

/// ECS's documented circuit breaker threshold: by default half the desired count (rounded up),
/// at least 3 and at most 200 (BOUNDED_PERCENT 50); thresholdConfiguration may name another
/// percentage (bounded or not) or a COUNT.
pub fn breaker_threshold(breaker: &DeploymentCircuitBreaker, desired: i32) -> i32 {
    let (kind, value) = breaker
        .threshold_configuration
        .as_ref()
        .map_or(("BOUNDED_PERCENT", 50), |t| (t.r#type.as_str(), t.value));
    let percent = ((desired.max(0) as i64 * value as i64 + 99) / 100) as i32;
    match kind {
        "COUNT" => value.max(1),
        "UNBOUNDED_PERCENT" => percent.max(1),
        _ => percent.clamp(3, 200),
    }
}

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

fn set_stage(cx: &Ctx, record: &mut ServiceDeploymentRecord, stage: LifecycleStage) {
    record.deployment.lifecycle_stage = stage.wire();
    record.deployment.updated_at = Some(cx.now);
}

fn shift(cx: &Ctx, record: &mut ServiceDeploymentRecord, percent: f64) {
    record.target_percent = percent.clamp(0.0, 100.0);
    record.shifted_at = cx.now;
    record.deployment.updated_at = Some(cx.now);
}

/// What the scheduler knows of one ECS deployment of a service.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub running: i32,
    pub pending: i32,
    pub failed: i32,
    /// Whether the ECS deployment still exists (has live tasks or is PRIMARY).
    pub exists: bool,
}

/// The ECS deployments of a region's services as the scheduler left them this pass.
struct Observed<'a> {
    services: &'a std::collections::BTreeMap<(String, String), Service>,
}

impl Observed<'_> {
    fn service(&self, cluster: &str, service: &str) -> Option<&Service> {
        self.services
            .get(&(cluster.to_string(), service.to_string()))
    }

    fn progress(&self, cluster: &str, service: &str, ecs_deployment: &str) -> Progress {
        self.service(cluster, service)
            .and_then(|s| {
                s.deployments
                    .iter()
                    .flatten()
                    .find(|d| d.id.as_deref() == Some(ecs_deployment))
            })
            .map_or(Progress::default(), |d| Progress {
                running: d.running_count.unwrap_or(0),
                pending: d.pending_count.unwrap_or(0),
                failed: d.failed_tasks.unwrap_or(0),
                exists: true,
            })
    }

    fn desired(&self, cluster: &str, service: &str) -> i32 {
        self.service(cluster, service)
            .and_then(|s| s.desired_count)
            .unwrap_or(0)
    }
}

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

/// Moves every running service deployment of a region along (stages, traffic, bake times,
/// circuit breaker). Returns whether anything changed, and the rollbacks the services must
/// make; `due` gets the time of the next timed step.
pub fn advance(cx: &Ctx, region: &mut EcsRegion, due: &mut Option<f64>) -> bool {
    let mut changed = false;
    let mut rollbacks = Vec::new();
    let observe = Observed {
        services: &region.services,
    };
    for record in region.service_deployments.values_mut() {
        if !record.in_progress() {
            continue;
        }
        let before = record.clone();
        // Every stage that can follow at once does (no pass comes unless something is due).
        for _ in 0..8 {
            let stage = (
                record.deployment.status.clone(),
                record.deployment.lifecycle_stage.clone(),
            );
            step(cx, record, &observe, due, &mut rollbacks);
            if (
                record.deployment.status.clone(),
                record.deployment.lifecycle_stage.clone(),
            ) == stage
            {
                break;
            }
        }
        changed |= *record != before;
    }
    if changed {
        // What a stage asks of the scheduler (drain the old tasks) takes another pass.
        earliest(due, cx.now);
    }
    for order in rollbacks {
        roll_back(cx, region, &order);
        changed = true;
    }
    changed
}

fn earliest(due: &mut Option<f64>, at: f64) {
    *due = Some(due.map_or(at, |d| d.min(at)));
}

fn step(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    observe: &Observed,
    due: &mut Option<f64>,
    rollbacks: &mut Vec<RollbackOrder>,
) {
    let desired = observe.desired(&record.cluster, &record.service);
    let target = observe.progress(&record.cluster, &record.service, &record.target_id);
    let source = record
        .source_id
        .as_deref()
        .map(|id| observe.progress(&record.cluster, &record.service, id))
        .unwrap_or_default();
    if let Some(summary) = record.deployment.target_service_revision.as_mut() {
        summary.requested_task_count = Some(desired);
        summary.running_task_count = Some(target.running);
        summary.pending_task_count = Some(target.pending);
    }
    if let Some(summary) = record
        .deployment
        .source_service_revisions
        .as_mut()
        .and_then(|s| s.first_mut())
    {
        summary.running_task_count = Some(source.running);
        summary.pending_task_count = Some(source.pending);
    }
    if matches!(
        record.status(),
        Some(
            ServiceDeploymentStatus::RollbackRequested
                | ServiceDeploymentStatus::RollbackInProgress
        )
    ) {
        record
            .deployment
            .set_status(ServiceDeploymentStatus::RollbackInProgress);
        // Done once the target revision's tasks are gone and the source runs at full size.
        let reason = record
            .deployment
            .status_reason
            .clone()
            .unwrap_or_else(|| "Service deployment rolled back.".into());
        if target.running + target.pending == 0
            && (record.source_id.is_none() || source.running >= desired)
        {
            finish(
                cx,
                record,
                ServiceDeploymentStatus::RollbackSuccessful,
                &reason,
            );
            set_stage(cx, record, LifecycleStage::CleanUp);
        }
        return;
    }
    // The circuit breaker: enough of the target's tasks failed to start.
    if let Some(b) = record.deployment.deployment_circuit_breaker.as_mut()
        && b.status() == Some(CircuitBreakerStatus::Monitoring)
    {
        b.failure_count = Some(target.failed);
        if target.failed >= b.threshold.unwrap_or(i32::MAX) {
            b.set_status(CircuitBreakerStatus::Triggered);
            let rollback = record
                .deployment
                .deployment_configuration
                .as_ref()
                .and_then(|c| c.deployment_circuit_breaker.as_ref())
                .is_some_and(|b| b.rollback);
            let reason = "Service deployment rolled back because the circuit breaker threshold was exceeded.";
            if rollback && record.source_task_definition.is_some() {
                request_rollback(cx, record, reason);
                rollbacks.push(order(record));
            } else {
                finish(
                    cx,
                    record,
                    ServiceDeploymentStatus::Stopped,
                    "Service deployment failed because the circuit breaker threshold was exceeded.",
                );
                rollbacks.push(RollbackOrder {
                    source_id: None,
                    source_task_definition: None,
                    ..order(record)
                });
            }
            return;
        }
    }
    let steady = target.running >= desired && target.pending == 0;
    let cfg = record
        .deployment
        .deployment_configuration
        .clone()
        .unwrap_or_default();
    let bake = cfg.bake_time_in_minutes.unwrap_or(0).max(0) as f64 * MINUTE;
    use DeploymentStrategy::{Canary, Linear, Rolling};
    use LifecycleStage::{BakeTime, CleanUp, ProductionTrafficShift, ScaleUp};
    match (record.strategy(), record.stage()) {
        (_, Some(ScaleUp)) if !steady => {}
        // A service's first deployment has no revision to shift traffic from.
        (_, Some(ScaleUp)) if record.source_task_definition.is_none() => {
            shift(cx, record, 100.0);
            set_stage(cx, record, LifecycleStage::CleanUp);
        }
        (Some(Rolling), Some(ScaleUp)) => {
            // A rolling update shifts traffic with its tasks; it is done once the old tasks
            // are gone.
            set_stage(cx, record, LifecycleStage::CleanUp);
            shift(cx, record, 100.0);
        }
        (Some(Canary), Some(ScaleUp)) => {
            let percent = cfg
                .canary_configuration
                .as_ref()
                .and_then(|c| c.canary_percent)
                .unwrap_or(DEFAULT_CANARY_PERCENT);
            set_stage(cx, record, LifecycleStage::ProductionTrafficShift);
            shift(cx, record, percent);
        }
        (Some(Linear), Some(ScaleUp)) => {
            let percent = cfg
                .linear_configuration
                .as_ref()
                .and_then(|c| c.step_percent)
                .unwrap_or(DEFAULT_STEP_PERCENT);
            set_stage(cx, record, LifecycleStage::ProductionTrafficShift);
            shift(cx, record, percent);
        }
        (Some(Canary), Some(ProductionTrafficShift)) => {
            let wait = cfg
                .canary_configuration
                .as_ref()
                .and_then(|c| c.canary_bake_time_in_minutes)
                .unwrap_or(DEFAULT_CANARY_BAKE) as f64
                * MINUTE;
            let at = record.shifted_at + wait;
            if cx.now >= at {
                shift(cx, record, 100.0);
                set_stage(cx, record, LifecycleStage::BakeTime);
            } else {
                earliest(due, at);
            }
        }
        (Some(Linear), Some(ProductionTrafficShift)) => {
            let linear = cfg.linear_configuration.clone().unwrap_or_default();
            let wait = linear
                .step_bake_time_in_minutes
                .unwrap_or(DEFAULT_STEP_BAKE) as f64
                * MINUTE;
            let step = linear.step_percent.unwrap_or(DEFAULT_STEP_PERCENT);
            if record.target_percent >= 100.0 {
                // "This bake time is not applied after reaching 100 percent traffic."
                set_stage(cx, record, LifecycleStage::BakeTime);
            } else {
                let at = record.shifted_at + wait;
                if cx.now >= at {
                    let next = ((record.target_percent + step) * 10.0).round() / 10.0;
                    shift(cx, record, next.min(100.0));
                    if record.target_percent >= 100.0 {
                        set_stage(cx, record, LifecycleStage::BakeTime);
                    } else {
                        earliest(due, cx.now + wait);
                    }
                } else {
                    earliest(due, at);
                }
            }
        }
        (_, Some(BakeTime)) => {
            let at = record.shifted_at + bake;
            if cx.now >= at {
                set_stage(cx, record, LifecycleStage::CleanUp);
            } else {
                earliest(due, at);
            }
        }
        (_, Some(CleanUp)) if !source.exists || source.running + source.pending == 0 => {
            finish(
                cx,
                record,
                ServiceDeploymentStatus::Successful,
                "Service deployment completed successfully.",
            );
        }
        _ => {}
    }
}

pub(super) fn order(record: &ServiceDeploymentRecord) -> RollbackOrder {
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

pub(super) fn request_rollback(cx: &Ctx, record: &mut ServiceDeploymentRecord, reason: &str) {
    let source_revision = record
        .deployment
        .source_service_revisions
        .iter()
        .flatten()
        .next()
        .and_then(|s| s.arn.clone());
    record
        .deployment
        .set_status(ServiceDeploymentStatus::RollbackRequested);
    record.deployment.status_reason = Some(reason.into());
    record.deployment.rollback = Some(Rollback {
        reason: Some(reason.into()),
        started_at: Some(cx.now),
        service_revision_arn: source_revision,
    });
    shift(cx, record, 0.0);
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

impl EcsState {
    /// The share of a service's production traffic each revision gets now, as
    /// `(task definition ARN, percent)`, the target revision first: what the data plane
    /// weighs a service's tasks by. A service with no deployment under way sends all its
    /// traffic to its one task definition; a CANARY or LINEAR deployment splits it as its
    /// stage says; a ROLLING one by its running tasks; a rollback sends it all back.
    pub fn traffic_shift(&self, region: &str, cluster: &str, service: &str) -> Vec<(String, f64)> {
        let Some(region) = self.regions.get(region) else {
            return vec![];
        };
        region.traffic_shift(cluster, service)
    }
}

impl EcsRegion {
    pub fn traffic_shift(&self, cluster: &str, service: &str) -> Vec<(String, f64)> {
        let cluster = cluster_name(Some(cluster));
        let service = service_name(service).to_string();
        let Some(s) = self.services.get(&(cluster.clone(), service.clone())) else {
            return vec![];
        };
        let current = s
            .current_service_deployment
            .as_ref()
            .and_then(|arn| self.service_deployments.get(arn));
        let td = s.task_definition.clone().unwrap_or_default();
        let Some(d) = current.filter(|d| d.in_progress()) else {
            return vec![(td, 100.0)];
        };
        let Some(source) = d.source_task_definition.clone() else {
            return vec![(d.target_task_definition.clone(), 100.0)];
        };
        let target_percent = if d.strategy() == Some(DeploymentStrategy::Rolling)
            && d.stage() == Some(LifecycleStage::ScaleUp)
        {
            // Traffic follows the running tasks of each deployment.
            let running = |id: &str| {
                s.deployments
                    .iter()
                    .flatten()
                    .find(|x| x.id.as_deref() == Some(id))
                    .and_then(|x| x.running_count)
                    .unwrap_or(0) as f64
            };
            let (t, o) = (
                running(&d.target_id),
                d.source_id.as_deref().map_or(0.0, running),
            );
            if t + o == 0.0 {
                0.0
            } else {
                (t * 1000.0 / (t + o)).round() / 10.0
            }
        } else {
            d.target_percent
        };
        vec![
            (d.target_task_definition.clone(), target_percent),
            (source, ((100.0 - target_percent) * 10.0).round() / 10.0),
        ]
    }
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
                let mut d = super::services::deployment(cx, service, td);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(threshold: Option<(&str, i32)>) -> DeploymentCircuitBreaker {
        DeploymentCircuitBreaker {
            enable: true,
            rollback: true,
            threshold_configuration: threshold.map(|(kind, value)| ThresholdConfiguration {
                r#type: kind.into(),
                value,
            }),
            ..DeploymentCircuitBreaker::default()
        }
    }

    #[test]
    fn the_circuit_breaker_threshold_is_ecs_rule() {
        // Half the desired count, rounded up, at least 3 and at most 200.
        let default = breaker(None);
        assert_eq!(breaker_threshold(&default, 1), 3);
        assert_eq!(breaker_threshold(&default, 7), 4);
        assert_eq!(breaker_threshold(&default, 1000), 200);
        assert_eq!(breaker_threshold(&breaker(Some(("COUNT", 1))), 50), 1);
        assert_eq!(
            breaker_threshold(&breaker(Some(("UNBOUNDED_PERCENT", 50))), 1000),
            500
        );
    }

    #[test]
    fn strategies_get_their_documented_defaults_and_ranges() {
        let mut linear = DeploymentConfiguration {
            strategy: Some("LINEAR".into()),
            ..DeploymentConfiguration::default()
        };
        check_configuration(&mut linear).unwrap();
        let l = linear.linear_configuration.unwrap();
        assert_eq!(
            (l.step_percent, l.step_bake_time_in_minutes),
            (Some(10.0), Some(6))
        );
        let mut off_grid = DeploymentConfiguration {
            strategy: Some("CANARY".into()),
            canary_configuration: Some(CanaryConfiguration {
                canary_percent: Some(12.34),
                canary_bake_time_in_minutes: None,
            }),
            ..DeploymentConfiguration::default()
        };
        assert_eq!(
            check_configuration(&mut off_grid).unwrap_err().code(),
            "InvalidParameterException"
        );
        let mut rolling = DeploymentConfiguration::default();
        check_configuration(&mut rolling).unwrap();
        assert_eq!(
            rolling.bake_time_in_minutes, None,
            "ROLLING is left as given"
        );
    }
}
