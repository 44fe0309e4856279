//! ECS's own rules for task definitions and network configuration (the model's constraints
//! are checked before, by model::validate). The messages are ECS's own words where users have
//! quoted them; tests/it/ecs_fidelity.rs lists the sources and the ones not confirmed.

use crate::model::ecs::{
    ContainerDefinition, NetworkConfiguration, RegisterTaskDefinitionRequest, TaskDefinition,
};

use super::error::{EcsError, Result};

/// Letters, numbers, hyphens and underscores, up to 255: ECS's rule for families, container
/// names, clusters and services.
pub fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// RegisterTaskDefinition's rules, as ECS applies them.
pub fn task_definition(input: &RegisterTaskDefinitionRequest) -> Result<()> {
    family(&input.family)?;
    let containers = &input.container_definitions;
    if containers.is_empty() {
        return Err(EcsError::client("Container list cannot be empty."));
    }
    let task_memory = input.memory.as_deref().and_then(parse_memory);
    let mut names: Vec<&str> = Vec::new();
    for c in containers {
        let name = container_name(c)?;
        if names.contains(&name) {
            return Err(EcsError::client(
                "Container names must be unique within a Task Definition.",
            ));
        }
        names.push(name);
        container(c, name, task_memory, input.network_mode.as_deref())?;
    }
    if !containers.iter().any(|c| c.essential.unwrap_or(true)) {
        return Err(EcsError::client(
            "Task definition doesn't have any essential container.",
        ));
    }
    if let Some(proxy) = &input.proxy_configuration
        && !names.contains(&proxy.container_name.as_str())
    {
        return Err(EcsError::client(format!(
            "proxyConfiguration.containerName: '{}' does not name a container of this task definition ({}).",
            proxy.container_name,
            names.join(", ")
        )));
    }
    if let Some(cpu) = input.cpu.as_deref()
        && parse_cpu(cpu).is_none()
    {
        return Err(EcsError::client(
            "Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
        ));
    }
    let fargate = input
        .requires_compatibilities
        .iter()
        .flatten()
        .any(|c| c == "FARGATE");
    if fargate {
        fargate_rules(input)?;
    }
    Ok(())
}

fn family(family: &str) -> Result<()> {
    if family.is_empty() {
        return Err(EcsError::client("Family can not be blank."));
    }
    if !is_name(family) {
        return Err(EcsError::client("Family contains invalid characters."));
    }
    Ok(())
}

fn container_name(c: &ContainerDefinition) -> Result<&str> {
    let name = c.name.as_deref().unwrap_or_default();
    if name.is_empty() {
        return Err(EcsError::client(
            "Container.name should not be null or empty.",
        ));
    }
    if !is_name(name) {
        return Err(EcsError::client(
            "Container.name contains invalid characters.",
        ));
    }
    Ok(name)
}

/// One container's rules: an image, memory unless the task sets it, and port mappings that
/// fit the network mode.
fn container(
    c: &ContainerDefinition,
    name: &str,
    task_memory: Option<u32>,
    network_mode: Option<&str>,
) -> Result<()> {
    if c.image.as_deref().is_none_or(str::is_empty) {
        return Err(EcsError::client(
            "Container.image should not be null or empty.",
        ));
    }
    if task_memory.is_none() && c.memory.is_none() && c.memory_reservation.is_none() {
        return Err(EcsError::client(format!(
            "Invalid setting for container '{name}'. At least one of 'memory' or 'memoryReservation' must be specified."
        )));
    }
    if let (Some(hard), Some(soft)) = (c.memory, c.memory_reservation)
        && soft > hard
    {
        return Err(EcsError::client(format!(
            "Invalid setting for container '{name}'. The memoryReservation ({soft}) must be less than or equal to the memory ({hard})."
        )));
    }
    if network_mode == Some("awsvpc") {
        let mismatched = c
            .port_mappings
            .iter()
            .flatten()
            .any(|p| matches!((p.host_port, p.container_port), (Some(h), Some(c)) if h != c));
        if mismatched {
            return Err(EcsError::client(
                "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
            ));
        }
    }
    Ok(())
}

/// What Fargate refuses: another network mode, a task without cpu and memory or with a pair
/// it has no size for, the host's process namespace, and any IPC mode.
fn fargate_rules(input: &RegisterTaskDefinitionRequest) -> Result<()> {
    if input.network_mode.as_deref() != Some("awsvpc") {
        return Err(EcsError::client(
            "Fargate only supports network mode \u{2018}awsvpc\u{2019}.",
        ));
    }
    if let Some(pid_mode) = input.pid_mode.as_deref()
        && pid_mode != "task"
    {
        return Err(EcsError::client(format!(
            "Tasks using the Fargate launch type do not support pidMode '{pid_mode}'. The supported value for pidMode is 'task'."
        )));
    }
    if input.ipc_mode.is_some() {
        return Err(EcsError::client(
            "Tasks using the Fargate launch type do not support ipcMode.",
        ));
    }
    let Some(cpu) = input.cpu.as_deref().and_then(parse_cpu) else {
        return Err(EcsError::client(
            "Fargate requires that 'cpu' be defined at the task level.",
        ));
    };
    let Some(memory) = input.memory.as_deref().and_then(parse_memory) else {
        return Err(EcsError::client(
            "Fargate requires that 'memory' be defined at the task level.",
        ));
    };
    if !fargate_pair_is_valid(cpu, memory) {
        return Err(EcsError::client(format!(
            "No Fargate configuration exists for given values: {cpu} CPU, {memory} memory. See the Amazon ECS documentation for the valid values."
        )));
    }
    Ok(())
}

