//! Cloud Map's Smithy RPC v2 CBOR wire (botocore's and the aws CLI's): the operation is the
//! last segment of `.../service/Route53AutoNaming_v20170314/operation/<op>`, the input the
//! CBOR body, decoded into the equivalent JSON value for the pipeline (dispatch.rs). Its
//! JSON 1.1 wire (the Rust SDK's) is ECS's, json11.rs.

use axum::http::StatusCode;
use axum::response::Response;

use super::{CloudMap, SERVICE_NAME, SHAPE_NAMESPACE, cbor};
use crate::emulator::Cloud;
use crate::emulator::account_region::AccountRegion;
use crate::emulator::aws_error::{self, Protocol, rpc_v2_operation};
use crate::emulator::dispatch;

/// An RPC v2 CBOR call to `path` (`.../service/Route53AutoNaming_v20170314/operation/<op>`).
pub fn rpc_v2_cbor(cloud: &Cloud, scope: &AccountRegion, path: &str, body: &[u8]) -> Response {
    let protocol = Protocol::RpcV2Cbor;
    let (service, operation) = rpc_v2_operation(path).unwrap_or_default();
    // The specification asks servers to take the service's absolute shape id too, `#` as `.`.
    let absolute = format!("{SHAPE_NAMESPACE}.{SERVICE_NAME}");
    if service != SERVICE_NAME && service != absolute {
        return aws_error::error(
            protocol,
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            &format!("No service {service} here: RPC v2 CBOR serves {SERVICE_NAME} (Cloud Map)."),
        );
    }
    dispatch::serve_by_name::<CloudMap>(cloud, protocol, scope, operation, body, |body| {
        cbor::decode(body).map_err(|e| format!("The request body is not valid CBOR: {e}"))
    })
}
