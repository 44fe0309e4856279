//! ECS Service Connect in the control plane: a cluster's default namespace, a service's
//! `serviceConnectConfiguration` checked against its task definition and Cloud Map, the Cloud
//! Map services ECS creates for it, the proxy container ECS adds to its tasks, and the
//! instances ECS registers for its running tasks.
//!
//! Cloud Map is reached in-process (the same registry its wire API serves), so whatever ECS
//! creates here shows in `aws servicediscovery list-namespaces` / `list-instances`.

use std::collections::{BTreeMap, BTreeSet};

use crate::emulator::cloudmap::CloudMap;
use crate::emulator::cloudmap::store::{HealthStatus, InstanceRegistration};
use crate::model::ecs::*;

use super::error::{EcsError, Result};
use super::status::{HasStatus, ServiceStatus, TaskStatus, WireEnum};
use super::store::{EcsRegion, EcsState, TaskRecord};
use crate::emulator::account_region::AccountRegion;

/// The name every Service Connect proxy container starts with; ECS adds a random suffix.
pub const PROXY_CONTAINER_PREFIX: &str = "ecs-service-connect-";
/// The image DescribeTasks shows for the proxy container (the embedded data plane runs its own).
pub const PROXY_IMAGE: &str = "ecs-service-connect-agent:interface-v1";

/// CreateCluster/UpdateCluster's `serviceConnectDefaults`: a namespace name that does not
/// exist yet is created as an HTTP namespace, as ECS does; an ARN must name one that exists.
/// The cluster shows the namespace's ARN.
pub fn cluster_defaults(
    cloudmap: &CloudMap,
    scope: &AccountRegion,
    request: &ClusterServiceConnectDefaultsRequest,
) -> Result<ClusterServiceConnectDefaults> {
    let reference = request.namespace.as_str();
    let namespace = match cloudmap.find_namespace(scope, reference) {
        Some(namespace) => namespace,
        None if reference.starts_with("arn:") => {
            return Err(EcsError::namespace_not_found(reference));
        }
        None => {
            cloudmap
                .ensure_http_namespace(scope, reference)
                .map_err(|e| EcsError::invalid_parameter(e.message))?;
            cloudmap
                .find_namespace(scope, reference)
                .ok_or_else(|| EcsError::namespace_not_found(reference))?
        }
    };
    Ok(ClusterServiceConnectDefaults {
        namespace: Some(namespace.arn),
    })
}

/// A service's Service Connect configuration, checked and with its namespace resolved.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// As given, with `namespace` the namespace's ARN.
    pub config: ServiceConnectConfiguration,
    pub namespace_id: String,
    /// The Cloud Map service name of each `services[]` entry (discoveryName, else portName).
    pub discovery_names: Vec<String>,
}

/// The discovery name of a Service Connect service: `discoveryName`, else `portName`.
pub fn discovery_name(service: &ServiceConnectService) -> &str {
    service
        .discovery_name
        .as_deref()
        .unwrap_or(&service.port_name)
}

