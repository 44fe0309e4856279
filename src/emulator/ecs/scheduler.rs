//! The service scheduler and the task lifecycle: keeps each service at its desired count,
//! rolls deployments (new tasks RUNNING before old ones stop), moves tasks through
//! PROVISIONING → PENDING, and applies what the runtime reports (→ RUNNING / STOPPED).

use std::collections::{BTreeSet, HashMap};

use crate::model::ecs::{Deployment, Service, ServiceEvent, TaskDefinition};

use super::quotas::PROVISIONING_TASKS_PER_CLUSTER;
use super::runtime::RuntimeEvent;
use super::status::{
    DeploymentStatus, HasRolloutState, HasStatus, RolloutState, ServiceStatus, TaskStatus,
    TaskStopCode, WireEnum,
};
use super::store::{Ctx, EcsRegion, EcsState, TaskRecord, task_id};
use super::tasks::{self, Launch};
use crate::emulator::account_region::AccountRegion;
use crate::emulator::arn::Arn;

/// Stopped tasks kept per region for DescribeTasks (ECS keeps them about an hour).
const STOPPED_TASKS_KEPT: usize = 200;
/// INACTIVE services kept per region, for DescribeServices.
const INACTIVE_SERVICES_KEPT: usize = 1_000;
/// Service events kept, newest first.
const EVENTS_KEPT: usize = 100;

/// One pass over every account's regions. Adds the scopes it changed to `changed`; returns
/// when the next timed transition is due (epoch seconds). The work is linear in the number of
/// tasks: they are indexed by service once, and each service looks only at its own. A scope
/// is worked on in a copy (its maps are shared, not copied) that replaces it only if the pass
/// changed something, so the scopes nothing happened in are not copied at all.
pub fn reconcile(
    cx: &Ctx,
    state: &mut EcsState,
    changed: &mut BTreeSet<AccountRegion>,
) -> Option<f64> {
    let mut due: Option<f64> = None;
    let scopes: Vec<AccountRegion> = state.scopes.keys().cloned().collect();
    for scope in scopes {
        let cx = Ctx {
            account: scope.account.clone(),
            region: scope.region.clone(),
            ..cx.clone()
        };
        let mut region = state.scopes[&scope].clone();
        if reconcile_region(&cx, &mut region, &mut due) {
            state.scopes.insert(scope.clone(), region);
            changed.insert(scope);
        }
    }
    due
}

fn reconcile_region(cx: &Ctx, region: &mut EcsRegion, due: &mut Option<f64>) -> bool {
    let mut changed = advance_timed(cx, region, due);
    let mut pass = Pass::index(region, cx.task_cap);
    let services: Vec<(String, String)> = region.services.keys().cloned().collect();
    for key in services {
        changed |= reconcile_service(cx, region, &mut pass, &key, due);
    }
    changed |= super::deployments::advance(cx, region, due);
    changed |= prune_stopped(region);
    changed |= prune_inactive_services(region);
    changed
}

/// What one pass knows about a region's tasks: each service's tasks, and how many more tasks
/// each cluster may start now.
struct Pass {
    by_service: HashMap<(String, String), Vec<String>>,
    launch_budget: HashMap<String, usize>,
    /// Tasks the account may still start in this Region (its cap, with accounts).
    account_room: usize,
}

impl Pass {
    fn index(region: &EcsRegion, task_cap: Option<usize>) -> Pass {
        let mut by_service: HashMap<(String, String), Vec<String>> = HashMap::new();
        let mut provisioning: HashMap<String, usize> = HashMap::new();
        for (arn, t) in &region.tasks {
            if let Some(service) = &t.service {
                by_service
                    .entry((t.cluster.clone(), service.clone()))
                    .or_default()
                    .push(arn.clone());
            }
            if t.last_status() == Some(TaskStatus::Provisioning) {
                *provisioning.entry(t.cluster.clone()).or_default() += 1;
            }
        }
        let launch_budget = region
            .clusters
            .keys()
            .map(|c| {
                let busy = provisioning.get(c).copied().unwrap_or(0);
                (
                    c.clone(),
                    PROVISIONING_TASKS_PER_CLUSTER.saturating_sub(busy),
                )
            })
            .collect();
        Pass {
            by_service,
            launch_budget,
            account_room: region.task_room(task_cap),
        }
    }

