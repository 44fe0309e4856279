//! CreateService, UpdateService, DescribeServices, ListServices, DeleteService. The tasks a
//! service runs are started and stopped by the scheduler (scheduler.rs), not here.

use crate::model::ecs::*;

use crate::emulator::cloudmap::CloudMap;

use super::error::{EcsError, Result};
use super::status::{
    DeploymentStatus, HasStatus, RolloutState, ServiceStatus, TaskDefinitionStatus, WireEnum,
};
use super::store::{Ctx, EcsRegion, EcsState, check_revision, page, service_name};
use super::{deployments, quotas, service_connect, validate};

/// `ecs-svc/` and 19 digits, as ECS names deployments.
fn deployment_id() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 10u128.pow(19);
    format!("ecs-svc/{n:019}")
}

pub(super) fn deployment(cx: &Ctx, service: &Service, task_definition: &str) -> Deployment {
    let id = deployment_id();
    Deployment {
        rollout_state_reason: Some(format!("ECS deployment {id} in progress.")),
        id: Some(id),
        status: DeploymentStatus::Primary.wire(),
        task_definition: Some(task_definition.into()),
        desired_count: service.desired_count,
        pending_count: Some(0),
        running_count: Some(0),
        failed_tasks: Some(0),
        created_at: Some(cx.now),
        updated_at: Some(cx.now),
        launch_type: service.launch_type.clone(),
        platform_version: service.platform_version.clone(),
        network_configuration: service.network_configuration.clone(),
        rollout_state: RolloutState::InProgress.wire(),
        ..Deployment::default()
    }
}

/// The task definition a service or task would run, checked as ECS checks it.
pub(super) fn runnable_task_definition(
    region: &EcsRegion,
    reference: Option<&str>,
    launch_type: &str,
    network: Option<&NetworkConfiguration>,
) -> Result<TaskDefinition> {
    let reference = reference.ok_or_else(|| {
        EcsError::invalid_parameter("taskDefinition: a task definition must be specified.")
    })?;
    check_revision(reference)?;
    let td = region
        .task_definition(reference)
        .ok_or_else(|| EcsError::invalid_parameter("TaskDefinition not found."))?;
    if td.status() != Some(TaskDefinitionStatus::Active) {
        return Err(EcsError::invalid_parameter("TaskDefinition is inactive"));
    }
    let compatible = td
        .compatibilities
        .iter()
        .flatten()
        .any(|c| c == launch_type);
    if !compatible {
        return Err(EcsError::invalid_parameter(format!(
            "Task definition does not support launch_type {launch_type}."
        )));
    }
    validate::network(td, network)?;
    Ok(td.clone())
}

/// The role ECS uses when none is given and the service needs one (the aws CLI's documented
/// create-service outputs show it for awsvpc services and behind load balancers).
fn service_linked_role(cx: &Ctx) -> String {
    format!(
        "arn:aws:iam::{}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
        cx.account
    )
}

/// CreateService's `role` as the service's roleArn: an ARN as given; a name (a path may
/// prefix it, `/foo/bar`) becomes a role of the cloud's account.
fn role_arn(cx: &Ctx, role: &str) -> String {
    if role.starts_with("arn:") {
        role.to_string()
    } else {
        format!(
            "arn:aws:iam::{}:role/{}",
            cx.account,
            role.trim_start_matches('/')
        )
    }
}

/// Whether ECS acts on the service's behalf with a role: it has load balancers or its tasks
/// get their own network interfaces.
fn needs_role(load_balancers: &[LoadBalancer], network: Option<&NetworkConfiguration>) -> bool {
    !load_balancers.is_empty() || network.is_some_and(|n| n.awsvpc_configuration.is_some())
}

/// The service's roleArn from CreateService's input. A role may not be named for an awsvpc
/// service: that one needs the service-linked role.
fn service_role(cx: &Ctx, input: &CreateServiceRequest) -> Result<Option<String>> {
    let awsvpc = input
        .network_configuration
        .as_ref()
        .is_some_and(|n| n.awsvpc_configuration.is_some());
    match input.role.as_deref() {
        Some(_) if awsvpc => Err(EcsError::invalid_parameter(
            "You cannot specify an IAM role for services that require a service linked role.",
        )),
        Some(role) => Ok(Some(role_arn(cx, role))),
        None => {
            let load_balancers = input.load_balancers.as_deref().unwrap_or_default();
            Ok(
                needs_role(load_balancers, input.network_configuration.as_ref())
                    .then(|| service_linked_role(cx)),
            )
        }
    }
}

