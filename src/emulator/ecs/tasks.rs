//! RunTask, StopTask, ListTasks, DescribeTasks, and the launch and stop of a task that the
//! scheduler shares with them.

use crate::model::ecs::*;

use super::error::{EcsError, Result};
use super::service_connect;
use super::services::runnable_task_definition;
use super::status::{TaskStatus, TaskStopCode, WireEnum};
use super::store::{
    Ctx, EcsRegion, EcsState, TaskRecord, new_task_id, page, task_arn, task_definition_name,
};

/// How a task comes to be: by RunTask, or by a service's deployment.
pub struct Launch<'a> {
    pub cluster: &'a str,
    pub task_definition: &'a TaskDefinition,
    pub launch_type: &'a str,
    pub started_by: Option<String>,
    pub group: String,
    pub service: Option<String>,
    pub deployment: Option<String>,
    pub tags: Vec<Tag>,
}

/// Adds a task in PROVISIONING; the scheduler moves it on. Returns its ARN.
pub fn launch(cx: &Ctx, region: &mut EcsRegion, launch: Launch<'_>) -> String {
    let id = new_task_id();
    let cluster = launch.cluster;
    let arn = cx.arn(&format!("task/{cluster}/{id}"));
    let td = launch.task_definition;
    let mut containers: Vec<Container> = td
        .container_definitions
        .iter()
        .flatten()
        .map(|c| Container {
            container_arn: Some(cx.arn(&format!(
                "container/{cluster}/{id}/{}",
                uuid::Uuid::new_v4()
            ))),
            task_arn: Some(arn.clone()),
            name: c.name.clone(),
            image: c.image.clone(),
            last_status: TaskStatus::Pending.wire(),
            network_bindings: Some(vec![]),
            network_interfaces: Some(vec![]),
            health_status: Some("UNKNOWN".into()),
            cpu: Some(c.cpu.unwrap_or(0).to_string()),
            memory: c.memory.map(|m| m.to_string()),
            memory_reservation: c.memory_reservation.map(|m| m.to_string()),
            ..Container::default()
        })
        .collect();
    // A Service Connect task gets the proxy container ECS adds.
    let service_connect = launch
        .service
        .as_deref()
        .zip(launch.deployment.as_deref())
        .and_then(|(s, d)| service_connect::of_deployment(region, cluster, s, d))
        .is_some();
    if service_connect {
        containers.push(service_connect::proxy_container(
            &arn,
            cx.arn(&format!(
                "container/{cluster}/{id}/{}",
                uuid::Uuid::new_v4()
            )),
        ));
    }
    let task = Task {
        attachments: Some(vec![]),
        availability_zone: Some(format!("{}a", cx.region)),
        cluster_arn: Some(cx.cluster_arn(cluster)),
        containers: Some(containers),
        cpu: td.cpu.clone(),
        memory: td.memory.clone(),
        created_at: Some(cx.now),
        desired_status: TaskStatus::Running.wire(),
        last_status: TaskStatus::Provisioning.wire(),
        enable_execute_command: Some(false),
        group: Some(launch.group),
        health_status: Some("UNKNOWN".into()),
        launch_type: Some(launch.launch_type.into()),
        platform_version: (launch.launch_type == "FARGATE").then(|| "1.4.0".into()),
        overrides: Some(TaskOverride {
            container_overrides: Some(vec![]),
            ..TaskOverride::default()
        }),
        started_by: launch.started_by,
        tags: Some(launch.tags),
        task_arn: Some(arn.clone()),
        task_definition_arn: td.task_definition_arn.clone(),
        version: Some(1),
        ..Task::default()
    };
    region.tasks.insert(
        arn.clone(),
        TaskRecord {
            task,
            cluster: cluster.into(),
            service: launch.service,
            deployment: launch.deployment,
            due_at: Some(cx.now + cx.timings.provisioning),
        },
    );
    arn
}

