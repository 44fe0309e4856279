//! ECS's own rules for task definitions and network configuration, with messages that name
//! the field (the model's constraints are checked before, by model::validate).

use crate::model::ecs::{NetworkConfiguration, RegisterTaskDefinitionRequest, TaskDefinition};

use super::error::{EcsError, Result};

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// RegisterTaskDefinition's rules, as ECS applies them.
pub fn task_definition(input: &RegisterTaskDefinitionRequest) -> Result<()> {
    if !is_name(&input.family) {
        return Err(EcsError::client(format!(
            "family: '{}' is not valid: up to 255 letters (uppercase and lowercase), numbers, hyphens and underscores are allowed.",
            input.family
        )));
    }
    let containers = &input.container_definitions;
    if containers.is_empty() {
        return Err(EcsError::client(
            "containerDefinitions: a task definition needs at least one container.",
        ));
    }
    let task_memory = input.memory.as_deref().and_then(parse_memory);
    let mut names: Vec<&str> = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        let at = format!("containerDefinitions[{i}]");
        let name = c.name.as_deref().unwrap_or_default();
        if !is_name(name) {
            return Err(EcsError::client(format!(
                "{at}.name: '{name}' is not valid: up to 255 letters, numbers, hyphens and underscores are allowed."
            )));
        }
        if names.contains(&name) {
            return Err(EcsError::client(format!(
                "{at}.name: container names must be unique within a task definition; '{name}' is used twice."
            )));
        }
        names.push(name);
        if c.image.as_deref().is_none_or(str::is_empty) {
            return Err(EcsError::client(format!(
                "Invalid setting for container '{name}': {at}.image must be specified."
            )));
        }
        if task_memory.is_none() && c.memory.is_none() && c.memory_reservation.is_none() {
            return Err(EcsError::client(format!(
                "Invalid setting for container '{name}'. At least one of 'memory' or 'memoryReservation' must be specified ({at}), or set the task's memory."
            )));
        }
        if let (Some(hard), Some(soft)) = (c.memory, c.memory_reservation)
            && soft > hard
        {
            return Err(EcsError::client(format!(
                "Invalid setting for container '{name}': {at}.memoryReservation ({soft}) must not exceed memory ({hard})."
            )));
        }
        if input.network_mode.as_deref() == Some("awsvpc") {
            for (j, p) in c.port_mappings.iter().flatten().enumerate() {
                if let (Some(host), Some(container)) = (p.host_port, p.container_port)
                    && host != container
                {
                    return Err(EcsError::client(format!(
                        "{at}.portMappings[{j}]: when networkMode=awsvpc, the host ports and container ports in port mappings must match."
                    )));
                }
            }
        }
    }
    if !containers.iter().any(|c| c.essential.unwrap_or(true)) {
        return Err(EcsError::client(
            "containerDefinitions: at least one container must be essential.",
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

fn fargate_rules(input: &RegisterTaskDefinitionRequest) -> Result<()> {
    if input.network_mode.as_deref() != Some("awsvpc") {
        return Err(EcsError::client(
            "networkMode: Fargate only supports network mode 'awsvpc'.",
        ));
    }
    let cpu = input.cpu.as_deref().and_then(parse_cpu);
    let memory = input.memory.as_deref().and_then(parse_memory);
    let (Some(cpu), Some(memory)) = (cpu, memory) else {
        return Err(EcsError::client(
            "cpu, memory: Fargate requires task-level cpu and memory.",
        ));
    };
    if !fargate_pair_is_valid(cpu, memory) {
        return Err(EcsError::client(format!(
            "No Fargate configuration exists for given values: {cpu} CPU, {memory} memory. See the Amazon ECS documentation for the valid combinations."
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
            "Network Configuration is not valid for the given networkMode of this task definition.",
        )),
        (true, Some(vpc)) => {
            if vpc.subnets.is_empty() {
                return Err(EcsError::invalid_parameter(
                    "networkConfiguration.awsvpcConfiguration.subnets: at least one subnet is required.",
                ));
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