fn with_tags(service: &Service, include: Option<&Vec<String>>) -> Service {
    let tags = include.into_iter().flatten().any(|i| i == "TAGS");
    Service {
        tags: if tags { service.tags.clone() } else { None },
        ..service.clone()
    }
}

/// What a deployment records (the namespace as an ARN when enabled), and, when enabled, the
/// checked form whose Cloud Map services are created once the rest of the request has passed.
type CheckedServiceConnect = (
    ServiceConnectConfiguration,
    Option<service_connect::Resolved>,
);

/// A Service Connect configuration checked for `service` (cluster, name) running `td`.
fn check_service_connect(
    cx: &Ctx,
    cloudmap: &CloudMap,
    region: &EcsRegion,
    service: (&str, &str),
    td: &TaskDefinition,
    config: Option<ServiceConnectConfiguration>,
) -> Result<Option<CheckedServiceConnect>> {
    let Some(config) = config else {
        return Ok(None);
    };
    let (_, cluster) = region.active_cluster(Some(service.0))?;
    let resolved = service_connect::resolve(
        cloudmap,
        &cx.scope(),
        region,
        cluster,
        service,
        td,
        config.clone(),
    )?;
    let recorded = resolved.as_ref().map_or(config, |r| r.config.clone());
    Ok(Some((recorded, resolved)))
}

/// Records a checked Service Connect configuration on a new ECS deployment, creating the
/// Cloud Map services it serves.
fn apply_service_connect(
    cx: &Ctx,
    cloudmap: &CloudMap,
    deployment: &mut Deployment,
    checked: Option<CheckedServiceConnect>,
) -> Result<()> {
    let Some((config, resolved)) = checked else {
        return Ok(());
    };
    deployment.service_connect_resources = match &resolved {
        Some(r) => Some(service_connect::create_resources(cloudmap, &cx.scope(), r)?),
        None => None,
    };
    deployment.service_connect_configuration = Some(config);
    Ok(())
}

pub fn create_service(
    cx: &Ctx,
    cloudmap: &CloudMap,
    state: &mut EcsState,
    input: CreateServiceRequest,
) -> Result<CreateServiceResponse> {
    let region = state.region_mut(cx);
    let (cluster, _) = region.active_cluster(input.cluster.as_deref())?;
    check_service_name(&input.service_name)?;
    check_scheduling_strategy(input.scheduling_strategy.as_deref())?;
    let launch_type = input.launch_type.clone().unwrap_or_else(|| "EC2".into());
    let td = runnable_task_definition(
        region,
        input.task_definition.as_deref(),
        &launch_type,
        input.network_configuration.as_ref(),
    )?;
    let desired = required_desired_count(input.desired_count)?;
    let role_arn = service_role(cx, &input)?;
    let mut input = input;
    if let Some(config) = input.deployment_configuration.as_mut() {
        deployments::check_configuration(config)?;
    }
    let routed = !input
        .load_balancers
        .as_deref()
        .unwrap_or_default()
        .is_empty()
        || input
            .service_connect_configuration
            .as_ref()
            .is_some_and(|c| c.enabled);
    deployments::check_traffic_shifting(input.deployment_configuration.as_ref(), routed)?;
    let name = input.service_name.clone();
    let key = (cluster.clone(), name.clone());
    let service_connect = check_service_connect(
        cx,
        cloudmap,
        region,
        (&cluster, &name),
        &td,
        input.service_connect_configuration.clone(),
    )?;
    let checked = CheckedCreate {
        launch_type,
        desired,
        td_arn: td.task_definition_arn.clone().unwrap_or_default(),
        role_arn,
    };
    if let Some(existing) = region.services.get(&key)
        && let Some(service) = repeated_create(existing, &checked)?
    {
        return Ok(CreateServiceResponse {
            service: Some(service),
        });
    }
    quotas::new_service(region, &cluster)?;
    let td_arn = checked.td_arn.clone();
    let mut service = new_service(cx, &cluster, input, checked);
    let mut first = deployment(cx, &service, &td_arn);
    apply_service_connect(cx, cloudmap, &mut first, service_connect)?;
    let first_id = first.id.clone().unwrap_or_default();
    service.deployments = Some(vec![first]);
    deployments::start(cx, region, &cluster, &mut service, &first_id, None);
    region.services.insert(key, service.clone());
    Ok(CreateServiceResponse {
        service: Some(service),
    })
}

