//! Every operation a served service's model lists reaches its handler, over each protocol the
//! service speaks, through the real HTTP front.
//!
//! Each is sent the smallest request its model accepts (`Action::minimal_request`, generated
//! from the model by `tools/gen_model.py`: the required members, URI labels among them, each
//! the least value its constraints allow). That request is valid by construction, so the
//! answer must be one only a handler gives: the operation's success, or an error the model
//! lists for that operation (NotFoundException for a mesh that does not exist is a handler's
//! answer). Anything else fails the test: an unknown operation, a server error (as the old
//! "is not a read" answers were), an error the model does not list for the operation, and a
//! validation error, which on a valid request means the generator of inputs or the validation
//! is wrong, unless BEYOND_THE_MODEL names the handler's own refusal. The actions come from the
//! generated enums, so an operation the models (or the generator's served subsets) add is
//! covered without touching this test.

use std::net::SocketAddr;

use meshwalk::model::protocol::{Location, Operation};
use meshwalk::model::{ModelAction, Validate, Violations, appmesh, ecs, servicediscovery};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::raw_http::{RawResponse, exchange, json11_to, rpc_v2_cbor};
use crate::support::start;

/// The operations whose handler answers the minimal request with the service's validation
/// error code, and the message only that handler gives: the test asserts exactly that answer.
/// Most break a rule of the service the model does not state, so no input generated from the
/// model can meet it; the last two are ECS's own not-found answers, which carry that code.
/// None can be the dispatch's refusal of an input the model rejects: those read "N validation
/// error(s) detected" or name a member that does not decode, and the minimal request is
/// checked against the model before it is sent.
const BEYOND_THE_MODEL: &[(&str, &str, &str)] = &[
    // resourceArn is any string to the models; App Mesh and ECS read it as an ARN of theirs.
    (
        "App Mesh",
        "ListTagsForResource",
        "resourceArn: 'a' is not an App Mesh resource ARN.",
    ),
    (
        "App Mesh",
        "TagResource",
        "resourceArn: 'a' is not an App Mesh resource ARN.",
    ),
    (
        "App Mesh",
        "UntagResource",
        "resourceArn: 'a' is not an App Mesh resource ARN.",
    ),
    (
        "ECS",
        "ListTagsForResource",
        "resourceArn: 'a' is not an ECS ARN.",
    ),
    ("ECS", "TagResource", "resourceArn: 'a' is not an ECS ARN."),
    (
        "ECS",
        "UntagResource",
        "resourceArn: 'a' is not an ECS ARN.",
    ),
    // A virtual router's listeners are optional to the model; the handler wants one.
    (
        "App Mesh",
        "CreateVirtualRouter",
        "spec.listeners must contain a listener.",
    ),
    (
        "App Mesh",
        "UpdateVirtualRouter",
        "spec.listeners must contain a listener.",
    ),
    // taskDefinition is optional to the model (an EXTERNAL deployment controller's services
    // have none), which the embedded cloud does not run.
    (
        "ECS",
        "CreateService",
        "taskDefinition: a task definition must be specified.",
    ),
    // Not validation: ECS answers a task definition or task that does not exist with
    // InvalidParameterException, as AWS does.
    ("ECS", "RunTask", "TaskDefinition not found."),
    ("ECS", "StopTask", "The referenced task was not found."),
];

/// How a served service's operations travel.
#[derive(Clone, Copy)]
enum Wire {
    /// The operation is the method and the URI template (App Mesh).
    RestJson,
    /// The operation is `X-Amz-Target: PREFIX.Operation` (ECS, Cloud Map).
    Json11 { target_prefix: &'static str },
    /// The operation is the last segment of `/service/NAME/operation/OP`, the body CBOR
    /// (Cloud Map as botocore speaks it).
    RpcV2Cbor,
}

/// A service of the embedded cloud over one of its protocols.
struct Served {
    service: &'static str,
    wire: Wire,
    /// The service's error for an input its model refuses.
    validation_error: &'static str,
    probes: Vec<Probe>,
}

/// One action and the smallest request its model accepts.
struct Probe {
    action: &'static str,
    binding: &'static Operation,
    /// The error shapes the model lists for the action.
    errors: &'static [&'static str],
    /// The request's members by wire name.
    input: Value,
    /// What the model's constraints say of the request (nothing, if the generator is right).
    violations: Violations,
}

