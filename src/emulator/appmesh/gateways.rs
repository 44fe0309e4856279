//! Handlers for virtual gateways and their gateway routes.

use crate::model::appmesh::*;

use super::error::{AppMeshError, Result};
use super::handlers::{conflict, entry, limit, mesh, mesh_mut};
use super::store::{AppMeshState, Ctx, Mesh, ResourcePath, found, found_mut, page, touch};
use super::validate;
use super::views::*;

fn gateway_exists(m: &Mesh, mesh: &str, gateway: &str) -> Result<()> {
    found(m.virtual_gateways.get(gateway), || {
        format!("Virtual gateway '{gateway}' in mesh '{mesh}'")
    })
    .map(|_| ())
}

fn gateway_listeners(spec: &VirtualGatewaySpec) -> Result<()> {
    if spec.listeners.is_empty() {
        return Err(AppMeshError::BadRequest(
            "spec.listeners must contain a listener.".into(),
        ));
    }
    Ok(())
}

pub fn create_virtual_gateway(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: CreateVirtualGatewayInput,
) -> Result<CreateVirtualGatewayOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = input.virtual_gateway_name;
    if m.virtual_gateways.contains_key(&name) {
        return Err(conflict("virtual gateway", &name, &input.mesh_name));
    }
    if m.virtual_gateways.len() >= cx.limits.virtual_gateways {
        return Err(limit(
            "virtual gateways",
            cx.limits.virtual_gateways,
            "mesh",
        ));
    }
    gateway_listeners(&input.spec)?;
    let path = ResourcePath::VirtualGateway(input.mesh_name.clone(), name.clone());
    let e = entry(cx, &path, input.spec, input.tags);
    let virtual_gateway = virtual_gateway_data(&input.mesh_name, &name, &e, Status::Active);
    m.virtual_gateways.insert(name, e);
    Ok(CreateVirtualGatewayOutput { virtual_gateway })
}

pub fn describe_virtual_gateway(
    cx: &Ctx,
    state: &AppMeshState,
    input: DescribeVirtualGatewayInput,
) -> Result<DescribeVirtualGatewayOutput> {
    let m = mesh(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = &input.virtual_gateway_name;
    let e = found(m.virtual_gateways.get(name), || {
        format!("Virtual gateway '{name}' in mesh '{}'", input.mesh_name)
    })?;
    Ok(DescribeVirtualGatewayOutput {
        virtual_gateway: virtual_gateway_data(&input.mesh_name, name, e, Status::Active),
    })
}

pub fn update_virtual_gateway(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: UpdateVirtualGatewayInput,
) -> Result<UpdateVirtualGatewayOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = &input.virtual_gateway_name;
    gateway_listeners(&input.spec)?;
    let e = found_mut(m.virtual_gateways.get_mut(name), || {
        format!("Virtual gateway '{name}' in mesh '{}'", input.mesh_name)
    })?;
    e.spec = input.spec;
    touch(cx, &mut e.metadata);
    Ok(UpdateVirtualGatewayOutput {
        virtual_gateway: virtual_gateway_data(&input.mesh_name, name, e, Status::Active),
    })
}

pub fn delete_virtual_gateway(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: DeleteVirtualGatewayInput,
) -> Result<DeleteVirtualGatewayOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let name = &input.virtual_gateway_name;
    gateway_exists(m, &input.mesh_name, name)?;
    if let Some((route, _)) = m.gateway_routes_of(name).next() {
        return Err(AppMeshError::ResourceInUse(format!(
            "Virtual gateway '{name}' still has gateway route '{route}'; delete its gateway routes first."
        )));
    }
    let e = m
        .virtual_gateways
        .remove(name)
        .expect("gateway_exists checked it");
    Ok(DeleteVirtualGatewayOutput {
        virtual_gateway: virtual_gateway_data(&input.mesh_name, name, &e, Status::Deleted),
    })
}