fn check_service_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 255
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(EcsError::invalid_parameter(format!(
            "serviceName: '{name}' is not valid: up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed."
        )));
    }
    Ok(())
}

fn check_scheduling_strategy(strategy: Option<&str>) -> Result<()> {
    if strategy == Some("DAEMON") {
        return Err(EcsError::invalid_parameter(
            "schedulingStrategy: DAEMON services are not supported by the embedded cloud (it has no container instances); use REPLICA.",
        ));
    }
    Ok(())
}

/// CreateService's desiredCount, which a REPLICA service must give.
fn required_desired_count(desired: Option<i32>) -> Result<i32> {
    let desired = desired.ok_or_else(|| {
        EcsError::invalid_parameter(
            "desiredCount: required for a service whose schedulingStrategy is REPLICA.",
        )
    })?;
    check_desired_count(desired)?;
    Ok(desired)
}

fn check_desired_count(desired: i32) -> Result<()> {
    if desired < 0 {
        return Err(EcsError::invalid_parameter(
            "desiredCount must be at least 0.",
        ));
    }
    quotas::desired_count(desired)
}

/// What CreateService checked, for the service it records.
struct CheckedCreate {
    launch_type: String,
    desired: i32,
    td_arn: String,
    role_arn: Option<String>,
}

/// CreateService for a service of that name already there: the existing service when the
/// create repeats it, an error when it differs or the service still drains, `None` when the
/// old service is gone (INACTIVE) and a new one may take its name.
fn repeated_create(existing: &Service, checked: &CheckedCreate) -> Result<Option<Service>> {
    match existing.status() {
        Some(ServiceStatus::Active) => {
            // ECS answers a repeated identical create with the existing service.
            let same = existing.task_definition.as_deref() == Some(checked.td_arn.as_str())
                && existing.desired_count == Some(checked.desired)
                && existing.launch_type.as_deref() == Some(checked.launch_type.as_str());
            if same {
                Ok(Some(existing.clone()))
            } else {
                Err(EcsError::invalid_parameter(
                    "Creation of service was not idempotent.",
                ))
            }
        }
        Some(ServiceStatus::Draining) => Err(EcsError::invalid_parameter(
            "Unable to Start a service that is still Draining.",
        )),
        _ => Ok(None),
    }
}

/// The service CreateService records, with ECS's defaults for what the request leaves out.
fn new_service(
    cx: &Ctx,
    cluster: &str,
    input: CreateServiceRequest,
    checked: CheckedCreate,
) -> Service {
    let name = input.service_name;
    let launch_type = checked.launch_type;
    Service {
        service_arn: Some(cx.arn(&format!("service/{cluster}/{name}"))),
        service_name: Some(name),
        cluster_arn: Some(cx.cluster_arn(cluster)),
        load_balancers: Some(input.load_balancers.unwrap_or_default()),
        service_registries: Some(input.service_registries.unwrap_or_default()),
        status: ServiceStatus::Active.wire(),
        desired_count: Some(checked.desired),
        running_count: Some(0),
        pending_count: Some(0),
        launch_type: Some(launch_type.clone()),
        platform_version: (launch_type == "FARGATE")
            .then(|| input.platform_version.unwrap_or_else(|| "LATEST".into())),
        task_definition: Some(checked.td_arn),
        deployment_configuration: Some(
            input
                .deployment_configuration
                .unwrap_or_else(default_deployment_configuration),
        ),
        events: Some(vec![]),
        created_at: Some(cx.now),
        placement_constraints: Some(input.placement_constraints.unwrap_or_default()),
        placement_strategy: Some(input.placement_strategy.unwrap_or_default()),
        network_configuration: input.network_configuration,
        health_check_grace_period_seconds: input.health_check_grace_period_seconds,
        scheduling_strategy: Some("REPLICA".into()),
        deployment_controller: Some(input.deployment_controller.unwrap_or(DeploymentController {
            r#type: "ECS".into(),
        })),
        role_arn: checked.role_arn,
        tags: Some(input.tags.unwrap_or_default()),
        created_by: Some(format!("arn:aws:iam::{}:root", cx.account)),
        enable_ecs_managed_tags: Some(input.enable_ecs_managed_tags.unwrap_or(false)),
        propagate_tags: Some(input.propagate_tags.unwrap_or_else(|| "NONE".into())),
        enable_execute_command: Some(input.enable_execute_command.unwrap_or(false)),
        ..Service::default()
    }
}

