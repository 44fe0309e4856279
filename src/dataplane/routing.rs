//! The sidecars' routing table, compiled from one cloud snapshot: which virtual services a
//! virtual node may call, how each service's routes match and split traffic, and which running
//! tasks serve each virtual node. Pure: no I/O, so it is tested directly.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderValue;
use axum::http::uri::Authority;

use regex::Regex;

use super::outlier::OutlierPolicy;
use super::pool::PoolLimits;
use crate::emulator::account_region::AccountRegion;
use crate::emulator::appmesh::store::Mesh;
use crate::emulator::arn::Arn;
use crate::emulator::ecs::status::TaskStatus;
use crate::emulator::ecs::store::{EcsRegion, TaskRecord};
use crate::emulator::snapshot::CloudSnapshot;
use crate::model::appmesh as am;

/// A virtual node, as a sidecar knows itself: (account and region, mesh, node).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeId {
    pub scope: AccountRegion,
    pub mesh: String,
    pub node: String,
}

impl NodeId {
    /// From an Envoy container's environment: `APPMESH_RESOURCE_ARN`
    /// (`arn:aws:appmesh:REGION:ACCOUNT:mesh/M/virtualNode/N`) or `APPMESH_VIRTUAL_NODE_NAME`
    /// (`mesh/M/virtualNode/N`, in the task's region). A task joins only a mesh of its own
    /// account: an ARN naming another account joins nothing (the embedded cloud shares no
    /// mesh), so no one can make their task a node of someone else's mesh.
    pub fn from_env<'a>(
        env: impl Iterator<Item = (&'a str, &'a str)>,
        task_scope: &AccountRegion,
    ) -> Option<NodeId> {
        for (name, value) in env {
            let (region, resource) = match name {
                "APPMESH_RESOURCE_ARN" => {
                    let arn = Arn::parse(value)?;
                    if arn.account != task_scope.account {
                        return None;
                    }
                    (arn.region, arn.resource)
                }
                "APPMESH_VIRTUAL_NODE_NAME" => (task_scope.region.as_str(), value),
                _ => continue,
            };
            let mut segments = resource.split('/');
            if let (Some("mesh"), Some(mesh), Some("virtualNode"), Some(node), None) = (
                segments.next(),
                segments.next(),
                segments.next(),
                segments.next(),
                segments.next(),
            ) {
                return Some(NodeId {
                    scope: AccountRegion::new(task_scope.account.as_str(), region),
                    mesh: mesh.to_string(),
                    node: node.to_string(),
                });
            }
        }
        None
    }
}

/// Why a request could not be routed (each becomes an Envoy-like error answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unroutable {
    /// The sidecar's own virtual node is gone.
    UnknownNode(String),
    /// The host is not a backend of the calling node (404, as Envoy has no route for it).
    NotABackend { host: String, node: String },
    /// The backend names a virtual service that does not exist (yet).
    NoService(String),
    /// No route of the service's router matches the request.
    NoRoute(String),
    /// The chosen virtual node has no running task (503 "no healthy upstream").
    NoHealthyUpstream(String),
}

impl Unroutable {
    pub fn status(&self) -> u16 {
        match self {
            Unroutable::NotABackend { .. } | Unroutable::NoRoute(_) => 404,
            _ => 503,
        }
    }

    /// The answer's body: Envoy's words first, then what it means here.
    pub fn body(&self) -> String {
        match self {
            Unroutable::UnknownNode(n) => {
                format!("no healthy upstream: virtual node {n} no longer exists")
            }
            Unroutable::NotABackend { host, node } => format!(
                "no route: {host} is not a backend of virtual node {node} (add it to spec.backends)"
            ),
            Unroutable::NoService(host) => {
                format!("no healthy upstream: virtual service {host} does not exist")
            }
            Unroutable::NoRoute(host) => {
                format!("no route: no route of {host} matches this request")
            }
            Unroutable::NoHealthyUpstream(node) => {
                format!("no healthy upstream: virtual node {node} has no running task")
            }
        }
    }
}

/// A running task of a virtual node, and its address as a URI authority (built once).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskEndpoint {
    pub addr: SocketAddr,
    pub authority: Authority,
    /// The ECS task id (for health and ejection reports).
    pub task: String,
}

