//! ECS as AWS documents it, where a peer's test suite found the emulator teaching otherwise
//! (issue 14). Each test names where AWS's behaviour is written down.
//!
//! Error messages are ECS's own words, as the API reference, the aws CLI examples or users
//! quoting real responses give them (the source is beside each assertion). These messages the
//! emulator sends could NOT be confirmed from a public source; they keep ECS's code and style
//! but their wording is the emulator's:
//!
//! | operation | code | message |
//! | --- | --- | --- |
//! | RegisterTaskDefinition | ClientException | `Invalid setting for container 'NAME'. The memoryReservation (SOFT) must be less than or equal to the memory (HARD).` |
//! | RegisterTaskDefinition | ClientException | `proxyConfiguration.containerName: 'NAME' does not name a container of this task definition (NAMES).` |
//! | DescribeTaskDefinition, DeregisterTaskDefinition | InvalidParameterException | `Invalid revision number.` (confirmed for CreateService only) |
//! | DeregisterTaskDefinition (no revision) | ClientException | `Revision is missing.` (moto's text) |
//! | CreateService, RunTask (awsvpc) | InvalidParameterException | `subnets can not be empty.` (moto's text) |
//! | CreateService, RunTask (awsvpc) | InvalidParameterException | `Error retrieving subnet information for [ID]: The subnet ID 'ID' is malformed` (and the security group form) |
//! | CreateService | InvalidParameterException | `TaskDefinition not found.` |
//! | CreateService | InvalidParameterException | `clusterName`/`serviceName: 'NAME' is not valid: ...` |
//! | CreateService | InvalidParameterException | `schedulingStrategy: DAEMON services are not supported by the embedded cloud ...` (the emulator's limit, not ECS's) |
//! | CreateService | InvalidParameterException | `desiredCount: required for a service whose schedulingStrategy is REPLICA.` |
//! | CreateService, UpdateService | InvalidParameterException | `desiredCount must be at least 0.` |
//! | DeleteService | InvalidParameterException | `The service cannot be stopped while it is scaled above 0.` |
//! | UpdateService | ServiceNotActiveException | `Service was not ACTIVE.` |
//! | DescribeServices | InvalidParameterException | `services: name between 1 and 10 services.` |
//! | DescribeTasks | InvalidParameterException | `tasks: name between 1 and 100 tasks.` (ECS: `Tasks cannot be empty.` for none) |
//! | RunTask | InvalidParameterException | `count must be between 1 and 10.` |
//! | StopTask | InvalidParameterException | `The referenced task was not found.` |
//! | List* | InvalidParameterException | `maxResults must be between 1 and 100.`, `Invalid token` |
//! | TagResource | InvalidParameterException | `A resource may have at most 50 tags; ...`, `resourceArn: 'ARN' is not an ECS ARN.` |
//! | TagResource, ListTagsForResource | ResourceNotFoundException | `The specified resource could not be found.` |
//! | CreateService, RunTask | InvalidParameterException | `The clientToken was already used with different parameters.` |

use parking_lot::Mutex;
use std::sync::Arc;

use aws_sdk_ecs::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
};
use aws_sdk_ecs::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ecs::error::BoxError;
use aws_sdk_ecs::operation::register_task_definition::builders::RegisterTaskDefinitionFluentBuilder;
use aws_sdk_ecs::types::*;
use serde_json::{Value, json};

use crate::ecs_support::*;
use crate::support::*;

const ACCOUNT: &str = "000000000000";

fn container(name: &str) -> aws_sdk_ecs::types::builders::ContainerDefinitionBuilder {
    ContainerDefinition::builder()
        .name(name)
        .image("meshwalk/gopher-distributor:v1")
        .memory(128)
}

/// A Fargate task definition that ECS accepts as it is.
fn fargate(ecs: &aws_sdk_ecs::Client, family: &str) -> RegisterTaskDefinitionFluentBuilder {
    ecs.register_task_definition()
        .family(family)
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .container_definitions(container("app").build())
}

async fn cluster(ecs: &aws_sdk_ecs::Client, name: &str) {
    ecs.create_cluster()
        .cluster_name(name)
        .send()
        .await
        .unwrap();
}

