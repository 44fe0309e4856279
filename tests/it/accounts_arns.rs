//! Another account's resource, named by ARN in every operation that takes one: refused as IAM
//! refuses a cross-account call (AccessDeniedException), and nothing of the owner's changes.
//! Cloud Map names its resources by id, and another account's ids are not found.

use std::time::SystemTime;

use meshwalk::emulator::accounts::Credentials;
use serde_json::{Value, json};

use crate::accounts::{Raw, Seat, accounts, signed, start_with_accounts};
use crate::ecs_support::{awsvpc, register_tutorial_task_definitions};
use crate::support::*;

/// An ECS call (JSON 1.1) by `account`.
async fn ecs(
    cloud: &meshwalk::emulator::RunningCloud,
    account: &Credentials,
    operation: &str,
    input: &Value,
) -> crate::raw_http::RawResponse {
    let target = format!("AmazonEC2ContainerServiceV20141113.{operation}");
    let raw = Raw {
        service: "ecs",
        method: "POST",
        path: "/",
        headers: &[
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", &target),
        ],
        body: input.to_string(),
    };
    signed(cloud, account, raw, SystemTime::now(), |_| {}).await
}

#[tokio::test]
async fn every_operation_refuses_another_accounts_arn_and_changes_nothing() {
    let [alice, bob]: [Credentials; 2] = accounts(&["alice", "bob"]).try_into().unwrap();
    let cloud = start_with_accounts(&[alice.clone(), bob.clone()]).await;
    let b = Seat::new(&cloud, &bob);
    b.ecs
        .create_cluster()
        .cluster_name("gophermesh")
        .send()
        .await
        .unwrap();
    let td = register_tutorial_task_definitions(&b.ecs).await[0]
        .task_definition_arn()
        .unwrap()
        .to_string();
    let service = b
        .ecs
        .create_service()
        .cluster("gophermesh")
        .service_name("requester")
        .task_definition(&td)
        .desired_count(1)
        .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap()
        .service
        .unwrap();
    let service_arn = service.service_arn().unwrap().to_string();
    let cluster_arn = service.cluster_arn().unwrap().to_string();
    let task_arn = b
        .ecs
        .run_task()
        .cluster("gophermesh")
        .task_definition(&td)
        .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap()
        .tasks()[0]
        .task_arn()
        .unwrap()
        .to_string();
    let deployments = b
        .ecs
        .list_service_deployments()
        .cluster("gophermesh")
        .service("requester")
        .send()
        .await
        .unwrap();
    let deployment = &deployments.service_deployments()[0];
    let deployment_arn = deployment.service_deployment_arn().unwrap().to_string();
    let revision_arn = deployment
        .target_service_revision_arn()
        .unwrap()
        .to_string();
    b.appmesh
        .create_mesh()
        .mesh_name("gophermesh")
        .send()
        .await
        .unwrap();
    let mesh_arn = format!(
        "arn:aws:appmesh:us-east-1:{}:mesh/gophermesh",
        bob.account_id
    );
    let namespace = b
        .cloudmap
        .create_http_namespace()
        .name("gophers.local")
        .send()
        .await
        .unwrap();
    let namespace_id = b
        .cloudmap
        .get_operation()
        .operation_id(namespace.operation_id().unwrap())
        .send()
        .await
        .unwrap()
        .operation()
        .unwrap()
        .targets()
        .unwrap()[&aws_sdk_servicediscovery::types::OperationTargetType::Namespace]
        .clone();
    // Let the scheduler settle bob's tasks before the state is taken.
    eventually("bob's tasks are placed", || async {
        let listed = b
            .ecs
            .list_tasks()
            .cluster("gophermesh")
            .send()
            .await
            .unwrap();
        (listed.task_arns().len() == 2).then_some(())
    })
    .await;
    let bobs = |c: &meshwalk::emulator::RunningCloud| {
        let snapshot = c.cloud.snapshot();
        let mine =
            |s: &&meshwalk::emulator::account_region::AccountRegion| s.account == bob.account_id;
        (
            format!(
                "{:?}",
                snapshot
                    .ecs
                    .scopes
                    .iter()
                    .filter(|(s, _)| mine(s))
                    .collect::<Vec<_>>()
            ),
            format!(
                "{:?}",
                snapshot
                    .appmesh
                    .scopes
                    .iter()
                    .filter(|(s, _)| mine(s))
                    .collect::<Vec<_>>()
            ),
        )
    };
    let before = bobs(&cloud);

    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "DescribeClusters",
            json!({"clusters": [&cluster_arn]}),
            &cluster_arn,
        ),
        (
            "DeleteCluster",
            json!({"cluster": &cluster_arn}),
            &cluster_arn,
        ),
        (
            "UpdateCluster",
            json!({"cluster": &cluster_arn, "settings": []}),
            &cluster_arn,
        ),
        (
            "ListServices",
            json!({"cluster": &cluster_arn}),
            &cluster_arn,
        ),
        ("ListTasks", json!({"cluster": &cluster_arn}), &cluster_arn),
        (
            "DescribeServices",
            json!({"services": [&service_arn]}),
            &service_arn,
        ),
        (
            "UpdateService",
            json!({"service": &service_arn, "desiredCount": 3}),
            &service_arn,
        ),
        (
            "DeleteService",
            json!({"service": &service_arn, "force": true}),
            &service_arn,
        ),
        (
            "CreateService",
            json!({"serviceName": "mine", "taskDefinition": &td, "desiredCount": 1}),
            &td,
        ),
        ("RunTask", json!({"taskDefinition": &td}), &td),
        (
            "DescribeTaskDefinition",
            json!({"taskDefinition": &td}),
            &td,
        ),
        (
            "DeregisterTaskDefinition",
            json!({"taskDefinition": &td}),
            &td,
        ),
        ("DescribeTasks", json!({"tasks": [&task_arn]}), &task_arn),
        ("StopTask", json!({"task": &task_arn}), &task_arn),
        (
            "TagResource",
            json!({"resourceArn": &cluster_arn, "tags": [{"key": "k", "value": "v"}]}),
            &cluster_arn,
        ),
        (
            "UntagResource",
            json!({"resourceArn": &service_arn, "tagKeys": ["k"]}),
            &service_arn,
        ),
        (
            "ListTagsForResource",
            json!({"resourceArn": &task_arn}),
            &task_arn,
        ),
        (
            "ListServiceDeployments",
            json!({"service": &service_arn}),
            &service_arn,
        ),
        (
            "DescribeServiceDeployments",
            json!({"serviceDeploymentArns": [&deployment_arn]}),
            &deployment_arn,
        ),
        (
            "StopServiceDeployment",
            json!({"serviceDeploymentArn": &deployment_arn}),
            &deployment_arn,
        ),
        (
            "DescribeServiceRevisions",
            json!({"serviceRevisionArns": [&revision_arn]}),
            &revision_arn,
        ),
    ];
    for (operation, input, arn) in &cases {
        let answer = ecs(&cloud, &alice, operation, input).await;
        assert_eq!(answer.status, 400, "{operation}: {answer:?}");
        let body = answer.json();
        assert_eq!(
            body["__type"], "AccessDeniedException",
            "{operation}: {body}"
        );
        let message = body["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("User: arn:aws:iam::{}:", alice.account_id))
                && message.contains(&format!("ecs:{operation} on resource: {arn}")),
            "{operation}: {message}"
        );
    }

    // App Mesh names resources by name but for its tag operations, which take an ARN.
    let a = Seat::new(&cloud, &alice);
    for (what, code) in [
        (
            "TagResource",
            error_of(
                a.appmesh
                    .tag_resource()
                    .resource_arn(&mesh_arn)
                    .tags(tag("k", "v"))
                    .send()
                    .await,
            ),
        ),
        (
            "UntagResource",
            error_of(
                a.appmesh
                    .untag_resource()
                    .resource_arn(&mesh_arn)
                    .tag_keys("k")
                    .send()
                    .await,
            ),
        ),
        (
            "ListTagsForResource",
            error_of(
                a.appmesh
                    .list_tags_for_resource()
                    .resource_arn(&mesh_arn)
                    .send()
                    .await,
            ),
        ),
    ]
    .map(|(what, (code, _))| (what, code))
    {
        assert_eq!(code, "AccessDeniedException", "{what}");
    }

    // By name, another account's mesh is one not shared with the caller.
    let (code, _) = error_of(
        a.appmesh
            .describe_mesh()
            .mesh_name("gophermesh")
            .mesh_owner(&bob.account_id)
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");

    // Cloud Map names its resources by id: another account's is not found.
    let (code, _) = error_of(a.cloudmap.get_namespace().id(&namespace_id).send().await);
    assert_eq!(code, "NamespaceNotFound");
    let (code, _) = error_of(a.cloudmap.delete_namespace().id(&namespace_id).send().await);
    assert_eq!(code, "NamespaceNotFound");

    assert_eq!(bobs(&cloud), before, "nothing of bob's changed");
    b.cloudmap
        .get_namespace()
        .id(&namespace_id)
        .send()
        .await
        .expect("bob's namespace is still there");
}