/// A virtual node as a destination: its name, running tasks, and what its listener says about
/// resilience.
#[derive(Debug, Clone, PartialEq)]
pub struct Upstream {
    pub node: String,
    /// The node's name as the sidecar's `x-meshwalk-virtual-node` answer header (built once).
    pub node_header: HeaderValue,
    pub endpoints: Vec<TaskEndpoint>,
    pub outlier: Option<OutlierPolicy>,
    pub pool: Option<PoolLimits>,
}

/// Where one request goes. Cheap: shared parts of the compiled table.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    pub upstream: Arc<Upstream>,
    pub retry: Option<Retry>,
    pub timeout: Option<Duration>,
    /// The route's `timeout.idle`: the longest wait for an answer's headers on one attempt.
    pub idle: Option<Duration>,
}

/// The most retries a sidecar makes for one request, whatever a route's `maxRetries` says
/// (App Mesh takes any long; AWS documents no bound): each retry is a real upstream call.
pub const MAX_RETRIES: u32 = 10;
/// The longest per-retry, per-request or idle timeout a sidecar applies (App Mesh documents no
/// bound either).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retry {
    pub max_retries: u32,
    pub per_try_timeout: Duration,
    /// Retry on 5xx answers (server-error), or on 502/503/504 only (gateway-error).
    pub server_error: bool,
    pub gateway_error: bool,
    /// Retry when the connection fails (tcpRetryEvents connection-error).
    pub connection_error: bool,
}

#[derive(Debug, Clone)]
struct CompiledRoute {
    name: String,
    priority: i32,
    prefix: Option<String>,
    path_exact: Option<String>,
    path_regex: Option<Regex>,
    method: Option<String>,
    headers: Vec<HeaderRule>,
    query: Vec<(String, Option<String>)>,
    targets: Vec<(String, u32)>,
    /// The targets' upstreams, in the same order (filled in once the endpoints are known).
    upstreams: Vec<Arc<Upstream>>,
    retry: Option<Retry>,
    timeout: Option<Duration>,
    idle: Option<Duration>,
}

#[derive(Debug, Clone)]
struct HeaderRule {
    name: String,
    invert: bool,
    test: HeaderTest,
}

#[derive(Debug, Clone)]
enum HeaderTest {
    Present,
    Exact(String),
    Prefix(String),
    Suffix(String),
    Regex(Regex),
    Range(i64, i64),
}

#[derive(Debug, Clone)]
enum Provider {
    Node(Arc<Upstream>),
    Routes(Vec<CompiledRoute>),
    None,
}

/// The request facts routing looks at.
pub struct RequestFacts<'a> {
    pub host: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub header: &'a dyn Fn(&str) -> Option<String>,
}

/// Everything the sidecars need, compiled from one snapshot: for every virtual node, the
/// virtual services it may call, resolved down to the running tasks that serve them, so that
/// routing a request allocates nothing.
#[derive(Debug, Clone, Default)]
pub struct Routing {
    pub generation: u64,
    nodes: HashMap<NodeId, HashMap<String, Option<Arc<Provider>>>>,
}

impl Routing {
    pub fn compile(snapshot: &CloudSnapshot) -> Routing {
        let endpoints = endpoints(snapshot);
        let mut routing = Routing {
            generation: snapshot.generation,
            ..Routing::default()
        };
        for (scope, r) in &snapshot.appmesh.scopes {
            for (mesh_name, mesh) in &r.meshes {
                routing.compile_mesh(scope, mesh_name, mesh, &endpoints);
            }
        }
        routing
    }

