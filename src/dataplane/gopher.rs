//! The tutorial's two apps, built in: the distributor answers with its version; the requester
//! calls the distributor's virtual service through its task's sidecar and relays the answer.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde_json::{Value, json};

use super::faults::{Fault, FaultSwitch};
use super::{HttpClient, full};

const GOPHERS: [&str; 8] = [
    "Gordon", "Gloria", "Gus", "Greta", "Gizmo", "Goldie", "Gideon", "Gemma",
];

pub struct Distributor {
    pub version: String,
    pub task_id: String,
    pub env_fault: Option<Fault>,
    pub faults: FaultSwitch,
    pub rng: Mutex<fastrand::Rng>,
}

pub fn distributor(app: Distributor) -> Router {
    Router::new().fallback(distribute).with_state(Arc::new(app))
}

async fn distribute(State(app): State<Arc<Distributor>>) -> Response {
    let fault = app.faults.get(&app.version).or(app.env_fault);
    let (gopher, fail) = {
        let mut rng = app.rng.lock().unwrap_or_else(|p| p.into_inner());
        let gopher = GOPHERS[rng.usize(0..GOPHERS.len())];
        let fail = fault.is_some_and(|f| f.error_rate > 0.0 && rng.f64() < f.error_rate);
        (gopher, fail)
    };
    if let Some(delay) = fault.map(|f| f.delay).filter(|d| !d.is_zero()) {
        tokio::time::sleep(delay).await;
    }
    if fail {
        let status = fault
            .and_then(|f| StatusCode::from_u16(f.error_status).ok())
            .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let body = json!({"version": app.version, "task": app.task_id, "error": "injected fault"});
        return (status, axum::Json(body)).into_response();
    }
    axum::Json(json!({"version": app.version, "task": app.task_id, "gopher": gopher}))
        .into_response()
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

async fn request(State(app): State<Arc<Requester>>) -> Response {
    let started = Instant::now();
    let url = &app.distributor_url;
    let authority = url
        .authority()
        .map(|a| a.as_str().to_string())
        .unwrap_or_default();
    let path = url.path_and_query().map_or("/", |p| p.as_str());
    let target = match app.egress {
        Some(egress) => format!("http://{egress}{path}"),
        None => url.to_string(),
    };
    let outcome = match Request::get(&target)
        .header(
            header::HOST,
            HeaderValue::from_str(&authority).unwrap_or(HeaderValue::from_static("")),
        )
        .body(full(Vec::new()))
    {
        Ok(req) => app.client.request(req).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let me = json!({"task": app.task_id});
    match outcome {
        Ok(upstream) => {
            let status = upstream.status();
            let bytes = upstream
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
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
        Err(error) => {
            let body = json!({"requester": me, "error": format!("calling {url}: {error}")});
            (StatusCode::BAD_GATEWAY, axum::Json(body)).into_response()
        }
    }
}
