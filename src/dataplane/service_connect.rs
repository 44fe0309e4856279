//! The Service Connect proxy of a task (what ECS's `ecs-service-connect-*` container does for
//! it): the task's apps send it their requests for a client alias (`http://distributor:9080/`),
//! and it forwards each one to a RUNNING task of the ECS service behind the alias, in the
//! task's namespace. While a deployment shifts traffic (CANARY, LINEAR, a rollback), the
//! revision is drawn by the service's traffic shift, then a task of that revision; during a
//! blue/green deployment's test stages, a request matching the alias's test traffic rule goes
//! to the green revision instead ([`super::test_traffic`]). The forwarding is the core's ([`super::forward`], the sidecars' too); this is the alias and
//! revision picker it asks.
//!
//! The alias table is compiled once per snapshot (the first request that finds it stale does
//! it), so a shift applies to the very next request; a request allocates nothing for its
//! lookup.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::http::uri::Authority;

use super::compiled::{Compiled, CompiledCache};
use super::container::Container;
use super::forward::{self, Choice, Head, Picker, Proxy};
use super::local_reply::LocalReply;
use super::test_traffic::TestRoute;
use crate::emulator::caps::AccountRate;
use crate::emulator::ecs::service_connect::discovery_name;
use crate::emulator::ecs::status::TaskStatus;
use crate::emulator::ecs::store::EcsRegion;
use crate::emulator::snapshot::CloudSnapshot;
use crate::model::ecs::{Service, TaskDefinition};

/// How long the proxy waits for an upstream's answer (Service Connect's default
/// `perRequestTimeoutSeconds` is 15 s).
const TIMEOUT: Duration = Duration::from_secs(15);

/// One revision of a service behind an alias: its share of the traffic and its tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub task_definition: String,
    pub percent: f64,
    pub endpoints: Vec<SocketAddr>,
}

/// An alias's ECS service: its revisions that have running tasks, the traffic shift's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Upstream {
    /// `cluster/service`, for errors and headers.
    pub service: String,
    pub revisions: Vec<Revision>,
    /// Where test traffic goes, while a blue/green deployment is at its test stages.
    pub test: Option<TestRoute>,
}

impl Upstream {
    /// A task of the green revision for a request that is test traffic (`headers` matches the
    /// test rule); None for production traffic. `Some(None)`: test traffic, but green has no
    /// running task.
    pub fn choose_test(
        &self,
        headers: &axum::http::HeaderMap,
        pick: &mut dyn FnMut(usize) -> usize,
    ) -> Option<Option<SocketAddr>> {
        let test = self.test.as_ref().filter(|t| t.matches(headers))?;
        let n = test.green.endpoints.len();
        Some((n > 0).then(|| test.green.endpoints[pick(n).min(n - 1)]))
    }

    /// A task for one request: a revision by its share (`draw` in 0..1), then a task of it
    /// (`pick` of its count). Revisions with no running task take no traffic: their share
    /// goes to the others.
    pub fn choose(&self, draw: f64, pick: &mut dyn FnMut(usize) -> usize) -> Option<SocketAddr> {
        let total: f64 = self.revisions.iter().map(|r| r.percent).sum();
        let revision = if total > 0.0 {
            let mut left = draw * total;
            self.revisions
                .iter()
                .filter(|r| r.percent > 0.0)
                .find(|r| {
                    left -= r.percent;
                    left < 0.0
                })
                .or_else(|| self.revisions.iter().rfind(|r| r.percent > 0.0))
        } else {
            self.revisions.first()
        }?;
        let n = revision.endpoints.len();
        (n > 0).then(|| revision.endpoints[pick(n).min(n - 1)])
    }
}

/// The client aliases of every namespace: namespace ARN → dnsName → port → upstream.
#[derive(Debug, Default)]
pub struct AliasTable {
    pub generation: u64,
    namespaces: HashMap<String, HashMap<String, HashMap<u16, Arc<Upstream>>>>,
}

impl AliasTable {
    pub fn compile(snapshot: &CloudSnapshot) -> AliasTable {
        let mut table = AliasTable {
            generation: snapshot.generation,
            namespaces: HashMap::new(),
        };
        for region in snapshot.ecs.scopes.values() {
            for ((cluster, name), service) in &region.services {
                if service.status.as_deref() != Some("ACTIVE") {
                    continue;
                }
                table.add_service(region, cluster, name, service);
            }
        }
        table
    }

