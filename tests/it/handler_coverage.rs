//! Every operation the generated models list for a served service reaches a handler: sent
//! through the real HTTP front, none answers a server error, an unknown operation or the
//! dispatch's "is not a read/write". The operations come from the generated lists, so one the
//! models (or `tools/gen_model.py`'s served subsets) add is covered without touching this test.

use std::net::SocketAddr;

use meshwalk::model::Operation;
use meshwalk::model::{appmesh, ecs, servicediscovery};
use serde_json::json;

use crate::raw_http::{RawResponse, exchange, json11, rest_json, rpc_v2_cbor};
use crate::support::start;

/// How a served service's operations travel.
enum Wire {
    /// The operation is the method and the URI template (App Mesh).
    RestJson,
    /// The operation is `X-Amz-Target: PREFIX.Operation` (ECS, Cloud Map).
    Json11 { target_prefix: &'static str },
    /// The operation is the last segment of `/service/NAME/operation/OP`, the body CBOR
    /// (Cloud Map as botocore speaks it).
    RpcV2Cbor,
}

/// A service of the embedded cloud and the operations of its model that it serves.
struct Served {
    service: &'static str,
    operations: &'static [Operation],
    wire: Wire,
}

/// Everything the cloud serves, over each protocol it speaks.
const SERVED: &[Served] = &[
    Served {
        service: "App Mesh",
        operations: appmesh::OPERATIONS,
        wire: Wire::RestJson,
    },
    Served {
        service: "ECS",
        operations: ecs::OPERATIONS,
        wire: Wire::Json11 {
            target_prefix: "AmazonEC2ContainerServiceV20141113",
        },
    },
    Served {
        service: "Cloud Map (JSON 1.1)",
        operations: servicediscovery::OPERATIONS,
        wire: Wire::Json11 {
            target_prefix: "Route53AutoNaming_v20170314",
        },
    },
    Served {
        service: "Cloud Map (RPC v2 CBOR)",
        operations: servicediscovery::OPERATIONS,
        wire: Wire::RpcV2Cbor,
    },
];

/// The request for `op` with every URI label `nets` and `body` (left out of GETs and DELETEs
/// when it is empty).
fn request(wire: &Wire, op: &Operation, input: &serde_json::Value) -> Vec<u8> {
    let body = input.to_string();
    match wire {
        Wire::RestJson => {
            let mut path = String::new();
            let mut rest = op.uri;
            while let Some(open) = rest.find('{') {
                let close = rest[open..].find('}').expect("a closed label") + open;
                path.push_str(&rest[..open]);
                path.push_str("nets");
                rest = &rest[close + 1..];
            }
            path.push_str(rest);
            let bodiless = matches!(op.method, "GET" | "DELETE") && body == "{}";
            rest_json(op.method, &path, if bodiless { "" } else { &body })
        }
        Wire::Json11 { target_prefix } => {
            let bytes = json11(op.name, &body);
            // `json11` names the ECS target; another service's prefix replaces it.
            let text = String::from_utf8(bytes).unwrap().replace(
                "AmazonEC2ContainerServiceV20141113.",
                &format!("{target_prefix}."),
            );
            text.into_bytes()
        }
        Wire::RpcV2Cbor => {
            let mut cbor = Vec::new();
            ciborium::ser::into_writer(input, &mut cbor).expect("JSON encodes as CBOR");
            rpc_v2_cbor(op.name, &cbor)
        }
    }
}

/// Sends `op` with the least input its decoding accepts: each member it says is missing is
/// added (a string, else an object, else a list), so most calls get past decoding into their
/// handler.
async fn minimal_call(addr: SocketAddr, wire: &Wire, op: &Operation) -> RawResponse {
    let mut body = json!({});
    let mut missing: Option<(String, usize)> = None;
    loop {
        let response = exchange(addr, &request(wire, op, &body))
            .await
            .unwrap_or_else(|| panic!("{}: no answer", op.name));
        let message = String::from_utf8_lossy(&response.body).into_owned();
        // The last guess for a missing member was of the wrong type: try the next one.
        if let Some((field, guess)) = missing.take()
            && (message.contains(&format!("`{field}`")) || message.contains("invalid type"))
        {
            let next = guess + 1;
            let Some(value) = [json!("nets"), json!({}), json!([])].get(next).cloned() else {
                return response;
            };
            body[&field] = value;
            missing = Some((field, next));
            continue;
        }
        let Some(field) = message
            .split("missing field `")
            .nth(1)
            .and_then(|rest| rest.split('`').next())
        else {
            return response;
        };
        if body.get(field).is_some() {
            return response;
        }
        body[field] = json!("nets");
        missing = Some((field.to_string(), 0));
    }
}

/// The AWS error code of an answer, if it is an error (either protocol's shape).
fn error_code(response: &RawResponse) -> Option<String> {
    if response.status < 300 {
        return None;
    }
    let body: serde_json::Value = if response.header("content-type") == Some("application/cbor") {
        ciborium::de::from_reader(response.body.as_slice()).unwrap_or_default()
    } else {
        serde_json::from_slice(&response.body).unwrap_or_default()
    };
    // RPC v2 CBOR's `__type` is the absolute shape id (`com.amazonaws.servicediscovery#Code`).
    let code = body["__type"]
        .as_str()
        .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
        .or_else(|| response.header("x-amzn-errortype").map(str::to_string));
    Some(code.unwrap_or_else(|| panic!("an error without a code: {response:?}")))
}

#[tokio::test]
async fn every_served_operation_has_a_handler() {
    let cloud = start().await;
    let addr = cloud.running.addr;
    // A mesh the App Mesh calls' `nets` labels name, so that its children's calls get past the
    // mesh lookup into their own handlers.
    cloud
        .appmesh
        .create_mesh()
        .mesh_name("nets")
        .send()
        .await
        .unwrap();

    let mut failures = Vec::new();
    let mut handled = 0;
    for served in SERVED {
        assert!(
            !served.operations.is_empty(),
            "{} lists no operation",
            served.service
        );
        for op in served.operations {
            let response = minimal_call(addr, &served.wire, op).await;
            let code = error_code(&response);
            let message = String::from_utf8_lossy(&response.body);
            let wrong = response.status >= 500
                || matches!(
                    code.as_deref(),
                    Some(
                        "UnknownOperationException"
                            | "ServerException"
                            | "InternalServerErrorException"
                            | "ServiceUnavailableException"
                    )
                )
                || message.contains("is not a read")
                || message.contains("is not a write");
            if wrong {
                failures.push(format!(
                    "{} {}: {} {code:?} {message}",
                    served.service, op.name, response.status
                ));
                continue;
            }
            match code.as_deref() {
                // The operation's own success status, or an answer only a handler gives.
                None => assert_eq!(response.status, op.status, "{} {}", served.service, op.name),
                Some(
                    "NotFoundException"
                    | "ConflictException"
                    | "ResourceInUseException"
                    | "ClusterNotFoundException"
                    | "ServiceNotFoundException"
                    | "ServiceDeploymentNotFoundException"
                    | "ClientException"
                    | "NamespaceNotFound"
                    | "NamespaceAlreadyExists"
                    | "ServiceNotFound"
                    | "OperationNotFound",
                ) => {}
                // A validation error from decoding: the operation was recognised.
                // A validation error: the operation was recognised (some of these come from
                // a handler too, but are not counted as one).
                Some("BadRequestException" | "InvalidParameterException" | "InvalidInput") => {
                    continue;
                }
                Some(other) => panic!(
                    "{} {}: unexpected {other}: {response:?}",
                    served.service, op.name
                ),
            }
            handled += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "operations without a handler:\n{}",
        failures.join("\n")
    );
    // Most minimal calls get past decoding: those prove a handler ran, not merely that the
    // operation was recognised (44 of App Mesh's and ECS's 59 today, a spec or an ARN stopping
    // the others; all 10 of Cloud Map's, over each protocol).
    let total: usize = SERVED.iter().map(|s| s.operations.len()).sum();
    assert!(
        handled * 2 > total,
        "only {handled} of {total} reached a handler"
    );
}
