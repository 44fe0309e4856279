//! Turns stored entries into the API's output shapes: `*Data` for single resources and
//! `*Ref` for list items.

use crate::model::appmesh::*;

use super::store::Entry;

/// A resource's status as the API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    /// What a Delete call returns.
    Deleted,
}

impl Status {
    fn code(self) -> String {
        match self {
            Status::Active => "ACTIVE".into(),
            Status::Deleted => "DELETED".into(),
        }
    }
}

pub fn mesh_data(name: &str, e: &Entry<MeshSpec>, s: Status) -> MeshData {
    MeshData {
        mesh_name: name.into(),
        metadata: e.metadata.clone(),
        spec: e.spec.clone(),
        status: MeshStatus {
            status: Some(s.code()),
        },
    }
}

pub fn virtual_node_data(
    mesh: &str,
    name: &str,
    e: &Entry<VirtualNodeSpec>,
    s: Status,
) -> VirtualNodeData {
    VirtualNodeData {
        mesh_name: mesh.into(),
        virtual_node_name: name.into(),
        metadata: e.metadata.clone(),
        spec: e.spec.clone(),
        status: VirtualNodeStatus { status: s.code() },
    }
}

pub fn virtual_router_data(
    mesh: &str,
    name: &str,
    e: &Entry<VirtualRouterSpec>,
    s: Status,
) -> VirtualRouterData {
    VirtualRouterData {
        mesh_name: mesh.into(),
        virtual_router_name: name.into(),
        metadata: e.metadata.clone(),
        spec: e.spec.clone(),
        status: VirtualRouterStatus { status: s.code() },
    }
}

pub fn route_data(
    mesh: &str,
    router: &str,
    name: &str,
    e: &Entry<RouteSpec>,
    s: Status,
) -> RouteData {
    RouteData {
        mesh_name: mesh.into(),
        virtual_router_name: router.into(),
        route_name: name.into(),
        metadata: e.metadata.clone(),
        spec: e.spec.clone(),
        status: RouteStatus { status: s.code() },
    }
}

pub fn virtual_service_data(
    mesh: &str,
    name: &str,
    e: &Entry<VirtualServiceSpec>,
    s: Status,
) -> VirtualServiceData {
    VirtualServiceData {
        mesh_name: mesh.into(),
        virtual_service_name: name.into(),
        metadata: e.metadata.clone(),
        spec: e.spec.clone(),
        status: VirtualServiceStatus { status: s.code() },
    }
}

pub fn virtual_gateway_data(
    mesh: &str,
    name: &str,
    e: &Entry<VirtualGatewaySpec>,
    s: Status,
) -> VirtualGatewayData {
    VirtualGatewayData {
        mesh_name: mesh.into(),
        virtual_gateway_name: name.into(),
        metadata: e.metadata.clone(),
        spec: e.spec.clone(),
        status: VirtualGatewayStatus { status: s.code() },
    }
}

pub fn gateway_route_data(
    mesh: &str,
    gateway: &str,
    name: &str,
    e: &Entry<GatewayRouteSpec>,
    s: Status,
) -> GatewayRouteData {
    GatewayRouteData {
        mesh_name: mesh.into(),
        virtual_gateway_name: gateway.into(),
        gateway_route_name: name.into(),
        metadata: e.metadata.clone(),
        spec: e.spec.clone(),
        status: GatewayRouteStatus { status: s.code() },
    }
}

/// The metadata members every `*Ref` repeats.
macro_rules! reference {
    ($shape:ident, $e:expr, { $($field:ident : $value:expr),* $(,)? }) => {{
        let m = &$e.metadata;
        $shape {
            arn: m.arn.clone(),
            created_at: m.created_at,
            last_updated_at: m.last_updated_at,
            mesh_owner: m.mesh_owner.clone(),
            resource_owner: m.resource_owner.clone(),
            version: m.version,
            $($field: $value.into(),)*
        }
    }};
}

pub fn mesh_ref(name: &str, e: &Entry<MeshSpec>) -> MeshRef {
    reference!(MeshRef, e, { mesh_name: name })
}

pub fn virtual_node_ref(mesh: &str, name: &str, e: &Entry<VirtualNodeSpec>) -> VirtualNodeRef {
    reference!(VirtualNodeRef, e, { mesh_name: mesh, virtual_node_name: name })
}

pub fn virtual_router_ref(
    mesh: &str,
    name: &str,
    e: &Entry<VirtualRouterSpec>,
) -> VirtualRouterRef {
    reference!(VirtualRouterRef, e, { mesh_name: mesh, virtual_router_name: name })
}

pub fn route_ref(mesh: &str, router: &str, name: &str, e: &Entry<RouteSpec>) -> RouteRef {
    reference!(RouteRef, e, { mesh_name: mesh, virtual_router_name: router, route_name: name })
}

pub fn virtual_service_ref(
    mesh: &str,
    name: &str,
    e: &Entry<VirtualServiceSpec>,
) -> VirtualServiceRef {
    reference!(VirtualServiceRef, e, { mesh_name: mesh, virtual_service_name: name })
}

pub fn virtual_gateway_ref(
    mesh: &str,
    name: &str,
    e: &Entry<VirtualGatewaySpec>,
) -> VirtualGatewayRef {
    reference!(VirtualGatewayRef, e, { mesh_name: mesh, virtual_gateway_name: name })
}

pub fn gateway_route_ref(
    mesh: &str,
    gateway: &str,
    name: &str,
    e: &Entry<GatewayRouteSpec>,
) -> GatewayRouteRef {
    reference!(GatewayRouteRef, e, { mesh_name: mesh, virtual_gateway_name: gateway, gateway_route_name: name })
}