/// Checks `config` as ECS does for the service `(cluster, name)` running `td`: the namespace
/// (given, else the cluster's default) exists; every `portName` names a port mapping of the
/// task definition; discovery names are valid and unique within the namespace (no other
/// service uses one); client aliases are valid. A configuration with no `services` makes a
/// client-only service. `enabled: false` is recorded and checks nothing more.
pub fn resolve(
    cloudmap: &CloudMap,
    scope: &AccountRegion,
    region: &EcsRegion,
    cluster: &Cluster,
    service: (&str, &str),
    td: &TaskDefinition,
    config: ServiceConnectConfiguration,
) -> Result<Option<Resolved>> {
    if !config.enabled {
        return Ok(None);
    }
    let default = cluster
        .service_connect_defaults
        .as_ref()
        .and_then(|d| d.namespace.clone());
    let Some(reference) = config.namespace.clone().or(default) else {
        return Err(EcsError::invalid_parameter(
            "Service Connect is enabled but no namespace was given and the cluster has no serviceConnectDefaults namespace.",
        ));
    };
    let namespace = cloudmap
        .find_namespace(scope, &reference)
        .ok_or_else(|| EcsError::namespace_not_found(&reference))?;
    let port_names: BTreeSet<&str> = td
        .container_definitions
        .iter()
        .flatten()
        .flat_map(|c| c.port_mappings.iter().flatten())
        .filter_map(|p| p.name.as_deref())
        .collect();
    let mut discovery_names = Vec::new();
    for s in config.services.iter().flatten() {
        if !port_names.contains(s.port_name.as_str()) {
            return Err(EcsError::invalid_parameter(format!(
                "Service Connect portName '{}' does not match the name of any portMappings in task definition {}.",
                s.port_name,
                td.task_definition_arn.as_deref().unwrap_or_default()
            )));
        }
        let name = discovery_name(s);
        check_discovery_name(name)?;
        if discovery_names.iter().any(|n| n == name) {
            return Err(EcsError::invalid_parameter(format!(
                "Service Connect discoveryName '{name}' is used more than once; each must be unique within the namespace."
            )));
        }
        if let Some(other) = user_of(region, &namespace.arn, name, service) {
            return Err(EcsError::invalid_parameter(format!(
                "Service Connect discoveryName '{name}' is already used by service {other} in namespace {}; each must be unique within the namespace.",
                namespace.name
            )));
        }
        for alias in s.client_aliases.iter().flatten() {
            if let Some(dns) = &alias.dns_name {
                check_dns_name(dns)?;
            }
        }
        discovery_names.push(name.to_string());
    }
    Ok(Some(Resolved {
        config: ServiceConnectConfiguration {
            namespace: Some(namespace.arn),
            ..config
        },
        namespace_id: namespace.id,
        discovery_names,
    }))
}

/// The live service other than `me` (`cluster/name`) whose deployments serve `discovery_name`
/// in the namespace.
fn user_of(
    region: &EcsRegion,
    namespace_arn: &str,
    name: &str,
    me: (&str, &str),
) -> Option<String> {
    region
        .services
        .iter()
        .filter(|((c, n), s)| {
            (c.as_str(), n.as_str()) != me
                && matches!(
                    s.status(),
                    Some(ServiceStatus::Active | ServiceStatus::Draining)
                )
        })
        .find(|(_, s)| {
            s.deployments.iter().flatten().any(|d| {
                let Some(config) = &d.service_connect_configuration else {
                    return false;
                };
                config.enabled
                    && config.namespace.as_deref() == Some(namespace_arn)
                    && config
                        .services
                        .iter()
                        .flatten()
                        .any(|s| discovery_name(s) == name)
            })
        })
        .map(|((c, n), _)| format!("{c}/{n}"))
}

/// The model's discoveryName: up to 64 lowercase letters, digits, `_` and `-`, not starting
/// with `-`.
fn check_discovery_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(EcsError::invalid_parameter(format!(
            "Service Connect discoveryName '{name}' is not valid: up to 64 lowercase letters, numbers, underscores and hyphens, not starting with a hyphen."
        )))
    }
}

/// The model's client alias dnsName: up to 127 lowercase letters, digits, `_`, `-` and `.`,
/// not starting with `-`.
fn check_dns_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 127
        && !name.starts_with('-')
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.')
        });
    if ok {
        Ok(())
    } else {
        Err(EcsError::invalid_parameter(format!(
            "Service Connect clientAliases dnsName '{name}' is not valid: up to 127 lowercase letters, numbers, underscores, hyphens and periods, not starting with a hyphen."
        )))
    }
}

