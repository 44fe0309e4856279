//! Routing of the embedded cloud's endpoint: REST-JSON paths `/v20190125/...` go to App Mesh
//! (rest_json.rs); `POST /` with `X-Amz-Target: AmazonEC2ContainerServiceV20141113.*` goes to
//! ECS, with `X-Amz-Target: Route53AutoNaming_v20170314.*` to Cloud Map (json11.rs), as does
//! RPC v2 CBOR's `POST /service/Route53AutoNaming_v20170314/operation/*` (cloudmap/wire.rs);
//! an AWS Query form to STS. Every request is admitted here first (admission.rs): its caller
//! known, its signature and body checked, its account's rate respected.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;

use super::Cloud;
use super::admission;
use super::aws_error::{self, Protocol, X_AMZ_TARGET};
use super::cloudmap::wire as cloudmap_wire;
use super::{json11, rest_json, sts};

pub fn router(cloud: Arc<Cloud>) -> Router {
    Router::new().fallback(handle).with_state(cloud)
}

async fn handle(State(cloud): State<Arc<Cloud>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let protocol = Protocol::of(&parts.method, parts.uri.path(), &parts.headers);
    let target = parts.headers.get(X_AMZ_TARGET);
    let target = target.and_then(|t| t.to_str().ok()).unwrap_or_default();
    // The service the request is for, as its signature must name it.
    let service = match protocol {
        Protocol::RestJson => "appmesh",
        Protocol::RpcV2Cbor => "servicediscovery",
        Protocol::Json11 => json11::signing_name(target),
        Protocol::AwsQuery => "sts",
    };
    let checked = admission::caller(
        &parts,
        protocol,
        service,
        &cloud.accounts,
        &cloud.config.account_id,
        &cloud.config.region,
    )
    .and_then(|caller| {
        match protocol {
            Protocol::Json11 => admission::json11_content_type(&parts.headers)?,
            Protocol::RpcV2Cbor => admission::rpc_v2_cbor(&parts.headers)?,
            Protocol::RestJson | Protocol::AwsQuery => {}
        }
        Ok(caller)
    });
    let caller = match checked {
        Ok(caller) => caller,
        Err(refusal) => {
            // Answered before the body is read: the client still gets to send it.
            admission::linger(body);
            tracing::debug!(?refusal, "request refused");
            return refusal.respond(protocol);
        }
    };
    let admitted = async {
        let body = admission::body(body, &parts.headers, &cloud.config.http).await?;
        let scope = caller.verify(&parts, protocol, &body)?;
        Ok::<_, admission::Refusal>((scope, body))
    };
    let (scope, body) = match admitted.await {
        Ok(admitted) => admitted,
        Err(refusal) => {
            tracing::debug!(?refusal, "request refused");
            return refusal.respond(protocol);
        }
    };
    if let Some(rate) = &cloud.api_rate
        && !rate.admit(&scope.account)
    {
        let caps = &cloud.config.caps;
        return aws_error::throttled(
            protocol,
            &format!(
                "Rate exceeded: this account may make {} requests a second (bursts of {}) to the embedded cloud.",
                caps.api_per_second, caps.api_burst
            ),
        );
    }
    match protocol {
        Protocol::Json11 => json11::serve(&cloud, &scope, target, &body),
        Protocol::RpcV2Cbor => cloudmap_wire::rpc_v2_cbor(&cloud, &scope, parts.uri.path(), &body),
        Protocol::AwsQuery => sts::handle(&cloud, &scope, &body),
        Protocol::RestJson => rest_json::serve(
            &cloud,
            &scope,
            &parts.method,
            &parts.uri,
            &parts.headers,
            &body,
        ),
    }
}
