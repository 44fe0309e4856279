//! ECS fixtures: the tutorial's task definitions through aws-sdk-ecs, a deployment test's service
//! calls (register, deploy, describe, its load balancer), and a stand-in container
//! runtime for tests of the control plane alone (the real one is the embedded data plane).

use std::collections::HashSet;
use std::sync::Arc;

use aws_sdk_ecs::types::*;
use meshwalk::emulator::Cloud;
use meshwalk::emulator::ecs::runtime::{PortBinding, RuntimeEvent, StartedContainer};
use meshwalk::emulator::ecs::status::TaskStatus;
use tokio::task::JoinHandle;

/// Starts every PENDING task at once (one fake host port per container port, from 41000) and
/// stops every STOPPING one: just enough runtime to watch the control plane's lifecycle. A task
/// whose image the cloud "cannot pull" (a name with `unpullable`) fails instead, as the data
/// plane fails it.
pub fn stand_in_runtime(cloud: &Arc<Cloud>) -> JoinHandle<()> {
    let mut snapshots = cloud.subscribe();
    let reporter = cloud.runtime_reporter();
    tokio::spawn(async move {
        let mut started = HashSet::new();
        let mut stopped = HashSet::new();
        let mut next_port = 41000;
        loop {
            let snapshot = snapshots.borrow_and_update().clone();
            for region in snapshot.ecs.scopes.values() {
                for record in region.tasks.values() {
                    let arn = record.task.task_arn.clone().unwrap_or_default();
                    if record.last_status() == Some(TaskStatus::Pending)
                        && record.desired_status() == Some(TaskStatus::Running)
                        && started.insert(arn.clone())
                    {
                        let td = region.task_definition_of(record).unwrap();
                        let image = td
                            .container_definitions
                            .iter()
                            .flatten()
                            .find_map(|c| c.image.as_deref())
                            .unwrap_or_default();
                        if image.contains("unpullable") {
                            reporter.report(RuntimeEvent::Failed {
                                task_arn: arn.clone(),
                                reason: format!(
                                    "CannotPullContainerError: pull image manifest has been retried 1 time(s): {image}: not found"
                                ),
                            });
                            continue;
                        }
                        let containers = td
                            .container_definitions
                            .iter()
                            .flatten()
                            .map(|c| StartedContainer {
                                name: c.name.clone().unwrap_or_default(),
                                bindings: c
                                    .port_mappings
                                    .iter()
                                    .flatten()
                                    .map(|p| {
                                        next_port += 1;
                                        PortBinding {
                                            container_port: p.container_port.unwrap_or(0),
                                            host_port: next_port,
                                        }
                                    })
                                    .collect(),
                            })
                            .collect();
                        reporter.report(RuntimeEvent::Started {
                            task_arn: arn.clone(),
                            containers,
                        });
                    }
                    if record.last_status() == Some(TaskStatus::Stopping)
                        && stopped.insert(arn.clone())
                    {
                        reporter.report(RuntimeEvent::Stopped {
                            task_arn: arn,
                            exit_code: Some(0),
                            reason: None,
                        });
                    }
                }
            }
            if snapshots.changed().await.is_err() {
                return;
            }
        }
    })
}

fn env(name: &str, value: &str) -> KeyValuePair {
    KeyValuePair::builder().name(name).value(value).build()
}

fn envoy(node: &str) -> ContainerDefinition {
    ContainerDefinition::builder()
        .name("envoy")
        .image("840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod")
        .essential(true)
        .memory(256)
        .user("1337")
        .environment(env(
            "APPMESH_RESOURCE_ARN",
            &format!("arn:aws:appmesh:us-east-1:000000000000:mesh/gophermesh/virtualNode/{node}"),
        ))
        .build()
}

fn appmesh_proxy() -> ProxyConfiguration {
    ProxyConfiguration::builder()
        .r#type(ProxyConfigurationType::Appmesh)
        .container_name("envoy")
        .properties(env("IgnoredUID", "1337"))
        .properties(env("ProxyIngressPort", "15000"))
        .properties(env("ProxyEgressPort", "15001"))
        .properties(env("AppPorts", "9080"))
        .properties(env("EgressIgnoredIPs", "169.254.170.2,169.254.169.254"))
        .build()
        .unwrap()
}

fn app(name: &str, image: &str, tag: Option<&str>) -> ContainerDefinition {
    let mut c = ContainerDefinition::builder()
        .name(name)
        .image(image)
        .essential(true)
        .memory(128)
        .port_mappings(
            PortMapping::builder()
                .container_port(9080)
                .protocol(TransportProtocol::Tcp)
                .build(),
        );
    if let Some(tag) = tag {
        c = c.environment(env("Tag", tag));
    }
    c.build()
}

/// The tutorial's three task definitions: the requester, then distributor v1 and v2 (one
/// family, revisions 1 and 2).
pub async fn register_tutorial_task_definitions(ecs: &aws_sdk_ecs::Client) -> Vec<TaskDefinition> {
    let mut out = Vec::new();
    for (family, container, node, image, tag) in [
        (
            "gopher-requester",
            "requester",
            "requester",
            "meshwalk/gopher-requester:latest",
            None,
        ),
        (
            "gopher-distributor",
            "distributor",
            "distributorV1",
            "meshwalk/gopher-distributor:v1",
            Some("v1"),
        ),
        (
            "gopher-distributor",
            "distributor",
            "distributorV2",
            "meshwalk/gopher-distributor:v2",
            Some("v2"),
        ),
    ] {
        let registered = ecs
            .register_task_definition()
            .family(family)
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Fargate)
            .cpu("256")
            .memory("512")
            .proxy_configuration(appmesh_proxy())
            .container_definitions(app(container, image, tag))
            .container_definitions(envoy(node))
            .send()
            .await
            .unwrap();
        out.push(registered.task_definition.unwrap());
    }
    out
}

pub fn awsvpc() -> NetworkConfiguration {
    NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets("subnet-0a1b2c3d")
                .security_groups("sg-0a1b2c3d")
                .build()
                .unwrap(),
        )
        .build()
}

pub async fn register(ecs: &aws_sdk_ecs::Client, image: &str) -> String {
    ecs.register_task_definition()
        .family("web")
        .container_definitions(
            ContainerDefinition::builder()
                .name("web")
                .image(image)
                .memory(64)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap()
        .task_definition_arn
        .unwrap()
}

/// A load balancer for the service: CANARY and LINEAR need one (or Service Connect) to shift
/// traffic with. The embedded cloud records it; the traffic split is the emulator's.
pub fn load_balancer() -> LoadBalancer {
    LoadBalancer::builder()
        .target_group_arn("arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1")
        .container_name("web")
        .container_port(80)
        .build()
}

pub async fn deploy(ecs: &aws_sdk_ecs::Client, td: &str) -> String {
    ecs.update_service()
        .cluster("c")
        .service("s")
        .task_definition(td)
        .send()
        .await
        .unwrap()
        .service
        .unwrap()
        .current_service_deployment
        .unwrap()
}

pub async fn describe(ecs: &aws_sdk_ecs::Client, arn: &str) -> ServiceDeployment {
    ecs.describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await
        .unwrap()
        .service_deployments()[0]
        .clone()
}
