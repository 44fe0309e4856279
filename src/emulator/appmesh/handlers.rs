//! Handlers for meshes, virtual nodes, virtual routers, routes and virtual services: thin
//! functions over the store. A handler checks everything before it changes anything, so a
//! failed call leaves the state as it was.

use crate::model::appmesh::*;

use super::error::{AppMeshError, Result};
use super::store::{AppMeshState, Ctx, Entry, Mesh, ResourcePath, found, found_mut, page, touch};
use super::validate;
use super::views::*;

pub(super) fn mesh<'a>(
    cx: &Ctx,
    state: &'a AppMeshState,
    name: &str,
    owner: Option<&String>,
) -> Result<&'a Mesh> {
    cx.check_owner(owner)?;
    let mesh = state.scope(cx).and_then(|r| r.meshes.get(name));
    found(mesh, || format!("Mesh '{name}'"))
}

pub(super) fn mesh_mut<'a>(
    cx: &Ctx,
    state: &'a mut AppMeshState,
    name: &str,
    owner: Option<&String>,
) -> Result<&'a mut Mesh> {
    cx.check_owner(owner)?;
    let mesh = state.scope_mut(cx).and_then(|r| r.meshes.get_mut(name));
    found_mut(mesh, || format!("Mesh '{name}'"))
}

pub(super) fn conflict(kind: &str, name: &str, mesh: &str) -> AppMeshError {
    AppMeshError::Conflict(format!(
        "A {kind} named '{name}' already exists in mesh '{mesh}'."
    ))
}

pub(super) fn limit(kind: &str, max: usize, scope: &str) -> AppMeshError {
    AppMeshError::LimitExceeded(format!(
        "The limit of {max} {kind} per {scope} has been reached."
    ))
}

pub(super) fn entry<S>(
    cx: &Ctx,
    path: &ResourcePath,
    spec: S,
    tags: Option<Vec<TagRef>>,
) -> Entry<S> {
    Entry {
        spec,
        metadata: cx.new_metadata(path),
        tags: super::tags::merged(Vec::new(), tags.unwrap_or_default()),
    }
}

// ---- meshes ---------------------------------------------------------------------------------

pub fn create_mesh(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: CreateMeshInput,
) -> Result<CreateMeshOutput> {
    let region = state.scope_or_default(cx);
    let name = input.mesh_name;
    if region.meshes.contains_key(&name) {
        return Err(AppMeshError::Conflict(format!(
            "A mesh named '{name}' already exists."
        )));
    }
    if region.meshes.len() >= cx.limits.meshes {
        return Err(limit("meshes", cx.limits.meshes, "account and region"));
    }
    let e = entry(
        cx,
        &ResourcePath::Mesh(name.clone()),
        input.spec.unwrap_or_default(),
        input.tags,
    );
    let mesh = mesh_data(&name, &e, Status::Active);
    region.meshes.insert(name, Mesh::new(e));
    Ok(CreateMeshOutput { mesh })
}

pub fn describe_mesh(
    cx: &Ctx,
    state: &AppMeshState,
    input: DescribeMeshInput,
) -> Result<DescribeMeshOutput> {
    let m = mesh(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    Ok(DescribeMeshOutput {
        mesh: mesh_data(&input.mesh_name, &m.mesh, Status::Active),
    })
}

pub fn update_mesh(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: UpdateMeshInput,
) -> Result<UpdateMeshOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, None)?;
    m.mesh.spec = input.spec.unwrap_or_default();
    touch(cx, &mut m.mesh.metadata);
    Ok(UpdateMeshOutput {
        mesh: mesh_data(&input.mesh_name, &m.mesh, Status::Active),
    })
}

pub fn delete_mesh(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: DeleteMeshInput,
) -> Result<DeleteMeshOutput> {
    let name = &input.mesh_name;
    let m = mesh(cx, state, name, None)?;
    if !m.is_empty() {
        return Err(AppMeshError::ResourceInUse(format!(
            "Mesh '{name}' still has {} virtual nodes, {} virtual routers, {} virtual services and {} virtual gateways; delete them first.",
            m.virtual_nodes.len(),
            m.virtual_routers.len(),
            m.virtual_services.len(),
            m.virtual_gateways.len()
        )));
    }
    let region = state.scope_mut(cx).expect("mesh() found the region");
    let removed = region.meshes.remove(name).expect("mesh() found the mesh");
    Ok(DeleteMeshOutput {
        mesh: mesh_data(name, &removed.mesh, Status::Deleted),
    })
}