pub fn list_virtual_gateways(
    cx: &Ctx,
    state: &AppMeshState,
    input: ListVirtualGatewaysInput,
) -> Result<ListVirtualGatewaysOutput> {
    let m = mesh(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let items = m
        .virtual_gateways
        .iter()
        .map(|(n, e)| (n.as_str(), virtual_gateway_ref(&input.mesh_name, n, e)));
    let (virtual_gateways, next_token) = page(items, input.limit, input.next_token.as_deref())?;
    Ok(ListVirtualGatewaysOutput {
        virtual_gateways,
        next_token,
    })
}

pub fn create_gateway_route(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: CreateGatewayRouteInput,
) -> Result<CreateGatewayRouteOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let (mesh_name, gateway, name) = (
        &input.mesh_name,
        &input.virtual_gateway_name,
        &input.gateway_route_name,
    );
    gateway_exists(m, mesh_name, gateway)?;
    let key = (gateway.clone(), name.clone());
    if m.gateway_routes.contains_key(&key) {
        return Err(AppMeshError::Conflict(format!(
            "A gateway route named '{name}' already exists in virtual gateway '{gateway}'."
        )));
    }
    if m.gateway_routes_of(gateway).count() >= cx.limits.gateway_routes_per_gateway {
        return Err(limit(
            "gateway routes",
            cx.limits.gateway_routes_per_gateway,
            "virtual gateway",
        ));
    }
    validate::gateway_route(m, &input.spec)?;
    let path = ResourcePath::GatewayRoute(mesh_name.clone(), gateway.clone(), name.clone());
    let e = entry(cx, &path, input.spec, input.tags);
    let gateway_route = gateway_route_data(mesh_name, gateway, name, &e, Status::Active);
    m.gateway_routes.insert(key, e);
    Ok(CreateGatewayRouteOutput { gateway_route })
}

pub fn describe_gateway_route(
    cx: &Ctx,
    state: &AppMeshState,
    input: DescribeGatewayRouteInput,
) -> Result<DescribeGatewayRouteOutput> {
    let m = mesh(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let (gateway, name) = (&input.virtual_gateway_name, &input.gateway_route_name);
    gateway_exists(m, &input.mesh_name, gateway)?;
    let e = found(
        m.gateway_routes.get(&(gateway.clone(), name.clone())),
        || format!("Gateway route '{name}' in virtual gateway '{gateway}'"),
    )?;
    Ok(DescribeGatewayRouteOutput {
        gateway_route: gateway_route_data(&input.mesh_name, gateway, name, e, Status::Active),
    })
}

pub fn update_gateway_route(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: UpdateGatewayRouteInput,
) -> Result<UpdateGatewayRouteOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let (gateway, name) = (&input.virtual_gateway_name, &input.gateway_route_name);
    gateway_exists(m, &input.mesh_name, gateway)?;
    let key = (gateway.clone(), name.clone());
    found(m.gateway_routes.get(&key), || {
        format!("Gateway route '{name}' in virtual gateway '{gateway}'")
    })?;
    validate::gateway_route(m, &input.spec)?;
    let e = m.gateway_routes.get_mut(&key).expect("found above");
    e.spec = input.spec;
    touch(cx, &mut e.metadata);
    Ok(UpdateGatewayRouteOutput {
        gateway_route: gateway_route_data(&input.mesh_name, gateway, name, e, Status::Active),
    })
}

pub fn delete_gateway_route(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: DeleteGatewayRouteInput,
) -> Result<DeleteGatewayRouteOutput> {
    let m = mesh_mut(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let (gateway, name) = (&input.virtual_gateway_name, &input.gateway_route_name);
    gateway_exists(m, &input.mesh_name, gateway)?;
    let e = m.gateway_routes.remove(&(gateway.clone(), name.clone()));
    let e = found(e.as_ref(), || {
        format!("Gateway route '{name}' in virtual gateway '{gateway}'")
    })?;
    Ok(DeleteGatewayRouteOutput {
        gateway_route: gateway_route_data(&input.mesh_name, gateway, name, e, Status::Deleted),
    })
}

pub fn list_gateway_routes(
    cx: &Ctx,
    state: &AppMeshState,
    input: ListGatewayRoutesInput,
) -> Result<ListGatewayRoutesOutput> {
    let m = mesh(cx, state, &input.mesh_name, input.mesh_owner.as_ref())?;
    let gateway = &input.virtual_gateway_name;
    gateway_exists(m, &input.mesh_name, gateway)?;
    let items = m
        .gateway_routes_of(gateway)
        .map(|(n, e)| (n, gateway_route_ref(&input.mesh_name, gateway, n, e)));
    let (gateway_routes, next_token) = page(items, input.limit, input.next_token.as_deref())?;
    Ok(ListGatewayRoutesOutput {
        gateway_routes,
        next_token,
    })
}
