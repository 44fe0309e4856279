//! ECS errors as the service sends them over JSON 1.1: HTTP 400 (500 for ServerException)
//! and a `{"__type": "...", "message": "..."}` body.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct EcsError {
    pub code: &'static str,
    pub message: String,
}

impl EcsError {
    fn new(code: &'static str, message: impl Into<String>) -> EcsError {
        EcsError {
            code,
            message: message.into(),
        }
    }

    pub fn client(message: impl Into<String>) -> EcsError {
        EcsError::new("ClientException", message)
    }

    pub fn invalid_parameter(message: impl Into<String>) -> EcsError {
        EcsError::new("InvalidParameterException", message)
    }

    pub fn cluster_not_found() -> EcsError {
        EcsError::new("ClusterNotFoundException", "Cluster not found.")
    }

    pub fn service_not_found() -> EcsError {
        EcsError::new("ServiceNotFoundException", "Service not found.")
    }

    pub fn service_not_active() -> EcsError {
        EcsError::new("ServiceNotActiveException", "Service was not ACTIVE.")
    }

    pub fn cluster_contains_services() -> EcsError {
        EcsError::new(
            "ClusterContainsServicesException",
            "The Cluster cannot be deleted while Services are active.",
        )
    }

    pub fn cluster_contains_tasks() -> EcsError {
        EcsError::new(
            "ClusterContainsTasksException",
            "The Cluster cannot be deleted while Tasks are active.",
        )
    }

    pub fn resource_not_found(message: impl Into<String>) -> EcsError {
        EcsError::new("ResourceNotFoundException", message)
    }

    pub fn limit_exceeded(message: impl Into<String>) -> EcsError {
        EcsError::new("LimitExceededException", message)
    }

    pub fn service_deployment_not_found(message: impl Into<String>) -> EcsError {
        EcsError::new("ServiceDeploymentNotFoundException", message)
    }

    pub fn namespace_not_found(namespace: &str) -> EcsError {
        EcsError::new(
            "NamespaceNotFoundException",
            format!("The specified namespace wasn't found: {namespace}."),
        )
    }

    pub fn conflict(message: impl Into<String>) -> EcsError {
        EcsError::new("ConflictException", message)
    }

    pub fn server(message: impl Into<String>) -> EcsError {
        EcsError::new("ServerException", message)
    }

    pub fn status(&self) -> u16 {
        if self.code == "ServerException" {
            500
        } else {
            400
        }
    }
}

pub type Result<T> = std::result::Result<T, EcsError>;
