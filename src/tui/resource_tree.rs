//! The resource pane's tree, read through the same SDK clients as every step: the mesh with its
//! nodes, routers (each route's weighted targets) and services, then the ECS cluster's
//! services. A call that fails leaves its part of the tree out; the pane shows what answered.

use aws_sdk_appmesh::types::{RouteSpec, VirtualServiceProvider};

use super::app::{Resources, RouteRow, ServiceRow, Weights};
use crate::model::ecs;
use crate::session::Session;
use crate::walkthrough::StepKind;
use crate::walkthrough::operation::Operation;

/// The tree, and the weights of the route the weight keys move (as that route is now).
pub async fn read(
    session: &Session,
    route: Option<(String, String)>,
) -> (Resources, Option<Weights>) {
    let mut tree = Resources::default();
    let mesh = session
        .vars()
        .get("MESH_NAME")
        .unwrap_or("gophermesh")
        .to_string();
    read_mesh(session, &mesh, &mut tree).await;
    for cluster in clusters(session) {
        read_cluster(session, &cluster, &mut tree).await;
    }
    let weights = route.and_then(|(router, name)| {
        let (_, routes) = tree.routers.iter().find(|(n, _)| *n == router)?;
        let (_, targets) = routes.iter().find(|(n, _)| *n == name)?;
        Some(Weights {
            targets: targets.clone(),
        })
    });
    (tree, weights)
}

async fn read_mesh(session: &Session, mesh: &str, tree: &mut Resources) {
    let appmesh = &session.target().appmesh;
    if appmesh
        .describe_mesh()
        .mesh_name(mesh)
        .send()
        .await
        .is_err()
    {
        return;
    }
    tree.mesh = Some(mesh.to_string());
    if let Ok(nodes) = appmesh.list_virtual_nodes().mesh_name(mesh).send().await {
        tree.virtual_nodes = nodes
            .virtual_nodes()
            .iter()
            .map(|n| n.virtual_node_name().to_string())
            .collect();
    }
    if let Ok(routers) = appmesh.list_virtual_routers().mesh_name(mesh).send().await {
        for router in routers.virtual_routers() {
            let name = router.virtual_router_name().to_string();
            let routes = read_routes(session, mesh, &name).await;
            tree.routers.push((name, routes));
        }
    }
    if let Ok(services) = appmesh.list_virtual_services().mesh_name(mesh).send().await {
        for service in services.virtual_services() {
            let name = service.virtual_service_name().to_string();
            let described = appmesh
                .describe_virtual_service()
                .mesh_name(mesh)
                .virtual_service_name(&name)
                .send()
                .await;
            let provider = described
                .ok()
                .and_then(|d| d.virtual_service?.spec?.provider)
                .map_or_else(|| "no provider".to_string(), |p| provider_words(&p));
            tree.virtual_services.push((name, provider));
        }
    }
}

/// A router's routes, each with its weighted targets (none for a route that is not HTTP).
async fn read_routes(session: &Session, mesh: &str, router: &str) -> Vec<RouteRow> {
    let appmesh = &session.target().appmesh;
    let Ok(listed) = appmesh
        .list_routes()
        .mesh_name(mesh)
        .virtual_router_name(router)
        .send()
        .await
    else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for route in listed.routes() {
        let name = route.route_name().to_string();
        let spec = appmesh
            .describe_route()
            .mesh_name(mesh)
            .virtual_router_name(router)
            .route_name(&name)
            .send()
            .await
            .ok()
            .and_then(|d| d.route?.spec);
        rows.push((
            name,
            spec.as_ref().map(weighted_targets).unwrap_or_default(),
        ));
    }
    rows
}

fn weighted_targets(spec: &RouteSpec) -> Vec<(String, i32)> {
    spec.http_route()
        .and_then(|h| h.action())
        .map(|a| {
            a.weighted_targets()
                .iter()
                .map(|t| (t.virtual_node().to_string(), t.weight()))
                .collect()
        })
        .unwrap_or_default()
}

fn provider_words(provider: &VirtualServiceProvider) -> String {
    match provider {
        VirtualServiceProvider::VirtualRouter(r) => format!("router {}", r.virtual_router_name()),
        VirtualServiceProvider::VirtualNode(n) => format!("node {}", n.virtual_node_name()),
        _ => "a provider this version does not know".to_string(),
    }
}

/// The clusters the walkthrough's CreateCluster steps name, in step order.
fn clusters(session: &Session) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (i, step) in session.walkthrough().steps.iter().enumerate() {
        let StepKind::Api { call, .. } = &step.kind else {
            continue;
        };
        if call.operation != Operation::Ecs(ecs::Action::CreateCluster) {
            continue;
        }
        let name = session
            .prepare(i)
            .and_then(Result::ok)
            .and_then(|p| p.json.get("clusterName")?.as_str().map(str::to_string));
        if let Some(name) = name
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    names
}

async fn read_cluster(session: &Session, cluster: &str, tree: &mut Resources) {
    let ecs = &session.target().ecs;
    let active = ecs
        .describe_clusters()
        .clusters(cluster)
        .send()
        .await
        .ok()
        .is_some_and(|d| d.clusters().first().and_then(|c| c.status()) == Some("ACTIVE"));
    if !active {
        return;
    }
    tree.clusters.push((cluster.to_string(), Vec::new()));
    let Ok(listed) = ecs.list_services().cluster(cluster).send().await else {
        return;
    };
    if listed.service_arns().is_empty() {
        return;
    }
    let Some((_, services)) = tree.clusters.last_mut() else {
        return;
    };
    let described = ecs
        .describe_services()
        .cluster(cluster)
        .set_services(Some(listed.service_arns().to_vec()))
        .send()
        .await;
    for s in described.iter().flat_map(|d| d.services()) {
        services.push(ServiceRow {
            name: s.service_name().unwrap_or_default().to_string(),
            status: s.status().unwrap_or_default().to_string(),
            running: s.running_count(),
            pending: s.pending_count(),
            desired: s.desired_count(),
            task_definition: s
                .task_definition()
                .and_then(|t| t.rsplit('/').next())
                .unwrap_or_default()
                .to_string(),
        });
    }
}
