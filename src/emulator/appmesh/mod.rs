//! The embedded cloud's App Mesh control plane (API version 2019-01-25).
//!
//! Implemented: all 38 operations of the model — Create/Describe/Update/Delete/List for
//! meshes, virtual nodes, virtual routers, routes, virtual services, virtual gateways and
//! gateway routes, plus TagResource, UntagResource and ListTagsForResource.
//!
//! Not implemented (requests are accepted only where AWS would accept them; nothing below is
//! silently pretended): mesh sharing across accounts (a `meshOwner` other than the caller's
//! account is NotFoundException), IAM policies (with accounts, each may do everything in itself
//! and nothing in another: see cross_account.rs), and the eventual consistency of the real
//! service (every change is visible to the next call).

pub mod error;
mod gateways;
mod handlers;
pub mod store;
mod tags;
pub mod validate;
pub mod views;

use crate::emulator::clock::Clock;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;

use crate::model::OutputBody;
use crate::model::appmesh::{Action, ReadOrWrite, ReadRequest, Request, WriteRequest};

use super::Cloud;
use super::account_region::{AccountRegion, forget_account};
use super::aws_error::{self, Protocol};
use super::dispatch::{Service, ServiceError};
use super::plane::{Idempotency, Plane};
use error::{AppMeshError, Result};
use store::{AppMeshState, Ctx, Limits};

/// The App Mesh service: typed requests in, response bodies out, a new state published after
/// every successful change.
pub struct AppMesh {
    limits: Limits,
    clock: Clock,
    plane: Plane<AppMeshState>,
}

impl AppMesh {
    pub fn new(
        limits: Limits,
        clock: Clock,
        publish: impl Fn(Arc<AppMeshState>) + Send + Sync + 'static,
    ) -> AppMesh {
        AppMesh {
            limits,
            clock,
            plane: Plane::new(publish),
        }
    }

    /// The current state (an immutable snapshot).
    pub fn state(&self) -> Arc<AppMeshState> {
        self.plane.state()
    }

    /// Deletes everything `account` has, in every Region.
    pub fn forget_account(&self, account: &str) {
        self.plane
            .update(|state| (forget_account(&mut state.scopes, account), ()));
    }

    /// Runs one request of `scope`'s account in its Region and returns the response body: a
    /// read on a snapshot of the state, a write on a copy that replaces it if the write
    /// succeeds.
    pub fn call(&self, scope: &AccountRegion, request: Request) -> Result<Vec<u8>> {
        let cx = Ctx {
            account: scope.account.clone(),
            region: scope.region.clone(),
            limits: self.limits,
            now: self.clock.now(),
        };
        let request = match request.into_read_or_write() {
            ReadOrWrite::Read(request) => return read(&cx, &self.state(), request),
            ReadOrWrite::Write(request) => request,
        };
        validate::new_name(&request)?;
        let idempotency = request
            .client_token()
            .map(|token| {
                validate::client_token(token)?;
                Ok(Idempotency::new(
                    scope,
                    request.action().name(),
                    token,
                    &request,
                ))
            })
            .transpose()?;
        self.plane.change(
            idempotency,
            |state| write(&cx, state, request),
            |token| {
                AppMeshError::Conflict(format!(
                    "The clientToken '{token}' was already used with different parameters."
                ))
            },
        )
    }
}

/// App Mesh in the pipeline (dispatch.rs): its output the JSON body its plane remembers.
impl Service for AppMesh {
    type Action = Action;
    type Output = Vec<u8>;
    type Error = AppMeshError;
    const TITLE: &'static str = "App Mesh";
    const IAM_PREFIX: &'static str = "appmesh";

    fn of(cloud: &Cloud) -> &AppMesh {
        &cloud.appmesh
    }

    fn invalid_input(message: String) -> AppMeshError {
        AppMeshError::BadRequest(message)
    }

    fn call(&self, scope: &AccountRegion, request: Request) -> Result<Vec<u8>> {
        AppMesh::call(self, scope, request)
    }
}

/// The status the model gives the error, its shape's name in `x-amzn-ErrorType` and the
/// message.
impl ServiceError for AppMeshError {
    fn respond(&self, protocol: Protocol) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::BAD_REQUEST);
        aws_error::error(protocol, status, self.code(), self.message())
    }
}