    fn add_service(&mut self, region: &EcsRegion, cluster: &str, name: &str, service: &Service) {
        // The aliases are the PRIMARY deployment's (the revision the service is going to).
        let Some(config) = service
            .deployments
            .iter()
            .flatten()
            .find(|d| d.status.as_deref() == Some("PRIMARY"))
            .and_then(|d| d.service_connect_configuration.as_ref())
            .filter(|c| c.enabled)
        else {
            return;
        };
        let Some(namespace) = config.namespace.clone() else {
            return;
        };
        let shift = region.traffic_shift(cluster, name);
        let testing = region.test_traffic_target(cluster, name);
        for sc in config.services.iter().flatten() {
            let revisions: Vec<Revision> = shift
                .iter()
                .map(|(td, percent)| Revision {
                    task_definition: td.clone(),
                    percent: *percent,
                    endpoints: endpoints(region, cluster, name, td, &sc.port_name),
                })
                .filter(|r| !r.endpoints.is_empty())
                .collect();
            let green = testing.as_ref().map(|td| Revision {
                task_definition: td.clone(),
                percent: 100.0,
                endpoints: endpoints(region, cluster, name, td, &sc.port_name),
            });
            let aliases = self.namespaces.entry(namespace.clone()).or_default();
            for alias in sc.client_aliases.iter().flatten() {
                // Each alias has its own test traffic rule.
                let upstream = Arc::new(Upstream {
                    service: format!("{cluster}/{name}"),
                    revisions: revisions.clone(),
                    test: green
                        .clone()
                        .and_then(|g| TestRoute::new(alias.test_traffic_rules.as_ref(), g)),
                });
                let Ok(port) = u16::try_from(alias.port) else {
                    continue;
                };
                // Without a dnsName, AWS uses `discoveryName.namespaceName`; the snapshot
                // knows the namespace by ARN only, so the bare discovery name stands for it
                // (and any `discoveryName.*`, see `lookup`).
                let dns = alias
                    .dns_name
                    .clone()
                    .unwrap_or_else(|| discovery_name(sc).to_string());
                // The first service to claim an alias keeps it (services in name order).
                aliases
                    .entry(dns)
                    .or_default()
                    .entry(port)
                    .or_insert_with(|| upstream.clone());
            }
        }
    }

    /// The upstream of `host:port` in a namespace.
    pub fn lookup(&self, namespace: &str, host: &str, port: u16) -> Option<&Arc<Upstream>> {
        let aliases = self.namespaces.get(namespace)?;
        let by_port = aliases.get(host).or_else(|| {
            let (first, _) = host.split_once('.')?;
            aliases.get(first)
        })?;
        by_port.get(&port)
    }
}

/// The 127.0.0.1 addresses of the running tasks of a service's revision `td`, at the host
/// port of the port mapping `port_name`.
fn endpoints(
    region: &EcsRegion,
    cluster: &str,
    service: &str,
    td: &str,
    port_name: &str,
) -> Vec<SocketAddr> {
    let Some(definition) = region.task_definition(td) else {
        return vec![];
    };
    let Some((container, port)) = named_port(definition, port_name) else {
        return vec![];
    };
    region
        .tasks
        .values()
        .filter(|t| {
            t.cluster == cluster
                && t.service.as_deref() == Some(service)
                && t.task.task_definition_arn.as_deref() == Some(td)
                && t.last_status() == Some(TaskStatus::Running)
                && t.desired_status() == Some(TaskStatus::Running)
        })
        .filter_map(|t| {
            t.task
                .containers
                .iter()
                .flatten()
                .filter(|c| c.name.as_deref() == Some(container))
                .flat_map(|c| c.network_bindings.iter().flatten())
                .find(|b| b.container_port == Some(port))
                .and_then(|b| u16::try_from(b.host_port?).ok())
                .map(|p| SocketAddr::from(([127, 0, 0, 1], p)))
        })
        .collect()
}

/// The container and container port of the port mapping called `port_name`.
fn named_port<'a>(td: &'a TaskDefinition, port_name: &str) -> Option<(&'a str, i32)> {
    td.container_definitions.iter().flatten().find_map(|c| {
        let p = c
            .port_mappings
            .iter()
            .flatten()
            .find(|p| p.name.as_deref() == Some(port_name))?;
        Some((c.name.as_deref()?, p.container_port?))
    })
}

/// The alias table of the newest snapshot, shared by every proxy.
pub type AliasCache = CompiledCache<AliasTable>;

impl Compiled for AliasTable {
    fn compile(snapshot: &CloudSnapshot) -> AliasTable {
        AliasTable::compile(snapshot)
    }

    fn generation(&self) -> u64 {
        self.generation
    }
}

