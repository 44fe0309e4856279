//! App Mesh's REST-JSON wire: the operation is the method and the path (matched against the
//! model's URI templates), the input spread over the path's labels, the query string, headers
//! and the body. They are merged into one JSON object keyed by member name, which the pipeline
//! (dispatch.rs) decodes into the operation's generated input type.

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use super::Cloud;
use super::account_region::AccountRegion;
use super::admission;
use super::appmesh::AppMesh;
use super::appmesh::error::AppMeshError;
use super::aws_error::{self, Protocol};
use super::dispatch::{self, ServiceError};
use crate::model::appmesh::Action;
use crate::model::protocol::{Location, Operation, ParamKind};

/// An App Mesh call.
pub fn serve(
    cloud: &Cloud,
    scope: &AccountRegion,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let Some((action, labels)) = Action::ALL.iter().find_map(|&action| {
        let labels = action.binding().match_path(method.as_str(), uri.path())?;
        Some((action, labels))
    }) else {
        return aws_error::error(
            Protocol::RestJson,
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            &format!("No App Mesh operation is {method} {}.", uri.path()),
        );
    };
    if let Err(refusal) = admission::rest_json_content_type(headers, body) {
        return refusal.respond(Protocol::RestJson);
    }
    match input_of(action.binding(), &labels, uri.query(), headers, body) {
        Ok(input) => dispatch::serve::<AppMesh>(cloud, Protocol::RestJson, scope, action, input),
        Err(e) => {
            tracing::debug!(operation = action.name(), error = %e, "request failed");
            e.respond(Protocol::RestJson)
        }
    }
}

/// The operation's input as one JSON object, merged from the path labels, query string,
/// headers and body.
fn input_of(
    operation: &Operation,
    labels: &[(&str, &str)],
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, AppMeshError> {
    let mut input = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(bad("The request body must be a JSON object.")),
            Err(e) => return Err(bad(&format!("The request body is not valid JSON: {e}"))),
        }
    };
    let query: Vec<(String, String)> = query.map(parse_query).unwrap_or_default();
    for param in operation.params {
        let raw: Vec<String> = match param.location {
            Location::Uri => labels
                .iter()
                .filter(|(name, _)| *name == param.name)
                .map(|(_, v)| decode_component(v))
                .collect(),
            Location::Query => query
                .iter()
                .filter(|(k, _)| k == param.name)
                .map(|(_, v)| v.clone())
                .collect(),
            Location::Header => headers
                .get_all(param.name)
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_string))
                .collect(),
        };
        let Some(first) = raw.first() else { continue };
        let value = match param.kind {
            ParamKind::String => Value::String(first.clone()),
            ParamKind::Integer => first.parse::<i64>().map(Value::from).map_err(|_| {
                bad(&format!(
                    "{}: '{first}' is not a valid integer.",
                    param.member
                ))
            })?,
            ParamKind::Boolean => Value::Bool(first == "true"),
            ParamKind::List => Value::Array(raw.into_iter().map(Value::String).collect()),
        };
        input.insert(param.member.to_string(), value);
    }
    Ok(Value::Object(input))
}

fn bad(message: &str) -> AppMeshError {
    AppMeshError::BadRequest(message.to_string())
}

fn decode_component(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

/// The query string's pairs, names and values percent-decoded (`+` is a space).
fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(
            parse_query("resourceArn=arn%3Aaws%3Aappmesh&limit=5&x"),
            [
                ("resourceArn".to_string(), "arn:aws:appmesh".to_string()),
                ("limit".to_string(), "5".to_string()),
                ("x".to_string(), String::new()),
            ]
        );
        // `+` is a space, `%2B` a plus, and an empty pair is skipped.
        assert_eq!(
            parse_query("nextToken=a+b%2Bc&&limit=%35"),
            [
                ("nextToken".to_string(), "a b+c".to_string()),
                ("limit".to_string(), "5".to_string()),
            ]
        );
    }
}