fn default_deployment_configuration() -> DeploymentConfiguration {
    DeploymentConfiguration {
        deployment_circuit_breaker: Some(DeploymentCircuitBreaker {
            enable: false,
            rollback: false,
            ..DeploymentCircuitBreaker::default()
        }),
        maximum_percent: Some(200),
        minimum_healthy_percent: Some(100),
        ..DeploymentConfiguration::default()
    }
}

fn active_service<'a>(
    region: &'a mut EcsRegion,
    cluster: Option<&str>,
    reference: &str,
) -> Result<(String, &'a mut Service)> {
    let (cluster, _) = region.active_cluster(cluster)?;
    let key = (cluster.clone(), service_name(reference).to_string());
    let service = region
        .services
        .get_mut(&key)
        .ok_or_else(EcsError::service_not_found)?;
    if service.status() == Some(ServiceStatus::Inactive) {
        return Err(EcsError::service_not_found());
    }
    Ok((cluster, service))
}

pub fn update_service(
    cx: &Ctx,
    cloudmap: &CloudMap,
    state: &mut EcsState,
    input: UpdateServiceRequest,
) -> Result<UpdateServiceResponse> {
    let region = state.region_mut(cx);
    let (cluster, service) = active_service(region, input.cluster.as_deref(), &input.service)?;
    if service.status() != Some(ServiceStatus::Active) {
        return Err(EcsError::service_not_active());
    }
    let network = input
        .network_configuration
        .clone()
        .or_else(|| service.network_configuration.clone());
    let key = (cluster, service_name(&input.service).to_string());
    let to_start = check_new_deployment(cx, cloudmap, region, &key, &input, network.as_ref())?;
    input.desired_count.map(check_desired_count).transpose()?;
    let mut input = input;
    if let Some(config) = input.deployment_configuration.as_mut() {
        deployments::check_configuration(config)?;
    }
    check_update_shifts_traffic(&region.services[&key], &input)?;
    let service = region
        .services
        .get_mut(&key)
        .expect("active_service found it");
    apply_update(cx, service, &input, network);
    let mut ecs_deployments = service.deployments.take().unwrap_or_default();
    let started = to_start
        .map(|(td, service_connect)| {
            new_deployment(
                cx,
                cloudmap,
                service,
                &mut ecs_deployments,
                td,
                service_connect,
            )
        })
        .transpose()?;
    primary_follows_desired_count(cx, service, &mut ecs_deployments);
    service.deployments = Some(ecs_deployments);
    if let Some((id, source)) = started {
        let mut service = service.clone();
        deployments::start(cx, region, &key.0, &mut service, &id, source);
        region.services.insert(key.clone(), service);
    }
    Ok(UpdateServiceResponse {
        service: region.services.get(&key).cloned(),
    })
}

/// The strategy a service has after an update, checked against what it routes traffic with
/// after it (the update's load balancers and Service Connect, else the service's).
fn check_update_shifts_traffic(service: &Service, input: &UpdateServiceRequest) -> Result<()> {
    let config = input
        .deployment_configuration
        .as_ref()
        .or(service.deployment_configuration.as_ref());
    let load_balanced = input
        .load_balancers
        .as_ref()
        .or(service.load_balancers.as_ref())
        .is_some_and(|l| !l.is_empty());
    let service_connect = match &input.service_connect_configuration {
        Some(c) => c.enabled,
        None => service
            .deployments
            .iter()
            .flatten()
            .find(|d| d.status() == Some(DeploymentStatus::Primary))
            .and_then(|d| d.service_connect_configuration.as_ref())
            .is_some_and(|c| c.enabled),
    };
    deployments::check_traffic_shifting(config, load_balanced || service_connect)
}