    fn tasks(&self, key: &(String, String)) -> &[String] {
        self.by_service.get(key).map_or(&[], Vec::as_slice)
    }
}

/// Keeps in `due` the earlier of it and `at` (when the next pass is wanted).
pub(super) fn earliest(due: &mut Option<f64>, at: f64) {
    *due = Some(due.map_or(at, |d| d.min(at)));
}

/// PROVISIONING → PENDING once the provisioning delay is over.
fn advance_timed(cx: &Ctx, region: &mut EcsRegion, due: &mut Option<f64>) -> bool {
    let mut changed = false;
    let timed: Vec<(String, f64)> = region
        .tasks
        .iter()
        .filter(|(_, r)| r.last_status() == Some(TaskStatus::Provisioning))
        .filter_map(|(arn, r)| Some((arn.clone(), r.due_at?)))
        .collect();
    for (arn, at) in timed {
        if at <= cx.now {
            let Some(record) = region.tasks.get_mut(&arn) else {
                continue;
            };
            record.set_last_status(TaskStatus::Pending);
            record.task.pull_started_at = Some(cx.now);
            record.task.version = Some(record.task.version.unwrap_or(1) + 1);
            record.due_at = None;
            changed = true;
        } else {
            earliest(due, at);
        }
    }
    changed
}

/// The tasks of one deployment of a service, among the service's tasks.
fn tasks_of<'a>(
    region: &'a EcsRegion,
    tasks: &'a [String],
    deployment: &'a str,
) -> impl Iterator<Item = &'a TaskRecord> + 'a {
    tasks
        .iter()
        .filter_map(|arn| region.tasks.get(arn))
        .filter(move |t| t.deployment.as_deref() == Some(deployment))
}

fn event(cx: &Ctx, message: String) -> ServiceEvent {
    ServiceEvent {
        id: Some(uuid::Uuid::new_v4().to_string()),
        created_at: Some(cx.now),
        message: Some(message),
    }
}

fn reconcile_service(
    cx: &Ctx,
    region: &mut EcsRegion,
    pass: &mut Pass,
    key: &(String, String),
    due: &mut Option<f64>,
) -> bool {
    let before = region.services[key].clone();
    if before.status() == Some(ServiceStatus::Inactive) {
        return false;
    }
    let mut work = ServiceWork::new(cx, key, &before, pass.tasks(key).to_vec());
    let mut deployments = before.deployments.clone().unwrap_or_default();

    if let Some(primary) = deployments.iter().find(|d| is_primary(d)) {
        work.scale_primary(region, pass, primary, due);
    }
    work.stop_replaced_tasks(region, &deployments);
    deployments.retain(|d| is_primary(d) || work.in_flight(region, deployment_id(d)));
    let (running, pending) = work.count_deployments(region, &mut deployments);
    let steady = deployments.len() == 1 && running == work.desired as i32 && pending == 0;
    if steady {
        complete_rollout(&mut deployments);
    }

    let mut service = before.clone();
    service.running_count = Some(running);
    service.pending_count = Some(pending);
    work.note_steady_state(&before, steady);
    if work.drained(region) {
        service.set_status(ServiceStatus::Inactive);
        deployments.clear();
    }
    service.deployments = Some(deployments);
    record_events(&mut service, &before, work.events);
    let changed = service != before || work.tasks_changed;
    region.services.insert(key.clone(), service);
    changed
}

fn is_primary(deployment: &Deployment) -> bool {
    deployment.status() == Some(DeploymentStatus::Primary)
}

fn deployment_id(deployment: &Deployment) -> &str {
    deployment.id.as_deref().unwrap_or_default()
}

/// One service's share of a scheduler pass: what the service wants, its tasks, and what the
/// pass did to them.
struct ServiceWork<'a> {
    cx: &'a Ctx,
    cluster: &'a str,
    name: &'a str,
    launch_type: &'a str,
    desired: usize,
    draining: bool,
    /// The service's tasks, with those this pass starts.
    tasks: Vec<String>,
    /// The events of this pass, oldest first.
    events: Vec<ServiceEvent>,
    /// The service's newest event before this pass.
    last_event: Option<String>,
    tasks_changed: bool,
}

