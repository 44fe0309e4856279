//! ECS errors as the service sends them over JSON 1.1: HTTP 400 (500 for ServerException)
//! and a `{"__type": "...", "message": "..."}` body. One variant per error shape of the model
//! (as App Mesh's errors are), so the shape's name cannot be misspelt where an error is made.

/// An error of the ECS API, named as in the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EcsError {
    #[error("ClientException: {0}")]
    Client(String),
    #[error("InvalidParameterException: {0}")]
    InvalidParameter(String),
    #[error("ClusterNotFoundException: {0}")]
    ClusterNotFound(String),
    #[error("ServiceNotFoundException: {0}")]
    ServiceNotFound(String),
    #[error("ServiceNotActiveException: {0}")]
    ServiceNotActive(String),
    #[error("ClusterContainsServicesException: {0}")]
    ClusterContainsServices(String),
    #[error("ClusterContainsTasksException: {0}")]
    ClusterContainsTasks(String),
    #[error("ResourceNotFoundException: {0}")]
    ResourceNotFound(String),
    #[error("LimitExceededException: {0}")]
    LimitExceeded(String),
    #[error("ServiceDeploymentNotFoundException: {0}")]
    ServiceDeploymentNotFound(String),
    #[error("NamespaceNotFoundException: {0}")]
    NamespaceNotFound(String),
    #[error("ConflictException: {0}")]
    Conflict(String),
    #[error("ServerException: {0}")]
    Server(String),
    #[error("UnsupportedFeatureException: {0}")]
    UnsupportedFeature(String),
    /// The front door's: a target that names no ECS operation the emulator serves.
    #[error("UnknownOperationException: {0}")]
    UnknownOperation(String),
    /// The front door's: a body that is not JSON.
    #[error("SerializationException: {0}")]
    Serialization(String),
}

/// The errors made with a message of the caller's, and those whose message ECS fixes.
impl EcsError {
    pub fn client(message: impl Into<String>) -> EcsError {
        EcsError::Client(message.into())
    }

    pub fn invalid_parameter(message: impl Into<String>) -> EcsError {
        EcsError::InvalidParameter(message.into())
    }

    pub fn cluster_not_found() -> EcsError {
        EcsError::ClusterNotFound("Cluster not found.".into())
    }

    pub fn service_not_found() -> EcsError {
        EcsError::ServiceNotFound("Service not found.".into())
    }

    pub fn service_not_active() -> EcsError {
        EcsError::ServiceNotActive("Service was not ACTIVE.".into())
    }

    pub fn cluster_contains_services() -> EcsError {
        EcsError::ClusterContainsServices(
            "The Cluster cannot be deleted while Services are active.".into(),
        )
    }

    pub fn cluster_contains_tasks() -> EcsError {
        EcsError::ClusterContainsTasks(
            "The Cluster cannot be deleted while Tasks are active.".into(),
        )
    }

    pub fn resource_not_found(message: impl Into<String>) -> EcsError {
        EcsError::ResourceNotFound(message.into())
    }

    pub fn limit_exceeded(message: impl Into<String>) -> EcsError {
        EcsError::LimitExceeded(message.into())
    }

    pub fn service_deployment_not_found(message: impl Into<String>) -> EcsError {
        EcsError::ServiceDeploymentNotFound(message.into())
    }

    pub fn namespace_not_found(namespace: &str) -> EcsError {
        EcsError::NamespaceNotFound(format!(
            "The specified namespace wasn't found: {namespace}."
        ))
    }

    pub fn conflict(message: impl Into<String>) -> EcsError {
        EcsError::Conflict(message.into())
    }

    pub fn server(message: impl Into<String>) -> EcsError {
        EcsError::Server(message.into())
    }

    pub fn unsupported_feature(message: impl Into<String>) -> EcsError {
        EcsError::UnsupportedFeature(message.into())
    }

    pub fn unknown_operation(message: impl Into<String>) -> EcsError {
        EcsError::UnknownOperation(message.into())
    }

    pub fn serialization(message: impl Into<String>) -> EcsError {
        EcsError::Serialization(message.into())
    }
}

impl EcsError {
    /// The model's error shape name (sent as `__type`).
    pub fn code(&self) -> &'static str {
        match self {
            EcsError::Client(_) => "ClientException",
            EcsError::InvalidParameter(_) => "InvalidParameterException",
            EcsError::ClusterNotFound(_) => "ClusterNotFoundException",
            EcsError::ServiceNotFound(_) => "ServiceNotFoundException",
            EcsError::ServiceNotActive(_) => "ServiceNotActiveException",
            EcsError::ClusterContainsServices(_) => "ClusterContainsServicesException",
            EcsError::ClusterContainsTasks(_) => "ClusterContainsTasksException",
            EcsError::ResourceNotFound(_) => "ResourceNotFoundException",
            EcsError::LimitExceeded(_) => "LimitExceededException",
            EcsError::ServiceDeploymentNotFound(_) => "ServiceDeploymentNotFoundException",
            EcsError::NamespaceNotFound(_) => "NamespaceNotFoundException",
            EcsError::Conflict(_) => "ConflictException",
            EcsError::Server(_) => "ServerException",
            EcsError::UnsupportedFeature(_) => "UnsupportedFeatureException",
            EcsError::UnknownOperation(_) => "UnknownOperationException",
            EcsError::Serialization(_) => "SerializationException",
        }
    }

    /// The HTTP status: ECS answers every client error 400.
    pub fn status(&self) -> u16 {
        match self {
            EcsError::Server(_) => 500,
            _ => 400,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            EcsError::Client(m)
            | EcsError::InvalidParameter(m)
            | EcsError::ClusterNotFound(m)
            | EcsError::ServiceNotFound(m)
            | EcsError::ServiceNotActive(m)
            | EcsError::ClusterContainsServices(m)
            | EcsError::ClusterContainsTasks(m)
            | EcsError::ResourceNotFound(m)
            | EcsError::LimitExceeded(m)
            | EcsError::ServiceDeploymentNotFound(m)
            | EcsError::NamespaceNotFound(m)
            | EcsError::Conflict(m)
            | EcsError::Server(m)
            | EcsError::UnsupportedFeature(m)
            | EcsError::UnknownOperation(m)
            | EcsError::Serialization(m) => m,
        }
    }
}

pub type Result<T> = std::result::Result<T, EcsError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_their_codes_messages_and_statuses() {
        let e = EcsError::cluster_not_found();
        assert_eq!(
            (e.code(), e.message(), e.status()),
            ("ClusterNotFoundException", "Cluster not found.", 400)
        );
        assert_eq!(
            e.to_string(),
            "ClusterNotFoundException: Cluster not found."
        );
        assert_eq!(EcsError::server("x").status(), 500);
        assert_eq!(
            EcsError::namespace_not_found("ns").message(),
            "The specified namespace wasn't found: ns."
        );
    }
}