/// Creates (or reuses) the Cloud Map service of each discovery name; the deployment's
/// `serviceConnectResources`. A Cloud Map service of that name left by an earlier ECS service
/// is reused: `resolve` already refused names another live service uses.
pub fn create_resources(
    cloudmap: &CloudMap,
    scope: &AccountRegion,
    resolved: &Resolved,
) -> Result<Vec<ServiceConnectServiceResource>> {
    resolved
        .discovery_names
        .iter()
        .map(|name| {
            let arn = match cloudmap.find_service(scope, &resolved.namespace_id, name) {
                Some((_, arn)) => arn,
                None => {
                    let id = cloudmap
                        .create_service(scope, &resolved.namespace_id, name, false)
                        .map_err(|e| EcsError::invalid_parameter(e.message))?;
                    cloudmap
                        .find_service(scope, &resolved.namespace_id, name)
                        .map_or(id, |(_, arn)| arn)
                }
            };
            Ok(ServiceConnectServiceResource {
                discovery_name: Some(name.clone()),
                discovery_arn: Some(arn),
            })
        })
        .collect()
}

/// The proxy container ECS adds to a Service Connect task, as DescribeTasks shows it. It
/// reports no network binding: the apps reach it inside the task.
pub fn proxy_container(task_arn: &str, container_arn: String) -> Container {
    Container {
        container_arn: Some(container_arn),
        task_arn: Some(task_arn.to_string()),
        name: Some(format!("{PROXY_CONTAINER_PREFIX}{}", suffix())),
        image: Some(PROXY_IMAGE.into()),
        last_status: TaskStatus::Pending.wire(),
        network_bindings: Some(vec![]),
        network_interfaces: Some(vec![]),
        health_status: Some("UNKNOWN".into()),
        cpu: Some("0".into()),
        ..Container::default()
    }
}

/// Six letters and digits, as ECS suffixes the proxy container's name.
fn suffix() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..6)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

/// Whether a container of a task is its Service Connect proxy.
pub fn is_proxy(container: &Container) -> bool {
    container
        .name
        .as_deref()
        .is_some_and(|n| n.starts_with(PROXY_CONTAINER_PREFIX))
        && container.image.as_deref() == Some(PROXY_IMAGE)
}

/// The Service Connect configuration a task runs with: its deployment's, if enabled.
pub fn of_task<'a>(
    region: &'a EcsRegion,
    record: &TaskRecord,
) -> Option<&'a ServiceConnectConfiguration> {
    of_deployment(
        region,
        &record.cluster,
        record.service.as_deref()?,
        record.deployment.as_deref()?,
    )
}

/// The enabled Service Connect configuration of a service's ECS deployment, if any.
pub fn of_deployment<'a>(
    region: &'a EcsRegion,
    cluster: &str,
    service: &str,
    deployment: &str,
) -> Option<&'a ServiceConnectConfiguration> {
    region
        .services
        .get(&(cluster.to_string(), service.to_string()))?
        .deployments
        .iter()
        .flatten()
        .find(|d| d.id.as_deref() == Some(deployment))?
        .service_connect_configuration
        .as_ref()
        .filter(|c| c.enabled)
}

/// The Cloud Map instance of one running task in one Cloud Map service.
#[derive(Debug, Clone, PartialEq)]
struct Wanted {
    discovery_arn: String,
    registration: InstanceRegistration,
}

