//! Shared test fixtures: an embedded cloud on 127.0.0.1:0 and real SDK clients pointed at it.

use std::fmt::Debug;

use aws_sdk_appmesh::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_appmesh::types::*;
use std::future::Future;
use std::time::Duration;

use meshwalk::api::target::endpoint_config;
pub use meshwalk::emulator::account_region::AccountRegion;
use meshwalk::emulator::ecs::store::Timings;
use meshwalk::emulator::{CloudConfig, RunningCloud};

/// The embedded cloud's default account: every request's, when no accounts are configured.
pub const ACCOUNT: &str = "000000000000";

pub struct TestCloud {
    pub running: RunningCloud,
    pub appmesh: aws_sdk_appmesh::Client,
    pub ecs: aws_sdk_ecs::Client,
}

/// The cloud as tests want it: no task transition delays, a short restart backoff.
pub fn test_config() -> CloudConfig {
    CloudConfig {
        ecs_timings: Timings {
            provisioning: 0.0,
            restart_backoff: 0.2,
            stage: 0.0,
        },
        ..CloudConfig::default()
    }
}

pub async fn start() -> TestCloud {
    start_with(test_config()).await
}

pub async fn start_with(config: CloudConfig) -> TestCloud {
    let running = RunningCloud::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("embedded cloud starts");
    let appmesh = appmesh_client(&running, "us-east-1");
    let ecs = aws_sdk_ecs::Client::new(&endpoint_config(&running.endpoint(), "us-east-1"));
    TestCloud {
        running,
        appmesh,
        ecs,
    }
}

/// Polls `check` until it yields a value, failing after 10 s (never a fixed sleep).
pub async fn eventually<T, F, Fut>(what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    within(10, what, check).await
}

/// Polls `check` until it yields a value, failing after `secs` seconds.
pub async fn within<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn appmesh_client(running: &RunningCloud, region: &str) -> aws_sdk_appmesh::Client {
    aws_sdk_appmesh::Client::new(&endpoint_config(&running.endpoint(), region))
}

/// The AWS error code and message of a failed call (panics if it succeeded).
pub fn error_of<T: Debug, E: ProvideErrorMetadata + Debug, R: Debug>(
    result: Result<T, SdkError<E, R>>,
) -> (String, String) {
    let err = result.expect_err("the call should fail");
    let code = err
        .code()
        .unwrap_or_else(|| panic!("no error code in {err:?}"));
    (
        code.to_string(),
        err.message().unwrap_or_default().to_string(),
    )
}

pub fn http_listener(port: i32) -> Listener {
    Listener::builder()
        .port_mapping(
            PortMapping::builder()
                .port(port)
                .protocol(PortProtocol::Http)
                .build()
                .unwrap(),
        )
        .build()
}