impl<'a> ServiceWork<'a> {
    fn new(
        cx: &'a Ctx,
        key: &'a (String, String),
        service: &'a Service,
        tasks: Vec<String>,
    ) -> ServiceWork<'a> {
        let draining = service.status() == Some(ServiceStatus::Draining);
        let desired = if draining {
            0
        } else {
            service.desired_count.unwrap_or(0).max(0) as usize
        };
        ServiceWork {
            cx,
            cluster: &key.0,
            name: &key.1,
            launch_type: service.launch_type.as_deref().unwrap_or("EC2"),
            desired,
            draining,
            tasks,
            events: Vec::new(),
            last_event: service
                .events
                .as_ref()
                .and_then(|e| e.first())
                .and_then(|e| e.message.clone()),
            tasks_changed: false,
        }
    }

    /// The ARNs of a deployment's tasks that are not stopped or stopping.
    fn live_tasks(&self, region: &EcsRegion, deployment: &str) -> Vec<String> {
        tasks_of(region, &self.tasks, deployment)
            .filter(|t| t.is_live())
            .filter_map(|t| t.task.task_arn.clone())
            .collect()
    }

    /// A deployment's (running, other live) task counts.
    fn counts(&self, region: &EcsRegion, deployment: &str) -> (i32, i32) {
        let live: Vec<&TaskRecord> = tasks_of(region, &self.tasks, deployment)
            .filter(|t| t.is_live())
            .collect();
        let running = live
            .iter()
            .filter(|t| t.last_status() == Some(TaskStatus::Running))
            .count() as i32;
        (running, live.len() as i32 - running)
    }

    fn in_flight(&self, region: &EcsRegion, deployment: &str) -> bool {
        tasks_of(region, &self.tasks, deployment).any(|t| !t.is_stopped())
    }

    /// Starts or stops the primary deployment's tasks to reach the desired count.
    fn scale_primary(
        &mut self,
        region: &mut EcsRegion,
        pass: &mut Pass,
        primary: &Deployment,
        due: &mut Option<f64>,
    ) {
        let id = deployment_id(primary);
        let mut live = self.live_tasks(region, id);
        // A deployment the circuit breaker failed launches no more tasks; a blue/green one
        // launches its green tasks at its SCALE_UP stage.
        let failed = primary.rollout() == Some(RolloutState::Failed);
        let held = region
            .service_deployments
            .values()
            .any(|d| d.cluster == self.cluster && d.service == self.name && d.holds_launch());
        if live.len() < self.desired && !failed && !held {
            let started = self.start_missing_tasks(region, pass, primary, live.len(), due);
            live.extend(started);
        }
        if live.len() > self.desired {
            let extra = live.split_off(self.desired);
            self.stop_extra_tasks(region, id, &extra);
        }
    }

    /// When the deployment's tasks may be started again after one failed to start.
    fn restart_at(&self, region: &EcsRegion, deployment: &str) -> Option<f64> {
        let last_failure = tasks_of(region, &self.tasks, deployment)
            .filter(|t| t.stop_code() == Some(TaskStopCode::TaskFailedToStart))
            .filter_map(|t| t.task.stopped_at)
            .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.max(t))));
        last_failure.map(|t| t + self.cx.timings.restart_backoff)
    }

    /// Launches as many of the primary's missing tasks as the cluster's launch budget allows,
    /// unless a recent failure to start holds them back. Returns the new tasks' ARNs.
    fn start_missing_tasks(
        &mut self,
        region: &mut EcsRegion,
        pass: &mut Pass,
        primary: &Deployment,
        live: usize,
        due: &mut Option<f64>,
    ) -> Vec<String> {
        let cx = self.cx;
        let id = deployment_id(primary);
        if let Some(at) = self.restart_at(region, id)
            && at > cx.now
        {
            earliest(due, at);
            return Vec::new();
        }
        let missing = self.desired - live;
        let budget = pass
            .launch_budget
            .entry(self.cluster.to_string())
            .or_default();
        let wanted = missing.min(*budget);
        if wanted < missing {
            // The rest start once these leave PROVISIONING (ECS's quota).
            earliest(due, cx.now + cx.timings.provisioning);
        }
        let wanted = wanted.min(pass.account_room);
        if wanted < missing && pass.account_room == 0 {
            let cap = cx.task_cap.unwrap_or_default();
            let said = format!(
                "(service {}) was unable to place a task. Reason: You've reached the limit on the number of tasks you can run concurrently ({cap} in this account and Region).",
                self.name
            );
            // Said once while it lasts, not at every pass.
            if self.last_event.as_deref() != Some(said.as_str()) {
                self.events.push(event(cx, said));
            }
        }
        let td_arn = primary.task_definition.clone().unwrap_or_default();
        if wanted == 0 {
            return Vec::new();
        }
        let Some(td) = region.task_definition(&td_arn).cloned() else {
            return Vec::new();
        };
        *budget -= wanted;
        pass.account_room -= wanted;
        let started: Vec<String> = (0..wanted).map(|_| self.launch(region, &td, id)).collect();
        self.events.push(event(
            cx,
            format!(
                "(service {}) has started {} tasks: (task {}).",
                self.name,
                started.len(),
                task_ids(&started)
            ),
        ));
        self.tasks.extend(started.iter().cloned());
        self.tasks_changed = true;
        earliest(due, cx.now + cx.timings.provisioning);
        started
    }

    fn launch(&self, region: &mut EcsRegion, td: &TaskDefinition, deployment: &str) -> String {
        tasks::launch(
            self.cx,
            region,
            Launch {
                cluster: self.cluster,
                task_definition: td,
                launch_type: self.launch_type,
                started_by: Some(deployment.to_string()),
                group: format!("service:{}", self.name),
                service: Some(self.name.to_string()),
                deployment: Some(deployment.to_string()),
                tags: vec![],
            },
        )
    }

    /// Stops the primary's tasks beyond the desired count (the service scaled in).
    fn stop_extra_tasks(&mut self, region: &mut EcsRegion, deployment: &str, extra: &[String]) {
        let reason = format!("Scaling activity initiated by (deployment {deployment})");
        for arn in extra {
            if let Some(record) = region.tasks.get_mut(arn) {
                tasks::stop(
                    self.cx,
                    record,
                    &reason,
                    TaskStopCode::ServiceSchedulerInitiated,
                );
            }
        }
        self.events.push(event(
            self.cx,
            format!(
                "(service {}) has stopped {} running tasks: (task {}).",
                self.name,
                extra.len(),
                task_ids(extra)
            ),
        ));
        self.tasks_changed = true;
    }

    /// Stops the old deployments' tasks once the primary is steady, or at once when the
    /// service drains.
    fn stop_replaced_tasks(&mut self, region: &mut EcsRegion, deployments: &[Deployment]) {
        let primary_steady = deployments
            .iter()
            .find(|d| is_primary(d))
            .is_none_or(|d| self.counts(region, deployment_id(d)) == (self.desired as i32, 0));
        // A blue/green-based deployment keeps the old revision's tasks until its CLEAN_UP stage.
        let held = region
            .service_deployments
            .values()
            .any(|d| d.cluster == self.cluster && d.service == self.name && d.holds_source());
        if !((primary_steady && !held) || self.draining) {
            return;
        }
        for d in deployments.iter().filter(|d| !is_primary(d)) {
            let id = deployment_id(d);
            for arn in &self.live_tasks(region, id) {
                if let Some(record) = region.tasks.get_mut(arn) {
                    tasks::stop(
                        self.cx,
                        record,
                        &format!("Task stopped by deployment replacement ({id})"),
                        TaskStopCode::ServiceSchedulerInitiated,
                    );
                    self.tasks_changed = true;
                }
            }
        }
    }

    /// Records each deployment's running, pending and failed task counts. Returns the
    /// service's running and pending counts.
    fn count_deployments(&self, region: &EcsRegion, deployments: &mut [Deployment]) -> (i32, i32) {
        let (mut running, mut pending) = (0, 0);
        for d in deployments.iter_mut() {
            let id = d.id.clone().unwrap_or_default();
            let (r, p) = self.counts(region, &id);
            let failed = tasks_of(region, &self.tasks, &id)
                .filter(|t| t.stop_code() == Some(TaskStopCode::TaskFailedToStart))
                .count() as i32;
            if d.running_count != Some(r)
                || d.pending_count != Some(p)
                || d.failed_tasks != Some(failed)
            {
                d.running_count = Some(r);
                d.pending_count = Some(p);
                d.failed_tasks = Some(failed);
                d.updated_at = Some(self.cx.now);
            }
            running += r;
            pending += p;
        }
        (running, pending)
    }

    /// Says once that a steady service has reached a steady state (not again while nothing
    /// else happens to it).
    fn note_steady_state(&mut self, before: &Service, steady: bool) {
        let steady_message = format!("(service {}) has reached a steady state.", self.name);
        let last_message = before
            .events
            .iter()
            .flatten()
            .next()
            .and_then(|e| e.message.clone());
        if steady
            && !self.draining
            && self.events.is_empty()
            && last_message.as_deref() != Some(steady_message.as_str())
        {
            self.events.push(event(self.cx, steady_message));
        }
    }

    /// Whether a draining service has no task left that is not stopped.
    fn drained(&self, region: &EcsRegion) -> bool {
        self.draining
            && !self
                .tasks
                .iter()
                .filter_map(|arn| region.tasks.get(arn))
                .any(|t| !t.is_stopped())
    }
}

