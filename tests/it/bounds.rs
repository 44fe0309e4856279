//! The embedded cloud's bounds, each reproducer of "Harden the embedded cloud" through the real
//! path: ECS quotas, bounded scheduler passes, task definition size, client tokens, names that
//! read back, pagination at the edge, retry counts and the requester's reach.

use aws_sdk_appmesh::types::MeshSpec;
use aws_sdk_ecs::types::*;
use meshwalk::emulator::CloudConfig;
use meshwalk::emulator::ecs::store::Timings;

use crate::dataplane_support::*;
use crate::support::*;

fn container(image: &str) -> ContainerDefinition {
    ContainerDefinition::builder()
        .name("c")
        .image(image)
        .memory(16)
        .build()
}

async fn cluster_and_family(ecs: &aws_sdk_ecs::Client) {
    ecs.create_cluster()
        .cluster_name("dc")
        .send()
        .await
        .unwrap();
    ecs.register_task_definition()
        .family("dc")
        .container_definitions(container("x/nope"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_service_starts_at_most_the_provisioning_quota_at_once() {
    // Tasks stay PROVISIONING for a minute here, so the quota is what stops the scheduler.
    let cloud = start_with(CloudConfig {
        ecs_timings: Timings {
            provisioning: 60.0,
            restart_backoff: 0.2,
            stage: 0.0,
        },
        ..test_config()
    })
    .await;
    let ecs = &cloud.ecs;
    cluster_and_family(ecs).await;
    let create = |n| {
        ecs.create_service()
            .cluster("dc")
            .service_name("s")
            .task_definition("dc")
            .desired_count(n)
            .send()
    };
    let (code, message) = error_of(create(5001).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InvalidParameterException", "Desired count exceeds limit.")
    );
    create(800).await.unwrap();
    let described = eventually("the first tasks start", || async {
        let out = ecs
            .describe_services()
            .cluster("dc")
            .services("s")
            .send()
            .await
            .unwrap();
        let s = out.services()[0].clone();
        (s.pending_count() > 0).then_some(s)
    })
    .await;
    assert_eq!(described.pending_count(), 500, "ECS's PROVISIONING quota");
    let started = described.events()[0].message().unwrap_or_default();
    assert!(started.contains("has started 500 tasks"), "{started}");
    let tasks: Vec<String> = ecs
        .list_tasks()
        .cluster("dc")
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .unwrap();
    assert_eq!(tasks.len(), 500);

    let (code, message) = error_of(
        ecs.update_service()
            .cluster("dc")
            .service("s")
            .desired_count(5001)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InvalidParameterException", "Desired count exceeds limit.")
    );
}

#[tokio::test]
async fn a_task_definition_over_64_kib_is_refused() {
    let cloud = start().await;
    let big = ContainerDefinition::builder()
        .name("c")
        .image("i")
        .memory(16)
        .environment(
            KeyValuePair::builder()
                .name("BLOB")
                .value("x".repeat(1_500_000))
                .build(),
        )
        .build();
    let (code, message) = error_of(
        cloud
            .ecs
            .register_task_definition()
            .family("big")
            .container_definitions(big)
            .send()
            .await,
    );
    assert_eq!(code, "ClientException");
    assert!(
        message.starts_with("Actual length: '1500")
            && message.ends_with("Max allowed length is '65536' bytes."),
        "{message}"
    );
    let families = cloud
        .ecs
        .list_task_definition_families()
        .send()
        .await
        .unwrap();
    assert!(families.families().is_empty(), "nothing was kept");
}

#[tokio::test]
async fn client_tokens_are_checked_as_documented() {
    let cloud = start().await;
    let (code, _) = error_of(
        cloud
            .appmesh
            .create_mesh()
            .mesh_name("m")
            .client_token("t".repeat(1 << 20))
            .send()
            .await,
    );
    assert_eq!(code, "BadRequestException");
    let (code, _) = error_of(
        cloud
            .appmesh
            .create_mesh()
            .mesh_name("m")
            .client_token("not/allowed")
            .send()
            .await,
    );
    assert_eq!(code, "BadRequestException");
    // A token of the documented form, repeated, answers the first creation again.
    let token = "a".repeat(36);
    for _ in 0..2 {
        let out = cloud
            .appmesh
            .create_mesh()
            .mesh_name("m")
            .client_token(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(out.mesh().unwrap().metadata().unwrap().version(), 1);
    }

    let ecs = &cloud.ecs;
    cluster_and_family(ecs).await;
    let create = |token: String| {
        ecs.create_service()
            .cluster("dc")
            .service_name("s")
            .task_definition("dc")
            .desired_count(0)
            .client_token(token)
            .send()
    };
    let (code, message) = error_of(create("t".repeat(37)).await);
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("36"), "{message}");
    create("!~".repeat(18)).await.unwrap();
}

#[tokio::test]
async fn names_that_would_not_read_back_are_refused() {
    let cloud = start().await;
    for name in [
        "a/b",
        "..",
        ".",
        "line\nbreak",
        "nul\0",
        "with space",
        "cr\r",
    ] {
        let (code, message) = error_of(cloud.appmesh.create_mesh().mesh_name(name).send().await);
        assert_eq!(code, "BadRequestException", "{name:?}");
        assert!(message.contains("meshName"), "{message}");
    }
    let meshes = cloud.appmesh.list_meshes().send().await.unwrap();
    assert!(meshes.meshes().is_empty());

    // What App Mesh takes round-trips: the ARN's last segment is the name.
    let name = "gopher-mesh_2.v1";
    let created = cloud
        .appmesh
        .create_mesh()
        .mesh_name(name)
        .spec(MeshSpec::builder().build())
        .send()
        .await
        .unwrap();
    let arn = created
        .mesh()
        .unwrap()
        .metadata()
        .unwrap()
        .arn()
        .to_string();
    assert_eq!(arn.rsplit('/').next(), Some(name));
    let (code, message) = error_of(
        cloud
            .appmesh
            .create_virtual_router()
            .mesh_name(name)
            .virtual_router_name("r/..")
            .spec(router_spec(aws_sdk_appmesh::types::PortProtocol::Http))
            .send()
            .await,
    );
    assert_eq!(code, "BadRequestException");
    assert!(message.contains("virtualRouterName"), "{message}");
}

#[tokio::test]
async fn a_page_token_far_past_the_end_is_an_empty_last_page() {
    let cloud = start().await;
    cloud
        .ecs
        .create_cluster()
        .cluster_name("a")
        .send()
        .await
        .unwrap();
    let out = cloud
        .ecs
        .list_clusters()
        .max_results(100)
        .next_token("page-18446744073709551615")
        .send()
        .await
        .unwrap();
    assert!(out.cluster_arns().is_empty());
    assert_eq!(out.next_token(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_max_retries_still_routes() {
    let t = start_tutorial().await;
    t.set_route(retrying_route(0, 100, i64::from(u32::MAX)))
        .await;
    let url = t.requester_url().await;
    for _ in 0..20 {
        let (status, body) = t.http.get(&url, None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(version_and_task(&body).0.as_deref(), Some("v2"));
    }
}

/// A requester whose `DISTRIBUTOR_URL` is `url`, without a sidecar.
async fn lone_requester(t: &Tutorial, family: &str, url: &str) -> String {
    let requester = ContainerDefinition::builder()
        .name("requester")
        .image("meshwalk/gopher-requester:latest")
        .memory(64)
        .port_mappings(PortMapping::builder().container_port(9080).build())
        .environment(
            KeyValuePair::builder()
                .name("DISTRIBUTOR_URL")
                .value(url)
                .build(),
        )
        .build();
    t.ecs
        .register_task_definition()
        .family(family)
        .container_definitions(requester)
        .send()
        .await
        .unwrap();
    t.ecs
        .create_service()
        .cluster("gophermesh")
        .service_name(family)
        .task_definition(family)
        .desired_count(1)
        .send()
        .await
        .unwrap();
    format!(
        "http://127.0.0.1:{}/",
        t.host_port(family, "requester", 9080).await
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_requester_reaches_only_loopback_and_reads_a_bounded_answer() {
    let t = start_tutorial().await;
    // Refused before any connection: nothing leaves this machine.
    let url = lone_requester(&t, "far", "http://10.1.2.3:9080/").await;
    let (status, body) = t.http.get(&url, None).await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("only calls 127.0.0.1"), "{body}");

    // A loopback server answering 2 MiB: the requester stops reading at 1 MiB.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let big = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let app = axum::Router::new().fallback(|| async { "x".repeat(2 << 20) });
        axum::serve(listener, app).await.unwrap();
    });
    let url = lone_requester(&t, "greedy", &format!("http://{big}/")).await;
    let (status, body) = t.http.get(&url, None).await;
    assert_eq!(status, 502, "{}", &body[..body.len().min(300)]);
    assert!(
        body.contains("larger than 1048576 bytes"),
        "{}",
        &body[..body.len().min(300)]
    );
    server.abort();
}
