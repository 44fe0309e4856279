//! The operation a step calls: one of the generated model's actions of its service, so that a
//! name no service has is refused when the walkthrough loads, and the client code names
//! operations by type (`ecs::Action::CreateService`), never by building strings.

use std::fmt;

use serde_json::Value;

use super::step::AwsService;
use crate::api::call::CallRequest;
use crate::model::{DecodeError, appmesh, ecs, servicediscovery};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    AppMesh(appmesh::Action),
    Ecs(ecs::Action),
    ServiceDiscovery(servicediscovery::Action),
}

impl Operation {
    /// `service`'s operation called `name`, if the model has it.
    pub fn of(service: AwsService, name: &str) -> Option<Operation> {
        Some(match service {
            AwsService::AppMesh => Operation::AppMesh(appmesh::Action::from_name(name)?),
            AwsService::Ecs => Operation::Ecs(ecs::Action::from_name(name)?),
            AwsService::ServiceDiscovery => {
                Operation::ServiceDiscovery(servicediscovery::Action::from_name(name)?)
            }
        })
    }

    pub fn service(self) -> AwsService {
        match self {
            Operation::AppMesh(_) => AwsService::AppMesh,
            Operation::Ecs(_) => AwsService::Ecs,
            Operation::ServiceDiscovery(_) => AwsService::ServiceDiscovery,
        }
    }

    /// The API's name (`CreateVirtualNode`).
    pub fn name(self) -> &'static str {
        match self {
            Operation::AppMesh(a) => a.name(),
            Operation::Ecs(a) => a.name(),
            Operation::ServiceDiscovery(a) => a.name(),
        }
    }

    /// The typed request of this operation with `input` (its JSON text).
    pub fn decode_text(self, text: &str) -> Result<CallRequest, DecodeError> {
        Ok(match self {
            Operation::AppMesh(a) => CallRequest::AppMesh(a.decode_text(text)?),
            Operation::Ecs(a) => CallRequest::Ecs(a.decode_text(text)?),
            Operation::ServiceDiscovery(a) => CallRequest::ServiceDiscovery(a.decode_text(text)?),
        })
    }

    /// The typed request of this operation with `input`.
    pub fn decode(self, input: Value) -> Result<CallRequest, DecodeError> {
        Ok(match self {
            Operation::AppMesh(a) => CallRequest::AppMesh(a.decode(input)?),
            Operation::Ecs(a) => CallRequest::Ecs(a.decode(input)?),
            Operation::ServiceDiscovery(a) => CallRequest::ServiceDiscovery(a.decode(input)?),
        })
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an App Mesh Create call makes, and the calls that describe, update and delete it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppMeshResource {
    /// In words, for people (`virtual node`).
    pub kind: &'static str,
    pub describe: appmesh::Action,
    pub update: appmesh::Action,
    pub delete: appmesh::Action,
}

/// The resource `create` makes, if it is an App Mesh Create call.
pub fn made_by(create: appmesh::Action) -> Option<AppMeshResource> {
    use appmesh::Action as A;
    let (kind, describe, update, delete) = match create {
        A::CreateMesh => ("mesh", A::DescribeMesh, A::UpdateMesh, A::DeleteMesh),
        A::CreateVirtualNode => (
            "virtual node",
            A::DescribeVirtualNode,
            A::UpdateVirtualNode,
            A::DeleteVirtualNode,
        ),
        A::CreateVirtualRouter => (
            "virtual router",
            A::DescribeVirtualRouter,
            A::UpdateVirtualRouter,
            A::DeleteVirtualRouter,
        ),
        A::CreateRoute => ("route", A::DescribeRoute, A::UpdateRoute, A::DeleteRoute),
        A::CreateVirtualService => (
            "virtual service",
            A::DescribeVirtualService,
            A::UpdateVirtualService,
            A::DeleteVirtualService,
        ),
        A::CreateVirtualGateway => (
            "virtual gateway",
            A::DescribeVirtualGateway,
            A::UpdateVirtualGateway,
            A::DeleteVirtualGateway,
        ),
        A::CreateGatewayRoute => (
            "gateway route",
            A::DescribeGatewayRoute,
            A::UpdateGatewayRoute,
            A::DeleteGatewayRoute,
        ),
        _ => return None,
    };
    Some(AppMeshResource {
        kind,
        describe,
        update,
        delete,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_app_mesh_create_has_its_resource_and_its_calls_are_named_alike() {
        let creates: Vec<_> = appmesh::Action::ALL
            .iter()
            .filter(|a| a.name().starts_with("Create"))
            .collect();
        assert_eq!(creates.len(), 7);
        for create in creates {
            let r = made_by(*create).unwrap_or_else(|| panic!("{create:?} makes nothing"));
            let noun = &create.name()["Create".len()..];
            assert_eq!(r.describe.name(), format!("Describe{noun}"));
            assert_eq!(r.update.name(), format!("Update{noun}"));
            assert_eq!(r.delete.name(), format!("Delete{noun}"));
            assert!(r.describe.is_read() && !r.update.is_read() && !r.delete.is_read());
        }
        assert_eq!(made_by(appmesh::Action::ListMeshes), None);
    }

    #[test]
    fn an_operation_is_found_by_service_and_name_only() {
        let op = Operation::of(AwsService::Ecs, "CreateService").unwrap();
        assert_eq!(op, Operation::Ecs(ecs::Action::CreateService));
        assert_eq!(
            (op.service(), op.to_string()),
            (AwsService::Ecs, "CreateService".into())
        );
        assert_eq!(Operation::of(AwsService::AppMesh, "CreateService"), None);
        assert_eq!(Operation::of(AwsService::Ecs, "createService"), None);
    }
}