pub fn router_spec(protocol: PortProtocol) -> VirtualRouterSpec {
    VirtualRouterSpec::builder()
        .listeners(
            VirtualRouterListener::builder()
                .port_mapping(
                    PortMapping::builder()
                        .port(9080)
                        .protocol(protocol)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .build()
}

/// A virtual node as the tutorial writes it: an HTTP listener on 9080 and DNS discovery.
pub fn node_spec(hostname: &str, backends: &[&str]) -> VirtualNodeSpec {
    let mut spec = VirtualNodeSpec::builder()
        .listeners(http_listener(9080))
        .service_discovery(ServiceDiscovery::Dns(
            DnsServiceDiscovery::builder()
                .hostname(hostname)
                .build()
                .unwrap(),
        ));
    for backend in backends {
        spec = spec.backends(Backend::VirtualService(
            VirtualServiceBackend::builder()
                .virtual_service_name(*backend)
                .build()
                .unwrap(),
        ));
    }
    spec.build()
}

pub fn weighted(targets: &[(&str, i32)]) -> HttpRouteAction {
    let mut action = HttpRouteAction::builder();
    for (node, weight) in targets {
        action = action.weighted_targets(
            WeightedTarget::builder()
                .virtual_node(*node)
                .weight(*weight)
                .build()
                .unwrap(),
        );
    }
    action.build().unwrap()
}

pub fn http_route(prefix: &str, targets: &[(&str, i32)]) -> RouteSpec {
    RouteSpec::builder()
        .http_route(
            HttpRoute::builder()
                .r#match(HttpRouteMatch::builder().prefix(prefix).build())
                .action(weighted(targets))
                .build(),
        )
        .build()
}

pub fn router_service(router: &str) -> VirtualServiceSpec {
    VirtualServiceSpec::builder()
        .provider(VirtualServiceProvider::VirtualRouter(
            VirtualRouterServiceProvider::builder()
                .virtual_router_name(router)
                .build()
                .unwrap(),
        ))
        .build()
}

pub fn node_service(node: &str) -> VirtualServiceSpec {
    VirtualServiceSpec::builder()
        .provider(VirtualServiceProvider::VirtualNode(
            VirtualNodeServiceProvider::builder()
                .virtual_node_name(node)
                .build()
                .unwrap(),
        ))
        .build()
}

pub fn tag(key: &str, value: &str) -> TagRef {
    TagRef::builder().key(key).value(value).build().unwrap()
}

/// The mesh, nodes, router, route and service of the tutorial (route at 90/10).
pub async fn build_tutorial_mesh(client: &aws_sdk_appmesh::Client) {
    client
        .create_mesh()
        .mesh_name("gophermesh")
        .send()
        .await
        .unwrap();
    for (name, host, backends) in [
        (
            "requester",
            "requester.gophers.local",
            vec!["distributor.gophers.local"],
        ),
        ("distributorV1", "distributor-v1.gophers.local", vec![]),
        ("distributorV2", "distributor-v2.gophers.local", vec![]),
    ] {
        client
            .create_virtual_node()
            .mesh_name("gophermesh")
            .virtual_node_name(name)
            .spec(node_spec(host, &backends))
            .send()
            .await
            .unwrap();
    }
    client
        .create_virtual_router()
        .mesh_name("gophermesh")
        .virtual_router_name("distributor")
        .spec(router_spec(PortProtocol::Http))
        .send()
        .await
        .unwrap();
    client
        .create_route()
        .mesh_name("gophermesh")
        .virtual_router_name("distributor")
        .route_name("distributor-route")
        .spec(http_route(
            "/",
            &[("distributorV1", 90), ("distributorV2", 10)],
        ))
        .send()
        .await
        .unwrap();
    client
        .create_virtual_service()
        .mesh_name("gophermesh")
        .virtual_service_name("distributor.gophers.local")
        .spec(router_service("distributor"))
        .send()
        .await
        .unwrap();
}

/// The whole embedded cloud (control and data plane) on 127.0.0.1:0, and a session of the
/// built-in walkthrough on it, seen as a target of `kind`.
pub async fn walkthrough_session(
    kind: meshwalk::api::target::TargetKind,
) -> (
    meshwalk::embedded::EmbeddedCloud,
    meshwalk::session::Session,
) {
    let cloud = meshwalk::embedded::EmbeddedCloud::start(
        test_config(),
        "127.0.0.1:0".parse().unwrap(),
        meshwalk::dataplane::DataPlaneConfig::default(),
    )
    .await
    .unwrap();
    let target = meshwalk::api::target::Target::endpoint(
        kind,
        &cloud.endpoint(),
        "us-east-1",
        "000000000000",
    );
    let walkthrough = meshwalk::walkthrough::Walkthrough::builtin().unwrap();
    let session = meshwalk::session::Session::new(walkthrough, target, &[]);
    (cloud, session)
}

/// The tutorial route's spec as App Mesh describes it.
pub async fn tutorial_route(
    appmesh: &aws_sdk_appmesh::Client,
) -> aws_sdk_appmesh::types::RouteSpec {
    appmesh
        .describe_route()
        .mesh_name("gophermesh")
        .virtual_router_name("distributor")
        .route_name("distributor-route")
        .send()
        .await
        .unwrap()
        .route
        .and_then(|r| r.spec)
        .expect("the route has a spec")
}

/// The tutorial route's weighted targets as App Mesh describes them: (virtual node, weight).
pub async fn route_targets(appmesh: &aws_sdk_appmesh::Client) -> Vec<(String, i32)> {
    tutorial_route(appmesh)
        .await
        .http_route()
        .and_then(|h| h.action())
        .map(|a| {
            a.weighted_targets()
                .iter()
                .map(|t| (t.virtual_node().to_string(), t.weight()))
                .collect()
        })
        .unwrap_or_default()
}

/// The host port bound to `container_port` in the first task of the tutorial cluster's
/// `service`, as ECS describes it.
pub async fn service_host_port(
    ecs: &aws_sdk_ecs::Client,
    service: &str,
    container_port: i32,
) -> u16 {
    let listed = ecs
        .list_tasks()
        .cluster("gophermesh")
        .service_name(service)
        .send()
        .await
        .unwrap();
    let described = ecs
        .describe_tasks()
        .cluster("gophermesh")
        .set_tasks(Some(listed.task_arns().to_vec()))
        .send()
        .await
        .unwrap();
    let binding = described.tasks()[0]
        .containers()
        .iter()
        .flat_map(|c| c.network_bindings())
        .find(|b| b.container_port() == Some(container_port))
        .unwrap_or_else(|| panic!("{service}'s port {container_port} is bound"));
    u16::try_from(binding.host_port().unwrap()).unwrap()
}

/// Replaces the tutorial route's spec.
pub async fn set_tutorial_route(appmesh: &aws_sdk_appmesh::Client, spec: RouteSpec) {
    appmesh
        .update_route()
        .mesh_name("gophermesh")
        .virtual_router_name("distributor")
        .route_name("distributor-route")
        .spec(spec)
        .send()
        .await
        .unwrap();
}

/// The tutorial route's version, as App Mesh describes it.
pub async fn tutorial_route_version(appmesh: &aws_sdk_appmesh::Client) -> i64 {
    appmesh
        .describe_route()
        .mesh_name("gophermesh")
        .virtual_router_name("distributor")
        .route_name("distributor-route")
        .send()
        .await
        .unwrap()
        .route()
        .and_then(|r| r.metadata())
        .expect("the route has metadata")
        .version()
}
