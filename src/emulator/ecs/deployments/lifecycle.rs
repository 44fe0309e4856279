//! How a service deployment moves along, one scheduler pass at a time: its task counts, a
//! rollback under way, the circuit breaker, and the stages of its strategy (SCALE_UP →
//! PRODUCTION_TRAFFIC_SHIFT → BAKE_TIME → CLEAN_UP; ROLLING goes from SCALE_UP to CLEAN_UP).

use crate::model::ecs::*;

use super::super::scheduler::earliest;
use super::super::status::{
    CircuitBreakerStatus, DeploymentStrategy, HasStatus, LifecycleStage, ServiceDeploymentStatus,
};
use super::super::store::{Ctx, EcsRegion};
use super::config::{canary_bake_minutes, canary_percent, step_bake_minutes, step_percent};
use super::rollback::{RollbackOrder, order, request_rollback, roll_back};
use super::{ServiceDeploymentRecord, finish, set_stage, shift};

const MINUTE: f64 = 60.0;

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
    services: &'a imbl::OrdMap<(String, String), Service>,
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

    fn seen(&self, record: &ServiceDeploymentRecord) -> Seen {
        let (cluster, service) = (&record.cluster, &record.service);
        Seen {
            desired: self.desired(cluster, service),
            target: self.progress(cluster, service, &record.target_id),
            source: record
                .source_id
                .as_deref()
                .map(|id| self.progress(cluster, service, id))
                .unwrap_or_default(),
        }
    }
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
    // Only the deployments under way are touched (and so copied in the persistent map).
    let in_progress: Vec<String> = region
        .service_deployments
        .iter()
        .filter(|(_, d)| d.in_progress())
        .map(|(arn, _)| arn.clone())
        .collect();
    for arn in in_progress {
        let Some(record) = region.service_deployments.get_mut(&arn) else {
            continue;
        };
        let before = record.clone();
        // Every stage that can follow at once does (no pass comes unless something is due).
        for _ in 0..8 {
            let stage = (record.status(), record.stage());
            step(cx, record, &observe, due, &mut rollbacks);
            if (record.status(), record.stage()) == stage {
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

/// What a pass sees of the service a deployment belongs to.
struct Seen {
    desired: i32,
    target: Progress,
    source: Progress,
}

/// One step of a deployment: its task counts, then a rollback under way, the circuit breaker,
/// or the next stage of its strategy.
fn step(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    observe: &Observed,
    due: &mut Option<f64>,
    rollbacks: &mut Vec<RollbackOrder>,
) {
    let seen = observe.seen(record);
    count_tasks(record, &seen);
    if matches!(
        record.status(),
        Some(
            ServiceDeploymentStatus::RollbackRequested
                | ServiceDeploymentStatus::RollbackInProgress
        )
    ) {
        roll_back_step(cx, record, &seen);
        return;
    }
    if let Some(order) = trip_circuit_breaker(cx, record, &seen) {
        rollbacks.push(order);
        return;
    }
    let steady = seen.target.running >= seen.desired && seen.target.pending == 0;
    let cfg = record
        .deployment
        .deployment_configuration
        .clone()
        .unwrap_or_default();
    use DeploymentStrategy::{Canary, Linear, Rolling};
    use LifecycleStage::{BakeTime, CleanUp, ProductionTrafficShift, ScaleUp};
    match (record.strategy(), record.stage()) {
        (_, Some(ScaleUp)) if !steady => {}
        // A service's first deployment has no revision to shift traffic from.
        (_, Some(ScaleUp)) if record.source_task_definition.is_none() => {
            shift(cx, record, 100.0);
            set_stage(cx, record, CleanUp);
        }
        (Some(Rolling), Some(ScaleUp)) => {
            // A rolling update shifts traffic with its tasks; it is done once the old tasks
            // are gone.
            set_stage(cx, record, CleanUp);
            shift(cx, record, 100.0);
        }
        (Some(Canary), Some(ScaleUp)) => start_traffic_shift(cx, record, canary_percent(&cfg)),
        (Some(Linear), Some(ScaleUp)) => start_traffic_shift(cx, record, step_percent(&cfg)),
        (Some(Canary), Some(ProductionTrafficShift)) => canary_bake(cx, record, &cfg, due),
        (Some(Linear), Some(ProductionTrafficShift)) => linear_step(cx, record, &cfg, due),
        (_, Some(BakeTime)) => bake(cx, record, &cfg, due),
        (_, Some(CleanUp))
            if !seen.source.exists || seen.source.running + seen.source.pending == 0 =>
        {
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

/// The task counts the deployment shows for its target and source revisions.
fn count_tasks(record: &mut ServiceDeploymentRecord, seen: &Seen) {
    if let Some(summary) = record.deployment.target_service_revision.as_mut() {
        summary.requested_task_count = Some(seen.desired);
        summary.running_task_count = Some(seen.target.running);
        summary.pending_task_count = Some(seen.target.pending);
    }
    if let Some(summary) = record
        .deployment
        .source_service_revisions
        .as_mut()
        .and_then(|s| s.first_mut())
    {
        summary.running_task_count = Some(seen.source.running);
        summary.pending_task_count = Some(seen.source.pending);
    }
}

/// A requested rollback is in progress; done once the target revision's tasks are gone and
/// the source runs at full size.
fn roll_back_step(cx: &Ctx, record: &mut ServiceDeploymentRecord, seen: &Seen) {
    record
        .deployment
        .set_status(ServiceDeploymentStatus::RollbackInProgress);
    let reason = record
        .deployment
        .status_reason
        .clone()
        .unwrap_or_else(|| "Service deployment rolled back.".into());
    if seen.target.running + seen.target.pending == 0
        && (record.source_id.is_none() || seen.source.running >= seen.desired)
    {
        finish(
            cx,
            record,
            ServiceDeploymentStatus::RollbackSuccessful,
            &reason,
        );
        set_stage(cx, record, LifecycleStage::CleanUp);
    }
}

/// The circuit breaker: once enough of the target's tasks failed to start, the deployment
/// rolls back (if asked to and it has a source) or stops; either way the service must act on
/// the order returned.
fn trip_circuit_breaker(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    seen: &Seen,
) -> Option<RollbackOrder> {
    let b = record.deployment.deployment_circuit_breaker.as_mut()?;
    if b.status() != Some(CircuitBreakerStatus::Monitoring) {
        return None;
    }
    b.failure_count = Some(seen.target.failed);
    if seen.target.failed < b.threshold.unwrap_or(i32::MAX) {
        return None;
    }
    b.set_status(CircuitBreakerStatus::Triggered);
    let rollback = record
        .deployment
        .deployment_configuration
        .as_ref()
        .and_then(|c| c.deployment_circuit_breaker.as_ref())
        .is_some_and(|b| b.rollback);
    if rollback && record.source_task_definition.is_some() {
        request_rollback(
            cx,
            record,
            "Service deployment rolled back because the circuit breaker threshold was exceeded.",
        );
        return Some(order(record));
    }
    finish(
        cx,
        record,
        ServiceDeploymentStatus::Stopped,
        "Service deployment failed because the circuit breaker threshold was exceeded.",
    );
    Some(RollbackOrder {
        source_id: None,
        source_task_definition: None,
        ..order(record)
    })
}

/// SCALE_UP → PRODUCTION_TRAFFIC_SHIFT: a CANARY's or LINEAR's first share of the traffic.
fn start_traffic_shift(cx: &Ctx, record: &mut ServiceDeploymentRecord, percent: f64) {
    set_stage(cx, record, LifecycleStage::ProductionTrafficShift);
    shift(cx, record, percent);
}

/// A CANARY's PRODUCTION_TRAFFIC_SHIFT: after the canary's bake time the rest of the traffic
/// moves, → BAKE_TIME.
fn canary_bake(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    cfg: &DeploymentConfiguration,
    due: &mut Option<f64>,
) {
    if baked(cx, record, canary_bake_minutes(cfg), due) {
        shift(cx, record, 100.0);
        set_stage(cx, record, LifecycleStage::BakeTime);
    }
}

/// A LINEAR's PRODUCTION_TRAFFIC_SHIFT: one more step of the traffic after each step's bake
/// time, → BAKE_TIME at 100 percent.
fn linear_step(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    cfg: &DeploymentConfiguration,
    due: &mut Option<f64>,
) {
    if record.target_percent >= 100.0 {
        // "This bake time is not applied after reaching 100 percent traffic."
        set_stage(cx, record, LifecycleStage::BakeTime);
        return;
    }
    let minutes = step_bake_minutes(cfg);
    if !baked(cx, record, minutes, due) {
        return;
    }
    let next = ((record.target_percent + step_percent(cfg)) * 10.0).round() / 10.0;
    shift(cx, record, next.min(100.0));
    if record.target_percent >= 100.0 {
        set_stage(cx, record, LifecycleStage::BakeTime);
    } else {
        earliest(due, cx.now + minutes as f64 * MINUTE);
    }
}

/// BAKE_TIME → CLEAN_UP once the deployment's bake time has passed since the last shift.
fn bake(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    cfg: &DeploymentConfiguration,
    due: &mut Option<f64>,
) {
    let minutes = cfg.bake_time_in_minutes.unwrap_or(0).max(0);
    if baked(cx, record, minutes, due) {
        set_stage(cx, record, LifecycleStage::CleanUp);
    }
}

/// Whether `minutes` have passed since the traffic last shifted; if not, `due` asks for a pass
/// when they will have.
fn baked(cx: &Ctx, record: &ServiceDeploymentRecord, minutes: i32, due: &mut Option<f64>) -> bool {
    let at = record.shifted_at + minutes as f64 * MINUTE;
    if cx.now < at {
        earliest(due, at);
        return false;
    }
    true
}