/// The instances ECS wants registered now: one per RUNNING task of a Service Connect service
/// and per `serviceConnectResources` entry of the task's deployment, at the host port of the
/// named port mapping.
fn wanted(scope: &AccountRegion, region: &EcsRegion) -> Vec<Wanted> {
    let region_name = &scope.region;
    let mut out = Vec::new();
    {
        for record in region.tasks.values() {
            let running = Some(TaskStatus::Running);
            if record.last_status() != running || record.desired_status() != running {
                continue;
            }
            let Some(service) = record
                .service
                .as_ref()
                .and_then(|s| region.services.get(&(record.cluster.clone(), s.clone())))
            else {
                continue;
            };
            let Some(deployment) = service
                .deployments
                .iter()
                .flatten()
                .find(|d| d.id.is_some() && d.id == record.deployment)
            else {
                continue;
            };
            let Some(config) = deployment
                .service_connect_configuration
                .as_ref()
                .filter(|c| c.enabled)
            else {
                continue;
            };
            let td = region.task_definition_of(record);
            for sc in config.services.iter().flatten() {
                let name = discovery_name(sc);
                let Some(discovery_arn) = deployment
                    .service_connect_resources
                    .iter()
                    .flatten()
                    .find(|r| r.discovery_name.as_deref() == Some(name))
                    .and_then(|r| r.discovery_arn.clone())
                else {
                    continue;
                };
                let port = td.and_then(|td| host_port(td, record, &sc.port_name));
                let mut attributes = BTreeMap::new();
                attributes.insert("AWS_INSTANCE_IPV4".to_string(), "127.0.0.1".to_string());
                if let Some(port) = port {
                    attributes.insert("AWS_INSTANCE_PORT".to_string(), port.to_string());
                }
                attributes.insert("AvailabilityZone".into(), format!("{region_name}a"));
                attributes.insert("REGION".into(), region_name.clone());
                attributes.insert("ECS_CLUSTER_NAME".into(), record.cluster.clone());
                attributes.insert(
                    "ECS_SERVICE_NAME".into(),
                    service.service_name.clone().unwrap_or_default(),
                );
                if let Some(family) = td.and_then(|t| t.family.clone()) {
                    attributes.insert("ECS_TASK_DEFINITION_FAMILY".into(), family);
                }
                out.push(Wanted {
                    discovery_arn,
                    registration: InstanceRegistration {
                        instance_id: record.id().to_string(),
                        attributes,
                        health: HealthStatus::Healthy,
                    },
                });
            }
        }
    }
    out
}

/// The 127.0.0.1 port a running task serves the port mapping `port_name` on (its container's
/// network binding of that container port).
fn host_port(td: &TaskDefinition, record: &TaskRecord, port_name: &str) -> Option<i32> {
    let (container, port) = td.container_definitions.iter().flatten().find_map(|c| {
        let p = c
            .port_mappings
            .iter()
            .flatten()
            .find(|p| p.name.as_deref() == Some(port_name))?;
        Some((c.name.clone()?, p.container_port?))
    })?;
    record
        .task
        .containers
        .iter()
        .flatten()
        .filter(|c| c.name.as_deref() == Some(container.as_str()))
        .flat_map(|c| c.network_bindings.iter().flatten())
        .find(|b| b.container_port == Some(port))
        .and_then(|b| b.host_port)
}

/// What ECS registered in Cloud Map, per account and Region: discovery ARN → instance →
/// registration.
pub type Registered =
    BTreeMap<AccountRegion, BTreeMap<String, BTreeMap<String, InstanceRegistration>>>;

/// Brings Cloud Map's instances in `scope` in line with its running tasks: registers the new
/// ones and deregisters those whose task stopped (or whose service is gone). Only the
/// instances ECS registered itself (`registered`) are ever deregistered.
pub fn sync_instances(
    cloudmap: &CloudMap,
    state: &EcsState,
    scope: &AccountRegion,
    registered: &mut Registered,
) {
    let mut now: BTreeMap<String, BTreeMap<String, InstanceRegistration>> = BTreeMap::new();
    for w in state
        .scopes
        .get(scope)
        .map(|region| wanted(scope, region))
        .unwrap_or_default()
    {
        now.entry(w.discovery_arn)
            .or_default()
            .insert(w.registration.instance_id.clone(), w.registration);
    }
    let before = registered.remove(scope).unwrap_or_default();
    for (service, instances) in &before {
        for id in instances.keys() {
            let still = now.get(service).is_some_and(|i| i.contains_key(id));
            if !still {
                // Gone already (a Cloud Map user deleted it) is fine: it is what ECS wants.
                let _ = cloudmap.deregister_instance(scope, service, id);
            }
        }
    }
    for (service, instances) in &now {
        let before = before.get(service);
        for (id, registration) in instances {
            if before.and_then(|b| b.get(id)) == Some(registration) {
                continue;
            }
            if let Err(e) = cloudmap.register_instance(scope, service, registration.clone()) {
                tracing::warn!(%service, instance = %id, error = %e, "Service Connect could not register a task");
            }
        }
    }
    if !now.is_empty() {
        registered.insert(scope.clone(), now);
    }
}
