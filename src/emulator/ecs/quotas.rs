//! ECS's service quotas, as "Amazon ECS service quotas" documents their defaults (per account
//! and Region), and the few bounds the embedded cloud adds where AWS documents none (the
//! README lists them).

use crate::model::ecs::RegisterTaskDefinitionRequest;

use super::error::{EcsError, Result};
use super::status::{ClusterStatus, HasStatus, ServiceStatus};
use super::store::EcsRegion;

/// Clusters per account (and Region).
pub const CLUSTERS: usize = 10_000;
/// Services per cluster.
pub const SERVICES_PER_CLUSTER: usize = 5_000;
/// Tasks per service (the desired count).
pub const TASKS_PER_SERVICE: i32 = 5_000;
/// Tasks in the PROVISIONING state per cluster: the scheduler starts no more at once.
pub const PROVISIONING_TASKS_PER_CLUSTER: usize = 500;
/// Revisions per task definition family.
pub const REVISIONS_PER_FAMILY: usize = 1_000_000;
/// The size of a task definition, in bytes of its JSON.
pub const TASK_DEFINITION_BYTES: usize = 65_536;

/// The embedded cloud's own bound: task definition revisions kept per Region, all families
/// together (AWS bounds only each family). Each may be up to 64 KiB.
pub const REVISIONS_PER_REGION: usize = 2_000;
/// The embedded cloud's own bound: services per Region, all clusters together.
pub const SERVICES_PER_REGION: usize = 10_000;

/// A new cluster named `name` fits (re-creating an ACTIVE one is not new).
pub fn new_cluster(region: &EcsRegion, name: &str) -> Result<()> {
    let active = |c: &crate::model::ecs::Cluster| c.status() == Some(ClusterStatus::Active);
    if region.clusters.get(name).is_some_and(active) {
        return Ok(());
    }
    if region.clusters.values().filter(|c| active(c)).count() >= CLUSTERS {
        return Err(EcsError::client(format!(
            "You have reached the limit of {CLUSTERS} clusters per account in this Region."
        )));
    }
    Ok(())
}

/// A new service fits in `cluster`.
pub fn new_service(region: &EcsRegion, cluster: &str) -> Result<()> {
    let live = |s: &&crate::model::ecs::Service| s.status() != Some(ServiceStatus::Inactive);
    let in_cluster = region
        .services
        .iter()
        .filter(|((c, _), s)| c == cluster && live(s))
        .count();
    if in_cluster >= SERVICES_PER_CLUSTER {
        return Err(EcsError::client(format!(
            "You have reached the limit of {SERVICES_PER_CLUSTER} services per cluster."
        )));
    }
    if region.services.values().filter(live).count() >= SERVICES_PER_REGION {
        return Err(EcsError::client(format!(
            "The embedded cloud holds at most {SERVICES_PER_REGION} services per Region."
        )));
    }
    Ok(())
}

/// A desired count within "Tasks per service" (ECS's own words for it).
pub fn desired_count(desired: i32) -> Result<()> {
    if desired > TASKS_PER_SERVICE {
        return Err(EcsError::invalid_parameter("Desired count exceeds limit."));
    }
    Ok(())
}

/// A new revision of `input.family` fits: its size, its family's revisions, the Region's.
pub fn new_revision(region: &EcsRegion, input: &RegisterTaskDefinitionRequest) -> Result<()> {
    let size = serde_json::to_vec(input).map_or(0, |b| b.len());
    if size > TASK_DEFINITION_BYTES {
        return Err(EcsError::client(format!(
            "Actual length: '{size}'. Max allowed length is '{TASK_DEFINITION_BYTES}' bytes."
        )));
    }
    let family = region
        .task_definitions
        .get(&input.family)
        .map_or(0, Vec::len);
    if family >= REVISIONS_PER_FAMILY {
        return Err(EcsError::limit_exceeded(format!(
            "Family '{}' has reached the limit of {REVISIONS_PER_FAMILY} revisions.",
            input.family
        )));
    }
    let all: usize = region.task_definitions.values().map(Vec::len).sum();
    if all >= REVISIONS_PER_REGION {
        return Err(EcsError::limit_exceeded(format!(
            "The embedded cloud holds at most {REVISIONS_PER_REGION} task definition revisions per Region."
        )));
    }
    Ok(())
}