/// Asks a task to stop. One that never ran stops at once; a running one goes to STOPPING and
/// is STOPPED when the runtime says its containers are gone.
pub fn stop(cx: &Ctx, record: &mut TaskRecord, reason: &str, code: TaskStopCode) {
    if record.desired_status() == Some(TaskStatus::Stopped) || record.is_stopped() {
        return;
    }
    record.set_desired_status(TaskStatus::Stopped);
    let task = &mut record.task;
    task.stopped_reason = Some(reason.into());
    task.stop_code = code.wire();
    task.stopping_at = Some(cx.now);
    task.version = Some(task.version.unwrap_or(1) + 1);
    record.due_at = None;
    if record.last_status() == Some(TaskStatus::Running) {
        record.set_last_status(TaskStatus::Stopping);
    } else {
        mark_stopped(cx, record, None);
    }
}

/// The final state of a task: STOPPED, with its containers.
pub fn mark_stopped(cx: &Ctx, record: &mut TaskRecord, exit_code: Option<i32>) {
    record.set_last_status(TaskStatus::Stopped);
    record.set_desired_status(TaskStatus::Stopped);
    let task = &mut record.task;
    task.stopped_at = Some(cx.now);
    task.execution_stopped_at = Some(cx.now);
    task.version = Some(task.version.unwrap_or(1) + 1);
    for c in task.containers.iter_mut().flatten() {
        c.last_status = TaskStatus::Stopped.wire();
        c.exit_code = exit_code;
        c.network_bindings = Some(vec![]);
    }
    record.due_at = None;
}

pub fn run_task(cx: &Ctx, state: &mut EcsState, input: RunTaskRequest) -> Result<RunTaskResponse> {
    let region = state.region_mut(cx);
    let (cluster, _) = region.active_cluster(input.cluster.as_deref())?;
    let count = input.count.unwrap_or(1);
    if !(1..=10).contains(&count) {
        return Err(EcsError::invalid_parameter(
            "count must be between 1 and 10.",
        ));
    }
    if region.task_room(cx.task_cap) < count as usize {
        return Err(EcsError::limit_exceeded(format!(
            "You've reached the limit on the number of tasks you can run concurrently ({} in this account and Region).",
            cx.task_cap.unwrap_or_default()
        )));
    }
    let launch_type = input.launch_type.clone().unwrap_or_else(|| "EC2".into());
    let td = runnable_task_definition(
        region,
        Some(&input.task_definition),
        &launch_type,
        input.network_configuration.as_ref(),
    )?;
    let family = td.family.clone().unwrap_or_default();
    let overridden = input
        .overrides
        .as_ref()
        .and_then(|o| o.container_overrides.as_ref())
        .into_iter()
        .flatten();
    for o in overridden {
        let name = o.name.as_deref().unwrap_or_default();
        let known = td
            .container_definitions
            .iter()
            .flatten()
            .any(|c| c.name.as_deref() == Some(name));
        if !known {
            return Err(EcsError::invalid_parameter(format!(
                "Override for container named {name} is not a container in the TaskDefinition."
            )));
        }
    }
    let mut tasks = Vec::new();
    for _ in 0..count {
        let arn = launch(
            cx,
            region,
            Launch {
                cluster: &cluster,
                task_definition: &td,
                launch_type: &launch_type,
                started_by: input.started_by.clone(),
                group: input
                    .group
                    .clone()
                    .unwrap_or_else(|| format!("family:{family}")),
                service: None,
                deployment: None,
                tags: input.tags.clone().unwrap_or_default(),
            },
        );
        // The runtime applies the containers' environment overrides.
        if let (Some(overrides), Some(record)) = (&input.overrides, region.tasks.get_mut(&arn)) {
            record.task.overrides = Some(overrides.clone());
        }
        tasks.push(region.tasks[&arn].task.clone());
    }
    Ok(RunTaskResponse {
        tasks: Some(tasks),
        failures: Some(vec![]),
    })
}