/// Marks the primary deployment's rollout COMPLETED (the service is steady).
fn complete_rollout(deployments: &mut [Deployment]) {
    if let Some(primary) = deployments.iter_mut().find(|d| is_primary(d))
        && primary.rollout() != Some(RolloutState::Completed)
    {
        primary.set_rollout(RolloutState::Completed);
        primary.rollout_state_reason = Some(format!(
            "ECS deployment {} completed.",
            deployment_id(primary)
        ));
    }
}

/// Puts this pass's events before the service's earlier ones, newest first.
fn record_events(service: &mut Service, before: &Service, events: Vec<ServiceEvent>) {
    if events.is_empty() {
        return;
    }
    let mut all: Vec<ServiceEvent> = events.into_iter().rev().collect();
    all.extend(before.events.clone().unwrap_or_default());
    all.truncate(EVENTS_KEPT);
    service.events = Some(all);
}

/// Task ids as the service events list them: `a) (task b) (task c`.
fn task_ids(arns: &[String]) -> String {
    let ids: Vec<&str> = arns.iter().map(|a| task_id(a)).collect();
    ids.join(") (task ")
}

/// Forgets the oldest stopped tasks beyond [`STOPPED_TASKS_KEPT`].
fn prune_stopped(region: &mut EcsRegion) -> bool {
    let mut stopped: Vec<(f64, String)> = region
        .tasks
        .values()
        .filter(|t| t.is_stopped())
        .map(|t| {
            (
                t.task.stopped_at.unwrap_or(0.0),
                t.task.task_arn.clone().unwrap_or_default(),
            )
        })
        .collect();
    if stopped.len() <= STOPPED_TASKS_KEPT {
        return false;
    }
    stopped.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    let excess = stopped.len() - STOPPED_TASKS_KEPT;
    for (_, arn) in stopped.into_iter().take(excess) {
        region.tasks.remove(&arn);
    }
    true
}

