//! A step's input, from the asset (or the user's edit) to a typed request: `${VAR}`s filled,
//! JSON checked with line:column, 2018 preview shapes named with their GA replacement, unknown
//! fields and broken constraints named.

use serde_json::Value;

use super::Walkthrough;
use super::operation::Operation;
use super::step::{AwsService, Call, InputSource};
use super::vars::Vars;
pub use crate::api::call::CallRequest;
use crate::model::DecodeError;

/// A call ready to send: its input as shown (substituted) and as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedCall {
    pub operation: Operation,
    /// `assets/VirtualNodes/...json`, or `the step's inline input`.
    pub source: String,
    /// The input with `${VAR}`s filled in (what is sent, and shown).
    pub text: String,
    pub json: Value,
    pub request: CallRequest,
}

impl PreparedCall {
    pub fn service(&self) -> AwsService {
        self.operation.service()
    }
}

/// What is wrong with an input, and where (line 0 when no position applies).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct InputError {
    pub source_name: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl InputError {
    fn describe(&self) -> String {
        if self.line > 0 {
            format!(
                "{}:{}:{}: {}",
                self.source_name, self.line, self.column, self.message
            )
        } else {
            format!("{}: {}", self.source_name, self.message)
        }
    }
}

/// The raw text of a call's input (before substitution).
pub fn raw_text(walkthrough: &Walkthrough, call: &Call) -> Result<(String, String), InputError> {
    match &call.input {
        InputSource::Asset(path) => {
            let text = walkthrough.assets.get(path).ok_or_else(|| InputError {
                source_name: format!("assets/{path}"),
                line: 0,
                column: 0,
                message: "no such asset".into(),
            })?;
            Ok((format!("assets/{path}"), text.clone()))
        }
        InputSource::Inline(value) => Ok((
            "the step's inline input".into(),
            serde_json::to_string_pretty(value).unwrap_or_default(),
        )),
    }
}

/// Prepares `call` with the user's edit of its input, if any.
pub fn prepare(
    walkthrough: &Walkthrough,
    call: &Call,
    vars: &Vars,
    edited: Option<&str>,
) -> Result<PreparedCall, InputError> {
    let (source, raw) = raw_text(walkthrough, call)?;
    let raw = edited.map_or(raw, str::to_string);
    prepare_text(call.operation, &source, &raw, vars)
}

pub fn prepare_text(
    operation: Operation,
    source: &str,
    raw: &str,
    vars: &Vars,
) -> Result<PreparedCall, InputError> {
    let err = |line: usize, column: usize, message: String| InputError {
        source_name: source.to_string(),
        line,
        column,
        message,
    };
    let text = vars.substitute_located(raw).map_err(|(offset, m)| {
        let (line, column) = super::problem::position(raw, offset);
        err(line, column, m)
    })?;
    let json: Value = serde_json::from_str(&text).map_err(|e| {
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.clone(), |(m, _)| m.to_string());
        err(e.line(), e.column(), message)
    })?;
    if let Some((key, message)) = preview_shape(operation.name(), &json) {
        let (line, column) = locate(&text, key);
        return Err(err(line, column, message));
    }
    let request = operation.decode_text(&text).map_err(|e| match e {
        DecodeError::Invalid {
            path,
            message,
            line,
            column,
        } => {
            let at = if path.is_empty() || path == "." {
                String::new()
            } else {
                format!("{path}: ")
            };
            err(line, column, format!("{at}{message}"))
        }
        other => err(0, 0, other.to_string()),
    })?;
    let violations = match &request {
        CallRequest::AppMesh(r) => r.violations(),
        CallRequest::Ecs(r) => r.violations(),
        CallRequest::ServiceDiscovery(r) => r.violations(),
    };
    if !violations.is_empty() {
        return Err(err(0, 0, violations.to_string()));
    }
    Ok(PreparedCall {
        operation,
        source: source.to_string(),
        text,
        json,
        request,
    })
}

/// The 2018 preview API's shapes, which the GA API (2019-01-25) rejects: (key, explanation).
fn preview_shape(operation: &str, json: &Value) -> Option<(&'static str, String)> {
    let spec = json.get("spec")?;
    if spec.pointer("/serviceDiscovery/dns/serviceName").is_some() {
        return Some((
            "serviceName",
            "spec.serviceDiscovery.dns.serviceName is the 2018 preview API; App Mesh GA (2019-01-25) calls it spec.serviceDiscovery.dns.hostname".into(),
        ));
    }
    if let Some(Value::Array(backends)) = spec.get("backends")
        && backends.iter().any(Value::is_string)
    {
        return Some((
            "backends",
            "spec.backends as plain strings is the 2018 preview API; App Mesh GA takes [{\"virtualService\": {\"virtualServiceName\": \"...\"}}]".into(),
        ));
    }
    if operation.contains("VirtualRouter") && spec.get("serviceNames").is_some() {
        return Some((
            "serviceNames",
            "spec.serviceNames is the 2018 preview API; a GA virtual router has spec.listeners, and a virtual service names the router as its provider".into(),
        ));
    }
    None
}

/// Line and column of the first `"key"` in `text`.
fn locate(text: &str, key: &str) -> (usize, usize) {
    let needle = format!("\"{key}\"");
    let Some(offset) = text.find(&needle) else {
        return (0, 0);
    };
    super::problem::position(text, offset)
}
