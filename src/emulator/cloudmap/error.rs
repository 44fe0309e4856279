//! Cloud Map's errors, as its model defines them: a code, the model's HTTP status, a message and,
//! for some, members of their own (NamespaceAlreadyExists carries the existing namespace's id).

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CloudMapError {
    pub code: &'static str,
    pub message: String,
    /// The error shape's other members, by their wire names.
    pub members: Map<String, Value>,
}

impl CloudMapError {
    fn new(code: &'static str, message: impl Into<String>) -> CloudMapError {
        CloudMapError {
            code,
            message: message.into(),
            members: Map::new(),
        }
    }

    fn with(mut self, member: &str, value: Option<&str>) -> CloudMapError {
        if let Some(value) = value {
            self.members
                .insert(member.to_string(), Value::String(value.to_string()));
        }
        self
    }

    // The messages open with the model's documentation of each error (what AWS documents), then
    // name what was asked for, so a caller sees which id was wrong.

    pub fn invalid_input(message: impl Into<String>) -> CloudMapError {
        CloudMapError::new("InvalidInput", message)
    }

    pub fn namespace_not_found(id: &str) -> CloudMapError {
        CloudMapError::new(
            "NamespaceNotFound",
            format!("No namespace exists with the specified ID: {id}"),
        )
    }

    pub fn namespace_name_not_found(name: &str) -> CloudMapError {
        CloudMapError::new(
            "NamespaceNotFound",
            format!("No namespace exists with the specified name: {name}"),
        )
    }

    pub fn service_not_found(id: &str) -> CloudMapError {
        CloudMapError::new(
            "ServiceNotFound",
            format!("No service exists with the specified ID: {id}"),
        )
    }

    pub fn service_name_not_found(namespace: &str, name: &str) -> CloudMapError {
        CloudMapError::new(
            "ServiceNotFound",
            format!("No service exists with the specified name: {name} (namespace {namespace})"),
        )
    }

    pub fn instance_not_found(id: &str) -> CloudMapError {
        CloudMapError::new(
            "InstanceNotFound",
            format!("No instance exists with the specified ID: {id}"),
        )
    }

    pub fn operation_not_found(id: &str) -> CloudMapError {
        CloudMapError::new(
            "OperationNotFound",
            format!("No operation exists with the specified ID: {id}"),
        )
    }

    pub fn namespace_already_exists(
        name: &str,
        namespace_id: &str,
        creator_request_id: Option<&str>,
    ) -> CloudMapError {
        CloudMapError::new(
            "NamespaceAlreadyExists",
            format!(
                "The namespace that you're trying to create already exists: {name} ({namespace_id})"
            ),
        )
        .with("NamespaceId", Some(namespace_id))
        .with("CreatorRequestId", creator_request_id)
    }

    pub fn service_already_exists(name: &str, service_id: &str, arn: &str) -> CloudMapError {
        CloudMapError::new(
            "ServiceAlreadyExists",
            format!("The service can't be created because a service with the same name already exists: {name} ({service_id})"),
        )
        .with("ServiceId", Some(service_id))
        .with("ServiceArn", Some(arn))
    }

    pub fn resource_in_use(message: impl Into<String>) -> CloudMapError {
        CloudMapError::new("ResourceInUse", message)
    }

    pub fn resource_limit_exceeded(message: impl Into<String>) -> CloudMapError {
        CloudMapError::new("ResourceLimitExceeded", message)
    }

    pub fn too_many_tags(resource: &str) -> CloudMapError {
        CloudMapError::new(
            "TooManyTagsException",
            "The list of tags on the resource is over the quota. The maximum number of tags that can be applied to a resource is 50.",
        )
        .with("ResourceName", Some(resource))
    }

    /// The model's `httpStatusCode` of each error.
    pub fn status(&self) -> u16 {
        match self.code {
            "NamespaceNotFound" | "ServiceNotFound" | "OperationNotFound" | "InstanceNotFound" => {
                404
            }
            "NamespaceAlreadyExists" | "ResourceInUse" | "DuplicateRequest" => 409,
            "RequestLimitExceeded" => 429,
            _ => 400,
        }
    }
}

pub type Result<T> = std::result::Result<T, CloudMapError>;