/// Keeps the body of the response as it came over the wire: the SDK reads an absent `cpu` as
/// 0 and an absent list as empty, so defaults can only be seen in the JSON itself.
#[derive(Debug, Clone, Default)]
struct WireBody(Arc<Mutex<Option<Vec<u8>>>>);

impl Intercept for WireBody {
    fn name(&self) -> &'static str {
        "WireBody"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = context.response().body().bytes().map(<[u8]>::to_vec);
        *self.0.lock() = body;
        Ok(())
    }
}

impl WireBody {
    fn json(&self) -> Value {
        let body = self.0.lock().clone().expect("a response body");
        serde_json::from_slice(&body).unwrap()
    }
}

/// Sends containers without `cpu`, as the aws CLI and boto3 do when it is not given
/// (aws-sdk-rust always writes its default, 0).
#[derive(Debug)]
struct LeaveOutContainerCpu;

impl Intercept for LeaveOutContainerCpu {
    fn name(&self) -> &'static str {
        "LeaveOutContainerCpu"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let mut body: Value = serde_json::from_slice(request.body().bytes().unwrap_or_default())?;
        for container in body["containerDefinitions"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            if container["cpu"] == json!(0) {
                container.as_object_mut().map(|c| c.remove("cpu"));
            }
        }
        let bytes = serde_json::to_vec(&body)?;
        request
            .headers_mut()
            .insert("content-length", bytes.len().to_string());
        *request.body_mut() = bytes.into();
        Ok(())
    }
}

/// The first container of a registered task definition, as the JSON on the wire has it.
async fn registered_container(request: RegisterTaskDefinitionFluentBuilder) -> Value {
    let wire = WireBody::default();
    request
        .customize()
        .interceptor(LeaveOutContainerCpu)
        .interceptor(wire.clone())
        .send()
        .await
        .unwrap();
    wire.json()["taskDefinition"]["containerDefinitions"][0].clone()
}

/// 1. A container comes back with ECS's defaults: `cpu` 0 and the empty lists the aws CLI's
/// documented register-task-definition output shows (portMappings, environment, mountPoints,
/// volumesFrom); with awsvpc the host port is the container port and the protocol tcp.
#[tokio::test]
async fn containers_come_back_with_ecs_defaults() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    let c = registered_container(
        ecs.register_task_definition()
            .family("g")
            .container_definitions(
                ContainerDefinition::builder()
                    .name("c")
                    .image("i")
                    .memory(400)
                    .build(),
            ),
    )
    .await;
    for (member, default) in [
        ("cpu", json!(0)),
        ("essential", json!(true)),
        ("portMappings", json!([])),
        ("environment", json!([])),
        ("mountPoints", json!([])),
        ("volumesFrom", json!([])),
    ] {
        assert_eq!(c[member], default, "{member} in {c}");
    }
    // A given value stays as it was.
    let given = registered_container(
        ecs.register_task_definition()
            .family("g")
            .container_definitions(container("c").cpu(10).build()),
    )
    .await;
    assert_eq!(given["cpu"], json!(10));

    let awsvpc = registered_container(
        ecs.register_task_definition()
            .family("web")
            .network_mode(NetworkMode::Awsvpc)
            .container_definitions(
                container("web")
                    .port_mappings(PortMapping::builder().container_port(8080).build())
                    .build(),
            ),
    )
    .await;
    assert_eq!(
        awsvpc["portMappings"],
        json!([{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}])
    );
}

