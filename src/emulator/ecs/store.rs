//! The ECS store: clusters, task definition revisions, services and tasks per region, and the
//! lookups every handler shares (names or ARNs, `family`, `family:revision`).

use std::collections::VecDeque;

use imbl::OrdMap;

use crate::emulator::account_region::AccountRegion;
use crate::emulator::arn::Arn;
use crate::model::ecs::{Cluster, Service, ServiceRevision, Tag, Task, TaskDefinition};

use super::deployments::ServiceDeploymentRecord;
use super::status::{
    ClusterStatus, HasStatus, TaskDefinitionStatus, TaskStatus, TaskStopCode, WireEnum,
};

use super::error::{EcsError, Result};

/// The whole ECS state: what a snapshot carries. Each account's Regions are separate, as in
/// AWS. The maps are persistent: a change copies only the path to what it changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EcsState {
    pub scopes: OrdMap<AccountRegion, EcsRegion>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EcsRegion {
    /// By cluster name; a deleted cluster stays, INACTIVE, until the name is used again or
    /// it is among the oldest deleted beyond the bound (see `deleted_clusters`).
    pub clusters: OrdMap<String, Cluster>,
    /// Names of deleted clusters, in the order they were deleted.
    pub deleted_clusters: VecDeque<String>,
    /// By family; revision N is at index N - 1.
    pub task_definitions: OrdMap<String, Vec<TaskDefinition>>,
    /// Task definitions carry their tags beside them (the API returns them separately).
    pub task_definition_tags: OrdMap<String, Vec<Tag>>,
    /// By (cluster name, service name); an INACTIVE service stays until the name is reused.
    pub services: OrdMap<(String, String), Service>,
    /// By task ARN.
    pub tasks: OrdMap<String, TaskRecord>,
    /// Service deployments by ARN (see deployments/).
    pub service_deployments: OrdMap<String, ServiceDeploymentRecord>,
    /// Service revisions by ARN.
    pub service_revisions: OrdMap<String, ServiceRevision>,
}

impl EcsState {
    /// The request's account and region, created by its first write.
    pub fn region_mut(&mut self, cx: &Ctx) -> &mut EcsRegion {
        self.scopes.entry(cx.scope()).or_default()
    }

    /// The request's account and region; `None` until something was written there.
    pub fn region(&self, cx: &Ctx) -> Option<&EcsRegion> {
        self.scopes.get(&cx.scope())
    }

    /// The request's region and the name of the ACTIVE cluster `reference` names in it, else
    /// ClusterNotFoundException (a region never written to has no clusters).
    pub fn cluster_region(
        &self,
        cx: &Ctx,
        reference: Option<&str>,
    ) -> Result<(&EcsRegion, String)> {
        let region = self.region(cx).ok_or_else(EcsError::cluster_not_found)?;
        let (cluster, _) = region.active_cluster(reference)?;
        Ok((region, cluster))
    }
}

/// A task and what the scheduler needs to know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    pub task: Task,
    pub cluster: String,
    /// The service and deployment that started it, if a service did.
    pub service: Option<String>,
    pub deployment: Option<String>,
    /// When the next timed transition (PROVISIONING → PENDING) is due, in epoch seconds.
    pub due_at: Option<f64>,
}

impl TaskRecord {
    pub fn last_status(&self) -> Option<TaskStatus> {
        TaskStatus::of(self.task.last_status.as_deref())
    }

    pub fn desired_status(&self) -> Option<TaskStatus> {
        TaskStatus::of(self.task.desired_status.as_deref())
    }

    pub fn set_last_status(&mut self, status: TaskStatus) {
        self.task.last_status = status.wire();
    }

    pub fn set_desired_status(&mut self, status: TaskStatus) {
        self.task.desired_status = status.wire();
    }

    pub fn stop_code(&self) -> Option<TaskStopCode> {
        TaskStopCode::of(self.task.stop_code.as_deref())
    }

    /// Whether the task has reached its final state, STOPPED.
    pub fn is_stopped(&self) -> bool {
        self.last_status() == Some(TaskStatus::Stopped)
    }

    /// Counted by runningCount/pendingCount and kept by a service: not stopped or stopping.
    pub fn is_live(&self) -> bool {
        self.desired_status() == Some(TaskStatus::Running) && !self.is_stopped()
    }

    pub fn id(&self) -> &str {
        task_id(self.task.task_arn.as_deref().unwrap_or_default())
    }
}

