//! Checks the model cannot express: references between resources, route shapes that must
//! name exactly one protocol, prefixes, total weights and quotas. The model's own constraints
//! (lengths, ranges, enums, unions) are checked before a handler runs (model::validate).

use crate::model::appmesh::{
    GatewayRouteSpec, RouteSpec, VirtualNodeSpec, VirtualRouterSpec, VirtualServiceSpec,
    WeightedTarget, WriteRequest,
};

use super::error::{AppMeshError, Result};
use super::store::{Limits, Mesh};

fn bad(message: impl Into<String>) -> AppMeshError {
    AppMeshError::BadRequest(message.into())
}

/// Exactly one of the named members is set, else a BadRequestException naming them.
fn exactly_one(what: &str, members: &[(&str, bool)]) -> Result<()> {
    if members.iter().filter(|(_, set)| *set).count() == 1 {
        return Ok(());
    }
    let names: Vec<&str> = members.iter().map(|(name, _)| *name).collect();
    Err(bad(format!(
        "{what} must specify exactly one of: {}.",
        names.join(", ")
    )))
}

fn prefix(field: &str, prefix: Option<&String>) -> Result<()> {
    match prefix {
        Some(p) if !p.starts_with('/') => {
            Err(bad(format!("{field} must start with '/', got '{p}'.")))
        }
        _ => Ok(()),
    }
}

/// A clientToken as App Mesh documents it: up to 36 letters, numbers, hyphens and underscores.
pub fn client_token(token: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if token.is_empty() || token.len() > 36 || !token.chars().all(allowed) {
        return Err(bad(
            "Value at 'clientToken' failed to satisfy constraint: Member must be up to 36 \
             letters, numbers, hyphens and underscores.",
        ));
    }
    Ok(())
}

/// The name a create gives its new resource. Names become path segments of ARNs and of the
/// REST paths (App Mesh refuses '/' in them), so a name must read back as itself: no '/',
/// whitespace or control characters, and not '.' or '..'.
pub fn new_name(request: &WriteRequest) -> Result<()> {
    use WriteRequest::*;
    let (field, name) = match request {
        CreateMesh(i) => ("meshName", &i.mesh_name),
        CreateVirtualNode(i) => ("virtualNodeName", &i.virtual_node_name),
        CreateVirtualRouter(i) => ("virtualRouterName", &i.virtual_router_name),
        CreateRoute(i) => ("routeName", &i.route_name),
        CreateVirtualService(i) => ("virtualServiceName", &i.virtual_service_name),
        CreateVirtualGateway(i) => ("virtualGatewayName", &i.virtual_gateway_name),
        CreateGatewayRoute(i) => ("gatewayRouteName", &i.gateway_route_name),
        _ => return Ok(()),
    };
    let reads_back = !matches!(name.as_str(), "." | "..")
        && !name
            .chars()
            .any(|c| c == '/' || c.is_whitespace() || c.is_control());
    if !reads_back {
        return Err(bad(format!(
            "Value at '{field}' failed to satisfy constraint: Member must not contain '/', \
             whitespace or control characters, and must not be '.' or '..'."
        )));
    }
    Ok(())
}

pub fn virtual_node(spec: &VirtualNodeSpec, limits: &Limits) -> Result<()> {
    let backends = spec.backends.as_ref().map_or(0, Vec::len);
    if backends > limits.backends_per_node {
        return Err(AppMeshError::LimitExceeded(format!(
            "spec.backends has {backends} entries; a virtual node may have at most {}.",
            limits.backends_per_node
        )));
    }
    Ok(())
}

pub fn virtual_router(spec: &VirtualRouterSpec) -> Result<()> {
    if spec.listeners.as_ref().is_none_or(Vec::is_empty) {
        return Err(bad("spec.listeners must contain a listener."));
    }
    Ok(())
}

