//! CreateCluster, DescribeClusters, ListClusters, DeleteCluster.

use crate::model::ecs::*;

use crate::emulator::cloudmap::CloudMap;

use super::error::{EcsError, Result};
use super::status::{ClusterStatus, HasStatus, ServiceStatus, TaskStatus, WireEnum};
use super::store::{Ctx, EcsRegion, EcsState, cluster_name, page};
use super::{quotas, service_connect};

/// The cluster as the API shows it: counts from the tasks and services it holds.
pub fn view(region: &EcsRegion, cluster: &Cluster, with_tags: bool) -> Cluster {
    let name = cluster.cluster_name.as_deref().unwrap_or_default();
    let tasks = region.tasks.values().filter(|t| t.cluster == name);
    let (mut running, mut pending) = (0, 0);
    for t in tasks.filter(|t| !t.is_stopped()) {
        match t.last_status() {
            Some(TaskStatus::Running) => running += 1,
            _ => pending += 1,
        }
    }
    let services = region
        .services
        .iter()
        .filter(|((c, _), s)| c == name && s.status() == Some(ServiceStatus::Active))
        .count();
    Cluster {
        running_tasks_count: Some(running),
        pending_tasks_count: Some(pending),
        active_services_count: Some(services as i32),
        tags: if with_tags {
            cluster.tags.clone()
        } else {
            None
        },
        ..cluster.clone()
    }
}

pub fn create_cluster(
    cx: &Ctx,
    cloudmap: &CloudMap,
    state: &mut EcsState,
    input: CreateClusterRequest,
) -> Result<CreateClusterResponse> {
    let name = input.cluster_name.unwrap_or_else(|| "default".into());
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        || name.is_empty()
        || name.len() > 255
    {
        return Err(EcsError::invalid_parameter(format!(
            "clusterName: '{name}' is not valid: up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed."
        )));
    }
    let region = state.region_mut(cx);
    quotas::new_cluster(region, &name)?;
    // CreateCluster is idempotent: an ACTIVE cluster of that name is returned as it is.
    if let Some(existing) = region.clusters.get(&name)
        && existing.status() == Some(ClusterStatus::Active)
    {
        return Ok(CreateClusterResponse {
            cluster: Some(view(region, existing, true)),
        });
    }
    let service_connect_defaults = input
        .service_connect_defaults
        .as_ref()
        .map(|d| service_connect::cluster_defaults(cloudmap, &cx.scope(), d))
        .transpose()?;
    let cluster = Cluster {
        service_connect_defaults,
        cluster_arn: Some(cx.cluster_arn(&name)),
        cluster_name: Some(name.clone()),
        status: ClusterStatus::Active.wire(),
        registered_container_instances_count: Some(0),
        statistics: Some(vec![]),
        tags: Some(input.tags.unwrap_or_default()),
        settings: Some(input.settings.unwrap_or_else(|| {
            vec![ClusterSetting {
                name: Some("containerInsights".into()),
                value: Some("disabled".into()),
            }]
        })),
        capacity_providers: Some(input.capacity_providers.unwrap_or_default()),
        default_capacity_provider_strategy: Some(
            input.default_capacity_provider_strategy.unwrap_or_default(),
        ),
        configuration: input.configuration,
        ..Cluster::default()
    };
    region.clusters.insert(name, cluster.clone());
    Ok(CreateClusterResponse {
        cluster: Some(view(region, &cluster, true)),
    })
}

/// UpdateCluster: the settings, configuration and Service Connect default namespace given
/// replace the cluster's own.
pub fn update_cluster(
    cx: &Ctx,
    cloudmap: &CloudMap,
    state: &mut EcsState,
    input: UpdateClusterRequest,
) -> Result<UpdateClusterResponse> {
    let region = state.region_mut(cx);
    let (name, _) = region.active_cluster(Some(&input.cluster))?;
    let defaults = input
        .service_connect_defaults
        .as_ref()
        .map(|d| service_connect::cluster_defaults(cloudmap, &cx.scope(), d))
        .transpose()?;
    let cluster = region
        .clusters
        .get_mut(&name)
        .expect("active_cluster found it");
    if let Some(settings) = input.settings {
        cluster.settings = Some(settings);
    }
    if let Some(configuration) = input.configuration {
        cluster.configuration = Some(configuration);
    }
    if let Some(defaults) = defaults {
        cluster.service_connect_defaults = Some(defaults);
    }
    let cluster = cluster.clone();
    Ok(UpdateClusterResponse {
        cluster: Some(view(region, &cluster, true)),
    })
}

