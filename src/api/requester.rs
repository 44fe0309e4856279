//! Finding the requester: ECS says where the requester service's task listens.

use aws_sdk_ecs::types::DesiredStatus;

use crate::envoy::EGRESS_PORT;

/// `http://IP:PORT/` of a RUNNING task of `service` in `cluster`.
pub async fn find(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    service: &str,
) -> Result<String, String> {
    let listed = ecs
        .list_tasks()
        .cluster(cluster)
        .service_name(service)
        .desired_status(DesiredStatus::Running)
        .send()
        .await
        .map_err(|e| format!("ListTasks: {}", super::describe_error(&e)))?;
    if listed.task_arns().is_empty() {
        return Err(format!(
            "service {service} in cluster {cluster} runs no task yet"
        ));
    }
    let mut describe = ecs.describe_tasks().cluster(cluster);
    for arn in listed.task_arns() {
        describe = describe.tasks(arn);
    }
    let tasks = describe
        .send()
        .await
        .map_err(|e| format!("DescribeTasks: {}", super::describe_error(&e)))?;
    let binding = tasks
        .tasks()
        .iter()
        .filter(|t| t.last_status() == Some("RUNNING"))
        .flat_map(|t| t.containers())
        .flat_map(|c| c.network_bindings())
        .find(|b| b.container_port() != Some(EGRESS_PORT) && b.host_port().is_some());
    let Some(binding) = binding else {
        return Err(format!(
            "the {service} tasks have no RUNNING container with a port binding yet"
        ));
    };
    Ok(format!(
        "http://{}:{}/",
        binding.bind_ip().unwrap_or("127.0.0.1"),
        binding.host_port().unwrap_or_default()
    ))
}