    fn compile_mesh(
        &mut self,
        scope: &AccountRegion,
        mesh_name: &str,
        mesh: &Mesh,
        endpoints: &HashMap<NodeId, Vec<(SocketAddr, String)>>,
    ) {
        let id = |node: &str| NodeId {
            scope: scope.clone(),
            mesh: mesh_name.into(),
            node: node.into(),
        };
        let upstream = |node: &str| {
            let mut addrs = endpoints.get(&id(node)).cloned().unwrap_or_default();
            addrs.sort();
            let endpoints = addrs
                .into_iter()
                .filter_map(|(addr, task)| {
                    Some(TaskEndpoint {
                        addr,
                        authority: addr.to_string().parse().ok()?,
                        task,
                    })
                })
                .collect();
            let listener = mesh
                .virtual_nodes
                .get(node)
                .and_then(|n| n.spec.listeners.iter().flatten().next());
            Arc::new(Upstream {
                node: node.to_string(),
                node_header: HeaderValue::from_str(node)
                    .unwrap_or_else(|_| HeaderValue::from_static("?")),
                endpoints,
                outlier: listener
                    .and_then(|l| l.outlier_detection.as_ref())
                    .and_then(OutlierPolicy::from_spec),
                pool: listener
                    .and_then(|l| l.connection_pool.as_ref())
                    .and_then(PoolLimits::from_spec),
            })
        };
        let mut services: HashMap<&str, Arc<Provider>> = HashMap::new();
        for (service, entry) in &mesh.virtual_services {
            let provider = match entry.spec.provider.as_ref() {
                Some(p) if p.virtual_node.is_some() => Provider::Node(upstream(
                    p.virtual_node
                        .as_ref()
                        .map(|n| n.virtual_node_name.as_str())
                        .unwrap_or_default(),
                )),
                Some(p) if p.virtual_router.is_some() => {
                    let router = p
                        .virtual_router
                        .as_ref()
                        .map(|r| r.virtual_router_name.as_str())
                        .unwrap_or_default();
                    let mut routes =
                        compile_routes(mesh.routes_of(router).map(|(n, e)| (n, &e.spec)));
                    for route in &mut routes {
                        route.upstreams = route
                            .targets
                            .iter()
                            .map(|(node, _)| upstream(node))
                            .collect();
                    }
                    Provider::Routes(routes)
                }
                _ => Provider::None,
            };
            services.insert(service, Arc::new(provider));
        }
        for (node, entry) in &mesh.virtual_nodes {
            let backends = entry
                .spec
                .backends
                .iter()
                .flatten()
                .filter_map(|b| Some(b.virtual_service.as_ref()?.virtual_service_name.clone()))
                .map(|host| {
                    let provider = services.get(host.as_str()).cloned();
                    (host, provider)
                })
                .collect();
            self.nodes.insert(id(node), backends);
        }
    }

    /// Routes one request from `from` (the calling sidecar's node). `pick(total)` draws a
    /// number in 0..total for the weighted choice.
    pub fn route(
        &self,
        from: &NodeId,
        request: &RequestFacts<'_>,
        pick: &mut dyn FnMut(u32) -> u32,
    ) -> Result<Destination, Unroutable> {
        let backends = self
            .nodes
            .get(from)
            .ok_or_else(|| Unroutable::UnknownNode(from.node.clone()))?;
        let host = request.host;
        let provider = match backends.get(host) {
            None => {
                return Err(Unroutable::NotABackend {
                    host: host.into(),
                    node: from.node.clone(),
                });
            }
            Some(None) => return Err(Unroutable::NoService(host.into())),
            Some(Some(provider)) => provider,
        };
        let target = match provider.as_ref() {
            Provider::None => {
                return Err(Unroutable::NoHealthyUpstream(format!(
                    "(none: {host} has no provider)"
                )));
            }
            Provider::Node(upstream) => Destination {
                upstream: upstream.clone(),
                retry: None,
                timeout: None,
                idle: None,
            },
            Provider::Routes(routes) => {
                let (r, index) = choose(routes, request, pick)?;
                Destination {
                    upstream: r.upstreams[index].clone(),
                    retry: r.retry,
                    timeout: r.timeout,
                    idle: r.idle,
                }
            }
        };
        if target.upstream.endpoints.is_empty() {
            return Err(Unroutable::NoHealthyUpstream(target.upstream.node.clone()));
        }
        Ok(target)
    }
}

/// The running tasks of every virtual node: (app address, task id), as its callers find them.
pub fn endpoints(snapshot: &CloudSnapshot) -> HashMap<NodeId, Vec<(SocketAddr, String)>> {
    let mut endpoints: HashMap<NodeId, Vec<(SocketAddr, String)>> = HashMap::new();
    for (scope, r) in &snapshot.ecs.scopes {
        for record in r
            .tasks
            .values()
            .filter(|t| t.last_status() == Some(TaskStatus::Running))
        {
            if let Some((node, addr)) = endpoint(snapshot, scope, r, record) {
                let task = record.id().to_string();
                endpoints.entry(node).or_default().push((addr, task));
            }
        }
    }
    endpoints
}