/// Forgets the oldest INACTIVE services beyond [`INACTIVE_SERVICES_KEPT`] (ECS: "INACTIVE
/// services may be cleaned up and purged"; then DescribeServices says MISSING).
fn prune_inactive_services(region: &mut EcsRegion) -> bool {
    let mut inactive: Vec<(f64, (String, String))> = region
        .services
        .iter()
        .filter(|(_, s)| s.status() == Some(ServiceStatus::Inactive))
        .map(|(key, s)| (s.created_at.unwrap_or(0.0), key.clone()))
        .collect();
    if inactive.len() <= INACTIVE_SERVICES_KEPT {
        return false;
    }
    inactive.sort_by(|a, b| a.0.total_cmp(&b.0));
    let excess = inactive.len() - INACTIVE_SERVICES_KEPT;
    for (_, key) in inactive.into_iter().take(excess) {
        region.services.remove(&key);
    }
    true
}

/// Applies a runtime report. Returns the scope of the task if it changed.
pub fn apply(cx: &Ctx, state: &mut EcsState, event: RuntimeEvent) -> Option<AccountRegion> {
    let arn = event.task_arn().to_string();
    let parsed = Arn::of_service(&arn, "ecs")?;
    let scope = AccountRegion::new(parsed.account, parsed.region);
    let cx = &Ctx {
        account: scope.account.clone(),
        region: scope.region.clone(),
        ..cx.clone()
    };
    let record = state.scopes.get(&scope)?.tasks.get(&arn)?;
    if record.is_stopped() {
        return None;
    }
    let record = state.scopes.get_mut(&scope)?.tasks.get_mut(&arn)?;
    match event {
        RuntimeEvent::Started { containers, .. } => {
            if record.last_status() != Some(TaskStatus::Pending)
                || record.desired_status() != Some(TaskStatus::Running)
            {
                return None;
            }
            record.set_last_status(TaskStatus::Running);
            let task = &mut record.task;
            task.started_at = Some(cx.now);
            task.pull_stopped_at = Some(cx.now);
            task.connectivity = Some("CONNECTED".into());
            task.connectivity_at = Some(cx.now);
            task.version = Some(task.version.unwrap_or(1) + 1);
            for c in task.containers.iter_mut().flatten() {
                let started = containers.iter().find(|s| Some(&s.name) == c.name.as_ref());
                c.last_status = TaskStatus::Running.wire();
                c.runtime_id = Some(uuid::Uuid::new_v4().simple().to_string());
                c.network_bindings = Some(
                    started
                        .map(|s| {
                            s.bindings
                                .iter()
                                .map(|b| crate::model::ecs::NetworkBinding {
                                    bind_ip: Some("127.0.0.1".into()),
                                    container_port: Some(b.container_port),
                                    host_port: Some(b.host_port),
                                    protocol: Some("tcp".into()),
                                    ..Default::default()
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                );
            }
        }
        RuntimeEvent::Failed { reason, .. } => {
            record.task.stopped_reason = Some(reason.clone());
            record.task.stop_code = TaskStopCode::TaskFailedToStart.wire();
            for c in record.task.containers.iter_mut().flatten() {
                c.reason = Some(reason.clone());
            }
            tasks::mark_stopped(cx, record, None);
        }
        RuntimeEvent::Stopped {
            exit_code, reason, ..
        } => {
            if record.desired_status() == Some(TaskStatus::Running) {
                record.task.stop_code = TaskStopCode::EssentialContainerExited.wire();
                record.task.stopped_reason =
                    Some(reason.unwrap_or_else(|| "Essential container in task exited".into()));
            }
            tasks::mark_stopped(cx, record, exit_code);
        }
    }
    Some(scope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ecs::Service;

    #[test]
    fn the_oldest_inactive_services_are_purged_beyond_the_bound() {
        let mut region = EcsRegion::default();
        let service = |status: ServiceStatus, created_at: f64| Service {
            status: status.wire(),
            created_at: Some(created_at),
            ..Service::default()
        };
        for i in 0..INACTIVE_SERVICES_KEPT + 3 {
            let key = ("c".to_string(), format!("s{i}"));
            region
                .services
                .insert(key, service(ServiceStatus::Inactive, i as f64));
        }
        region.services.insert(
            ("c".into(), "live".into()),
            service(ServiceStatus::Active, 0.0),
        );
        assert!(prune_inactive_services(&mut region));
        assert_eq!(region.services.len(), INACTIVE_SERVICES_KEPT + 1);
        assert!(region.services.contains_key(&("c".into(), "live".into())));
        for gone in ["s0", "s1", "s2"] {
            assert!(!region.services.contains_key(&("c".into(), gone.into())));
        }
        assert!(!prune_inactive_services(&mut region), "nothing more to do");
    }
}
