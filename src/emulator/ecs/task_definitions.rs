//! RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
//! ListTaskDefinitionFamilies, DeregisterTaskDefinition.

use crate::model::ecs::*;

use super::error::{EcsError, Result};
use super::status::{HasStatus, TaskDefinitionStatus, WireEnum};
use super::store::{Ctx, EcsState, check_revision, page, task_definition_name};
use super::{quotas, validate};

pub fn register_task_definition(
    cx: &Ctx,
    state: &mut EcsState,
    input: RegisterTaskDefinitionRequest,
) -> Result<RegisterTaskDefinitionResponse> {
    validate::task_definition(&input)?;
    let region = state.region_mut(cx);
    quotas::new_revision(region, &input)?;
    let revisions = region
        .task_definitions
        .entry(input.family.clone())
        .or_default();
    let revision = revisions.len() as i32 + 1;
    let arn = cx.arn(&format!("task-definition/{}:{revision}", input.family));
    let network_mode = input
        .network_mode
        .clone()
        .unwrap_or_else(|| "bridge".into());
    let fargate_ready = network_mode == "awsvpc"
        && input
            .cpu
            .as_deref()
            .and_then(validate::parse_cpu)
            .zip(input.memory.as_deref().and_then(validate::parse_memory))
            .is_some_and(|(c, m)| validate::fargate_pair_is_valid(c, m));
    let mut compatibilities = vec!["EC2".to_string()];
    if fargate_ready {
        compatibilities.push("FARGATE".into());
    }
    let containers = input
        .container_definitions
        .into_iter()
        .map(|c| with_ecs_defaults(c, &network_mode))
        .collect();
    let task_definition = TaskDefinition {
        task_definition_arn: Some(arn.clone()),
        container_definitions: Some(containers),
        family: Some(input.family),
        task_role_arn: input.task_role_arn,
        execution_role_arn: input.execution_role_arn,
        network_mode: Some(network_mode),
        revision: Some(revision),
        volumes: Some(input.volumes.unwrap_or_default()),
        status: TaskDefinitionStatus::Active.wire(),
        placement_constraints: Some(input.placement_constraints.unwrap_or_default()),
        compatibilities: Some(compatibilities),
        requires_compatibilities: input.requires_compatibilities,
        cpu: input.cpu,
        memory: input.memory,
        proxy_configuration: input.proxy_configuration,
        registered_at: Some(cx.now),
        registered_by: Some(format!("arn:aws:iam::{}:root", cx.account)),
        runtime_platform: input.runtime_platform,
        ephemeral_storage: input.ephemeral_storage,
        pid_mode: input.pid_mode,
        ipc_mode: input.ipc_mode,
        ..TaskDefinition::default()
    };
    revisions.push(task_definition.clone());
    let tags = input.tags.unwrap_or_default();
    region.task_definition_tags.insert(arn, tags.clone());
    Ok(RegisterTaskDefinitionResponse {
        task_definition: Some(task_definition),
        tags: Some(tags),
    })
}

/// A container as ECS stores it: what was left out comes back with ECS's defaults (the aws
/// CLI's documented register-task-definition output shows the empty lists; `cpu` is 0).
fn with_ecs_defaults(c: ContainerDefinition, network_mode: &str) -> ContainerDefinition {
    let port_mappings = c
        .port_mappings
        .unwrap_or_default()
        .into_iter()
        .map(|p| port_mapping_with_defaults(p, network_mode))
        .collect();
    ContainerDefinition {
        cpu: Some(c.cpu.unwrap_or(0)),
        essential: Some(c.essential.unwrap_or(true)),
        port_mappings: Some(port_mappings),
        environment: Some(c.environment.unwrap_or_default()),
        mount_points: Some(c.mount_points.unwrap_or_default()),
        volumes_from: Some(c.volumes_from.unwrap_or_default()),
        ..c
    }
}

/// The protocol defaults to tcp; with awsvpc or host networking the host port is the
/// container port (the model: it "can either be left blank or set to the same value").
fn port_mapping_with_defaults(p: PortMapping, network_mode: &str) -> PortMapping {
    let host_port = match network_mode {
        "awsvpc" | "host" => p.host_port.or(p.container_port),
        _ => p.host_port,
    };
    PortMapping {
        protocol: Some(p.protocol.unwrap_or_else(|| "tcp".into())),
        host_port,
        ..p
    }
}