/// The task definition and Service Connect configuration of the ECS deployment an update
/// starts, if it starts one; checked against the region before the service is changed.
fn check_new_deployment(
    cx: &Ctx,
    cloudmap: &CloudMap,
    region: &EcsRegion,
    key: &(String, String),
    input: &UpdateServiceRequest,
    network: Option<&NetworkConfiguration>,
) -> Result<Option<(TaskDefinition, Option<CheckedServiceConnect>)>> {
    if !starts_deployment(input) {
        return Ok(None);
    }
    let service = &region.services[key];
    let launch_type = service.launch_type.clone().unwrap_or_else(|| "EC2".into());
    let td_reference = input
        .task_definition
        .clone()
        .or_else(|| service.task_definition.clone());
    let td = runnable_task_definition(region, td_reference.as_deref(), &launch_type, network)?;
    let service_connect = check_service_connect(
        cx,
        cloudmap,
        region,
        (&key.0, &key.1),
        &td,
        input.service_connect_configuration.clone(),
    )?;
    Ok(Some((td, service_connect)))
}

/// Whether UpdateService starts a new deployment, as the model documents each member;
/// placement changes apply to the next tasks placed and start none.
fn starts_deployment(input: &UpdateServiceRequest) -> bool {
    input.task_definition.is_some()
        || input.network_configuration.is_some()
        || input.load_balancers.is_some()
        || input.service_registries.is_some()
        || input.service_connect_configuration.is_some()
        || input.force_new_deployment == Some(true)
}

/// Applies UpdateService's settings to the service (its network configuration as resolved
/// from the request and the service).
fn apply_update(
    cx: &Ctx,
    service: &mut Service,
    input: &UpdateServiceRequest,
    network: Option<NetworkConfiguration>,
) {
    if let Some(desired) = input.desired_count {
        service.desired_count = Some(desired);
    }
    if let Some(config) = input.deployment_configuration.clone() {
        service.deployment_configuration = Some(config);
    }
    service.network_configuration = network;
    apply_service_changes(cx, service, input);
}

/// Keeps the primary ECS deployment's desired count the service's.
fn primary_follows_desired_count(cx: &Ctx, service: &Service, ecs_deployments: &mut [Deployment]) {
    if let Some(primary) = ecs_deployments
        .iter_mut()
        .find(|d| d.status() == Some(DeploymentStatus::Primary))
    {
        primary.desired_count = service.desired_count;
        primary.updated_at = Some(cx.now);
    }
}

/// The ECS deployment a new one replaces, if any: (its id, its task definition).
type Source = Option<(String, String)>;

/// Makes a new PRIMARY ECS deployment of `td` (the old primary becomes ACTIVE) and puts it
/// first. Returns its id and the deployment it replaces.
fn new_deployment(
    cx: &Ctx,
    cloudmap: &CloudMap,
    service: &mut Service,
    ecs_deployments: &mut Vec<Deployment>,
    td: TaskDefinition,
    service_connect: Option<CheckedServiceConnect>,
) -> Result<(String, Source)> {
    let arn = td.task_definition_arn.unwrap_or_default();
    let primary = ecs_deployments
        .iter()
        .find(|d| d.status() == Some(DeploymentStatus::Primary));
    let source = primary.and_then(|d| Some((d.id.clone()?, d.task_definition.clone()?)));
    // A deployment keeps the service's Service Connect configuration unless the update
    // gives a new one.
    let inherited = primary.map(|d| {
        (
            d.service_connect_configuration.clone(),
            d.service_connect_resources.clone(),
        )
    });
    service.task_definition = Some(arn.clone());
    for d in ecs_deployments
        .iter_mut()
        .filter(|d| d.status() == Some(DeploymentStatus::Primary))
    {
        d.set_status(DeploymentStatus::Active);
        d.updated_at = Some(cx.now);
    }
    let mut new = deployment(cx, service, &arn);
    if service_connect.is_some() {
        apply_service_connect(cx, cloudmap, &mut new, service_connect)?;
    } else if let Some((config, resources)) = inherited {
        new.service_connect_configuration = config;
        new.service_connect_resources = resources;
    }
    let started = (new.id.clone().unwrap_or_default(), source);
    ecs_deployments.insert(0, new);
    Ok(started)
}