/// One task's Service Connect proxy, as the forwarding core asks it: which task serves the
/// alias a request names, in the task's namespace.
pub struct AliasPicker {
    /// The task's namespace (its deployment's `serviceConnectConfiguration.namespace`, an ARN).
    pub namespace: String,
    pub aliases: Arc<AliasCache>,
    pub rng: Mutex<fastrand::Rng>,
}

/// Serves a task's Service Connect proxy, on the data plane's workers. `rate` is the task's
/// account's requests per second, with accounts (see emulator/caps.rs).
pub async fn serve_proxy(
    name: &str,
    picker: AliasPicker,
    rate: Option<AccountRate>,
) -> std::io::Result<Container> {
    forward::serve(name, Proxy { picker, rate }).await
}

impl Picker for AliasPicker {
    type Choice<'p> = TaskChoice;

    fn pick(&self, head: &Head<'_>) -> Result<TaskChoice, LocalReply> {
        let authority = &head.authority;
        let table = self.aliases.current();
        let Some(upstream) = authority
            .port
            .and_then(|port| table.lookup(&self.namespace, authority.host, port))
        else {
            return Err(LocalReply::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "Service Connect: no client alias {} in namespace {}",
                    authority.full, self.namespace
                ),
            ));
        };
        let chosen = {
            let mut rng = self.rng.lock();
            match upstream.choose_test(&head.parts.headers, &mut |n| rng.usize(0..n)) {
                Some(green) => green,
                None => {
                    let draw = rng.f64();
                    upstream.choose(draw, &mut |n| rng.usize(0..n))
                }
            }
        };
        let no_task = || {
            LocalReply::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "no healthy upstream: service {} has no RUNNING task for {}",
                    upstream.service, authority.full
                ),
            )
        };
        let task = chosen.ok_or_else(no_task)?;
        // A socket address is always an authority; were it not, no task could be reached.
        let task = task.to_string().parse().map_err(|_| no_task())?;
        Ok(TaskChoice { task })
    }
}

/// The task one request goes to: one attempt, within Service Connect's timeout.
pub struct TaskChoice {
    task: Authority,
}

impl Choice for TaskChoice {
    type Attempt = ();

    fn timeout(&self) -> Duration {
        TIMEOUT
    }

    async fn endpoint(&mut self) -> Result<(Authority, ()), LocalReply> {
        Ok((self.task.clone(), ()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(td: &str, percent: f64, ports: &[u16]) -> Revision {
        Revision {
            task_definition: td.into(),
            percent,
            endpoints: ports
                .iter()
                .map(|p| SocketAddr::from(([127, 0, 0, 1], *p)))
                .collect(),
        }
    }

    #[test]
    fn a_revision_is_drawn_by_its_share_then_a_task_of_it() {
        let upstream = Upstream {
            service: "c/s".into(),
            revisions: vec![revision("new", 10.0, &[2]), revision("old", 90.0, &[1, 3])],
            test: None,
        };
        let port = |draw: f64, pick: usize| {
            upstream
                .choose(draw, &mut |n| pick.min(n - 1))
                .map(|a| a.port())
        };
        assert_eq!(port(0.0, 0), Some(2));
        assert_eq!(port(0.0999, 0), Some(2));
        assert_eq!(port(0.1001, 0), Some(1));
        assert_eq!(port(0.9999, 1), Some(3));
        let empty = Upstream {
            service: "c/s".into(),
            revisions: vec![],
            test: None,
        };
        assert_eq!(empty.choose(0.5, &mut |_| 0), None);
        // A revision at 0% takes nothing, even at the lowest draw.
        let rolled_back = Upstream {
            service: "c/s".into(),
            revisions: vec![revision("new", 0.0, &[2]), revision("old", 100.0, &[1])],
            test: None,
        };
        assert_eq!(
            rolled_back.choose(0.0, &mut |_| 0).map(|a| a.port()),
            Some(1)
        );
    }

    #[test]
    fn aliases_are_found_by_name_and_port_in_their_namespace_only() {
        let upstream = Arc::new(Upstream {
            service: "c/s".into(),
            revisions: vec![],
            test: None,
        });
        let mut table = AliasTable::default();
        table
            .namespaces
            .entry("ns-a".into())
            .or_default()
            .entry("distributor".into())
            .or_default()
            .insert(9080, upstream);
        assert!(table.lookup("ns-a", "distributor", 9080).is_some());
        // `discoveryName.namespace`, the name AWS gives an alias without a dnsName.
        assert!(
            table
                .lookup("ns-a", "distributor.gophers.sc", 9080)
                .is_some()
        );
        assert!(table.lookup("ns-a", "distributor", 80).is_none());
        assert!(table.lookup("ns-a", "other", 9080).is_none());
        assert!(table.lookup("ns-b", "distributor", 9080).is_none());
    }
}
