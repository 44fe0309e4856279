//! ECS validation and error codes, as aws-sdk-ecs receives them.

use aws_sdk_ecs::operation::create_service::CreateServiceError;
use aws_sdk_ecs::types::*;

use crate::ecs_support::*;
use crate::support::*;

fn container(name: &str) -> aws_sdk_ecs::types::builders::ContainerDefinitionBuilder {
    ContainerDefinition::builder()
        .name(name)
        .image("meshwalk/gopher-distributor:v1")
        .memory(128)
}

#[tokio::test]
async fn task_definitions_are_validated_as_ecs_does() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    let register = || ecs.register_task_definition().family("gopher-distributor");

    let no_memory = ContainerDefinition::builder()
        .name("distributor")
        .image("meshwalk/gopher-distributor:v1")
        .build();
    let (code, message) = error_of(
        register()
            .container_definitions(no_memory.clone())
            .send()
            .await,
    );
    assert_eq!(code, "ClientException");
    assert_eq!(
        message,
        "Invalid setting for container 'distributor'. At least one of 'memory' or 'memoryReservation' must be specified."
    );
    // Task-level memory is enough.
    register()
        .memory("512")
        .container_definitions(no_memory)
        .send()
        .await
        .unwrap();

    let (code, message) = error_of(
        register()
            .container_definitions(container("a").essential(false).build())
            .send()
            .await,
    );
    assert_eq!(code, "ClientException");
    assert_eq!(
        message,
        "Task definition doesn't have any essential container."
    );

    let (code, message) = error_of(
        register()
            .container_definitions(container("a").build())
            .container_definitions(container("a").build())
            .send()
            .await,
    );
    assert_eq!(code, "ClientException");
    assert_eq!(
        message,
        "Container names must be unique within a Task Definition."
    );

    let proxy = ProxyConfiguration::builder()
        .r#type(ProxyConfigurationType::Appmesh)
        .container_name("envoy")
        .build()
        .unwrap();
    let (code, message) = error_of(
        register()
            .container_definitions(container("a").build())
            .proxy_configuration(proxy)
            .send()
            .await,
    );
    assert_eq!(code, "ClientException");
    assert!(
        message.contains("proxyConfiguration.containerName") && message.contains("envoy"),
        "{message}"
    );

    let (code, message) = error_of(
        register()
            .requires_compatibilities(Compatibility::Fargate)
            .cpu("256")
            .memory("512")
            .container_definitions(container("a").build())
            .send()
            .await,
    );
    assert_eq!(code, "ClientException");
    assert_eq!(
        message,
        "Fargate only supports network mode \u{2018}awsvpc\u{2019}."
    );

    let (code, message) = error_of(
        register()
            .requires_compatibilities(Compatibility::Fargate)
            .network_mode(NetworkMode::Awsvpc)
            .cpu("256")
            .memory("4096")
            .container_definitions(container("a").build())
            .send()
            .await,
    );
    assert_eq!(code, "ClientException");
    assert_eq!(
        message,
        "No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the Amazon ECS documentation for the valid values."
    );

    let (code, message) = error_of(
        ecs.register_task_definition()
            .family("bad family!")
            .container_definitions(container("a").build())
            .send()
            .await,
    );
    assert_eq!(code, "ClientException");
    assert_eq!(message, "Family contains invalid characters.");

    let (code, _) = error_of(
        ecs.describe_task_definition()
            .task_definition("nope:1")
            .send()
            .await,
    );
    assert_eq!(code, "ClientException");
}

#[tokio::test]
async fn service_errors() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    register_tutorial_task_definitions(ecs).await;
    let err = ecs
        .create_service()
        .cluster("gophermesh")
        .service_name("requester")
        .task_definition("gopher-requester")
        .desired_count(1)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        CreateServiceError::ClusterNotFoundException(_)
    ));
    ecs.create_cluster()
        .cluster_name("gophermesh")
        .send()
        .await
        .unwrap();
    let create = || {
        ecs.create_service()
            .cluster("gophermesh")
            .service_name("requester")
            .desired_count(1)
    };

    let (code, message) = error_of(create().task_definition("gopher-requester").send().await);
    assert_eq!(code, "InvalidParameterException");
    assert!(
        message.contains("Network Configuration must be provided"),
        "{message}"
    );
    let bad_subnet = NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets("not-a-subnet")
                .build()
                .unwrap(),
        )
        .build();
    let (code, message) = error_of(
        create()
            .task_definition("gopher-requester")
            .network_configuration(bad_subnet)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("not-a-subnet"), "{message}");
    let (code, message) = error_of(
        create()
            .task_definition("gopher-nothing")
            .network_configuration(awsvpc())
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("TaskDefinition not found"), "{message}");

    create()
        .task_definition("gopher-requester")
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap();
    // The same create again is answered with the service; a different one is refused.
    create()
        .task_definition("gopher-requester")
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        create()
            .desired_count(2)
            .task_definition("gopher-requester")
            .network_configuration(awsvpc())
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("not idempotent"), "{message}");

    let (code, _) = error_of(
        ecs.update_service()
            .cluster("gophermesh")
            .service("ghost")
            .desired_count(1)
            .send()
            .await,
    );
    assert_eq!(code, "ServiceNotFoundException");
    let (code, _) = error_of(
        ecs.delete_service()
            .cluster("gophermesh")
            .service("ghost")
            .send()
            .await,
    );
    assert_eq!(code, "ServiceNotFoundException");
    let described = ecs
        .describe_services()
        .cluster("gophermesh")
        .services("ghost")
        .send()
        .await
        .unwrap();
    assert_eq!(described.failures()[0].reason(), Some("MISSING"));

    let (code, _) = error_of(ecs.delete_cluster().cluster("gophermesh").send().await);
    assert_eq!(code, "ClusterContainsServicesException");
    let (code, message) = error_of(
        ecs.stop_task()
            .cluster("gophermesh")
            .task("0123456789abcdef0123456789abcdef")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("task was not found"), "{message}");
    let (code, _) = error_of(ecs.list_services().cluster("nope").send().await);
    assert_eq!(code, "ClusterNotFoundException");
}

#[tokio::test]
async fn run_task_overrides_name_containers_of_the_task_definition() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    register_tutorial_task_definitions(ecs).await;
    ecs.create_cluster()
        .cluster_name("gophermesh")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        ecs.run_task()
            .cluster("gophermesh")
            .task_definition("gopher-distributor:2")
            .launch_type(LaunchType::Fargate)
            .network_configuration(awsvpc())
            .overrides(
                TaskOverride::builder()
                    .container_overrides(ContainerOverride::builder().name("nginx").build())
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert!(
        message.contains("named nginx is not a container"),
        "{message}"
    );
}