/// A route: one protocol, served by the router's listeners, prefixes from '/', weighted
/// targets that exist and add up to at most 100.
pub fn route(mesh: &Mesh, router: &str, spec: &RouteSpec) -> Result<()> {
    exactly_one(
        "spec",
        &[
            ("httpRoute", spec.http_route.is_some()),
            ("http2Route", spec.http2_route.is_some()),
            ("grpcRoute", spec.grpc_route.is_some()),
            ("tcpRoute", spec.tcp_route.is_some()),
        ],
    )?;
    let (protocol, field, targets) = if let Some(r) = &spec.http_route {
        prefix("spec.httpRoute.match.prefix", r.r#match.prefix.as_ref())?;
        ("http", "spec.httpRoute", &r.action.weighted_targets)
    } else if let Some(r) = &spec.http2_route {
        prefix("spec.http2Route.match.prefix", r.r#match.prefix.as_ref())?;
        ("http2", "spec.http2Route", &r.action.weighted_targets)
    } else if let Some(r) = &spec.grpc_route {
        ("grpc", "spec.grpcRoute", &r.action.weighted_targets)
    } else if let Some(r) = &spec.tcp_route {
        ("tcp", "spec.tcpRoute", &r.action.weighted_targets)
    } else {
        unreachable!("exactly_one checked above");
    };
    let served = mesh
        .virtual_routers
        .get(router)
        .and_then(|r| r.spec.listeners.as_ref())
        .is_some_and(|ls| ls.iter().any(|l| l.port_mapping.protocol == protocol));
    if !served {
        return Err(bad(format!(
            "{field} needs a '{protocol}' listener on virtual router '{router}', which has none."
        )));
    }
    weighted_targets(mesh, field, targets)
}

fn weighted_targets(mesh: &Mesh, field: &str, targets: &[WeightedTarget]) -> Result<()> {
    for (i, target) in targets.iter().enumerate() {
        if !mesh.virtual_nodes.contains_key(&target.virtual_node) {
            return Err(AppMeshError::NotFound(format!(
                "{field}.action.weightedTargets[{i}].virtualNode: virtual node '{}' not found in mesh '{}'.",
                target.virtual_node,
                mesh.name()
            )));
        }
    }
    let total: i64 = targets.iter().map(|t| i64::from(t.weight)).sum();
    if total > 100 {
        return Err(bad(format!(
            "{field}.action.weightedTargets: the weights add up to {total}; the total for all targets must be less than or equal to 100."
        )));
    }
    Ok(())
}

/// A virtual service's provider, when it has one, must exist.
pub fn virtual_service(mesh: &Mesh, spec: &VirtualServiceSpec) -> Result<()> {
    let Some(provider) = &spec.provider else {
        return Ok(());
    };
    if let Some(node) = &provider.virtual_node
        && !mesh.virtual_nodes.contains_key(&node.virtual_node_name)
    {
        return Err(AppMeshError::NotFound(format!(
            "spec.provider.virtualNode: virtual node '{}' not found in mesh '{}'.",
            node.virtual_node_name,
            mesh.name()
        )));
    }
    if let Some(router) = &provider.virtual_router
        && !mesh
            .virtual_routers
            .contains_key(&router.virtual_router_name)
    {
        return Err(AppMeshError::NotFound(format!(
            "spec.provider.virtualRouter: virtual router '{}' not found in mesh '{}'.",
            router.virtual_router_name,
            mesh.name()
        )));
    }
    Ok(())
}

/// A gateway route: one protocol, prefixes from '/', a target virtual service that exists.
pub fn gateway_route(mesh: &Mesh, spec: &GatewayRouteSpec) -> Result<()> {
    exactly_one(
        "spec",
        &[
            ("httpRoute", spec.http_route.is_some()),
            ("http2Route", spec.http2_route.is_some()),
            ("grpcRoute", spec.grpc_route.is_some()),
        ],
    )?;
    let (field, target) = if let Some(r) = &spec.http_route {
        prefix("spec.httpRoute.match.prefix", r.r#match.prefix.as_ref())?;
        ("spec.httpRoute", &r.action.target)
    } else if let Some(r) = &spec.http2_route {
        prefix("spec.http2Route.match.prefix", r.r#match.prefix.as_ref())?;
        ("spec.http2Route", &r.action.target)
    } else if let Some(r) = &spec.grpc_route {
        ("spec.grpcRoute", &r.action.target)
    } else {
        unreachable!("exactly_one checked above");
    };
    let service = &target.virtual_service.virtual_service_name;
    if !mesh.virtual_services.contains_key(service) {
        return Err(AppMeshError::NotFound(format!(
            "{field}.action.target.virtualService: virtual service '{service}' not found in mesh '{}'.",
            mesh.name()
        )));
    }
    Ok(())
}

/// What still points at a virtual node (routes' targets, services' providers), if anything.
pub fn users_of_virtual_node(mesh: &Mesh, node: &str) -> Option<String> {
    for ((router, route), entry) in &mesh.routes {
        if route_targets(&entry.spec).any(|t| t.virtual_node == node) {
            return Some(format!("route '{route}' of virtual router '{router}'"));
        }
    }
    mesh.virtual_services.iter().find_map(|(name, s)| {
        let provider = s.spec.provider.as_ref()?.virtual_node.as_ref()?;
        (provider.virtual_node_name == node).then(|| format!("virtual service '{name}'"))
    })
}

/// What still points at a virtual router (its routes, services' providers), if anything.
pub fn users_of_virtual_router(mesh: &Mesh, router: &str) -> Option<String> {
    if let Some((route, _)) = mesh.routes_of(router).next() {
        return Some(format!("its route '{route}'"));
    }
    mesh.virtual_services.iter().find_map(|(name, s)| {
        let provider = s.spec.provider.as_ref()?.virtual_router.as_ref()?;
        (provider.virtual_router_name == router).then(|| format!("virtual service '{name}'"))
    })
}

/// What still points at a virtual service (gateway routes' targets), if anything.
pub fn users_of_virtual_service(mesh: &Mesh, service: &str) -> Option<String> {
    mesh.gateway_routes
        .iter()
        .find_map(|((gateway, name), entry)| {
            (gateway_route_target(&entry.spec)? == service)
                .then(|| format!("gateway route '{name}' of virtual gateway '{gateway}'"))
        })
}

/// The weighted targets of a route, whatever its protocol.
pub fn route_targets(spec: &RouteSpec) -> impl Iterator<Item = &WeightedTarget> {
    let lists = [
        spec.http_route.as_ref().map(|r| &r.action.weighted_targets),
        spec.http2_route
            .as_ref()
            .map(|r| &r.action.weighted_targets),
        spec.grpc_route.as_ref().map(|r| &r.action.weighted_targets),
        spec.tcp_route.as_ref().map(|r| &r.action.weighted_targets),
    ];
    lists.into_iter().flatten().flatten()
}

/// The virtual service a gateway route sends to.
pub fn gateway_route_target(spec: &GatewayRouteSpec) -> Option<&str> {
    let target = spec
        .http_route
        .as_ref()
        .map(|r| &r.action.target)
        .or_else(|| spec.http2_route.as_ref().map(|r| &r.action.target))
        .or_else(|| spec.grpc_route.as_ref().map(|r| &r.action.target))?;
    Some(&target.virtual_service.virtual_service_name)
}
