//! Requests that name another account's resource by ARN. The embedded cloud shares nothing
//! between accounts (no RAM shares, no resource policies), so, as on AWS, IAM denies the call
//! before the service looks: AccessDeniedException naming the caller, the action and the ARN.
//! Checked once for every operation of every service, on the request as decoded, so that no
//! handler can forget it.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::arn::Arn;
use super::aws_error::{self, Protocol};

/// The services whose resources live in the embedded cloud's accounts.
const SERVICES: &[&str] = &["appmesh", "ecs", "servicediscovery"];

/// The first ARN among `input`'s members (a string, or a list of strings) that names one of
/// the cloud's services in an account other than `account`. Only the operation's own members
/// are looked at, where every service puts the resources it acts on (`cluster`, `tasks`,
/// `resourceArn`...): nested values are free-form too (a container's environment, a tag's
/// value) and AWS reads no ARN there as a resource of the call. Nested references (a Service
/// Connect namespace) are looked up in the caller's own account, where another's is not.
pub fn foreign_arn<'a>(input: &'a Value, account: &str) -> Option<&'a str> {
    let foreign = |value: &'a Value| {
        let text = value.as_str()?;
        Arn::parse(text)
            .filter(|arn| SERVICES.contains(&arn.service) && arn.account != account)
            .map(|_| text)
    };
    input.as_object()?.values().find_map(|member| match member {
        Value::Array(items) => items.iter().find_map(foreign),
        other => foreign(other),
    })
}

/// IAM's refusal of `service:operation` on `arn` for the caller, in the caller's protocol
/// (403 for REST-JSON, 400 for the JSON and CBOR protocols, as those services answer it).
pub fn denied(
    protocol: Protocol,
    service: &str,
    operation: &str,
    principal: &str,
    arn: &str,
) -> Response {
    let status = match protocol {
        Protocol::RestJson | Protocol::AwsQuery => StatusCode::FORBIDDEN,
        Protocol::Json11 | Protocol::RpcV2Cbor => StatusCode::BAD_REQUEST,
    };
    aws_error::error(
        protocol,
        status,
        "AccessDeniedException",
        &format!(
            "User: {principal} is not authorized to perform: {service}:{operation} on resource: {arn} because no resource-based policy allows the {service}:{operation} action"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arns_of_other_accounts_are_found_among_the_members() {
        let mine = "111111111111";
        let input = json!({
            "cluster": "arn:aws:ecs:us-east-1:111111111111:cluster/c",
            "taskRoleArn": "arn:aws:iam::222222222222:role/r",
            "tasks": ["arn:aws:ecs:us-east-1:111111111111:task/c/1", "arn:aws:ecs:us-east-1:222222222222:task/c/2"],
        });
        assert_eq!(
            foreign_arn(&input, mine),
            Some("arn:aws:ecs:us-east-1:222222222222:task/c/2")
        );
        // Another account's IAM role is not a resource of this cloud (AWS checks it elsewhere),
        // and an ARN inside a container's environment is only text.
        let own = json!({
            "cluster": "c",
            "taskRoleArn": "arn:aws:iam::222222222222:role/r",
            "containerDefinitions": [{"environment": [{"name": "APPMESH_RESOURCE_ARN",
                "value": "arn:aws:appmesh:us-east-1:222222222222:mesh/m/virtualNode/n"}]}],
        });
        assert_eq!(foreign_arn(&own, mine), None);
    }
}