/// Where a request acts and the account that owns everything.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub account: String,
    pub region: String,
    pub now: f64,
    pub timings: Timings,
    /// Tasks an account may have live at once in a Region (with accounts; see caps.rs).
    pub task_cap: Option<usize>,
}

/// How long the visible task transitions take. Tests set them to zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timings {
    /// PROVISIONING → PENDING, in seconds.
    pub provisioning: f64,
    /// Before a service replaces a task that failed to start, in seconds.
    pub restart_backoff: f64,
    /// The least time a service deployment spends at each lifecycle stage (and rollback
    /// status), in the cloud's seconds: long enough that the walkthrough's watch, polling
    /// every 250 ms, sees every stage at `--clock-scale 60`.
    pub stage: f64,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            provisioning: 0.4,
            restart_backoff: 5.0,
            stage: 30.0,
        }
    }
}

impl Ctx {
    pub fn scope(&self) -> AccountRegion {
        AccountRegion::new(self.account.as_str(), self.region.as_str())
    }

    pub fn arn(&self, resource: &str) -> String {
        Arn::aws("ecs", &self.region, &self.account, resource).to_string()
    }

    pub fn cluster_arn(&self, cluster: &str) -> String {
        self.arn(&format!("cluster/{cluster}"))
    }
}

/// The cluster a `cluster` member names (a name or an ARN; absent means "default").
pub fn cluster_name(reference: Option<&str>) -> String {
    let reference = reference.unwrap_or("default");
    Arn::parse(reference)
        .and_then(|arn| arn.resource_of("cluster"))
        .unwrap_or(reference)
        .to_string()
}

/// `family:revision` or `family` from a task definition reference that may be an ARN.
pub fn task_definition_name(reference: &str) -> &str {
    Arn::parse(reference)
        .and_then(|arn| arn.resource_of("task-definition"))
        .unwrap_or(reference)
}

impl EcsRegion {
    /// How many more tasks may start here under `cap` (unbounded without one).
    pub fn task_room(&self, cap: Option<usize>) -> usize {
        match cap {
            None => usize::MAX,
            Some(cap) => cap.saturating_sub(self.tasks.values().filter(|t| t.is_live()).count()),
        }
    }

    /// An ACTIVE cluster by name or ARN, else ClusterNotFoundException.
    pub fn active_cluster(&self, reference: Option<&str>) -> Result<(String, &Cluster)> {
        let name = cluster_name(reference);
        match self.clusters.get(&name) {
            Some(c) if c.status() == Some(ClusterStatus::Active) => Ok((name, c)),
            _ => Err(EcsError::cluster_not_found()),
        }
    }

    /// A task definition by `family`, `family:revision` or ARN; `family` alone is the latest
    /// ACTIVE revision.
    pub fn task_definition(&self, reference: &str) -> Option<&TaskDefinition> {
        let reference = task_definition_name(reference);
        match reference.rsplit_once(':') {
            Some((family, revision)) => {
                let revision: usize = revision.parse().ok()?;
                self.task_definitions
                    .get(family)?
                    .get(revision.checked_sub(1)?)
            }
            None => self
                .task_definitions
                .get(reference)?
                .iter()
                .rev()
                .find(|td| td.status() == Some(TaskDefinitionStatus::Active)),
        }
    }

    /// The task definition a task runs.
    pub fn task_definition_of(&self, record: &TaskRecord) -> Option<&TaskDefinition> {
        self.task_definition(
            record
                .task
                .task_definition_arn
                .as_deref()
                .unwrap_or_default(),
        )
    }

    pub fn task_definition_mut(&mut self, arn: &str) -> Option<&mut TaskDefinition> {
        let (family, revision) = Arn::parse(arn)?
            .resource_of("task-definition")?
            .rsplit_once(':')?;
        let revision: usize = revision.parse().ok()?;
        self.task_definitions
            .get_mut(family)?
            .get_mut(revision.checked_sub(1)?)
    }
}

/// ECS refuses a `family:revision` (or ARN) whose revision is not a number before it looks
/// anything up.
pub fn check_revision(reference: &str) -> Result<()> {
    match task_definition_name(reference).rsplit_once(':') {
        Some((_, revision)) if revision.parse::<u32>().is_err() => {
            Err(EcsError::invalid_parameter("Invalid revision number."))
        }
        _ => Ok(()),
    }
}

