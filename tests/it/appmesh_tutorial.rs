//! The tutorial's own sequence through aws-sdk-appmesh: mesh, three virtual nodes, router,
//! 90/10 route, virtual service, a shift to 50/50, then teardown.

use aws_sdk_appmesh::types::{MeshStatusCode, RouteStatusCode, VirtualNodeStatusCode};

use crate::support::*;

#[tokio::test]
async fn tutorial_sequence_builds_shifts_and_tears_down() {
    let cloud = start().await;
    let client = &cloud.appmesh;
    let mut snapshots = cloud.running.cloud.subscribe();
    build_tutorial_mesh(client).await;

    // What the tutorial checks along the way.
    let nodes = client
        .list_virtual_nodes()
        .mesh_name("gophermesh")
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = nodes
        .virtual_nodes()
        .iter()
        .map(|n| n.virtual_node_name())
        .collect();
    assert_eq!(names, ["distributorV1", "distributorV2", "requester"]);
    let requester = client
        .describe_virtual_node()
        .mesh_name("gophermesh")
        .virtual_node_name("requester")
        .send()
        .await
        .unwrap();
    let requester = requester.virtual_node().unwrap();
    assert_eq!(
        requester.metadata().unwrap().arn(),
        "arn:aws:appmesh:us-east-1:000000000000:mesh/gophermesh/virtualNode/requester"
    );
    assert_eq!(
        requester.status().unwrap().status(),
        &VirtualNodeStatusCode::Active
    );
    let backend = requester.spec().unwrap().backends()[0]
        .as_virtual_service()
        .unwrap();
    assert_eq!(backend.virtual_service_name(), "distributor.gophers.local");

    // Shift to 50/50: the same route, version 2, and the snapshot carries the new weights.
    let updated = client
        .update_route()
        .mesh_name("gophermesh")
        .virtual_router_name("distributor")
        .route_name("distributor-route")
        .spec(http_route(
            "/",
            &[("distributorV1", 50), ("distributorV2", 50)],
        ))
        .send()
        .await
        .unwrap();
    let route = updated.route().unwrap();
    assert_eq!(route.metadata().unwrap().version(), 2);
    assert_eq!(
        route.metadata().unwrap().arn(),
        "arn:aws:appmesh:us-east-1:000000000000:mesh/gophermesh/virtualRouter/distributor/route/distributor-route"
    );
    let meta = route.metadata().unwrap();
    assert!(meta.last_updated_at() >= meta.created_at());
    let weights: Vec<i32> = route
        .spec()
        .unwrap()
        .http_route()
        .unwrap()
        .action()
        .unwrap()
        .weighted_targets()
        .iter()
        .map(|t| t.weight())
        .collect();
    assert_eq!(weights, [50, 50]);

    assert!(snapshots.has_changed().unwrap());
    let snapshot = snapshots.borrow_and_update().clone();
    let mesh = &snapshot.appmesh.scopes[&AccountRegion::new("000000000000", "us-east-1")].meshes["gophermesh"];
    let stored = &mesh.routes[&("distributor".to_string(), "distributor-route".to_string())];
    let stored_weights: Vec<i32> = stored
        .spec
        .http_route
        .as_ref()
        .unwrap()
        .action
        .weighted_targets
        .iter()
        .map(|t| t.weight)
        .collect();
    assert_eq!(stored_weights, [50, 50]);
    assert_eq!(snapshot.generation, 8, "one snapshot per successful change");

    // Teardown in dependency order; each delete answers with status DELETED.
    let deleted = client
        .delete_virtual_service()
        .mesh_name("gophermesh")
        .virtual_service_name("distributor.gophers.local")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted
            .virtual_service()
            .unwrap()
            .status()
            .unwrap()
            .status()
            .as_str(),
        "DELETED"
    );
    let route = client
        .delete_route()
        .mesh_name("gophermesh")
        .virtual_router_name("distributor")
        .route_name("distributor-route")
        .send()
        .await
        .unwrap();
    assert_eq!(
        route.route().unwrap().status().unwrap().status(),
        &RouteStatusCode::Deleted
    );
    client
        .delete_virtual_router()
        .mesh_name("gophermesh")
        .virtual_router_name("distributor")
        .send()
        .await
        .unwrap();
    for node in ["requester", "distributorV1", "distributorV2"] {
        client
            .delete_virtual_node()
            .mesh_name("gophermesh")
            .virtual_node_name(node)
            .send()
            .await
            .unwrap();
    }
    let mesh = client
        .delete_mesh()
        .mesh_name("gophermesh")
        .send()
        .await
        .unwrap();
    assert_eq!(
        mesh.mesh().unwrap().status().unwrap().status(),
        Some(&MeshStatusCode::Deleted)
    );
    let meshes = client.list_meshes().send().await.unwrap();
    assert!(meshes.meshes().is_empty());
    assert!(
        cloud.running.cloud.snapshot().appmesh.scopes[&cloud.running.cloud.scope("us-east-1")]
            .meshes
            .is_empty()
    );
}
