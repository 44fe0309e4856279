//! Active health checks, as App Mesh configures Envoy's from a listener's `healthCheck`: every
//! `intervalMillis`, each running task of the virtual node is asked for `path` (HTTP) or
//! connected to (TCP); no good answer within `timeoutMillis` is a failure.
//! `unhealthyThreshold` failures in a row take the task out of the node's endpoint set,
//! `healthyThreshold` passes in a row bring it back.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::Request;
use tokio::sync::watch;
use tokio::time::Instant;

use super::hosts::Hosts;
use super::routing::{self, NodeId};
use crate::emulator::snapshot::CloudSnapshot;
use crate::http_client::{HttpClient, full};
use crate::model::appmesh as am;

/// How often the checker looks for checks that are due.
const TICK: Duration = Duration::from_millis(20);

#[derive(Debug, Clone, PartialEq)]
pub struct HealthPolicy {
    /// None: a TCP connect is the check.
    pub path: Option<String>,
    pub interval: Duration,
    pub timeout: Duration,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
}

impl HealthPolicy {
    pub fn from_spec(spec: &am::HealthCheckPolicy) -> HealthPolicy {
        let ms = |v: i64| Duration::from_millis(u64::try_from(v).unwrap_or(0).max(1));
        let http = matches!(spec.protocol.as_str(), "http" | "http2");
        HealthPolicy {
            path: http.then(|| spec.path.clone().unwrap_or_else(|| "/".into())),
            interval: ms(spec.interval_millis),
            timeout: ms(spec.timeout_millis),
            healthy_threshold: u32::try_from(spec.healthy_threshold).unwrap_or(2),
            unhealthy_threshold: u32::try_from(spec.unhealthy_threshold).unwrap_or(2),
        }
    }
}

struct Checked {
    task: String,
    node: String,
    account: String,
    policy: HealthPolicy,
    due: Instant,
}

/// Runs every health check the snapshots ask for, until the snapshots end.
pub async fn run(
    mut snapshots: watch::Receiver<CloudSnapshot>,
    hosts: Arc<Hosts>,
    client: HttpClient,
) {
    let mut checked: HashMap<SocketAddr, Checked> = HashMap::new();
    let first = snapshots.borrow_and_update().clone();
    reconcile(&first, &hosts, &mut checked);
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            changed = snapshots.changed() => {
                if changed.is_err() {
                    return;
                }
                let snapshot = snapshots.borrow_and_update().clone();
                reconcile(&snapshot, &hosts, &mut checked);
            }
            _ = ticker.tick() => {
                let now = Instant::now();
                for (addr, c) in checked.iter_mut().filter(|(_, c)| c.due <= now) {
                    c.due = now + hosts.scaled(c.policy.interval);
                    let host = hosts.get(*addr, &c.task, &c.node, &c.account);
                    let (hosts, client, policy, addr) =
                        (hosts.clone(), client.clone(), c.policy.clone(), *addr);
                    tokio::spawn(async move {
                        let passed = check(&client, addr, &policy, hosts.scaled(policy.timeout)).await;
                        hosts.health_result(
                            &host,
                            passed,
                            policy.healthy_threshold,
                            policy.unhealthy_threshold,
                        );
                    });
                }
            }
        }
    }
}

/// The endpoints to check now, each with its node's policy; new ones are checked at once.
fn reconcile(snapshot: &CloudSnapshot, hosts: &Hosts, checked: &mut HashMap<SocketAddr, Checked>) {
    let mut wanted: HashMap<SocketAddr, Checked> = HashMap::new();
    for (node, endpoints) in routing::endpoints(snapshot) {
        let Some(policy) = policy_of(snapshot, &node) else {
            continue;
        };
        for (addr, task) in endpoints {
            let due = checked
                .get(&addr)
                .filter(|c| c.task == task && c.policy == policy)
                .map_or_else(Instant::now, |c| c.due);
            wanted.insert(
                addr,
                Checked {
                    task,
                    node: node.node.clone(),
                    account: node.scope.account.clone(),
                    policy: policy.clone(),
                    due,
                },
            );
        }
    }
    *checked = wanted;
    let all = routing::endpoints(snapshot);
    hosts.retain(|addr| all.values().flatten().any(|(a, _)| a == addr));
}

fn policy_of(snapshot: &CloudSnapshot, node: &NodeId) -> Option<HealthPolicy> {
    let spec = routing::virtual_node_spec(snapshot, node)?;
    let listener = spec.listeners.iter().flatten().next()?;
    Some(HealthPolicy::from_spec(listener.health_check.as_ref()?))
}

/// One check: a 200 answer (Envoy's default expected status) to GET path (HTTP), or a connection (TCP), within the timeout.
async fn check(
    client: &HttpClient,
    addr: SocketAddr,
    policy: &HealthPolicy,
    timeout: Duration,
) -> bool {
    let probe = async {
        match &policy.path {
            Some(path) => {
                let Ok(request) =
                    Request::get(format!("http://{addr}{path}")).body(full(Vec::new()))
                else {
                    return false;
                };
                client
                    .request(request)
                    .await
                    .is_ok_and(|r| r.status() == axum::http::StatusCode::OK)
            }
            None => tokio::net::TcpStream::connect(addr).await.is_ok(),
        }
    };
    tokio::time::timeout(timeout, probe).await.unwrap_or(false)
}
