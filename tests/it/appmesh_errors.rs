//! Every error code the App Mesh emulator sends, as aws-sdk-appmesh receives it.

use aws_sdk_appmesh::operation::create_mesh::CreateMeshError;
use aws_sdk_appmesh::operation::describe_mesh::DescribeMeshError;
use aws_sdk_appmesh::types::*;
use meshwalk::emulator::CloudConfig;
use meshwalk::emulator::appmesh::store::Limits;

use crate::support::*;

#[tokio::test]
async fn errors_arrive_as_the_sdks_typed_variants() {
    let cloud = start().await;
    let c = &cloud.appmesh;
    let err = c
        .describe_mesh()
        .mesh_name("nope")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        DescribeMeshError::NotFoundException(_)
    ));
    c.create_mesh().mesh_name("m").send().await.unwrap();
    let err = c.create_mesh().mesh_name("m").send().await.unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        CreateMeshError::ConflictException(_)
    ));
}

#[tokio::test]
async fn bad_requests_name_the_field() {
    let cloud = start().await;
    let c = &cloud.appmesh;
    build_tutorial_mesh(c).await;
    let m = "gophermesh";
    let route = |spec: RouteSpec| {
        c.update_route()
            .mesh_name(m)
            .virtual_router_name("distributor")
            .route_name("distributor-route")
            .spec(spec)
    };

    let (code, message) = error_of(
        route(http_route("/", &[("distributorV1", 101)]))
            .send()
            .await,
    );
    assert_eq!(code, "BadRequestException");
    assert!(
        message.contains("spec.httpRoute.action.weightedTargets[0].weight"),
        "{message}"
    );
    assert!(message.contains("less than or equal to 100"), "{message}");

    let (code, message) = error_of(
        route(http_route("/", &[("distributorV1", -1)]))
            .send()
            .await,
    );
    assert_eq!(code, "BadRequestException");
    assert!(message.contains("greater than or equal to 0"), "{message}");

    let eleven: Vec<(&str, i32)> = (0..11).map(|_| ("distributorV1", 1)).collect();
    let (code, message) = error_of(route(http_route("/", &eleven)).send().await);
    assert_eq!(code, "BadRequestException");
    assert!(
        message.contains("spec.httpRoute.action.weightedTargets")
            && message.contains("length less than or equal to 10"),
        "{message}"
    );

    let (code, message) = error_of(
        route(http_route("gophers", &[("distributorV1", 100)]))
            .send()
            .await,
    );
    assert_eq!(code, "BadRequestException");
    assert!(
        message.contains("spec.httpRoute.match.prefix") && message.contains("'/'"),
        "{message}"
    );

    let (code, message) = error_of(
        route(http_route(
            "/",
            &[("distributorV1", 60), ("distributorV2", 60)],
        ))
        .send()
        .await,
    );
    assert_eq!(code, "BadRequestException");
    assert!(message.contains("120"), "{message}");

    let mut priority = http_route("/", &[("distributorV1", 100)]);
    priority.priority = Some(1001);
    let (code, message) = error_of(route(priority).send().await);
    assert_eq!(code, "BadRequestException");
    assert!(message.contains("spec.priority"), "{message}");

    let (code, message) = error_of(route(RouteSpec::builder().build()).send().await);
    assert_eq!(code, "BadRequestException");
    assert!(
        message.contains("httpRoute") && message.contains("tcpRoute"),
        "{message}"
    );

    let tcp = RouteSpec::builder()
        .tcp_route(
            TcpRoute::builder()
                .action(
                    TcpRouteAction::builder()
                        .weighted_targets(
                            WeightedTarget::builder()
                                .virtual_node("distributorV1")
                                .weight(1)
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .build();
    let (code, message) = error_of(route(tcp).send().await);
    assert_eq!(code, "BadRequestException");
    assert!(message.contains("'tcp' listener"), "{message}");

    let long = "x".repeat(256);
    let (code, message) = error_of(c.create_mesh().mesh_name(&long).send().await);
    assert_eq!(code, "BadRequestException");
    assert!(
        message.contains("'meshName'") && message.contains("255"),
        "{message}"
    );

    let bad_port = VirtualNodeSpec::builder()
        .listeners(http_listener(70000))
        .build();
    let (code, message) = error_of(
        c.create_virtual_node()
            .mesh_name(m)
            .virtual_node_name("x")
            .spec(bad_port)
            .send()
            .await,
    );
    assert_eq!(code, "BadRequestException");
    assert!(
        message.contains("spec.listeners[0].portMapping.port"),
        "{message}"
    );

    let (code, message) = error_of(c.list_meshes().limit(101).send().await);
    assert_eq!(code, "BadRequestException");
    assert!(message.contains("'limit'"), "{message}");

    let (code, message) = error_of(c.list_meshes().next_token("not-a-token").send().await);
    assert_eq!(code, "BadRequestException");
    assert!(message.contains("nextToken"), "{message}");

    let (code, _) = error_of(
        c.tag_resource()
            .resource_arn("arn:aws:s3:::bucket")
            .tags(tag("a", "b"))
            .send()
            .await,
    );
    assert_eq!(code, "BadRequestException");

    // Nothing above changed the route.
    let route = c
        .describe_route()
        .mesh_name(m)
        .virtual_router_name("distributor")
        .route_name("distributor-route")
        .send()
        .await
        .unwrap();
    assert_eq!(route.route().unwrap().metadata().unwrap().version(), 1);
}

#[tokio::test]
async fn missing_things_are_not_found() {
    let cloud = start().await;
    let c = &cloud.appmesh;
    let (code, message) = error_of(
        c.create_virtual_node()
            .mesh_name("nope")
            .virtual_node_name("n")
            .spec(node_spec("n.local", &[]))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert!(message.contains("nope"), "{message}");
    build_tutorial_mesh(c).await;
    let m = "gophermesh";
    let (code, _) = error_of(
        c.describe_virtual_node()
            .mesh_name(m)
            .virtual_node_name("ghost")
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    let (code, _) = error_of(
        c.describe_route()
            .mesh_name(m)
            .virtual_router_name("ghost")
            .route_name("r")
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    let (code, _) = error_of(
        c.delete_route()
            .mesh_name(m)
            .virtual_router_name("distributor")
            .route_name("ghost")
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    // A route target and a service provider must exist.
    let (code, message) = error_of(
        c.create_route()
            .mesh_name(m)
            .virtual_router_name("distributor")
            .route_name("r2")
            .spec(http_route("/v3", &[("distributorV3", 100)]))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert!(message.contains("distributorV3"), "{message}");
    let (code, message) = error_of(
        c.create_virtual_service()
            .mesh_name(m)
            .virtual_service_name("s.local")
            .spec(router_service("ghost"))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert!(message.contains("ghost"), "{message}");
    let (code, _) = error_of(
        c.list_tags_for_resource()
            .resource_arn("arn:aws:appmesh:us-east-1:000000000000:mesh/ghost")
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    let (code, _) = error_of(
        c.describe_mesh()
            .mesh_name(m)
            .mesh_owner("111111111111")
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    // A backend may name a virtual service that does not exist yet (the tutorial relies on it).
    c.create_virtual_node()
        .mesh_name(m)
        .virtual_node_name("early")
        .spec(node_spec("e.local", &["later.gophers.local"]))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn names_are_unique_per_parent() {
    let cloud = start().await;
    let c = &cloud.appmesh;
    build_tutorial_mesh(c).await;
    let m = "gophermesh";
    let (code, message) = error_of(
        c.create_virtual_node()
            .mesh_name(m)
            .virtual_node_name("requester")
            .spec(node_spec("r.local", &[]))
            .send()
            .await,
    );
    assert_eq!(code, "ConflictException");
    assert!(message.contains("requester"), "{message}");
    let (code, _) = error_of(
        c.create_virtual_router()
            .mesh_name(m)
            .virtual_router_name("distributor")
            .spec(router_spec(PortProtocol::Http))
            .send()
            .await,
    );
    assert_eq!(code, "ConflictException");
    let (code, _) = error_of(
        c.create_route()
            .mesh_name(m)
            .virtual_router_name("distributor")
            .route_name("distributor-route")
            .spec(http_route("/", &[("distributorV1", 1)]))
            .send()
            .await,
    );
    assert_eq!(code, "ConflictException");
    let (code, _) = error_of(
        c.create_virtual_service()
            .mesh_name(m)
            .virtual_service_name("distributor.gophers.local")
            .spec(node_service("requester"))
            .send()
            .await,
    );
    assert_eq!(code, "ConflictException");
    // The same names in another mesh are fine.
    c.create_mesh().mesh_name("other").send().await.unwrap();
    c.create_virtual_node()
        .mesh_name("other")
        .virtual_node_name("requester")
        .spec(node_spec("r.local", &[]))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn resources_in_use_cannot_be_deleted() {
    let cloud = start().await;
    let c = &cloud.appmesh;
    build_tutorial_mesh(c).await;
    let m = "gophermesh";
    let (code, message) = error_of(c.delete_mesh().mesh_name(m).send().await);
    assert_eq!(code, "ResourceInUseException");
    assert!(message.contains("virtual nodes"), "{message}");
    let (code, message) = error_of(
        c.delete_virtual_router()
            .mesh_name(m)
            .virtual_router_name("distributor")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceInUseException");
    assert!(message.contains("distributor-route"), "{message}");
    let (code, message) = error_of(
        c.delete_virtual_node()
            .mesh_name(m)
            .virtual_node_name("distributorV1")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceInUseException");
    assert!(message.contains("distributor-route"), "{message}");
    // A node that a virtual service names as provider.
    c.create_virtual_service()
        .mesh_name(m)
        .virtual_service_name("requester.gophers.local")
        .spec(node_service("requester"))
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        c.delete_virtual_node()
            .mesh_name(m)
            .virtual_node_name("requester")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceInUseException");
    assert!(message.contains("requester.gophers.local"), "{message}");
    // A router that a virtual service names as provider, once its routes are gone.
    c.delete_route()
        .mesh_name(m)
        .virtual_router_name("distributor")
        .route_name("distributor-route")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        c.delete_virtual_router()
            .mesh_name(m)
            .virtual_router_name("distributor")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceInUseException");
    assert!(message.contains("distributor.gophers.local"), "{message}");
}

#[tokio::test]
async fn quotas_are_enforced() {
    let limits = Limits {
        meshes: 2,
        tags: 3,
        ..Limits::default()
    };
    let cloud = start_with(CloudConfig {
        appmesh_limits: limits,
        ..CloudConfig::default()
    })
    .await;
    let c = &cloud.appmesh;
    c.create_mesh().mesh_name("a").send().await.unwrap();
    c.create_mesh().mesh_name("b").send().await.unwrap();
    let (code, _) = error_of(c.create_mesh().mesh_name("c").send().await);
    assert_eq!(code, "LimitExceededException");
    let arn = "arn:aws:appmesh:us-east-1:000000000000:mesh/a";
    c.tag_resource()
        .resource_arn(arn)
        .tags(tag("1", ""))
        .tags(tag("2", ""))
        .tags(tag("3", ""))
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        c.tag_resource()
            .resource_arn(arn)
            .tags(tag("4", ""))
            .send()
            .await,
    );
    assert_eq!(code, "TooManyTagsException");
    // Overwriting a key does not add a tag.
    c.tag_resource()
        .resource_arn(arn)
        .tags(tag("3", "three"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_default_mesh_quota_is_fifteen() {
    let cloud = start().await;
    let c = &cloud.appmesh;
    for i in 0..15 {
        c.create_mesh()
            .mesh_name(format!("m{i}"))
            .send()
            .await
            .unwrap();
    }
    let (code, message) = error_of(c.create_mesh().mesh_name("m15").send().await);
    assert_eq!(code, "LimitExceededException");
    assert!(message.contains("15"), "{message}");
}