fn body(output: &impl OutputBody) -> Result<Vec<u8>> {
    output
        .body()
        .map_err(|e| AppMeshError::Internal(format!("could not encode the response: {e}")))
}

/// Every read, with no catch-all: one the model adds does not compile until it has a handler.
fn read(cx: &Ctx, s: &AppMeshState, request: ReadRequest) -> Result<Vec<u8>> {
    use ReadRequest::*;
    use gateways::*;
    use handlers::*;
    match request {
        DescribeMesh(i) => body(&describe_mesh(cx, s, i)?),
        ListMeshes(i) => body(&list_meshes(cx, s, i)?),
        DescribeVirtualNode(i) => body(&describe_virtual_node(cx, s, i)?),
        ListVirtualNodes(i) => body(&list_virtual_nodes(cx, s, i)?),
        DescribeVirtualRouter(i) => body(&describe_virtual_router(cx, s, i)?),
        ListVirtualRouters(i) => body(&list_virtual_routers(cx, s, i)?),
        DescribeRoute(i) => body(&describe_route(cx, s, i)?),
        ListRoutes(i) => body(&list_routes(cx, s, i)?),
        DescribeVirtualService(i) => body(&describe_virtual_service(cx, s, i)?),
        ListVirtualServices(i) => body(&list_virtual_services(cx, s, i)?),
        DescribeVirtualGateway(i) => body(&describe_virtual_gateway(cx, s, i)?),
        ListVirtualGateways(i) => body(&list_virtual_gateways(cx, s, i)?),
        DescribeGatewayRoute(i) => body(&describe_gateway_route(cx, s, i)?),
        ListGatewayRoutes(i) => body(&list_gateway_routes(cx, s, i)?),
        ListTagsForResource(i) => body(&tags::list_tags_for_resource(cx, s, i)?),
    }
}

/// Every write, with no catch-all, as `read`.
fn write(cx: &Ctx, s: &mut AppMeshState, request: WriteRequest) -> Result<Vec<u8>> {
    use WriteRequest::*;
    use gateways::*;
    use handlers::*;
    match request {
        CreateMesh(i) => body(&create_mesh(cx, s, i)?),
        UpdateMesh(i) => body(&update_mesh(cx, s, i)?),
        DeleteMesh(i) => body(&delete_mesh(cx, s, i)?),
        CreateVirtualNode(i) => body(&create_virtual_node(cx, s, i)?),
        UpdateVirtualNode(i) => body(&update_virtual_node(cx, s, i)?),
        DeleteVirtualNode(i) => body(&delete_virtual_node(cx, s, i)?),
        CreateVirtualRouter(i) => body(&create_virtual_router(cx, s, i)?),
        UpdateVirtualRouter(i) => body(&update_virtual_router(cx, s, i)?),
        DeleteVirtualRouter(i) => body(&delete_virtual_router(cx, s, i)?),
        CreateRoute(i) => body(&create_route(cx, s, i)?),
        UpdateRoute(i) => body(&update_route(cx, s, i)?),
        DeleteRoute(i) => body(&delete_route(cx, s, i)?),
        CreateVirtualService(i) => body(&create_virtual_service(cx, s, i)?),
        UpdateVirtualService(i) => body(&update_virtual_service(cx, s, i)?),
        DeleteVirtualService(i) => body(&delete_virtual_service(cx, s, i)?),
        CreateVirtualGateway(i) => body(&create_virtual_gateway(cx, s, i)?),
        UpdateVirtualGateway(i) => body(&update_virtual_gateway(cx, s, i)?),
        DeleteVirtualGateway(i) => body(&delete_virtual_gateway(cx, s, i)?),
        CreateGatewayRoute(i) => body(&create_gateway_route(cx, s, i)?),
        UpdateGatewayRoute(i) => body(&update_gateway_route(cx, s, i)?),
        DeleteGatewayRoute(i) => body(&delete_gateway_route(cx, s, i)?),
        TagResource(i) => body(&tags::tag_resource(cx, s, i)?),
        UntagResource(i) => body(&tags::untag_resource(cx, s, i)?),
    }
}