pub fn list_meshes(
    cx: &Ctx,
    state: &AppMeshState,
    input: ListMeshesInput,
) -> Result<ListMeshesOutput> {
    let meshes = state.scope(cx).into_iter().flat_map(|r| r.meshes.iter());
    let (meshes, next_token) = page(
        meshes.map(|(n, m)| (n.as_str(), mesh_ref(n, &m.mesh))),
        input.limit,
        input.next_token.as_deref(),
    )?;
    Ok(ListMeshesOutput { meshes, next_token })
}

// ---- virtual nodes --------------------------------------------------------------------------

pub fn create_virtual_node(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: CreateVirtualNodeInput,
) -> Result<CreateVirtualNodeOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = input.virtual_node_name;
    if m.virtual_nodes.contains_key(&name) {
        return Err(conflict("virtual node", &name, &input.mesh_name));
    }
    if m.virtual_nodes.len() >= cx.limits.virtual_nodes {
        return Err(limit("virtual nodes", cx.limits.virtual_nodes, "mesh"));
    }
    validate::virtual_node(&input.spec, &cx.limits)?;
    let path = ResourcePath::VirtualNode(input.mesh_name.clone(), name.clone());
    let e = entry(cx, &path, input.spec, input.tags);
    let virtual_node = virtual_node_data(&input.mesh_name, &name, &e, Status::Active);
    m.virtual_nodes.insert(name, e);
    Ok(CreateVirtualNodeOutput { virtual_node })
}

pub fn describe_virtual_node(
    cx: &Ctx,
    state: &AppMeshState,
    input: DescribeVirtualNodeInput,
) -> Result<DescribeVirtualNodeOutput> {
    let m = mesh(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = &input.virtual_node_name;
    let e = found(m.virtual_nodes.get(name), || {
        format!("Virtual node '{name}' in mesh '{}'", input.mesh_name)
    })?;
    Ok(DescribeVirtualNodeOutput {
        virtual_node: virtual_node_data(&input.mesh_name, name, e, Status::Active),
    })
}

pub fn update_virtual_node(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: UpdateVirtualNodeInput,
) -> Result<UpdateVirtualNodeOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = &input.virtual_node_name;
    validate::virtual_node(&input.spec, &cx.limits)?;
    let e = found_mut(m.virtual_nodes.get_mut(name), || {
        format!("Virtual node '{name}' in mesh '{}'", input.mesh_name)
    })?;
    e.spec = input.spec;
    touch(cx, &mut e.metadata);
    Ok(UpdateVirtualNodeOutput {
        virtual_node: virtual_node_data(&input.mesh_name, name, e, Status::Active),
    })
}

pub fn delete_virtual_node(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: DeleteVirtualNodeInput,
) -> Result<DeleteVirtualNodeOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = &input.virtual_node_name;
    found(m.virtual_nodes.get(name), || {
        format!("Virtual node '{name}' in mesh '{}'", input.mesh_name)
    })?;
    if let Some(user) = validate::users_of_virtual_node(m, name) {
        return Err(AppMeshError::ResourceInUse(format!(
            "Virtual node '{name}' is still used by {user}."
        )));
    }
    let e = m.virtual_nodes.remove(name).expect("found above");
    Ok(DeleteVirtualNodeOutput {
        virtual_node: virtual_node_data(&input.mesh_name, name, &e, Status::Deleted),
    })
}

pub fn list_virtual_nodes(
    cx: &Ctx,
    state: &AppMeshState,
    input: ListVirtualNodesInput,
) -> Result<ListVirtualNodesOutput> {
    let m = mesh(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let items = m
        .virtual_nodes
        .iter()
        .map(|(n, e)| (n.as_str(), virtual_node_ref(&input.mesh_name, n, e)));
    let (virtual_nodes, next_token) = page(items, input.limit, input.next_token.as_deref())?;
    Ok(ListVirtualNodesOutput {
        virtual_nodes,
        next_token,
    })
}

// ---- virtual routers ------------------------------------------------------------------------

pub fn create_virtual_router(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: CreateVirtualRouterInput,
) -> Result<CreateVirtualRouterOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = input.virtual_router_name;
    if m.virtual_routers.contains_key(&name) {
        return Err(conflict("virtual router", &name, &input.mesh_name));
    }
    if m.virtual_routers.len() >= cx.limits.virtual_routers {
        return Err(limit("virtual routers", cx.limits.virtual_routers, "mesh"));
    }
    validate::virtual_router(&input.spec)?;
    let path = ResourcePath::VirtualRouter(input.mesh_name.clone(), name.clone());
    let e = entry(cx, &path, input.spec, input.tags);
    let virtual_router = virtual_router_data(&input.mesh_name, &name, &e, Status::Active);
    m.virtual_routers.insert(name, e);
    Ok(CreateVirtualRouterOutput { virtual_router })
}

