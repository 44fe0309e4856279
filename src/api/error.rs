//! A failed call, classified for people: the AWS error code and message when the service
//! answered, or what went wrong on the way (connection refused, timeout, credentials).

use aws_sdk_appmesh::error::ProvideErrorMetadata;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The service answered with an error.
    #[error("{code}: {message}")]
    Service { code: String, message: String },
    /// No answer: the endpoint, the network or the credentials failed.
    #[error("{0}")]
    Transport(String),
    /// The input could not be turned into a request.
    #[error("invalid input: {0}")]
    Input(String),
}

impl CallError {
    pub fn from_sdk<E>(error: &E) -> CallError
    where
        E: ProvideErrorMetadata + std::error::Error,
    {
        match error.code() {
            Some(code) => CallError::Service {
                code: code.to_string(),
                message: error.message().unwrap_or_default().to_string(),
            },
            None => CallError::Transport(super::describe_error(error)),
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            CallError::Service { code, .. } => Some(code),
            _ => None,
        }
    }
}

impl From<aws_smithy_types::error::operation::BuildError> for CallError {
    fn from(e: aws_smithy_types::error::operation::BuildError) -> Self {
        CallError::Input(e.to_string())
    }
}

impl CallError {
    pub fn input(message: &str) -> CallError {
        CallError::Input(message.to_string())
    }
}