fn probes<A: ModelAction>() -> Vec<Probe> {
    A::ALL
        .iter()
        .map(|&action| {
            let request = action.minimal_request();
            let mut violations = Violations::default();
            request.validate(&mut violations);
            let input = serde_json::to_value(&request).expect("a request serializes");
            // What is sent is the request itself: its JSON decodes back to it.
            let decoded = action.decode(input.clone());
            assert!(
                decoded
                    .as_ref()
                    .is_ok_and(|back| format!("{back:?}") == format!("{request:?}")),
                "{}: the minimal request's JSON {input} decodes to {decoded:?}",
                action.name()
            );
            Probe {
                action: action.name(),
                binding: action.binding(),
                errors: action.errors(),
                input,
                violations,
            }
        })
        .collect()
}

/// Everything the cloud serves, over each protocol it speaks.
fn served() -> Vec<Served> {
    vec![
        Served {
            service: "App Mesh",
            wire: Wire::RestJson,
            validation_error: "BadRequestException",
            probes: probes::<appmesh::Action>(),
        },
        Served {
            service: "ECS",
            wire: Wire::Json11 {
                target_prefix: ecs::TARGET_PREFIX,
            },
            validation_error: "InvalidParameterException",
            probes: probes::<ecs::Action>(),
        },
        Served {
            service: "Cloud Map (JSON 1.1)",
            wire: Wire::Json11 {
                target_prefix: servicediscovery::TARGET_PREFIX,
            },
            validation_error: "InvalidInput",
            probes: probes::<servicediscovery::Action>(),
        },
        Served {
            service: "Cloud Map (RPC v2 CBOR)",
            wire: Wire::RpcV2Cbor,
            validation_error: "InvalidInput",
            probes: probes::<servicediscovery::Action>(),
        },
    ]
}

/// The HTTP request of `probe` over `wire`.
fn request(wire: Wire, probe: &Probe) -> Vec<u8> {
    match wire {
        Wire::RestJson => rest_json(probe.binding, &probe.input),
        Wire::Json11 { target_prefix } => {
            json11_to(target_prefix, probe.action, &probe.input.to_string())
        }
        Wire::RpcV2Cbor => {
            let mut cbor = Vec::new();
            ciborium::ser::into_writer(&probe.input, &mut cbor).expect("JSON encodes as CBOR");
            rpc_v2_cbor(probe.action, &cbor)
        }
    }
}

/// A REST-JSON request: the members the binding puts in the URI, the query string and headers
/// go there, the others make the body (none at all if there are none).
fn rest_json(binding: &Operation, input: &Value) -> Vec<u8> {
    let mut body = input.as_object().cloned().unwrap_or_default();
    let mut path = binding.uri.to_string();
    let mut query = Vec::new();
    let mut headers = String::new();
    for param in binding.params {
        let Some(value) = body.remove(param.member) else {
            continue;
        };
        let values = match value {
            Value::Array(items) => items,
            one => vec![one],
        };
        for value in values {
            let text = match value {
                Value::String(text) => text,
                other => other.to_string(),
            };
            let encoded = utf8_percent_encode(&text, NON_ALPHANUMERIC).to_string();
            match param.location {
                Location::Uri => path = path.replace(&format!("{{{}}}", param.name), &encoded),
                Location::Query => query.push(format!("{}={encoded}", param.name)),
                Location::Header => headers.push_str(&format!("{}: {text}\r\n", param.name)),
            }
        }
    }
    assert!(!path.contains('{'), "{path}: a label left unfilled");
    if !query.is_empty() {
        path.push(if path.contains('?') { '&' } else { '?' });
        path.push_str(&query.join("&"));
    }
    let body = if body.is_empty() {
        String::new()
    } else {
        Value::Object(body).to_string()
    };
    format!(
        "{} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{headers}\
         Content-Length: {}\r\n\r\n{body}",
        binding.method,
        body.len()
    )
    .into_bytes()
}