/// The virtual node a running task joined, and the address of its app on the node's listener
/// port. Only a node with service discovery can be found by its callers.
fn endpoint(
    snapshot: &CloudSnapshot,
    scope: &AccountRegion,
    r: &EcsRegion,
    record: &TaskRecord,
) -> Option<(NodeId, SocketAddr)> {
    let td = r.task_definition_of(record)?;
    let node = td.container_definitions.iter().flatten().find_map(|c| {
        let env = c
            .environment
            .iter()
            .flatten()
            .filter_map(|kv| Some((kv.name.as_deref()?, kv.value.as_deref()?)));
        NodeId::from_env(env, scope)
    })?;
    let spec = virtual_node_spec(snapshot, &node)?;
    spec.service_discovery.as_ref()?;
    let port = spec.listeners.iter().flatten().next()?.port_mapping.port;
    let address = record.task.containers.iter().flatten().find_map(|c| {
        let b = c
            .network_bindings
            .iter()
            .flatten()
            .find(|b| b.container_port == Some(port))?;
        let ip = b.bind_ip.as_deref()?.parse().ok()?;
        Some(SocketAddr::new(ip, u16::try_from(b.host_port?).ok()?))
    })?;
    Some((node, address))
}

pub(crate) fn duration(d: &am::Duration) -> Option<Duration> {
    let value = u64::try_from(d.value?).ok()?;
    let duration = match d.unit.as_deref() {
        Some("s") => Duration::from_secs(value),
        _ => Duration::from_millis(value),
    };
    Some(duration.min(MAX_TIMEOUT))
}

/// A router's routes, compiled and in the order Envoy tries them as App Mesh writes them:
/// priority, then the longest prefix.
fn compile_routes<'a>(
    specs: impl Iterator<Item = (&'a str, &'a am::RouteSpec)>,
) -> Vec<CompiledRoute> {
    let mut routes: Vec<CompiledRoute> = specs
        .filter_map(|(name, spec)| compile_route(name, spec))
        .collect();
    routes.sort_by(|a, b| {
        a.priority.cmp(&b.priority).then_with(|| {
            let len = |r: &CompiledRoute| r.prefix.as_ref().map_or(0, String::len);
            len(b).cmp(&len(a))
        })
    });
    routes
}

/// The first route matching `request`, and the index of the weighted target `pick` chose.
fn choose<'r>(
    routes: &'r [CompiledRoute],
    request: &RequestFacts<'_>,
    pick: &mut dyn FnMut(u32) -> u32,
) -> Result<(&'r CompiledRoute, usize), Unroutable> {
    let r = routes
        .iter()
        .find(|r| r.matches(request))
        .ok_or_else(|| Unroutable::NoRoute(request.host.into()))?;
    let total: u32 = r.targets.iter().map(|(_, w)| w).sum();
    if total == 0 {
        return Err(Unroutable::NoHealthyUpstream(format!(
            "(route {} has no weight)",
            r.name
        )));
    }
    let mut draw = pick(total);
    let index = r
        .targets
        .iter()
        .position(|(_, w)| {
            if draw < *w {
                true
            } else {
                draw -= w;
                false
            }
        })
        .unwrap_or(0);
    Ok((r, index))
}

fn compile_route(name: &str, spec: &am::RouteSpec) -> Option<CompiledRoute> {
    let priority = spec.priority.unwrap_or(i32::MAX);
    let (targets, http) = if let Some(r) = spec.http_route.as_ref().or(spec.http2_route.as_ref()) {
        (&r.action.weighted_targets, Some(r))
    } else if let Some(r) = &spec.grpc_route {
        (&r.action.weighted_targets, None)
    } else {
        (&spec.tcp_route.as_ref()?.action.weighted_targets, None)
    };
    let targets = targets
        .iter()
        .map(|t| (t.virtual_node.clone(), t.weight.max(0) as u32))
        .collect();
    let mut route = CompiledRoute {
        name: name.into(),
        priority,
        prefix: None,
        path_exact: None,
        path_regex: None,
        method: None,
        headers: vec![],
        query: vec![],
        targets,
        upstreams: Vec::new(),
        retry: None,
        timeout: None,
        idle: None,
    };
    if let Some(r) = http {
        let m = &r.r#match;
        route.prefix = m.prefix.clone();
        route.path_exact = m.path.as_ref().and_then(|p| p.exact.clone());
        route.path_regex = m
            .path
            .as_ref()
            .and_then(|p| p.regex.as_deref())
            .and_then(|re| Regex::new(&format!("^(?:{re})$")).ok());
        route.method = m.method.clone();
        route.headers = m.headers.iter().flatten().map(header_rule).collect();
        route.query = m
            .query_parameters
            .iter()
            .flatten()
            .map(|q| {
                (
                    q.name.clone(),
                    q.r#match.as_ref().and_then(|m| m.exact.clone()),
                )
            })
            .collect();
        route.retry = r.retry_policy.as_ref().map(|p| {
            let events =
                |e: &Option<Vec<String>>, name: &str| e.iter().flatten().any(|x| x == name);
            Retry {
                max_retries: u32::try_from(p.max_retries.max(0))
                    .unwrap_or(u32::MAX)
                    .min(MAX_RETRIES),
                per_try_timeout: duration(&p.per_retry_timeout).unwrap_or(Duration::from_secs(15)),
                server_error: events(&p.http_retry_events, "server-error"),
                gateway_error: events(&p.http_retry_events, "gateway-error"),
                connection_error: events(&p.tcp_retry_events, "connection-error"),
            }
        });
        route.timeout = r
            .timeout
            .as_ref()
            .and_then(|t| t.per_request.as_ref())
            .and_then(duration);
        route.idle = r
            .timeout
            .as_ref()
            .and_then(|t| t.idle.as_ref())
            .and_then(duration);
    }
    Some(route)
}