/// 2. On Fargate pidMode may only be `task` and ipcMode is not supported (the model's
/// RegisterTaskDefinition docs; the messages as CloudFormation and Terraform users quote them:
/// aws/aws-cdk#29619, cn-terraform/terraform-aws-ecs-fargate#2). EC2 takes `host` for both.
#[tokio::test]
async fn fargate_refuses_host_pid_mode_and_any_ipc_mode() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    let (code, message) = error_of(fargate(ecs, "f").pid_mode(PidMode::Host).send().await);
    assert_eq!(code, "ClientException");
    assert_eq!(
        message,
        "Tasks using the Fargate launch type do not support pidMode 'host'. The supported value for pidMode is 'task'."
    );
    for ipc in [IpcMode::Host, IpcMode::Task, IpcMode::None] {
        let (code, message) = error_of(fargate(ecs, "f").ipc_mode(ipc).send().await);
        assert_eq!(code, "ClientException");
        assert_eq!(
            message,
            "Tasks using the Fargate launch type do not support ipcMode."
        );
    }
    let task_pid = fargate(ecs, "f")
        .pid_mode(PidMode::Task)
        .send()
        .await
        .unwrap();
    assert_eq!(
        task_pid.task_definition().unwrap().pid_mode(),
        Some(&PidMode::Task)
    );
    let ec2 = ecs
        .register_task_definition()
        .family("e")
        .pid_mode(PidMode::Host)
        .ipc_mode(IpcMode::Host)
        .container_definitions(container("app").build())
        .send()
        .await
        .unwrap();
    assert_eq!(
        ec2.task_definition().unwrap().ipc_mode(),
        Some(&IpcMode::Host)
    );
}

fn load_balancer(port: i32) -> LoadBalancer {
    LoadBalancer::builder()
        .target_group_arn(format!(
            "arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/web-{port}/0123456789abcdef"
        ))
        .container_name("web")
        .container_port(port)
        .build()
}

/// An EC2 (bridge) web service behind a load balancer, as the aws CLI's create-service
/// example 4 creates one.
async fn web_service(ecs: &aws_sdk_ecs::Client, role: Option<&str>) -> Service {
    ecs.register_task_definition()
        .family("web")
        .container_definitions(
            container("web")
                .port_mappings(PortMapping::builder().container_port(80).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    ecs.create_service()
        .cluster("gophermesh")
        .service_name("web")
        .task_definition("web")
        .desired_count(0)
        .load_balancers(load_balancer(80))
        .set_role(role.map(str::to_string))
        .send()
        .await
        .unwrap()
        .service
        .unwrap()
}

/// 3. CreateService's `role` comes back as roleArn, a name made an ARN of the account (the
/// aws CLI's create-service example 4: role "ecsServiceRole" →
/// "arn:aws:iam::123456789012:role/ecsServiceRole"); without one, a service behind a load
/// balancer or on awsvpc shows ECS's service-linked role (examples 1 and 3).
#[tokio::test]
async fn create_service_returns_the_role_arn() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    cluster(ecs, "gophermesh").await;
    let created = web_service(ecs, Some("ecsServiceRole")).await;
    let expected = format!("arn:aws:iam::{ACCOUNT}:role/ecsServiceRole");
    assert_eq!(created.role_arn(), Some(expected.as_str()));
    let described = ecs
        .describe_services()
        .cluster("gophermesh")
        .services("web")
        .send()
        .await
        .unwrap();
    assert_eq!(described.services()[0].role_arn(), Some(expected.as_str()));

    register_tutorial_task_definitions(ecs).await;
    let fargate = ecs
        .create_service()
        .cluster("gophermesh")
        .service_name("requester")
        .task_definition("gopher-requester")
        .launch_type(LaunchType::Fargate)
        .desired_count(0)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap();
    assert_eq!(
        fargate.service().unwrap().role_arn(),
        Some(
            format!(
                "arn:aws:iam::{ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
            )
            .as_str()
        )
    );
    // An awsvpc service cannot be given a role (terraform-provider-aws#4657 quotes ECS).
    let (code, message) = error_of(
        ecs.create_service()
            .cluster("gophermesh")
            .service_name("distributor")
            .task_definition("gopher-distributor")
            .launch_type(LaunchType::Fargate)
            .desired_count(0)
            .network_configuration(awsvpc())
            .role("ecsServiceRole")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "You cannot specify an IAM role for services that require a service linked role."
    );
}

fn primary(service: &Service) -> &Deployment {
    service
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
        .expect("a PRIMARY deployment")
}

/// 4. UpdateService replaces loadBalancers, serviceRegistries, placementStrategy and
/// placementConstraints when given. As the model documents each member: load balancers and
/// service registries start a new deployment, placement changes do not.
#[tokio::test]
async fn update_service_replaces_load_balancers_registries_and_placement() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    cluster(ecs, "gophermesh").await;
    let created = web_service(ecs, None).await;
    let first = primary(&created).id().unwrap().to_string();
    let update = || ecs.update_service().cluster("gophermesh").service("web");

    let spread = PlacementStrategy::builder()
        .r#type(PlacementStrategyType::Spread)
        .field("attribute:ecs.availability-zone")
        .build();
    let distinct = PlacementConstraint::builder()
        .r#type(PlacementConstraintType::DistinctInstance)
        .build();
    let placed = update()
        .placement_strategy(spread.clone())
        .placement_constraints(distinct.clone())
        .send()
        .await
        .unwrap();
    let placed = placed.service().unwrap();
    assert_eq!(placed.placement_strategy(), [spread]);
    assert_eq!(placed.placement_constraints(), [distinct]);
    assert_eq!(
        primary(placed).id(),
        Some(first.as_str()),
        "no new deployment"
    );

    let moved = update()
        .load_balancers(load_balancer(8080))
        .send()
        .await
        .unwrap();
    let moved = moved.service().unwrap();
    assert_eq!(moved.load_balancers(), [load_balancer(8080)]);
    let second = primary(moved).id().unwrap().to_string();
    assert_ne!(second, first, "a new deployment for the new load balancer");

    let registry = ServiceRegistry::builder()
        .registry_arn(format!(
            "arn:aws:servicediscovery:us-east-1:{ACCOUNT}:service/srv-0123456789abcdef"
        ))
        .build();
    let registered = update()
        .service_registries(registry.clone())
        .send()
        .await
        .unwrap();
    let registered = registered.service().unwrap();
    assert_eq!(registered.service_registries(), [registry]);
    assert_ne!(primary(registered).id(), Some(second.as_str()));

    // An empty list clears; DescribeServices shows what UpdateService answered.
    update()
        .set_load_balancers(Some(vec![]))
        .set_placement_constraints(Some(vec![]))
        .send()
        .await
        .unwrap();
    let described = ecs
        .describe_services()
        .cluster("gophermesh")
        .services("web")
        .send()
        .await
        .unwrap();
    let service = &described.services()[0];
    assert!(service.load_balancers().is_empty());
    assert!(service.placement_constraints().is_empty());
    assert_eq!(service.placement_strategy().len(), 1);
    assert_eq!(service.service_registries().len(), 1);
}