/// An answer's body as a value, whichever protocol's shape it has.
fn body(response: &RawResponse) -> Value {
    if response.header("content-type") == Some("application/cbor") {
        ciborium::de::from_reader(response.body.as_slice()).unwrap_or_default()
    } else {
        serde_json::from_slice(&response.body).unwrap_or_default()
    }
}

/// The message of an error answer (`message`, or Cloud Map's modeled `Message`).
fn error_message(response: &RawResponse) -> Option<String> {
    let body = body(response);
    let message = body.get("message").or_else(|| body.get("Message"))?;
    message.as_str().map(str::to_string)
}

/// The AWS error code of an answer, if it is an error (either protocol's shape).
fn error_code(response: &RawResponse) -> Option<String> {
    if response.status < 300 {
        return None;
    }
    let body = body(response);
    // RPC v2 CBOR's `__type` is the absolute shape id (`com.amazonaws.servicediscovery#Code`).
    let code = body["__type"]
        .as_str()
        .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
        .or_else(|| response.header("x-amzn-errortype").map(str::to_string));
    Some(code.unwrap_or_else(|| panic!("an error without a code: {response:?}")))
}

/// Why `response` is not a handler's answer to `probe`, if it is not.
fn not_handled(served: &Served, probe: &Probe, response: &RawResponse) -> Option<String> {
    let beyond_the_model = BEYOND_THE_MODEL
        .iter()
        .find(|(service, action, _)| *service == served.service && *action == probe.action);
    if let Some((_, _, message)) = beyond_the_model {
        let refused = error_code(response).as_deref() == Some(served.validation_error)
            && error_message(response).as_deref() == Some(*message);
        return (!refused).then(|| {
            format!(
                "listed in BEYOND_THE_MODEL as refused with {} \"{message}\", but answered {} {:?}",
                served.validation_error,
                response.status,
                error_code(response)
            )
        });
    }
    let Some(code) = error_code(response) else {
        return (response.status != probe.binding.status).then(|| {
            format!(
                "succeeded with {}, not the model's {}",
                response.status, probe.binding.status
            )
        });
    };
    if response.status >= 500 {
        return Some(format!("a server error, {code}"));
    }
    if code == served.validation_error {
        return Some(format!(
            "{code} on the model's minimal request: the input generator or the validation is wrong"
        ));
    }
    if !probe.errors.contains(&code.as_str()) {
        return Some(format!(
            "{code}, which the model does not list for it (it lists {:?})",
            probe.errors
        ));
    }
    None
}

async fn send(addr: SocketAddr, wire: Wire, probe: &Probe) -> RawResponse {
    exchange(addr, &request(wire, probe))
        .await
        .unwrap_or_else(|| panic!("{}: no answer", probe.action))
}

#[tokio::test]
async fn every_served_operation_is_answered_by_its_handler() {
    let cloud = start().await;
    let addr = cloud.running.addr;
    let mut failures = Vec::new();
    for served in served() {
        assert!(
            !served.probes.is_empty(),
            "{} lists no operation",
            served.service
        );
        let (mut succeeded, mut refused) = (0, 0);
        for probe in &served.probes {
            let name = format!("{} {}", served.service, probe.action);
            // Action::binding is the action's own entry of OPERATIONS.
            assert_eq!(probe.binding.name, probe.action, "{name}");
            if !probe.violations.is_empty() {
                failures.push(format!(
                    "{name}: the minimal request breaks the model: {}",
                    probe.violations
                ));
                continue;
            }
            let response = send(addr, served.wire, probe).await;
            match not_handled(&served, probe, &response) {
                Some(why) => failures.push(format!(
                    "{name}: {why}: {}",
                    String::from_utf8_lossy(&response.body)
                )),
                None if response.status < 300 => succeeded += 1,
                None => refused += 1,
            }
        }
        eprintln!(
            "{}: {} operations, {succeeded} succeeded, {refused} refused by their handler",
            served.service,
            served.probes.len()
        );
    }
    assert!(
        failures.is_empty(),
        "operations not answered by a handler:\n{}",
        failures.join("\n")
    );
}
