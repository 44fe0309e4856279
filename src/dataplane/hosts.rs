//! What the data plane knows about each upstream host (a running task's app address): whether
//! its active health checks pass, whether outlier detection ejected it and until when, its
//! connection pool. Shared by every sidecar (as one Envoy's cluster state would be per
//! cluster) and by the health checker, and read-only from outside through [`Hosts::view`] and
//! [`Hosts::events`], so that a UI can show what resilience did.

use parking_lot::{Mutex, RwLock};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::pool::Pool;

/// How many events the log keeps (the oldest go first).
pub const EVENT_LOG_CAPACITY: usize = 256;

/// One upstream host. Per-request work on it is a few atomics.
#[derive(Debug)]
pub struct HostState {
    pub addr: SocketAddr,
    /// The account whose task this is: a view shows an account its own hosts only.
    pub account: String,
    /// The ECS task id whose app this is, and its virtual node (for the log and the view).
    pub task: String,
    pub node: String,
    /// False once the active health check failed `unhealthyThreshold` times in a row; true
    /// again after `healthyThreshold` passes in a row.
    healthy: AtomicBool,
    health_streak: AtomicU32,
    /// Consecutive 5xx answers (or connection failures) seen by outlier detection.
    pub(crate) consecutive_5xx: AtomicU32,
    pub(crate) times_ejected: AtomicU32,
    /// Milliseconds since [`Hosts::epoch`] until which the host is ejected (0: not ejected).
    ejected_until: AtomicU64,
    pub(crate) pool: Mutex<Option<Arc<Pool>>>,
    /// Requests its connection pool turned away (503 overflow), since the host appeared.
    pub(crate) overflowed: AtomicU64,
}

impl HostState {
    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }
}

/// Something resilience did to a host, as a person would say it.
#[derive(Debug, Clone, PartialEq)]
pub struct HostEvent {
    /// Since the data plane started.
    pub at: Duration,
    pub account: String,
    pub task: String,
    pub node: String,
    pub what: String,
}

/// A host as the view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct HostView {
    pub addr: SocketAddr,
    pub account: String,
    pub task: String,
    pub node: String,
    pub healthy: bool,
    /// How much longer the host stays ejected, if it is.
    pub ejected_for: Option<Duration>,
    pub times_ejected: u32,
    /// Requests its connection pool turned away, since the task appeared.
    pub overflowed: u64,
}

/// Every host the sidecars have called or the health checker checks.
#[derive(Debug)]
pub struct Hosts {
    epoch: Instant,
    /// Divides every resilience interval and duration (health check interval and timeout,
    /// ejection times), so that tests see in milliseconds what App Mesh spells in seconds.
    speedup: u32,
    by_addr: RwLock<HashMap<SocketAddr, Arc<HostState>>>,
    events: Mutex<VecDeque<HostEvent>>,
}

impl Hosts {
    pub fn new(speedup: u32) -> Hosts {
        Hosts {
            epoch: Instant::now(),
            speedup: speedup.max(1),
            by_addr: RwLock::default(),
            events: Mutex::default(),
        }
    }

