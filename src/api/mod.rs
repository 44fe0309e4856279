//! The client side: SDK configuration per target, typed calls built from the model's input
//! types (with the raw exchange captured for display), and error classification.
//!
//! Every call goes through the target's SDK clients, in one of two forms by where its input
//! comes from. A step's own call, whose input is JSON the user reads and may edit (and what
//! meshwalk does with that JSON: compare it with what exists, delete what it made by the
//! identifiers in it), is decoded into the model's typed request and sent by `call::send`,
//! which captures the exchange for the Wire tab; its answer is read as the aws CLI shows it,
//! by the JSON pointers a step names. A call meshwalk makes for itself (a wait, a lookup, a
//! poll) uses the SDK's typed builders and reads its typed output.

pub mod call;
pub mod calls_appmesh;
pub mod calls_ecs;
pub mod calls_servicediscovery;
pub mod capture;
pub mod error;
pub mod requester;
pub mod route_weights;
pub mod target;
use aws_sdk_appmesh::error::ProvideErrorMetadata;

/// "Code: message" of a failed SDK call, or the underlying cause when there is no AWS error.
pub fn describe_error<E>(error: &E) -> String
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => {
            let mut text = error.to_string();
            let mut source = error.source();
            while let Some(cause) = source {
                text = format!("{text}: {cause}");
                source = cause.source();
            }
            text
        }
    }
}