/// UpdateService's members that replace the service's own when given (an empty list clears
/// one).
fn apply_service_changes(cx: &Ctx, service: &mut Service, input: &UpdateServiceRequest) {
    if let Some(load_balancers) = &input.load_balancers {
        service.load_balancers = Some(load_balancers.clone());
    }
    if let Some(registries) = &input.service_registries {
        service.service_registries = Some(registries.clone());
    }
    if let Some(strategy) = &input.placement_strategy {
        service.placement_strategy = Some(strategy.clone());
    }
    if let Some(constraints) = &input.placement_constraints {
        service.placement_constraints = Some(constraints.clone());
    }
    let load_balancers = service.load_balancers.as_deref().unwrap_or_default();
    if service.role_arn.is_none()
        && needs_role(load_balancers, service.network_configuration.as_ref())
    {
        service.role_arn = Some(service_linked_role(cx));
    }
}

pub fn delete_service(
    cx: &Ctx,
    state: &mut EcsState,
    input: DeleteServiceRequest,
) -> Result<DeleteServiceResponse> {
    let region = state.region_mut(cx);
    let (_, service) = active_service(region, input.cluster.as_deref(), &input.service)?;
    if service.desired_count.unwrap_or(0) > 0 && input.force != Some(true) {
        return Err(EcsError::invalid_parameter(
            "The service cannot be stopped while it is scaled above 0.",
        ));
    }
    service.set_status(ServiceStatus::Draining);
    service.desired_count = Some(0);
    for d in service.deployments.iter_mut().flatten() {
        d.desired_count = Some(0);
        d.updated_at = Some(cx.now);
    }
    Ok(DeleteServiceResponse {
        service: Some(service.clone()),
    })
}

pub fn describe_services(
    cx: &Ctx,
    state: &EcsState,
    input: DescribeServicesRequest,
) -> Result<DescribeServicesResponse> {
    let (region, cluster) = state.cluster_region(cx, input.cluster.as_deref())?;
    if input.services.is_empty() || input.services.len() > 10 {
        return Err(EcsError::invalid_parameter(
            "services: name between 1 and 10 services.",
        ));
    }
    let (mut services, mut failures) = (Vec::new(), Vec::new());
    for reference in &input.services {
        let name = service_name(reference);
        match region.services.get(&(cluster.clone(), name.to_string())) {
            Some(s) => services.push(with_tags(s, input.include.as_ref())),
            None => failures.push(Failure {
                arn: Some(missing_service_arn(cx, reference)),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok(DescribeServicesResponse {
        services: Some(services),
        failures: Some(failures),
    })
}

/// The ARN ECS names a missing service by: an ARN as it was given; a name in the short
/// format, without the cluster (`arn:aws:ecs:REGION:ACCOUNT:service/NAME`), as users of
/// DescribeServices quote it for services in any cluster.
fn missing_service_arn(cx: &Ctx, reference: &str) -> String {
    if reference.starts_with("arn:") {
        reference.to_string()
    } else {
        cx.arn(&format!("service/{reference}"))
    }
}

pub fn list_services(
    cx: &Ctx,
    state: &EcsState,
    input: ListServicesRequest,
) -> Result<ListServicesResponse> {
    let (region, cluster) = state.cluster_region(cx, input.cluster.as_deref())?;
    let arns: Vec<String> = region
        .services
        .iter()
        .filter(|((c, _), s)| {
            c == &cluster
                && matches!(
                    s.status(),
                    Some(ServiceStatus::Active | ServiceStatus::Draining)
                )
        })
        .filter(|(_, s)| {
            input
                .launch_type
                .as_ref()
                .is_none_or(|l| s.launch_type.as_ref() == Some(l))
        })
        .filter(|(_, s)| {
            input
                .scheduling_strategy
                .as_ref()
                .is_none_or(|l| s.scheduling_strategy.as_ref() == Some(l))
        })
        .filter_map(|(_, s)| s.service_arn.clone())
        .collect();
    let (service_arns, next_token) = page(&arns, input.max_results, input.next_token.as_deref())?;
    Ok(ListServicesResponse {
        service_arns: Some(service_arns),
        next_token,
    })
}
