//! How a service deployment moves along, one scheduler pass at a time: its task counts, a
//! rollback under way, the circuit breaker, its PAUSE hooks, and the stages of its strategy
//! (blue/green-based: PRE_SCALE_UP → SCALE_UP → POST_SCALE_UP → TEST_TRAFFIC_SHIFT →
//! POST_TEST_TRAFFIC_SHIFT → PRODUCTION_TRAFFIC_SHIFT → POST_PRODUCTION_TRAFFIC_SHIFT →
//! BAKE_TIME → CLEAN_UP; ROLLING: SCALE_UP → CLEAN_UP). Each stage lasts at least the cloud's
//! stage time (`Timings::stage`), so that a watcher polling the deployment sees it.

use crate::model::ecs::*;

use super::super::scheduler::earliest;
use super::super::status::{
    CircuitBreakerStatus, DeploymentStrategy, HasStatus, LifecycleStage, ServiceDeploymentStatus,
    WireEnum,
};
use super::super::store::{Ctx, EcsRegion};
use super::config::{canary_bake_minutes, canary_percent, step_bake_minutes, step_percent};
use super::hooks::{self, Hooks};
use super::rollback::{RollbackOrder, order, request_rollback, roll_back};
use super::{ServiceDeploymentRecord, events, finish, set_stage, set_status, shift};

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
    let mut said = Vec::new();
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
        for _ in 0..16 {
            let stage = (record.status(), record.stage());
            step(cx, record, &observe, due, &mut rollbacks);
            if (record.status(), record.stage()) == stage {
                break;
            }
        }
        if *record != before {
            changed = true;
            let key = (record.cluster.clone(), record.service.clone());
            said.extend(
                events::between(&before, record)
                    .into_iter()
                    .map(|m| (key.clone(), m)),
            );
        }
    }
    if changed {
        // What a stage asks of the scheduler (drain the old tasks) takes another pass.
        earliest(due, cx.now);
    }
    for (key, message) in said {
        if let Some(service) = region.services.get_mut(&key) {
            events::push(cx, service, message);
        }
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

/// The stages a deployment goes through, in ECS's order (the model's
/// ServiceDeploymentLifecycleStage documentation): a blue/green-based one (BLUE_GREEN, CANARY,
/// LINEAR from an earlier revision) every stage from PRE_SCALE_UP to CLEAN_UP; a ROLLING one, or a service's first deployment
/// (nothing to shift traffic from), SCALE_UP then CLEAN_UP. RECONCILE_SERVICE comes first when
/// the deployment starts while another one still runs ("more than 1 service revision in an
/// ACTIVE state").
const BLUE_GREEN_STAGES: [LifecycleStage; 9] = [
    LifecycleStage::PreScaleUp,
    LifecycleStage::ScaleUp,
    LifecycleStage::PostScaleUp,
    LifecycleStage::TestTrafficShift,
    LifecycleStage::PostTestTrafficShift,
    LifecycleStage::ProductionTrafficShift,
    LifecycleStage::PostProductionTrafficShift,
    LifecycleStage::BakeTime,
    LifecycleStage::CleanUp,
];
const ROLLING_STAGES: [LifecycleStage; 2] = [LifecycleStage::ScaleUp, LifecycleStage::CleanUp];

/// The stage a new deployment starts at.
pub fn first_stage(
    strategy: Option<DeploymentStrategy>,
    has_source: bool,
    reconciles: bool,
) -> LifecycleStage {
    let blue_green = has_source && strategy.is_some_and(|s| s != DeploymentStrategy::Rolling);
    match (blue_green, reconciles) {
        (true, true) => LifecycleStage::ReconcileService,
        (true, false) => LifecycleStage::PreScaleUp,
        (false, _) => LifecycleStage::ScaleUp,
    }
}

/// The stage after `stage`, if any.
fn next_stage(record: &ServiceDeploymentRecord, stage: LifecycleStage) -> Option<LifecycleStage> {
    let stages: &[LifecycleStage] = if record.blue_green() {
        &BLUE_GREEN_STAGES
    } else {
        &ROLLING_STAGES
    };
    if stage == LifecycleStage::ReconcileService {
        return stages.first().copied();
    }
    let at = stages.iter().position(|s| *s == stage)?;
    stages.get(at + 1).copied()
}

/// The hook stage (DeploymentLifecycleHookStage) whose hooks run at `stage`: its own name,
/// except that PRODUCTION_TRAFFIC_SHIFT first runs PRE_PRODUCTION_TRAFFIC_SHIFT's ("Occurs
/// before production traffic shift").
fn hook_stage(stage: LifecycleStage) -> &'static str {
    match stage {
        LifecycleStage::ProductionTrafficShift => "PRE_PRODUCTION_TRAFFIC_SHIFT",
        other => other.as_str(),
    }
}