pub fn describe_virtual_router(
    cx: &Ctx,
    state: &AppMeshState,
    input: DescribeVirtualRouterInput,
) -> Result<DescribeVirtualRouterOutput> {
    let m = mesh(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = &input.virtual_router_name;
    let e = found(m.virtual_routers.get(name), || {
        format!("Virtual router '{name}' in mesh '{}'", input.mesh_name)
    })?;
    Ok(DescribeVirtualRouterOutput {
        virtual_router: virtual_router_data(&input.mesh_name, name, e, Status::Active),
    })
}

pub fn update_virtual_router(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: UpdateVirtualRouterInput,
) -> Result<UpdateVirtualRouterOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = &input.virtual_router_name;
    validate::virtual_router(&input.spec)?;
    let e = found_mut(m.virtual_routers.get_mut(name), || {
        format!("Virtual router '{name}' in mesh '{}'", input.mesh_name)
    })?;
    e.spec = input.spec;
    touch(cx, &mut e.metadata);
    Ok(UpdateVirtualRouterOutput {
        virtual_router: virtual_router_data(&input.mesh_name, name, e, Status::Active),
    })
}

pub fn delete_virtual_router(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: DeleteVirtualRouterInput,
) -> Result<DeleteVirtualRouterOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = &input.virtual_router_name;
    found(m.virtual_routers.get(name), || {
        format!("Virtual router '{name}' in mesh '{}'", input.mesh_name)
    })?;
    if let Some(user) = validate::users_of_virtual_router(m, name) {
        return Err(AppMeshError::ResourceInUse(format!(
            "Virtual router '{name}' is still used by {user}."
        )));
    }
    let e = m.virtual_routers.remove(name).expect("found above");
    Ok(DeleteVirtualRouterOutput {
        virtual_router: virtual_router_data(&input.mesh_name, name, &e, Status::Deleted),
    })
}

pub fn list_virtual_routers(
    cx: &Ctx,
    state: &AppMeshState,
    input: ListVirtualRoutersInput,
) -> Result<ListVirtualRoutersOutput> {
    let m = mesh(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let items = m
        .virtual_routers
        .iter()
        .map(|(n, e)| (n.as_str(), virtual_router_ref(&input.mesh_name, n, e)));
    let (virtual_routers, next_token) = page(items, input.limit, input.next_token.as_deref())?;
    Ok(ListVirtualRoutersOutput {
        virtual_routers,
        next_token,
    })
}

// ---- routes ---------------------------------------------------------------------------------

fn router_exists(m: &Mesh, mesh: &str, router: &str) -> Result<()> {
    found(m.virtual_routers.get(router), || {
        format!("Virtual router '{router}' in mesh '{mesh}'")
    })
    .map(|_| ())
}

pub fn create_route(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: CreateRouteInput,
) -> Result<CreateRouteOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let (mesh_name, router, name) = (
        &input.mesh_name,
        &input.virtual_router_name,
        &input.route_name,
    );
    router_exists(m, mesh_name, router)?;
    let key = (router.clone(), name.clone());
    if m.routes.contains_key(&key) {
        return Err(AppMeshError::Conflict(format!(
            "A route named '{name}' already exists in virtual router '{router}'."
        )));
    }
    if m.routes_of(router).count() >= cx.limits.routes_per_router {
        return Err(limit(
            "routes",
            cx.limits.routes_per_router,
            "virtual router",
        ));
    }
    validate::route(m, router, &input.spec)?;
    let path = ResourcePath::Route(mesh_name.clone(), router.clone(), name.clone());
    let e = entry(cx, &path, input.spec, input.tags);
    let route = route_data(mesh_name, router, name, &e, Status::Active);
    m.routes.insert(key, e);
    Ok(CreateRouteOutput { route })
}

pub fn describe_route(
    cx: &Ctx,
    state: &AppMeshState,
    input: DescribeRouteInput,
) -> Result<DescribeRouteOutput> {
    let m = mesh(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let (router, name) = (&input.virtual_router_name, &input.route_name);
    router_exists(m, &input.mesh_name, router)?;
    let e = found(m.routes.get(&(router.clone(), name.clone())), || {
        format!("Route '{name}' in virtual router '{router}'")
    })?;
    Ok(DescribeRouteOutput {
        route: route_data(&input.mesh_name, router, name, e, Status::Active),
    })
}

pub fn update_route(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: UpdateRouteInput,
) -> Result<UpdateRouteOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let (router, name) = (&input.virtual_router_name, &input.route_name);
    router_exists(m, &input.mesh_name, router)?;
    let key = (router.clone(), name.clone());
    found(m.routes.get(&key), || {
        format!("Route '{name}' in virtual router '{router}'")
    })?;
    validate::route(m, router, &input.spec)?;
    let e = m.routes.get_mut(&key).expect("found above");
    e.spec = input.spec;
    touch(cx, &mut e.metadata);
    Ok(UpdateRouteOutput {
        route: route_data(&input.mesh_name, router, name, e, Status::Active),
    })
}

