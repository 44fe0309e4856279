//! The tutorial's two apps, built in: the distributor answers with its version; the requester
//! calls the distributor's virtual service through its task's sidecar and relays the answer.

use parking_lot::Mutex;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::{Value, json};

use super::faults::{Fault, FaultSwitch};
use crate::http_client::{HttpClient, full};

const GOPHERS: [&str; 8] = [
    "Gordon", "Gloria", "Gus", "Greta", "Gizmo", "Goldie", "Gideon", "Gemma",
];

pub struct Distributor {
    pub version: String,
    /// The task definition's `family:revision`, said in every answer when set (the
    /// http-echo stand-in sets it, so that Service Connect traffic is told by revision).
    pub revision: Option<String>,
    pub task_id: String,
    pub env_fault: Option<Fault>,
    pub faults: FaultSwitch,
    pub rng: Mutex<fastrand::Rng>,
}

pub fn distributor(app: Distributor) -> Router {
    Router::new().fallback(distribute).with_state(Arc::new(app))
}

async fn distribute(State(app): State<Arc<Distributor>>) -> Response {
    let fault = app
        .faults
        .of_task(&app.task_id, &app.version)
        .or(app.env_fault);
    let (gopher, fail, reset) = {
        let mut rng = app.rng.lock();
        let gopher = GOPHERS[rng.usize(0..GOPHERS.len())];
        let fail = fault.is_some_and(|f| f.error_rate > 0.0 && rng.f64() < f.error_rate);
        let reset = fault.is_some_and(|f| f.reset_rate > 0.0 && rng.f64() < f.reset_rate);
        (gopher, fail, reset)
    };
    if reset {
        // Unwinding ends the connection's task, so the connection closes with no answer.
        // resume_unwind, not panic!: an injected fault is not a bug to print.
        std::panic::resume_unwind(Box::new("injected connection reset"));
    }
    if let Some(delay) = fault.map(|f| f.delay).filter(|d| !d.is_zero()) {
        tokio::time::sleep(delay).await;
    }
    if fail {
        let status = fault
            .and_then(|f| StatusCode::from_u16(f.error_status).ok())
            .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let mut body =
            json!({"version": app.version, "task": app.task_id, "error": "injected fault"});
        if let Some(revision) = &app.revision {
            body["revision"] = json!(revision);
        }
        return (status, axum::Json(body)).into_response();
    }
    let mut body = json!({"version": app.version, "task": app.task_id, "gopher": gopher});
    if let Some(revision) = &app.revision {
        body["revision"] = json!(revision);
    }
    axum::Json(body).into_response()
}

pub struct Requester {
    pub task_id: String,
    /// Where the distributor's virtual service is (`DISTRIBUTOR_URL`).
    pub distributor_url: Uri,
    /// The task's sidecar egress listener; without one the URL is called directly.
    pub egress: Option<SocketAddr>,
    pub client: HttpClient,
}

pub fn requester(app: Requester) -> Router {
    Router::new().fallback(request).with_state(Arc::new(app))
}

/// The most of the distributor's answer the requester reads and relays.
pub const MAX_UPSTREAM_BYTES: usize = 1 << 20;
/// How long the requester waits for the distributor's whole answer.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);

/// Whether the requester passes a header of its request on to the distributor: the custom
/// `x-` ones (as an app propagating tracing and test headers does), so that a blue/green
/// deployment's test traffic header reaches the Service Connect proxy.
fn relayed(name: &header::HeaderName) -> bool {
    name.as_str().starts_with("x-")
}

async fn request(State(app): State<Arc<Requester>>, incoming: header::HeaderMap) -> Response {
    let started = Instant::now();
    let url = &app.distributor_url;
    let me = json!({"task": app.task_id});
    let failed = |status: StatusCode, error: String| {
        let body = json!({"requester": me, "error": format!("calling {url}: {error}")});
        (status, axum::Json(body)).into_response()
    };
    if let Err(refused) = allowed(url, app.egress.is_some()) {
        return failed(StatusCode::BAD_GATEWAY, refused);
    }
    let authority = url
        .authority()
        .map(|a| a.as_str().to_string())
        .unwrap_or_default();
    let path = url.path_and_query().map_or("/", |p| p.as_str());
    let target = match app.egress {
        Some(egress) => format!("http://{egress}{path}"),
        None => url.to_string(),
    };
    let call = async {
        let mut req = Request::get(&target)
            .header(
                header::HOST,
                HeaderValue::from_str(&authority).unwrap_or(HeaderValue::from_static("")),
            )
            .body(full(Vec::new()))
            .map_err(|e| e.to_string())?;
        for (name, value) in incoming.iter().filter(|(name, _)| relayed(name)) {
            req.headers_mut().append(name.clone(), value.clone());
        }
        let upstream = app.client.request(req).await.map_err(|e| e.to_string())?;
        let status = upstream.status();
        let bytes = Limited::new(upstream.into_body(), MAX_UPSTREAM_BYTES)
            .collect()
            .await
            .map_err(|e| match e.downcast_ref::<LengthLimitError>() {
                Some(_) => format!("the answer is larger than {MAX_UPSTREAM_BYTES} bytes"),
                None => e.to_string(),
            })?
            .to_bytes();
        Ok::<_, String>((status, bytes))
    };
    let (status, bytes) = match tokio::time::timeout(UPSTREAM_TIMEOUT, call).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(error)) => return failed(StatusCode::BAD_GATEWAY, error),
        Err(_) => {
            let waited = UPSTREAM_TIMEOUT.as_secs();
            return failed(
                StatusCode::GATEWAY_TIMEOUT,
                format!("no answer in {waited} s"),
            );
        }
    };
    let distributor: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    let body = json!({
        "requester": me,
        "distributor": distributor,
        "status": status.as_u16(),
        "ms": started.elapsed().as_secs_f64() * 1000.0,
    });
    (status, axum::Json(body)).into_response()
}

/// What the requester may call: plain HTTP, through its sidecar (which routes by the mesh);
/// without one, only this machine's loopback. The embedded cloud never sends its apps'
/// traffic anywhere else, whatever a task definition's environment says.
fn allowed(url: &Uri, through_sidecar: bool) -> Result<(), String> {
    if url.scheme_str() != Some("http") {
        return Err("only http:// URLs are called (the embedded apps speak plain HTTP)".into());
    }
    let host = url.host().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !through_sidecar && !loopback {
        return Err(format!(
            "refused: without a sidecar the embedded requester only calls 127.0.0.1, ::1 or \
             localhost, not {host}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_requester_calls_only_through_its_sidecar_or_loopback() {
        let ok = |url: &str, sidecar: bool| allowed(&url.parse().unwrap(), sidecar).is_ok();
        assert!(ok("http://distributor.gophers.local:9080/", true));
        assert!(ok("http://127.0.0.1:9080/", false));
        assert!(ok("http://127.8.9.10/", false));
        assert!(ok("http://[::1]:9080/", false));
        assert!(ok("http://localhost:9080/", false));
        assert!(!ok("http://10.1.2.3:9080/", false));
        assert!(!ok("http://192.168.1.1/", false));
        assert!(!ok("http://distributor.gophers.local:9080/", false));
        assert!(!ok("https://127.0.0.1/", false));
        assert!(!ok("https://distributor.gophers.local/", true));
    }
}
