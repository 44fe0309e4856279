//! How operations travel over HTTP, as the service models describe it, and the decoding of an
//! operation's input into its generated type.
//!
//! REST-JSON (App Mesh) spreads an input over the URI, the query string and the body; the
//! emulator merges them into one JSON object keyed by member name before decoding, so a single
//! serde type per input shape serves both the wire and `--cli-input-json` files.
//!
//! Each generated module's `Action` names the operations it serves, and [`ModelAction`] is
//! what they have in common.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::validate::Validate;

/// Where an HTTP-bound input member travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Uri,
    Query,
    Header,
}

/// The JSON type an HTTP-bound member becomes once merged into the input object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    String,
    Integer,
    Boolean,
    List,
}

/// An input member bound to the URI, query string or a header.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// The member name (the key in the merged input object).
    pub member: &'static str,
    pub location: Location,
    /// The name on the wire: the `{label}` in the URI, the query key or the header name.
    pub name: &'static str,
    pub kind: ParamKind,
}

/// One operation of a service model.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    pub name: &'static str,
    pub method: &'static str,
    /// The request URI template, e.g. `/v20190125/meshes/{meshName}`.
    pub uri: &'static str,
    /// The HTTP status of a successful response.
    pub status: u16,
    /// The output member sent as the whole body, if the output has one.
    pub payload: Option<&'static str>,
    pub params: &'static [Param],
}

impl Operation {
    /// Matches a request path against this operation's URI template and returns the labels'
    /// (still percent-encoded) values, or `None` when the path is not this operation's.
    pub fn match_path<'p>(
        &self,
        method: &str,
        path: &'p str,
    ) -> Option<Vec<(&'static str, &'p str)>> {
        if method != self.method {
            return None;
        }
        let template = self.uri.split('?').next().unwrap_or(self.uri);
        let mut labels = Vec::new();
        let mut want = template.trim_start_matches('/').split('/');
        let mut got = path.trim_start_matches('/').split('/');
        loop {
            match (want.next(), got.next()) {
                (None, None) => return Some(labels),
                (Some(w), Some(g)) if w.starts_with('{') && w.ends_with('}') => {
                    if g.is_empty() {
                        return None;
                    }
                    labels.push((&w[1..w.len() - 1], g));
                }
                (Some(w), Some(g)) if w == g => {}
                _ => return None,
            }
        }
    }
}

/// The generated `Action` of a service module (`appmesh::Action`, `ecs::Action`, ...), so that
/// one piece of code can serve, or test, every service alike. Each method is the generated
/// inherent one of the same name.
pub trait ModelAction: Copy + Eq + fmt::Debug + Send + Sync + 'static {
    /// The module's `Request`.
    type Request: Validate + Serialize + fmt::Debug + Send;
    /// Every action, in the order of the module's OPERATIONS.
    const ALL: &'static [Self];

    fn name(self) -> &'static str;
    fn from_name(name: &str) -> Option<Self>;
    fn is_read(self) -> bool;
    fn binding(self) -> &'static Operation;
    fn errors(self) -> &'static [&'static str];
    fn decode(self, input: serde_json::Value) -> Result<Self::Request, DecodeError>;
    fn minimal_request(self) -> Self::Request;

    /// The action named `name`, or the one unknown-operation error of the generated code.
    fn named(name: &str) -> Result<Self, DecodeError> {
        Self::from_name(name).ok_or_else(|| DecodeError::UnknownOperation(name.to_string()))
    }
}

/// Serializes an operation's output as its HTTP body (the payload member alone, if any).
pub trait OutputBody {
    fn body(&self) -> serde_json::Result<Vec<u8>>;
}

/// Why an input could not be decoded into its shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown operation {0}")]
    UnknownOperation(String),
    /// `path` is the member path (`spec.listeners[0].portMapping`), empty at the top level.
    #[error("{}", describe(path, message, *line, *column))]
    Invalid {
        path: String,
        message: String,
        line: usize,
        column: usize,
    },
}

fn describe(path: &str, message: &str, line: usize, column: usize) -> String {
    let at = if line > 0 {
        format!("line {line}, column {column}: ")
    } else {
        String::new()
    };
    if path.is_empty() || path == "." {
        format!("{at}{message}")
    } else {
        format!("{at}{path}: {message}")
    }
}

/// Decodes a merged input object (no positions: it did not come from text).
pub fn decode_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, DecodeError> {
    serde_path_to_error::deserialize(value).map_err(|e| DecodeError::Invalid {
        path: e.path().to_string(),
        message: strip_position(&e.inner().to_string()),
        line: 0,
        column: 0,
    })
}

/// Decodes JSON text (a request body or a `--cli-input-json` file), keeping line:column.
pub fn decode_str<T: DeserializeOwned>(text: &str) -> Result<T, DecodeError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| DecodeError::Invalid {
        path: e.path().to_string(),
        message: strip_position(&e.inner().to_string()),
        line: e.inner().line(),
        column: e.inner().column(),
    })?;
    de.end().map_err(|e| DecodeError::Invalid {
        path: String::new(),
        message: strip_position(&e.to_string()),
        line: e.line(),
        column: e.column(),
    })?;
    Ok(value)
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