pub fn describe_clusters(
    cx: &Ctx,
    state: &EcsState,
    input: DescribeClustersRequest,
) -> Result<DescribeClustersResponse> {
    let region = state.region(cx);
    let with_tags = input.include.iter().flatten().any(|i| i == "TAGS");
    let references = input.clusters.unwrap_or_else(|| vec!["default".into()]);
    let (mut clusters, mut failures) = (Vec::new(), Vec::new());
    for reference in references {
        let name = cluster_name(Some(&reference));
        match region.and_then(|r| Some((r, r.clusters.get(&name)?))) {
            Some((region, c)) => clusters.push(view(region, c, with_tags)),
            None => failures.push(Failure {
                arn: Some(cx.cluster_arn(&name)),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok(DescribeClustersResponse {
        clusters: Some(clusters),
        failures: Some(failures),
    })
}

/// Every cluster the region still knows, INACTIVE ones included: ECS lists a deleted cluster
/// for as long as it stays discoverable (tools that list then tag clusters meet "The specified
/// cluster is inactive."). The emulator keeps one until its name is used again.
pub fn list_clusters(
    cx: &Ctx,
    state: &EcsState,
    input: ListClustersRequest,
) -> Result<ListClustersResponse> {
    let arns: Vec<String> = state
        .region(cx)
        .into_iter()
        .flat_map(|r| r.clusters.values())
        .filter_map(|c| c.cluster_arn.clone())
        .collect();
    let (cluster_arns, next_token) = page(&arns, input.max_results, input.next_token.as_deref())?;
    Ok(ListClustersResponse {
        cluster_arns: Some(cluster_arns),
        next_token,
    })
}

/// INACTIVE clusters kept per region (ECS lists them "for a while"; it documents no number).
pub const INACTIVE_CLUSTERS_KEPT: usize = 1_000;

/// Remembers that `name` was deleted just now, and forgets the clusters deleted longest ago
/// beyond [`INACTIVE_CLUSTERS_KEPT`] (a name re-created since is ACTIVE and stays).
fn forget_old_inactive(region: &mut EcsRegion, name: String) {
    region.deleted_clusters.retain(|n| n != &name);
    region.deleted_clusters.push_back(name);
    while region.deleted_clusters.len() > INACTIVE_CLUSTERS_KEPT {
        let Some(oldest) = region.deleted_clusters.pop_front() else {
            break;
        };
        if region
            .clusters
            .get(&oldest)
            .is_some_and(|c| c.status() == Some(ClusterStatus::Inactive))
        {
            region.clusters.remove(&oldest);
        }
    }
}

pub fn delete_cluster(
    cx: &Ctx,
    state: &mut EcsState,
    input: DeleteClusterRequest,
) -> Result<DeleteClusterResponse> {
    let region = state.region_mut(cx);
    let (name, _) = region.active_cluster(Some(&input.cluster))?;
    let has_services = region.services.iter().any(|((c, _), s)| {
        c == &name
            && matches!(
                s.status(),
                Some(ServiceStatus::Active | ServiceStatus::Draining)
            )
    });
    if has_services {
        return Err(EcsError::cluster_contains_services());
    }
    if region
        .tasks
        .values()
        .any(|t| t.cluster == name && !t.is_stopped())
    {
        return Err(EcsError::cluster_contains_tasks());
    }
    let cluster = region
        .clusters
        .get_mut(&name)
        .expect("active_cluster found it");
    cluster.set_status(ClusterStatus::Inactive);
    let cluster = cluster.clone();
    forget_old_inactive(region, name);
    Ok(DeleteClusterResponse {
        cluster: Some(view(region, &cluster, false)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::ecs::store::Timings;

    #[test]
    fn the_clusters_deleted_longest_ago_are_forgotten_beyond_the_bound() {
        let cx = Ctx {
            account: "000000000000".into(),
            region: "us-east-1".into(),
            now: 0.0,
            timings: Timings::default(),
            task_cap: None,
        };
        let mut state = EcsState::default();
        let cloudmap = CloudMap::new(
            crate::emulator::cloudmap::quotas::Quotas::default(),
            Default::default(),
        );
        let mut cycle = |name: &str| {
            let create = CreateClusterRequest {
                cluster_name: Some(name.into()),
                ..Default::default()
            };
            create_cluster(&cx, &cloudmap, &mut state, create).unwrap();
            let delete = DeleteClusterRequest {
                cluster: name.into(),
            };
            delete_cluster(&cx, &mut state, delete).unwrap();
        };
        cycle("first");
        for i in 0..INACTIVE_CLUSTERS_KEPT {
            cycle(&format!("c{i}"));
        }
        // Deleting "first" again makes it the newest, so c0 is forgotten instead.
        cycle("first");
        let clusters = &state.region(&cx).unwrap().clusters;
        assert_eq!(clusters.len(), INACTIVE_CLUSTERS_KEPT);
        assert!(clusters.contains_key("first"));
        assert!(!clusters.contains_key("c0"));
        assert!(clusters.contains_key("c1"));
    }
}