pub fn delete_route(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: DeleteRouteInput,
) -> Result<DeleteRouteOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let (router, name) = (&input.virtual_router_name, &input.route_name);
    router_exists(m, &input.mesh_name, router)?;
    let e = m.routes.remove(&(router.clone(), name.clone()));
    let e = found(e.as_ref(), || {
        format!("Route '{name}' in virtual router '{router}'")
    })?;
    Ok(DeleteRouteOutput {
        route: route_data(&input.mesh_name, router, name, e, Status::Deleted),
    })
}

pub fn list_routes(
    cx: &Ctx,
    state: &AppMeshState,
    input: ListRoutesInput,
) -> Result<ListRoutesOutput> {
    let m = mesh(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let router = &input.virtual_router_name;
    router_exists(m, &input.mesh_name, router)?;
    let items = m
        .routes_of(router)
        .map(|(n, e)| (n, route_ref(&input.mesh_name, router, n, e)));
    let (routes, next_token) = page(items, input.limit, input.next_token.as_deref())?;
    Ok(ListRoutesOutput { routes, next_token })
}

// ---- virtual services -----------------------------------------------------------------------

pub fn create_virtual_service(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: CreateVirtualServiceInput,
) -> Result<CreateVirtualServiceOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = input.virtual_service_name;
    if m.virtual_services.contains_key(&name) {
        return Err(conflict("virtual service", &name, &input.mesh_name));
    }
    if m.virtual_services.len() >= cx.limits.virtual_services {
        return Err(limit(
            "virtual services",
            cx.limits.virtual_services,
            "mesh",
        ));
    }
    validate::virtual_service(m, &input.spec)?;
    let path = ResourcePath::VirtualService(input.mesh_name.clone(), name.clone());
    let e = entry(cx, &path, input.spec, input.tags);
    let virtual_service = virtual_service_data(&input.mesh_name, &name, &e, Status::Active);
    m.virtual_services.insert(name, e);
    Ok(CreateVirtualServiceOutput { virtual_service })
}

pub fn describe_virtual_service(
    cx: &Ctx,
    state: &AppMeshState,
    input: DescribeVirtualServiceInput,
) -> Result<DescribeVirtualServiceOutput> {
    let m = mesh(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = &input.virtual_service_name;
    let e = found(m.virtual_services.get(name), || {
        format!("Virtual service '{name}' in mesh '{}'", input.mesh_name)
    })?;
    Ok(DescribeVirtualServiceOutput {
        virtual_service: virtual_service_data(&input.mesh_name, name, e, Status::Active),
    })
}

pub fn update_virtual_service(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: UpdateVirtualServiceInput,
) -> Result<UpdateVirtualServiceOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = &input.virtual_service_name;
    found(m.virtual_services.get(name), || {
        format!("Virtual service '{name}' in mesh '{}'", input.mesh_name)
    })?;
    validate::virtual_service(m, &input.spec)?;
    let e = m.virtual_services.get_mut(name).expect("found above");
    e.spec = input.spec;
    touch(cx, &mut e.metadata);
    Ok(UpdateVirtualServiceOutput {
        virtual_service: virtual_service_data(&input.mesh_name, name, e, Status::Active),
    })
}

pub fn delete_virtual_service(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: DeleteVirtualServiceInput,
) -> Result<DeleteVirtualServiceOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = &input.virtual_service_name;
    found(m.virtual_services.get(name), || {
        format!("Virtual service '{name}' in mesh '{}'", input.mesh_name)
    })?;
    if let Some(user) = validate::users_of_virtual_service(m, name) {
        return Err(AppMeshError::ResourceInUse(format!(
            "Virtual service '{name}' is still used by {user}."
        )));
    }
    let e = m.virtual_services.remove(name).expect("found above");
    Ok(DeleteVirtualServiceOutput {
        virtual_service: virtual_service_data(&input.mesh_name, name, &e, Status::Deleted),
    })
}

pub fn list_virtual_services(
    cx: &Ctx,
    state: &AppMeshState,
    input: ListVirtualServicesInput,
) -> Result<ListVirtualServicesOutput> {
    let m = mesh(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let items = m
        .virtual_services
        .iter()
        .map(|(n, e)| (n.as_str(), virtual_service_ref(&input.mesh_name, n, e)));
    let (virtual_services, next_token) = page(items, input.limit, input.next_token.as_deref())?;
    Ok(ListVirtualServicesOutput {
        virtual_services,
        next_token,
    })
}
