//! Conventions of the Envoy proxy that App Mesh task definitions configure, known to both sides:
//! the data plane runs these listeners; the client code that reads task definitions (on the
//! embedded cloud or real AWS) must tell them apart from the app's own ports.

/// The proxy's egress listener (`proxyConfiguration` `ProxyEgressPort`), where the app's
/// outbound calls are redirected.
pub const EGRESS_PORT: i32 = 15001;

/// Envoy's body for a request its circuit breaker turned away (which the load generator tells
/// apart from a failure of the app).
pub const OVERFLOW_BODY: &str =
    "upstream connect error or disconnect/reset before headers. reset reason: overflow";
