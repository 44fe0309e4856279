//! Every App Mesh operation's happy path through aws-sdk-appmesh, pagination, tags, client
//! tokens and regions.

use aws_sdk_appmesh::types::*;

use crate::support::*;

fn gateway_spec() -> VirtualGatewaySpec {
    VirtualGatewaySpec::builder()
        .listeners(
            VirtualGatewayListener::builder()
                .port_mapping(
                    VirtualGatewayPortMapping::builder()
                        .port(8080)
                        .protocol(VirtualGatewayPortProtocol::Http)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .build()
        .unwrap()
}

fn gateway_route_spec(prefix: &str, service: &str) -> GatewayRouteSpec {
    GatewayRouteSpec::builder()
        .http_route(
            HttpGatewayRoute::builder()
                .r#match(HttpGatewayRouteMatch::builder().prefix(prefix).build())
                .action(
                    HttpGatewayRouteAction::builder()
                        .target(
                            GatewayRouteTarget::builder()
                                .virtual_service(
                                    GatewayRouteVirtualService::builder()
                                        .virtual_service_name(service)
                                        .build()
                                        .unwrap(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .build()
}

#[tokio::test]
async fn mesh_operations() {
    let cloud = start().await;
    let c = &cloud.appmesh;
    let created = c.create_mesh().mesh_name("m").send().await.unwrap();
    let meta = created.mesh().unwrap().metadata().unwrap().clone();
    assert_eq!(meta.arn(), "arn:aws:appmesh:us-east-1:000000000000:mesh/m");
    assert_eq!(
        (meta.version(), meta.mesh_owner(), meta.resource_owner()),
        (1, "000000000000", "000000000000")
    );
    assert!(!meta.uid().is_empty());
    let described = c.describe_mesh().mesh_name("m").send().await.unwrap();
    assert_eq!(
        described.mesh().unwrap().metadata().unwrap().uid(),
        meta.uid()
    );
    let updated = c
        .update_mesh()
        .mesh_name("m")
        .spec(
            MeshSpec::builder()
                .egress_filter(
                    EgressFilter::builder()
                        .r#type(EgressFilterType::AllowAll)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mesh = updated.mesh().unwrap();
    assert_eq!(mesh.metadata().unwrap().version(), 2);
    assert_eq!(
        mesh.spec().unwrap().egress_filter().unwrap().r#type(),
        &EgressFilterType::AllowAll
    );
    let listed = c.list_meshes().send().await.unwrap();
    assert_eq!(listed.meshes().len(), 1);
    assert_eq!(listed.meshes()[0].version(), 2);
    assert_eq!(listed.next_token(), None);
    c.delete_mesh().mesh_name("m").send().await.unwrap();
    assert!(c.list_meshes().send().await.unwrap().meshes().is_empty());
}

#[tokio::test]
async fn virtual_node_router_route_and_service_operations() {
    let cloud = start().await;
    let c = &cloud.appmesh;
    build_tutorial_mesh(c).await;
    let m = "gophermesh";

    let node = c
        .update_virtual_node()
        .mesh_name(m)
        .virtual_node_name("distributorV2")
        .spec(node_spec("v2.gophers.local", &[]))
        .send()
        .await
        .unwrap();
    let node = node.virtual_node().unwrap();
    assert_eq!(node.metadata().unwrap().version(), 2);
    let hostname = node
        .spec()
        .unwrap()
        .service_discovery()
        .unwrap()
        .as_dns()
        .unwrap()
        .hostname();
    assert_eq!(hostname, "v2.gophers.local");

    let router = c
        .describe_virtual_router()
        .mesh_name(m)
        .virtual_router_name("distributor")
        .send()
        .await
        .unwrap();
    assert_eq!(
        router
            .virtual_router()
            .unwrap()
            .spec()
            .unwrap()
            .listeners()
            .len(),
        1
    );
    let router = c
        .update_virtual_router()
        .mesh_name(m)
        .virtual_router_name("distributor")
        .spec(router_spec(PortProtocol::Http))
        .send()
        .await
        .unwrap();
    assert_eq!(
        router
            .virtual_router()
            .unwrap()
            .metadata()
            .unwrap()
            .version(),
        2
    );
    let routers = c.list_virtual_routers().mesh_name(m).send().await.unwrap();
    assert_eq!(
        routers.virtual_routers()[0].virtual_router_name(),
        "distributor"
    );

    let route = c
        .describe_route()
        .mesh_name(m)
        .virtual_router_name("distributor")
        .route_name("distributor-route")
        .send()
        .await
        .unwrap();
    let targets = route
        .route()
        .unwrap()
        .spec()
        .unwrap()
        .http_route()
        .unwrap()
        .action()
        .unwrap()
        .weighted_targets()
        .to_vec();
    assert_eq!(
        targets
            .iter()
            .map(|t| (t.virtual_node(), t.weight()))
            .collect::<Vec<_>>(),
        [("distributorV1", 90), ("distributorV2", 10)]
    );
    let routes = c
        .list_routes()
        .mesh_name(m)
        .virtual_router_name("distributor")
        .send()
        .await
        .unwrap();
    assert_eq!(routes.routes()[0].route_name(), "distributor-route");
    assert_eq!(routes.routes()[0].virtual_router_name(), "distributor");

    let service = c
        .describe_virtual_service()
        .mesh_name(m)
        .virtual_service_name("distributor.gophers.local")
        .send()
        .await
        .unwrap();
    let provider = service
        .virtual_service()
        .unwrap()
        .spec()
        .unwrap()
        .provider()
        .unwrap()
        .as_virtual_router()
        .unwrap()
        .virtual_router_name()
        .to_string();
    assert_eq!(provider, "distributor");
    // Point the service straight at a node, then list.
    let service = c
        .update_virtual_service()
        .mesh_name(m)
        .virtual_service_name("distributor.gophers.local")
        .spec(node_service("distributorV1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        service
            .virtual_service()
            .unwrap()
            .metadata()
            .unwrap()
            .version(),
        2
    );
    let services = c.list_virtual_services().mesh_name(m).send().await.unwrap();
    assert_eq!(
        services.virtual_services()[0].virtual_service_name(),
        "distributor.gophers.local"
    );
    // The router is no longer a provider; with its route gone it can be deleted.
    c.delete_route()
        .mesh_name(m)
        .virtual_router_name("distributor")
        .route_name("distributor-route")
        .send()
        .await
        .unwrap();
    c.delete_virtual_router()
        .mesh_name(m)
        .virtual_router_name("distributor")
        .send()
        .await
        .unwrap();
    let deleted = c
        .delete_virtual_node()
        .mesh_name(m)
        .virtual_node_name("distributorV2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.virtual_node().unwrap().status().unwrap().status(),
        &VirtualNodeStatusCode::Deleted
    );
}

#[tokio::test]
async fn virtual_gateway_and_gateway_route_operations() {
    let cloud = start().await;
    let c = &cloud.appmesh;
    build_tutorial_mesh(c).await;
    let m = "gophermesh";
    let gw = c
        .create_virtual_gateway()
        .mesh_name(m)
        .virtual_gateway_name("ingress")
        .spec(gateway_spec())
        .send()
        .await
        .unwrap();
    assert_eq!(
        gw.virtual_gateway().unwrap().metadata().unwrap().arn(),
        "arn:aws:appmesh:us-east-1:000000000000:mesh/gophermesh/virtualGateway/ingress"
    );
    c.describe_virtual_gateway()
        .mesh_name(m)
        .virtual_gateway_name("ingress")
        .send()
        .await
        .unwrap();
    let gw = c
        .update_virtual_gateway()
        .mesh_name(m)
        .virtual_gateway_name("ingress")
        .spec(gateway_spec())
        .send()
        .await
        .unwrap();
    assert_eq!(
        gw.virtual_gateway().unwrap().metadata().unwrap().version(),
        2
    );
    assert_eq!(
        c.list_virtual_gateways()
            .mesh_name(m)
            .send()
            .await
            .unwrap()
            .virtual_gateways()
            .len(),
        1
    );

    let gr = c
        .create_gateway_route()
        .mesh_name(m)
        .virtual_gateway_name("ingress")
        .gateway_route_name("to-distributor")
        .spec(gateway_route_spec("/", "distributor.gophers.local"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        gr.gateway_route().unwrap().metadata().unwrap().arn(),
        "arn:aws:appmesh:us-east-1:000000000000:mesh/gophermesh/virtualGateway/ingress/gatewayRoute/to-distributor"
    );
    c.describe_gateway_route()
        .mesh_name(m)
        .virtual_gateway_name("ingress")
        .gateway_route_name("to-distributor")
        .send()
        .await
        .unwrap();
    let gr = c
        .update_gateway_route()
        .mesh_name(m)
        .virtual_gateway_name("ingress")
        .gateway_route_name("to-distributor")
        .spec(gateway_route_spec("/gophers", "distributor.gophers.local"))
        .send()
        .await
        .unwrap();
    let prefix = gr
        .gateway_route()
        .unwrap()
        .spec()
        .unwrap()
        .http_route()
        .unwrap()
        .r#match()
        .unwrap()
        .prefix()
        .unwrap()
        .to_string();
    assert_eq!(prefix, "/gophers");
    let listed = c
        .list_gateway_routes()
        .mesh_name(m)
        .virtual_gateway_name("ingress")
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.gateway_routes()[0].gateway_route_name(),
        "to-distributor"
    );

    // The target service is in use while the gateway route exists; the gateway while it has routes.
    let (code, _) = error_of(
        c.delete_virtual_service()
            .mesh_name(m)
            .virtual_service_name("distributor.gophers.local")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceInUseException");
    let (code, _) = error_of(
        c.delete_virtual_gateway()
            .mesh_name(m)
            .virtual_gateway_name("ingress")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceInUseException");
    c.delete_gateway_route()
        .mesh_name(m)
        .virtual_gateway_name("ingress")
        .gateway_route_name("to-distributor")
        .send()
        .await
        .unwrap();
    let gw = c
        .delete_virtual_gateway()
        .mesh_name(m)
        .virtual_gateway_name("ingress")
        .send()
        .await
        .unwrap();
    assert_eq!(
        gw.virtual_gateway().unwrap().status().unwrap().status(),
        &VirtualGatewayStatusCode::Deleted
    );
}

#[tokio::test]
async fn lists_page_through_the_sdk_paginators() {
    let cloud = start().await;
    let c = &cloud.appmesh;
    for i in 0..12 {
        c.create_mesh()
            .mesh_name(format!("mesh-{i:02}"))
            .send()
            .await
            .unwrap();
    }
    let first = c.list_meshes().limit(5).send().await.unwrap();
    assert_eq!(first.meshes().len(), 5);
    assert!(first.next_token().is_some());
    let all: Vec<String> = c
        .list_meshes()
        .limit(5)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.mesh_name().to_string())
        .collect();
    let expected: Vec<String> = (0..12).map(|i| format!("mesh-{i:02}")).collect();
    assert_eq!(all, expected);

    for i in 0..7 {
        c.create_virtual_node()
            .mesh_name("mesh-00")
            .virtual_node_name(format!("node-{i}"))
            .spec(node_spec("x.local", &[]))
            .send()
            .await
            .unwrap();
    }
    let pages: Vec<usize> = c
        .list_virtual_nodes()
        .mesh_name("mesh-00")
        .limit(3)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .iter()
        .map(|p| p.virtual_nodes().len())
        .collect();
    assert_eq!(pages, [3, 3, 1]);
}

#[tokio::test]
async fn tags_are_added_listed_paged_and_removed() {
    let cloud = start().await;
    let c = &cloud.appmesh;
    let mesh = c
        .create_mesh()
        .mesh_name("m")
        .tags(tag("team", "gophers"))
        .send()
        .await
        .unwrap();
    let arn = mesh.mesh().unwrap().metadata().unwrap().arn().to_string();
    c.tag_resource()
        .resource_arn(&arn)
        .tags(tag("env", "demo"))
        .tags(tag("team", "mesh"))
        .send()
        .await
        .unwrap();
    let tags = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    let pairs: Vec<(&str, &str)> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(pairs, [("env", "demo"), ("team", "mesh")]);
    let page = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.tags().len(), 1);
    assert!(page.next_token().is_some());
    c.untag_resource()
        .resource_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags.tags().iter().map(|t| t.key()).collect::<Vec<_>>(),
        ["env"]
    );

    // Child resources are tagged through their own ARNs.
    c.create_virtual_node()
        .mesh_name("m")
        .virtual_node_name("n")
        .spec(node_spec("n.local", &[]))
        .tags(tag("version", "v1"))
        .send()
        .await
        .unwrap();
    let node_arn = "arn:aws:appmesh:us-east-1:000000000000:mesh/m/virtualNode/n";
    let tags = c
        .list_tags_for_resource()
        .resource_arn(node_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags()[0].value(), "v1");
}

#[tokio::test]
async fn client_tokens_make_creates_idempotent() {
    let cloud = start().await;
    let c = &cloud.appmesh;
    let first = c
        .create_mesh()
        .mesh_name("m")
        .client_token("token-1")
        .send()
        .await
        .unwrap();
    let again = c
        .create_mesh()
        .mesh_name("m")
        .client_token("token-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        first.mesh().unwrap().metadata().unwrap().uid(),
        again.mesh().unwrap().metadata().unwrap().uid()
    );
    let (code, message) = error_of(
        c.create_mesh()
            .mesh_name("other")
            .client_token("token-1")
            .send()
            .await,
    );
    assert_eq!(code, "ConflictException");
    assert!(message.contains("token-1"), "{message}");
    // Without the token the same create is a conflict: the name is taken.
    let (code, _) = error_of(c.create_mesh().mesh_name("m").send().await);
    assert_eq!(code, "ConflictException");
}

#[tokio::test]
async fn regions_come_from_the_signature_and_are_separate() {
    let cloud = start().await;
    let west = appmesh_client(&cloud.running, "eu-west-1");
    let mesh = west.create_mesh().mesh_name("m").send().await.unwrap();
    assert_eq!(
        mesh.mesh().unwrap().metadata().unwrap().arn(),
        "arn:aws:appmesh:eu-west-1:000000000000:mesh/m"
    );
    assert!(
        cloud
            .appmesh
            .list_meshes()
            .send()
            .await
            .unwrap()
            .meshes()
            .is_empty()
    );
    assert_eq!(west.list_meshes().send().await.unwrap().meshes().len(), 1);
    // Tag calls find the resource by the region in its ARN.
    west.tag_resource()
        .resource_arn("arn:aws:appmesh:eu-west-1:000000000000:mesh/m")
        .tags(tag("a", "b"))
        .send()
        .await
        .unwrap();
}
