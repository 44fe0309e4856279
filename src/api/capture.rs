//! An SDK interceptor that records the raw HTTP exchange of a call (method, URI, status,
//! headers, bodies) so that the walkthrough can show what went over the wire.

use parking_lot::Mutex;
use std::sync::Arc;

use aws_sdk_appmesh::config::interceptors::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_appmesh::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_appmesh::error::BoxError;

/// One HTTP exchange, as sent and received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exchange {
    pub method: String,
    pub uri: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: String,
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: String,
}

/// Shared by the interceptor (which fills it in) and the caller (which reads it afterwards).
#[derive(Debug, Clone, Default)]
pub struct Capture {
    exchange: Arc<Mutex<Exchange>>,
}

impl Capture {
    pub fn exchange(&self) -> Exchange {
        self.exchange.lock().clone()
    }

    fn update(&self, f: impl FnOnce(&mut Exchange)) {
        f(&mut self.exchange.lock());
    }
}

/// Headers worth showing: the signature and security token are replaced by a marker.
fn headers<'a>(iter: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    iter.map(|(k, v)| {
        let shown = match k.to_ascii_lowercase().as_str() {
            "authorization" | "x-amz-security-token" => "(redacted)".to_string(),
            _ => v.to_string(),
        };
        (k.to_string(), shown)
    })
    .collect()
}

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "meshwalk::Capture"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let body = request
            .body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        self.update(|e| {
            e.method = request.method().to_string();
            e.uri = request.uri().to_string();
            e.request_headers = headers(request.headers().iter());
            e.request_body = body;
        });
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(response) = context.response() {
            let body = response
                .body()
                .bytes()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            self.update(|e| {
                e.status = Some(response.status().as_u16());
                e.response_headers = headers(response.headers().iter());
                e.response_body = body;
            });
        }
        Ok(())
    }
}