fn header_rule(h: &am::HttpRouteHeader) -> HeaderRule {
    let test = match &h.r#match {
        None => HeaderTest::Present,
        Some(m) => {
            if let Some(v) = &m.exact {
                HeaderTest::Exact(v.clone())
            } else if let Some(v) = &m.prefix {
                HeaderTest::Prefix(v.clone())
            } else if let Some(v) = &m.suffix {
                HeaderTest::Suffix(v.clone())
            } else if let Some(re) = m
                .regex
                .as_deref()
                .and_then(|re| Regex::new(&format!("^(?:{re})$")).ok())
            {
                HeaderTest::Regex(re)
            } else if let Some(r) = &m.range {
                HeaderTest::Range(r.start, r.end)
            } else {
                HeaderTest::Present
            }
        }
    };
    HeaderRule {
        name: h.name.to_ascii_lowercase(),
        invert: h.invert.unwrap_or(false),
        test,
    }
}

impl CompiledRoute {
    fn matches(&self, request: &RequestFacts<'_>) -> bool {
        if let Some(prefix) = &self.prefix
            && !request.path.starts_with(prefix.as_str())
        {
            return false;
        }
        if self.path_exact.as_ref().is_some_and(|p| p != request.path) {
            return false;
        }
        if self
            .path_regex
            .as_ref()
            .is_some_and(|re| !re.is_match(request.path))
        {
            return false;
        }
        if self
            .method
            .as_ref()
            .is_some_and(|m| !m.eq_ignore_ascii_case(request.method))
        {
            return false;
        }
        let headers_ok = self.headers.iter().all(|rule| {
            let value = (request.header)(&rule.name);
            let hit = match (&rule.test, value.as_deref()) {
                (_, None) => false,
                (HeaderTest::Present, Some(_)) => true,
                (HeaderTest::Exact(e), Some(v)) => v == e,
                (HeaderTest::Prefix(p), Some(v)) => v.starts_with(p.as_str()),
                (HeaderTest::Suffix(s), Some(v)) => v.ends_with(s.as_str()),
                (HeaderTest::Regex(re), Some(v)) => re.is_match(v),
                (HeaderTest::Range(start, end), Some(v)) => {
                    v.parse::<i64>().is_ok_and(|n| n >= *start && n < *end)
                }
            };
            hit != rule.invert
        });
        if !headers_ok {
            return false;
        }
        self.query.iter().all(|(name, exact)| {
            // Names and values percent-decoded (and `+` as a space), as the client meant them.
            let found = form_urlencoded::parse(request.query.unwrap_or_default().as_bytes())
                .find_map(|(k, v)| (k == name.as_str()).then_some(v));
            match (found, exact) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(v), Some(e)) => v == e.as_str(),
            }
        })
    }
}

/// The spec of the virtual node a sidecar joins, in the snapshot.
pub fn virtual_node_spec<'a>(
    snapshot: &'a CloudSnapshot,
    node: &NodeId,
) -> Option<&'a am::VirtualNodeSpec> {
    let mesh = snapshot
        .appmesh
        .scopes
        .get(&node.scope)?
        .meshes
        .get(&node.mesh)?;
    Some(&mesh.virtual_nodes.get(&node.node)?.spec)
}

#[cfg(test)]
#[path = "routing_tests.rs"]
mod tests;