/// One step of a deployment: its task counts, then a rollback under way, PENDING, the circuit
/// breaker, the hooks of its stage, the stage's own work, and once the stage has lasted the
/// cloud's stage time (so that a watcher sees it), the next stage.
fn step(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    observe: &Observed,
    due: &mut Option<f64>,
    rollbacks: &mut Vec<RollbackOrder>,
) {
    let seen = observe.seen(record);
    count_tasks(record, &seen);
    match record.status() {
        Some(
            ServiceDeploymentStatus::RollbackRequested
            | ServiceDeploymentStatus::RollbackInProgress,
        ) => {
            roll_back_step(cx, record, &seen, due);
            return;
        }
        Some(ServiceDeploymentStatus::Pending) => {
            if dwelt(cx, record, due) {
                set_status(cx, record, ServiceDeploymentStatus::InProgress);
            }
            return;
        }
        Some(ServiceDeploymentStatus::InProgress) => {}
        _ => return,
    }
    if let Some(order) = trip_circuit_breaker(cx, record, &seen) {
        rollbacks.push(order);
        return;
    }
    let Some(stage) = record.stage() else {
        return;
    };
    match hooks::run(cx, record, hook_stage(stage), due) {
        Hooks::Done => {}
        Hooks::Waiting => return,
        Hooks::RollBack(reason) => {
            request_rollback(cx, record, &reason);
            rollbacks.push(order(record));
            return;
        }
    }
    if !work(cx, record, stage, &seen, due) || !dwelt(cx, record, due) {
        return;
    }
    match next_stage(record, stage) {
        Some(next) => set_stage(cx, record, next),
        None => finish(
            cx,
            record,
            ServiceDeploymentStatus::Successful,
            "Service deployment completed successfully.",
        ),
    }
}

/// Whether the deployment has been at its stage (or status) for the cloud's stage time; if not,
/// `due` asks for a pass when it will have.
fn dwelt(cx: &Ctx, record: &ServiceDeploymentRecord, due: &mut Option<f64>) -> bool {
    let at = record.stage_since + cx.timings.stage;
    if cx.now < at {
        earliest(due, at);
        return false;
    }
    true
}

/// What a stage does before the deployment may leave it; whether it is done.
fn work(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    stage: LifecycleStage,
    seen: &Seen,
    due: &mut Option<f64>,
) -> bool {
    let cfg = record
        .deployment
        .deployment_configuration
        .clone()
        .unwrap_or_default();
    match stage {
        LifecycleStage::ScaleUp => {
            let steady = seen.target.running >= seen.desired && seen.target.pending == 0;
            if steady && !record.blue_green() && record.target_percent < 100.0 {
                // A rolling update shifts traffic with its tasks (and a first deployment has
                // nothing to shift from).
                shift(cx, record, 100.0);
            }
            steady
        }
        LifecycleStage::ProductionTrafficShift => production_traffic_shift(cx, record, &cfg, due),
        LifecycleStage::BakeTime => {
            let minutes = cfg.bake_time_in_minutes.unwrap_or(0).max(0);
            baked(cx, record, minutes, due)
        }
        LifecycleStage::CleanUp => {
            !seen.source.exists || seen.source.running + seen.source.pending == 0
        }
        _ => true,
    }
}

/// PRODUCTION_TRAFFIC_SHIFT by strategy: BLUE_GREEN moves all the traffic at once; CANARY its
/// canary share, then the rest after the canary's bake time; LINEAR one step after each step's
/// bake time. Done once the target has all of it.
fn production_traffic_shift(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    cfg: &DeploymentConfiguration,
    due: &mut Option<f64>,
) -> bool {
    let first = record.target_percent <= 0.0;
    match record.strategy() {
        Some(DeploymentStrategy::Canary) if first => shift(cx, record, canary_percent(cfg)),
        Some(DeploymentStrategy::Canary)
            if record.target_percent < 100.0
                && baked(cx, record, canary_bake_minutes(cfg), due) =>
        {
            shift_step(cx, record, 100.0, due)
        }
        Some(DeploymentStrategy::Canary) => {}
        Some(DeploymentStrategy::Linear) if first => shift(cx, record, step_percent(cfg)),
        Some(DeploymentStrategy::Linear) => linear_step(cx, record, cfg, due),
        _ if record.target_percent < 100.0 => shift(cx, record, 100.0),
        _ => {}
    }
    record.target_percent >= 100.0
}

/// A CANARY's or LINEAR's next shift to `percent`, once the PRE_PRODUCTION_TRAFFIC_SHIFT hooks
/// of this step are answered: "For linear and canary deployments, this stage is invoked before
/// every traffic shift step" (the first step's hooks ran as the stage began).
fn shift_step(cx: &Ctx, record: &mut ServiceDeploymentRecord, percent: f64, due: &mut Option<f64>) {
    let at = record.target_percent;
    if record.pre_shift_hooks_at != Some(at) {
        record.pre_shift_hooks_at = Some(at);
        if hooks::restart(
            cx,
            record,
            hook_stage(LifecycleStage::ProductionTrafficShift),
            due,
        ) {
            return;
        }
    }
    shift(cx, record, percent);
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

/// A requested rollback: ROLLBACK_REQUESTED for the stage time, then ROLLBACK_IN_PROGRESS until
/// the target revision's tasks are gone and the source runs at full size (and at least the
/// stage time, so that a watcher sees it).
fn roll_back_step(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    seen: &Seen,
    due: &mut Option<f64>,
) {
    if !dwelt(cx, record, due) {
        return;
    }
    if record.status() == Some(ServiceDeploymentStatus::RollbackRequested) {
        set_status(cx, record, ServiceDeploymentStatus::RollbackInProgress);
        return;
    }
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

/// A LINEAR's next step of the traffic once the step's bake time has passed ("This bake time
/// is not applied after reaching 100 percent traffic").
fn linear_step(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    cfg: &DeploymentConfiguration,
    due: &mut Option<f64>,
) {
    if record.target_percent >= 100.0 || !baked(cx, record, step_bake_minutes(cfg), due) {
        return;
    }
    let next = ((record.target_percent + step_percent(cfg)) * 10.0).round() / 10.0;
    shift_step(cx, record, next.min(100.0), due);
    if record.target_percent < 100.0 {
        earliest(due, cx.now + step_bake_minutes(cfg) as f64 * MINUTE);
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
