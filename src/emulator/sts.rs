//! STS GetCallerIdentity (AWS Query protocol, XML): who the caller is. The aws CLI
//! (`aws sts get-caller-identity`), the SDKs and meshwalk itself ask it for the account id a
//! set of credentials belongs to. No other STS action is offered.

use axum::http::StatusCode;
use axum::response::Response;

use super::Cloud;
use super::account_region::AccountRegion;
use super::aws_error::{self, Protocol, xml, xml_escape};

pub fn handle(cloud: &Cloud, scope: &AccountRegion, body: &[u8]) -> Response {
    let params: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match param("Action") {
        Some("GetCallerIdentity") => get_caller_identity(cloud, scope),
        Some(action) => aws_error::error(
            Protocol::AwsQuery,
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            &format!(
                "Could not find operation {action} for version {}: the embedded cloud's STS offers GetCallerIdentity only.",
                param("Version").unwrap_or("NO_VERSION_SPECIFIED")
            ),
        ),
        None => aws_error::error(
            Protocol::AwsQuery,
            StatusCode::BAD_REQUEST,
            "MissingAction",
            "The request must contain the parameter Action.",
        ),
    }
}

/// The caller's account, and as which user: with accounts, the account's name is the IAM
/// user; without, the caller is the account's root.
fn get_caller_identity(cloud: &Cloud, scope: &AccountRegion) -> Response {
    let account = &scope.account;
    let (arn, user_id) = cloud.accounts.principal(account);
    let request_id = uuid::Uuid::new_v4();
    xml(
        StatusCode::OK,
        format!(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">
  <GetCallerIdentityResult>
    <Arn>{}</Arn>
    <UserId>{}</UserId>
    <Account>{}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>{request_id}</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
",
            xml_escape(&arn),
            xml_escape(&user_id),
            xml_escape(account)
        ),
    )
}