fn is_deployment_id(id: &str) -> bool {
    id.strip_prefix("ecs-svc/")
        .is_some_and(|n| n.len() == 19 && n.chars().all(|c| c.is_ascii_digit()))
}

/// 5. rolloutStateReason names the deployment, "ECS deployment ecs-svc/... in progress." then
/// "... completed." (the Developer Guide's ECS deployment state change events show the same
/// reasons); deployment ids are `ecs-svc/` and 19 digits (the aws CLI's create-service output).
#[tokio::test]
async fn rollout_state_reason_names_the_deployment() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    cluster(ecs, "gophermesh").await;
    let created = web_service(ecs, None).await;
    let deployment = primary(&created);
    let id = deployment.id().unwrap().to_string();
    assert!(is_deployment_id(&id), "{id}");
    assert_eq!(
        deployment.rollout_state(),
        Some(&DeploymentRolloutState::InProgress)
    );
    assert_eq!(
        deployment.rollout_state_reason(),
        Some(format!("ECS deployment {id} in progress.").as_str())
    );
    // Nothing to start at desiredCount 0: the scheduler finds the service steady.
    let completed = eventually("the deployment to complete", || async {
        let described = ecs
            .describe_services()
            .cluster("gophermesh")
            .services("web")
            .send()
            .await
            .unwrap();
        let deployment = primary(&described.services()[0]).clone();
        (deployment.rollout_state() == Some(&DeploymentRolloutState::Completed))
            .then_some(deployment)
    })
    .await;
    assert_eq!(
        completed.rollout_state_reason(),
        Some(format!("ECS deployment {id} completed.").as_str())
    );
}