/// A service by name or ARN within a cluster (`service/CLUSTER/NAME` or the older
/// `service/NAME`).
pub fn service_name(reference: &str) -> &str {
    match Arn::parse(reference) {
        Some(arn) => arn.resource.rsplit('/').next().unwrap_or(arn.resource),
        None => reference,
    }
}

/// A task's id: the last part of its ARN (`task/CLUSTER/ID`).
pub fn task_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// A task's ARN from an id or ARN.
pub fn task_arn(cx: &Ctx, cluster: &str, reference: &str) -> String {
    if reference.starts_with("arn:") {
        reference.to_string()
    } else {
        cx.arn(&format!("task/{cluster}/{reference}"))
    }
}

/// One page of `items` (already in a stable order), ECS style: `maxResults` 1–100, an opaque
/// `nextToken`.
pub fn page<T: Clone>(
    items: &[T],
    max_results: Option<i32>,
    next_token: Option<&str>,
) -> Result<(Vec<T>, Option<String>)> {
    let max = match max_results {
        Some(m) if !(1..=100).contains(&m) => {
            return Err(EcsError::invalid_parameter(
                "maxResults must be between 1 and 100.",
            ));
        }
        Some(m) => m as usize,
        None => 100,
    };
    let start = match next_token {
        Some(token) => token
            .strip_prefix("page-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| EcsError::invalid_parameter("Invalid token"))?,
        None => 0,
    };
    let end = start.saturating_add(max).min(items.len());
    let slice = items.get(start..end).unwrap_or_default().to_vec();
    let next = (end < items.len()).then(|| format!("page-{end}"));
    Ok((slice, next))
}

/// A fresh task id, as ECS writes them (32 hex digits).
pub fn new_task_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn td(family: &str, revision: i32, status: TaskDefinitionStatus) -> TaskDefinition {
        TaskDefinition {
            family: Some(family.into()),
            revision: Some(revision),
            status: status.wire(),
            task_definition_arn: Some(format!(
                "arn:aws:ecs:us-east-1:000000000000:task-definition/{family}:{revision}"
            )),
            ..TaskDefinition::default()
        }
    }

    #[test]
    fn task_definitions_resolve_by_family_revision_and_arn() {
        let mut region = EcsRegion::default();
        region.task_definitions.insert(
            "gopher-distributor".into(),
            vec![
                td("gopher-distributor", 1, TaskDefinitionStatus::Active),
                td("gopher-distributor", 2, TaskDefinitionStatus::Active),
                td("gopher-distributor", 3, TaskDefinitionStatus::Inactive),
            ],
        );
        let rev = |r: &str| region.task_definition(r).and_then(|t| t.revision);
        assert_eq!(rev("gopher-distributor"), Some(2), "latest ACTIVE");
        assert_eq!(rev("gopher-distributor:1"), Some(1));
        assert_eq!(rev("gopher-distributor:3"), Some(3));
        assert_eq!(
            rev("arn:aws:ecs:us-east-1:000000000000:task-definition/gopher-distributor:1"),
            Some(1)
        );
        assert_eq!(rev("gopher-distributor:4"), None);
        assert_eq!(rev("gopher-distributor:0"), None);
        assert_eq!(rev("nope"), None);
    }

    #[test]
    fn clusters_by_name_or_arn() {
        assert_eq!(cluster_name(None), "default");
        assert_eq!(cluster_name(Some("gophermesh")), "gophermesh");
        assert_eq!(
            cluster_name(Some(
                "arn:aws:ecs:us-east-1:000000000000:cluster/gophermesh"
            )),
            "gophermesh"
        );
    }

    #[test]
    fn pages() {
        let items: Vec<u32> = (0..5).collect();
        let (a, t) = page(&items, Some(2), None).unwrap();
        let (b, t) = page(&items, Some(2), t.as_deref()).unwrap();
        let (c, t) = page(&items, Some(2), t.as_deref()).unwrap();
        assert_eq!((a, b, c, t), (vec![0, 1], vec![2, 3], vec![4], None));
        assert!(page(&items, Some(0), None).is_err());
        assert!(page(&items, None, Some("bogus")).is_err());
        // A token from far past the end is an empty last page, not an overflow.
        let (past, t) = page(&items, Some(100), Some("page-18446744073709551615")).unwrap();
        assert_eq!((past, t), (vec![], None));
    }
}
