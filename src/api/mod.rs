//! The client side: SDK configuration per target, typed calls built from the model's input
//! types (with the raw exchange captured for display), and error classification.

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