pub fn stop_task(
    cx: &Ctx,
    state: &mut EcsState,
    input: StopTaskRequest,
) -> Result<StopTaskResponse> {
    let region = state.region_mut(cx);
    let (cluster, _) = region.active_cluster(input.cluster.as_deref())?;
    let arn = task_arn(cx, &cluster, &input.task);
    let record = region
        .tasks
        .get_mut(&arn)
        .filter(|t| t.cluster == cluster)
        .ok_or_else(|| EcsError::invalid_parameter("The referenced task was not found."))?;
    let reason = input.reason.as_deref().unwrap_or("Task stopped by user");
    stop(cx, record, reason, TaskStopCode::UserInitiated);
    Ok(StopTaskResponse {
        task: Some(record.task.clone()),
    })
}

pub fn list_tasks(
    cx: &Ctx,
    state: &EcsState,
    input: ListTasksRequest,
) -> Result<ListTasksResponse> {
    let (region, cluster) = state.cluster_region(cx, input.cluster.as_deref())?;
    // A status that is not a task's lists none.
    let desired = input
        .desired_status
        .as_deref()
        .map_or(Some(TaskStatus::Running), TaskStatus::parse);
    let family_of = |t: &TaskRecord| {
        let arn = t.task.task_definition_arn.as_deref().unwrap_or_default();
        let (family, _revision) = task_definition_name(arn).rsplit_once(':')?;
        Some(family.to_string())
    };
    let mut records: Vec<&TaskRecord> = region
        .tasks
        .values()
        .filter(|t| t.cluster == cluster)
        .filter(|t| desired.is_some() && t.desired_status() == desired)
        .filter(|t| {
            input
                .service_name
                .as_ref()
                .is_none_or(|s| t.service.as_deref() == Some(super::store::service_name(s)))
        })
        .filter(|t| {
            input
                .family
                .as_ref()
                .is_none_or(|f| family_of(t).as_ref() == Some(f))
        })
        .filter(|t| {
            input
                .started_by
                .as_ref()
                .is_none_or(|s| t.task.started_by.as_ref() == Some(s))
        })
        .filter(|t| {
            input
                .launch_type
                .as_ref()
                .is_none_or(|l| t.task.launch_type.as_ref() == Some(l))
        })
        .collect();
    records.sort_by(|a, b| {
        a.task
            .created_at
            .partial_cmp(&b.task.created_at)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let arns: Vec<String> = records
        .iter()
        .filter_map(|t| t.task.task_arn.clone())
        .collect();
    let (task_arns, next_token) = page(&arns, input.max_results, input.next_token.as_deref())?;
    Ok(ListTasksResponse {
        task_arns: Some(task_arns),
        next_token,
    })
}

pub fn describe_tasks(
    cx: &Ctx,
    state: &EcsState,
    input: DescribeTasksRequest,
) -> Result<DescribeTasksResponse> {
    let (region, cluster) = state.cluster_region(cx, input.cluster.as_deref())?;
    if input.tasks.is_empty() {
        return Err(EcsError::invalid_parameter("Tasks cannot be empty."));
    }
    if input.tasks.len() > 100 {
        return Err(EcsError::invalid_parameter(
            "tasks: name between 1 and 100 tasks.",
        ));
    }
    let with_tags = input.include.iter().flatten().any(|i| i == "TAGS");
    let (mut tasks, mut failures) = (Vec::new(), Vec::new());
    for reference in &input.tasks {
        let arn = task_arn(cx, &cluster, reference);
        match region.tasks.get(&arn).filter(|t| t.cluster == cluster) {
            Some(t) => tasks.push(Task {
                tags: if with_tags { t.task.tags.clone() } else { None },
                ..t.task.clone()
            }),
            None => failures.push(Failure {
                arn: Some(arn),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok(DescribeTasksResponse {
        tasks: Some(tasks),
        failures: Some(failures),
    })
}