fn not_found() -> EcsError {
    EcsError::client("Unable to describe task definition.")
}

pub fn describe_task_definition(
    cx: &Ctx,
    state: &EcsState,
    input: DescribeTaskDefinitionRequest,
) -> Result<DescribeTaskDefinitionResponse> {
    check_revision(&input.task_definition)?;
    let region = state.region(cx).ok_or_else(not_found)?;
    let td = region
        .task_definition(&input.task_definition)
        .ok_or_else(not_found)?;
    let with_tags = input.include.iter().flatten().any(|i| i == "TAGS");
    let tags = with_tags.then(|| {
        let arn = td.task_definition_arn.as_deref().unwrap_or_default();
        region
            .task_definition_tags
            .get(arn)
            .cloned()
            .unwrap_or_default()
    });
    Ok(DescribeTaskDefinitionResponse {
        task_definition: Some(td.clone()),
        tags,
    })
}

/// The status a list asks for: ACTIVE unless one is given; `None` for one that is not a
/// revision's status (ALL).
fn listed_status(status: Option<&str>) -> Option<TaskDefinitionStatus> {
    status.map_or(
        Some(TaskDefinitionStatus::Active),
        TaskDefinitionStatus::parse,
    )
}

pub fn list_task_definitions(
    cx: &Ctx,
    state: &EcsState,
    input: ListTaskDefinitionsRequest,
) -> Result<ListTaskDefinitionsResponse> {
    let status = listed_status(input.status.as_deref());
    let mut arns: Vec<String> = state
        .region(cx)
        .into_iter()
        .flat_map(|r| r.task_definitions.iter())
        .filter(|(family, _)| input.family_prefix.as_ref().is_none_or(|f| f == *family))
        .flat_map(|(_, revisions)| revisions.iter())
        .filter(|td| status.is_some() && td.status() == status)
        .filter_map(|td| td.task_definition_arn.clone())
        .collect();
    if input.sort.as_deref() == Some("DESC") {
        arns.reverse();
    }
    let (task_definition_arns, next_token) =
        page(&arns, input.max_results, input.next_token.as_deref())?;
    Ok(ListTaskDefinitionsResponse {
        task_definition_arns: Some(task_definition_arns),
        next_token,
    })
}

pub fn list_task_definition_families(
    cx: &Ctx,
    state: &EcsState,
    input: ListTaskDefinitionFamiliesRequest,
) -> Result<ListTaskDefinitionFamiliesResponse> {
    // ALL (none of a revision's statuses) lists every family.
    let status = listed_status(input.status.as_deref());
    let families: Vec<String> = state
        .region(cx)
        .into_iter()
        .flat_map(|r| r.task_definitions.iter())
        .filter(|(family, _)| {
            input
                .family_prefix
                .as_ref()
                .is_none_or(|p| family.starts_with(p.as_str()))
        })
        .filter(|(_, revisions)| {
            let active = revisions
                .iter()
                .any(|td| td.status() == Some(TaskDefinitionStatus::Active));
            match status {
                Some(TaskDefinitionStatus::Active) => active,
                Some(TaskDefinitionStatus::Inactive) => !active,
                _ => true,
            }
        })
        .map(|(family, _)| family.clone())
        .collect();
    let (families, next_token) = page(&families, input.max_results, input.next_token.as_deref())?;
    Ok(ListTaskDefinitionFamiliesResponse {
        families: Some(families),
        next_token,
    })
}

pub fn deregister_task_definition(
    cx: &Ctx,
    state: &mut EcsState,
    input: DeregisterTaskDefinitionRequest,
) -> Result<DeregisterTaskDefinitionResponse> {
    let reference = input.task_definition;
    // DeregisterTaskDefinition never picks a revision for the caller.
    if !task_definition_name(&reference).contains(':') {
        return Err(EcsError::client("Revision is missing."));
    }
    check_revision(&reference)?;
    let region = state.region_mut(cx);
    let arn = region
        .task_definition(&reference)
        .and_then(|td| td.task_definition_arn.clone())
        .ok_or_else(not_found)?;
    let td = region.task_definition_mut(&arn).ok_or_else(not_found)?;
    if td.status() == Some(TaskDefinitionStatus::Active) {
        td.set_status(TaskDefinitionStatus::Inactive);
        td.deregistered_at = Some(cx.now);
    }
    Ok(DeregisterTaskDefinitionResponse {
        task_definition: Some(td.clone()),
    })
}