/// 6. Task definition errors in ECS's words, each as users quote it from real responses.
#[tokio::test]
async fn task_definition_errors_are_ecs_messages() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    let register = || ecs.register_task_definition().family("g");
    let cases = [
        (
            // convox/praxis#121
            register().container_definitions(
                ContainerDefinition::builder().name("c").memory(400).build(),
            ),
            "Container.image should not be null or empty.",
        ),
        (
            // awsdocs/aws-cloudformation-user-guide#612
            register().container_definitions(
                ContainerDefinition::builder()
                    .image("i")
                    .memory(400)
                    .build(),
            ),
            "Container.name should not be null or empty.",
        ),
        (
            // hashicorp/terraform-provider-aws#5950
            register().container_definitions(container("a b").build()),
            "Container.name contains invalid characters.",
        ),
        (
            // sil-org/ecs-deploy#59: the EC2 memory rule, nothing added.
            register()
                .container_definitions(ContainerDefinition::builder().name("c").image("i").build()),
            "Invalid setting for container 'c'. At least one of 'memory' or 'memoryReservation' must be specified.",
        ),
        (
            // awsdocs/aws-cloudformation-user-guide#454
            register().set_container_definitions(Some(vec![])),
            "Container list cannot be empty.",
        ),
        (
            // aws/amazon-ecs-cli#37
            ecs.register_task_definition()
                .family("g.1")
                .container_definitions(container("a").build()),
            "Family contains invalid characters.",
        ),
        (
            // pulumi/pulumi-awsx#935
            register()
                .network_mode(NetworkMode::Awsvpc)
                .container_definitions(
                    container("a")
                        .port_mappings(
                            PortMapping::builder()
                                .container_port(80)
                                .host_port(8080)
                                .build(),
                        )
                        .build(),
                ),
            "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
        ),
        (
            // mongodb/terraform-aws-ecs-task-definition#38
            fargate(ecs, "g").set_cpu(None),
            "Fargate requires that 'cpu' be defined at the task level.",
        ),
        (
            // aws/amazon-ecs-cli#982
            fargate(ecs, "g").set_memory(None),
            "Fargate requires that 'memory' be defined at the task level.",
        ),
        (
            // cds-snc/notification-terraform#329
            register()
                .cpu("lots")
                .container_definitions(container("a").build()),
            "Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
        ),
    ];
    for (request, expected) in cases {
        let (code, message) = error_of(request.send().await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("ClientException", expected)
        );
    }
    // sil-org/ecs-deploy#145
    let (code, message) = error_of(
        ecs.describe_task_definition()
            .task_definition("nope:1")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("ClientException", "Unable to describe task definition.")
    );
    register()
        .container_definitions(container("a").build())
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        ecs.describe_task_definition()
            .task_definition("g:foo")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InvalidParameterException", "Invalid revision number.")
    );
}

/// 6. Service and task errors in ECS's words.
#[tokio::test]
async fn service_errors_are_ecs_messages() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    cluster(ecs, "gophermesh").await;
    register_tutorial_task_definitions(ecs).await;
    ecs.register_task_definition()
        .family("ec2-only")
        .container_definitions(container("a").build())
        .send()
        .await
        .unwrap();
    let create = |td: &str| {
        ecs.create_service()
            .cluster("gophermesh")
            .service_name("requester")
            .task_definition(td)
            .desired_count(0)
    };
    let cases = [
        (
            // hashicorp/terraform-provider-aws#30313: a revision that is no number.
            create("gopher-requester:1}").network_configuration(awsvpc()),
            "Invalid revision number.",
        ),
        (
            // oranmoshai/ecsServiceRestart#2
            create("ec2-only").launch_type(LaunchType::Fargate),
            "Task definition does not support launch_type FARGATE.",
        ),
        (
            // PasseiDireto/gh-runner-task-action#8
            create("gopher-requester"),
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
        ),
        (
            // muya/amazon-ecs-run-task#7
            create("ec2-only").network_configuration(awsvpc()),
            "Network Configuration is not valid for the given `networkMode` of this task definition.",
        ),
    ];
    for (request, expected) in cases {
        let (code, message) = error_of(request.send().await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("InvalidParameterException", expected)
        );
    }
    // DefangLabs/defang#775
    ecs.deregister_task_definition()
        .task_definition("ec2-only:1")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(create("ec2-only:1").send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InvalidParameterException", "TaskDefinition is inactive")
    );
    // hashicorp/terraform#20182
    create("gopher-requester")
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        create("gopher-requester")
            .desired_count(3)
            .network_configuration(awsvpc())
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "Creation of service was not idempotent."
        )
    );
    // sil-org/ecs-deploy#63
    let (code, message) = error_of(
        ecs.describe_tasks()
            .cluster("gophermesh")
            .set_tasks(Some(vec![]))
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InvalidParameterException", "Tasks cannot be empty.")
    );
}