    /// How long since the data plane started (the clock of [`HostEvent::at`]).
    pub fn elapsed(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// A duration from the mesh's configuration, as this data plane applies it.
    pub fn scaled(&self, d: Duration) -> Duration {
        d / self.speedup
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The state of the host at `addr`, created on first sight. A new task on a reused port is
    /// a new host.
    pub fn get(&self, addr: SocketAddr, task: &str, node: &str, account: &str) -> Arc<HostState> {
        {
            let map = self.by_addr.read();
            if let Some(h) = map.get(&addr).filter(|h| h.task == task) {
                return h.clone();
            }
        }
        let mut map = self.by_addr.write();
        map.entry(addr)
            .and_modify(|h| {
                if h.task != task {
                    *h = Arc::new(HostState::new(addr, task, node, account));
                }
            })
            .or_insert_with(|| Arc::new(HostState::new(addr, task, node, account)))
            .clone()
    }

    /// Forgets hosts that are no longer endpoints of any virtual node.
    pub fn retain(&self, keep: impl Fn(&SocketAddr) -> bool) {
        let mut map = self.by_addr.write();
        map.retain(|addr, _| keep(addr));
    }

    /// Whether a request may be sent to the host: healthy and not ejected.
    pub fn available(&self, host: &HostState) -> bool {
        host.is_healthy() && !self.is_ejected(host)
    }

    pub fn is_ejected(&self, host: &HostState) -> bool {
        let until = host.ejected_until.load(Ordering::Relaxed);
        until != 0 && until > self.now_ms()
    }

    pub(crate) fn eject(&self, host: &HostState, for_: Duration, why: String) {
        let until = self
            .now_ms()
            .saturating_add(u64::try_from(for_.as_millis()).unwrap_or(u64::MAX));
        host.ejected_until.store(until.max(1), Ordering::Relaxed);
        self.log(host, why);
    }

    /// Records one health check result against the thresholds; logs the transitions.
    pub(crate) fn health_result(
        &self,
        host: &HostState,
        passed: bool,
        healthy_after: u32,
        unhealthy_after: u32,
    ) {
        let was_healthy = host.is_healthy();
        if passed == was_healthy {
            host.health_streak.store(0, Ordering::Relaxed);
            return;
        }
        let streak = host.health_streak.fetch_add(1, Ordering::Relaxed) + 1;
        let threshold = if was_healthy {
            unhealthy_after
        } else {
            healthy_after
        };
        if streak >= threshold.max(1) {
            host.health_streak.store(0, Ordering::Relaxed);
            host.healthy.store(passed, Ordering::Relaxed);
            let what = if passed {
                format!("healthy again after {streak} passed health checks; back in the set")
            } else {
                format!("unhealthy after {streak} failed health checks; out of the set")
            };
            self.log(host, what);
        }
    }

    fn log(&self, host: &HostState, what: String) {
        tracing::info!(task = %host.task, node = %host.node, "{what}");
        let mut events = self.events.lock();
        if events.len() == EVENT_LOG_CAPACITY {
            events.pop_front();
        }
        events.push_back(HostEvent {
            at: self.epoch.elapsed(),
            account: host.account.clone(),
            task: host.task.clone(),
            node: host.node.clone(),
            what,
        });
    }

    /// Every known host, by address.
    pub fn view(&self) -> Vec<HostView> {
        let now = self.now_ms();
        let map = self.by_addr.read();
        let mut hosts: Vec<HostView> = map
            .values()
            .map(|h| {
                let until = h.ejected_until.load(Ordering::Relaxed);
                HostView {
                    addr: h.addr,
                    account: h.account.clone(),
                    task: h.task.clone(),
                    node: h.node.clone(),
                    healthy: h.is_healthy(),
                    ejected_for: (until > now).then(|| Duration::from_millis(until - now)),
                    times_ejected: h.times_ejected.load(Ordering::Relaxed),
                    overflowed: h.overflowed.load(Ordering::Relaxed),
                }
            })
            .collect();
        hosts.sort_by_key(|h| h.addr);
        hosts
    }

    /// The newest events, oldest first (at most [`EVENT_LOG_CAPACITY`]).
    pub fn events(&self) -> Vec<HostEvent> {
        let events = self.events.lock();
        events.iter().cloned().collect()
    }
}

impl HostState {
    fn new(addr: SocketAddr, task: &str, node: &str, account: &str) -> HostState {
        HostState {
            addr,
            account: account.to_string(),
            task: task.to_string(),
            node: node.to_string(),
            // Healthy until checks say otherwise, so that a new task takes traffic at once
            // (Envoy would wait for its first passed check).
            healthy: AtomicBool::new(true),
            health_streak: AtomicU32::new(0),
            consecutive_5xx: AtomicU32::new(0),
            times_ejected: AtomicU32::new(0),
            ejected_until: AtomicU64::new(0),
            pool: Mutex::new(None),
            overflowed: AtomicU64::new(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_thresholds_take_a_host_out_and_back() {
        let hosts = Hosts::new(1);
        let h = hosts.get("127.0.0.1:1".parse().unwrap(), "t1", "n", "0");
        hosts.health_result(&h, false, 2, 3);
        hosts.health_result(&h, false, 2, 3);
        assert!(hosts.available(&h));
        hosts.health_result(&h, true, 2, 3);
        hosts.health_result(&h, false, 2, 3);
        hosts.health_result(&h, false, 2, 3);
        assert!(hosts.available(&h), "a pass in between resets the streak");
        hosts.health_result(&h, false, 2, 3);
        assert!(!hosts.available(&h));
        hosts.health_result(&h, true, 2, 3);
        assert!(!hosts.available(&h));
        hosts.health_result(&h, true, 2, 3);
        assert!(hosts.available(&h));
        assert_eq!(hosts.events().len(), 2);
    }

    #[test]
    fn a_new_task_on_a_reused_port_is_a_new_host() {
        let hosts = Hosts::new(1);
        let addr = "127.0.0.1:1".parse().unwrap();
        let a = hosts.get(addr, "t1", "n", "0");
        hosts.eject(&a, Duration::from_secs(60), "x".into());
        assert!(!hosts.available(&hosts.get(addr, "t1", "n", "0")));
        assert!(hosts.available(&hosts.get(addr, "t2", "n", "0")));
    }
}