/// Fargate's cpu/memory table (CPU units, MiB).
pub fn fargate_pair_is_valid(cpu: u32, memory: u32) -> bool {
    let (range, step) = match cpu {
        256 => return [512, 1024, 2048].contains(&memory),
        512 => (1024..=4096, 1024),
        1024 => (2048..=8192, 1024),
        2048 => (4096..=16384, 1024),
        4096 => (8192..=30720, 1024),
        8192 => (16384..=61440, 4096),
        16384 => (32768..=122880, 8192),
        _ => return false,
    };
    range.contains(&memory) && memory.is_multiple_of(step)
}

/// "256", "0.25 vCPU", "1 vCPU" → CPU units.
pub fn parse_cpu(s: &str) -> Option<u32> {
    let s = s.trim();
    if let Some(v) = s.strip_suffix("vCPU").or_else(|| s.strip_suffix("vcpu")) {
        let v: f64 = v.trim().parse().ok()?;
        return Some((v * 1024.0).round() as u32);
    }
    s.parse().ok()
}

/// "512", "1 GB", "2GB" → MiB.
pub fn parse_memory(s: &str) -> Option<u32> {
    let s = s.trim();
    if let Some(v) = s.strip_suffix("GB").or_else(|| s.strip_suffix("gb")) {
        let v: f64 = v.trim().parse().ok()?;
        return Some((v * 1024.0).round() as u32);
    }
    s.parse().ok()
}

/// A service's or task's network configuration against its task definition's network mode.
pub fn network(
    task_definition: &TaskDefinition,
    config: Option<&NetworkConfiguration>,
) -> Result<()> {
    let awsvpc = task_definition.network_mode.as_deref() == Some("awsvpc");
    let vpc = config.and_then(|c| c.awsvpc_configuration.as_ref());
    match (awsvpc, vpc) {
        (true, None) => Err(EcsError::invalid_parameter(
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
        )),
        (false, Some(_)) => Err(EcsError::invalid_parameter(
            "Network Configuration is not valid for the given `networkMode` of this task definition.",
        )),
        (true, Some(vpc)) => {
            if vpc.subnets.is_empty() {
                return Err(EcsError::invalid_parameter("subnets can not be empty."));
            }
            for subnet in &vpc.subnets {
                if !is_aws_id(subnet, "subnet-") {
                    return Err(EcsError::invalid_parameter(format!(
                        "Error retrieving subnet information for [{subnet}]: The subnet ID '{subnet}' is malformed"
                    )));
                }
            }
            for group in vpc.security_groups.iter().flatten() {
                if !is_aws_id(group, "sg-") {
                    return Err(EcsError::invalid_parameter(format!(
                        "Error retrieving security group information for [{group}]: The security group '{group}' is malformed"
                    )));
                }
            }
            Ok(())
        }
        (false, None) => Ok(()),
    }
}

fn is_aws_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// A clientToken as ECS documents it: up to `max` ASCII characters from 33 to 126.
pub fn client_token(token: &str, max: usize) -> Result<()> {
    if token.is_empty() || token.len() > max || !token.bytes().all(|b| (33..=126).contains(&b)) {
        return Err(EcsError::invalid_parameter(format!(
            "clientToken: up to {max} ASCII characters in the range of 33-126 (inclusive) are allowed."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fargate_table() {
        assert!(fargate_pair_is_valid(256, 512));
        assert!(!fargate_pair_is_valid(256, 4096));
        assert!(fargate_pair_is_valid(1024, 3072));
        assert!(!fargate_pair_is_valid(1024, 1024));
        assert!(fargate_pair_is_valid(8192, 20480));
        assert!(!fargate_pair_is_valid(8192, 18432));
        assert!(!fargate_pair_is_valid(300, 1024));
    }

    #[test]
    fn units() {
        assert_eq!(parse_cpu("0.25 vCPU"), Some(256));
        assert_eq!(parse_cpu("1024"), Some(1024));
        assert_eq!(parse_memory("2 GB"), Some(2048));
        assert_eq!(parse_memory("512"), Some(512));
        assert_eq!(parse_memory("lots"), None);
    }
}