/// 7. DescribeServices names a missing service in `failures[]` by the short ARN without the
/// cluster, `arn:aws:ecs:REGION:ACCOUNT:service/NAME`, for a service of any cluster (users of
/// aws-actions/amazon-ecs-deploy-task-definition quote "arn:aws:ecs:us-east-2:***:service/
/// pawebapp-service is MISSING", #312, #369, #544: that action prints failures[0].arn); an ARN
/// comes back as it was given, in either format (amazon-archives/aws-sdk-core-ruby#221).
#[tokio::test]
async fn missing_services_are_named_as_ecs_names_them() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    cluster(ecs, "gophermesh").await;
    let long = format!("arn:aws:ecs:us-east-1:{ACCOUNT}:service/gophermesh/ghost");
    let short = format!("arn:aws:ecs:us-east-1:{ACCOUNT}:service/spook");
    let described = ecs
        .describe_services()
        .cluster("gophermesh")
        .services("ghost")
        .services(&long)
        .services(&short)
        .send()
        .await
        .unwrap();
    let failures: Vec<(Option<&str>, Option<&str>)> = described
        .failures()
        .iter()
        .map(|f| (f.arn(), f.reason()))
        .collect();
    let by_name = format!("arn:aws:ecs:us-east-1:{ACCOUNT}:service/ghost");
    assert_eq!(
        failures,
        [
            (Some(by_name.as_str()), Some("MISSING")),
            (Some(long.as_str()), Some("MISSING")),
            (Some(short.as_str()), Some("MISSING")),
        ]
    );
    assert!(described.services().is_empty());
}

/// 8. A deleted cluster stays discoverable as INACTIVE: DescribeClusters shows it and
/// ListClusters still lists it (the DeleteCluster reference; gruntwork-io/cloud-nuke#145 met
/// INACTIVE clusters in ListClusters and, tagging them, "The specified cluster is inactive.
/// Specify an active cluster and try again."). It runs nothing any more.
#[tokio::test]
async fn deleted_clusters_stay_discoverable_as_inactive() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    cluster(ecs, "gophermesh").await;
    cluster(ecs, "other").await;
    let deleted = ecs
        .delete_cluster()
        .cluster("gophermesh")
        .send()
        .await
        .unwrap();
    let arn = deleted
        .cluster()
        .unwrap()
        .cluster_arn()
        .unwrap()
        .to_string();
    assert_eq!(deleted.cluster().unwrap().status(), Some("INACTIVE"));

    let listed = ecs.list_clusters().send().await.unwrap();
    assert!(listed.cluster_arns().contains(&arn), "{listed:?}");
    assert_eq!(listed.cluster_arns().len(), 2);
    let described = ecs.describe_clusters().clusters(&arn).send().await.unwrap();
    assert_eq!(described.clusters()[0].status(), Some("INACTIVE"));
    assert!(described.failures().is_empty());

    let (code, message) = error_of(
        ecs.tag_resource()
            .resource_arn(&arn)
            .tags(Tag::builder().key("k").value("v").build())
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "The specified cluster is inactive. Specify an active cluster and try again."
        )
    );
    let (code, _) = error_of(ecs.list_services().cluster("gophermesh").send().await);
    assert_eq!(code, "ClusterNotFoundException");
    // The name can be used again: the new cluster is ACTIVE.
    cluster(ecs, "gophermesh").await;
    let described = ecs
        .describe_clusters()
        .clusters("gophermesh")
        .send()
        .await
        .unwrap();
    assert_eq!(described.clusters()[0].status(), Some("ACTIVE"));
}
