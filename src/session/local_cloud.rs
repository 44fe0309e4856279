//! What a session can do to the embedded cloud it runs on, and see of it, for its own account
//! only: switch distributor v2's faults (the `f` key), pause and pace the clock, and poll what
//! the data plane's resilience did (hosts ejected or unhealthy, the newest events). Front
//! ends reach the data plane through this, never directly. Elsewhere (an endpoint, AWS) there
//! is no local cloud: a remote data plane keeps its Envoy state to itself.

use std::sync::Arc;
use std::time::Duration;

use crate::dataplane::faults::{Fault, FaultSwitch};
use crate::dataplane::hosts::{HostView, Hosts};
use crate::embedded::EmbeddedCloud;
use crate::emulator::clock::Clock;

/// The paces the presenter steps through (`<` `>`): real time, then faster.
pub const PACES: [f64; 4] = [1.0, 5.0, 20.0, 60.0];

/// The embedded terminal UI's pace unless `--clock-scale` says otherwise: ×5 makes each
/// 1-minute bake of chapter 2's deployments last 12 s, time to say what the stage does, and
/// v3's 10-minute canary 2 minutes, time to see its errors and roll it back.
pub const DEFAULT_PACE: f64 = 5.0;

/// The pace replays run at (a resume, `run --step`): bakes of minutes pass in a blink.
pub const REPLAY_PACE: f64 = 600.0;

/// The embedded cloud, as one account's session sees it.
#[derive(Clone)]
pub struct LocalCloud {
    faults: FaultSwitch,
    hosts: Arc<Hosts>,
    account: String,
    clock: Clock,
    /// The session may change the clock (the presenter's own cloud); a classroom seat's may
    /// not: the room shares one clock, and the host sets it.
    owns_clock: bool,
}

impl LocalCloud {
    pub fn of(cloud: &EmbeddedCloud, account: &str) -> LocalCloud {
        LocalCloud {
            faults: cloud.faults().for_account(account),
            hosts: cloud.hosts(),
            account: account.to_string(),
            clock: cloud.clock(),
            owns_clock: true,
        }
    }

    /// One attendee's part of a classroom's cloud: the clock is the room's, not theirs.
    pub fn in_room(cloud: &EmbeddedCloud, account: &str) -> LocalCloud {
        LocalCloud {
            owns_clock: false,
            ..LocalCloud::of(cloud, account)
        }
    }

    /// Whether this session may pause or rescale the clock.
    pub fn owns_clock(&self) -> bool {
        self.owns_clock
    }

    /// How many times faster than real time the cloud's clock runs.
    pub fn clock_scale(&self) -> f64 {
        self.clock.scale()
    }

    /// The cloud's clock (its time, scale and pause).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Pauses or resumes the clock, or runs it at another scale: `(scale, paused)` after.
    pub fn set_clock(&self, change: ClockChange) -> (f64, bool) {
        let (scale, paused) = (self.clock.scale(), self.clock.paused());
        if !self.owns_clock {
            return (scale, paused);
        }
        let (scale, paused) = match change {
            ClockChange::Pause => (scale, !paused),
            ClockChange::Faster => (
                PACES.into_iter().find(|p| *p > scale).unwrap_or(scale),
                paused,
            ),
            ClockChange::Slower => (
                PACES
                    .into_iter()
                    .rev()
                    .find(|p| *p < scale)
                    .unwrap_or(scale),
                paused,
            ),
            ClockChange::To { scale, paused } => (scale, paused),
        };
        self.clock.set(scale, paused);
        (self.clock.scale(), self.clock.paused())
    }

    /// The `f` key's fault: 30% of distributor v2's requests answer 503, or none.
    pub fn set_v2_fault(&self, on: bool) {
        let fault = Fault {
            error_rate: 0.3,
            ..Fault::NONE
        };
        self.faults.set("v2", on.then_some(fault));
    }

    /// Polls this account's resilience: a view each time it changes.
    pub fn resilience(&self) -> ResiliencePoll {
        ResiliencePoll {
            hosts: self.hosts.clone(),
            account: self.account.clone(),
            last: None,
        }
    }
}

impl std::fmt::Debug for LocalCloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCloud")
            .field("account", &self.account)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

/// What the presenter does to the clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClockChange {
    /// Stops it, or starts it again.
    Pause,
    /// The next pace of [`PACES`] up, or down.
    Faster,
    Slower,
    /// Exactly this (a replay's pace, then the presenter's back).
    To {
        scale: f64,
        paused: bool,
    },
}

/// A host (a task's address) as the panes show it.
#[derive(Debug, Clone, PartialEq)]
pub struct HostHealth {
    pub task: String,
    /// Its virtual node.
    pub node: String,
    pub healthy: bool,
    /// How much longer the host stays ejected, if it is.
    pub ejected_for: Option<Duration>,
    pub times_ejected: u32,
    /// Requests its connection pool turned away, since the task appeared.
    pub overflowed: u64,
}

impl From<HostView> for HostHealth {
    fn from(h: HostView) -> HostHealth {
        HostHealth {
            task: h.task,
            node: h.node,
            healthy: h.healthy,
            ejected_for: h.ejected_for,
            times_ejected: h.times_ejected,
            overflowed: h.overflowed,
        }
    }
}

/// What resilience did to the hosts, as the embedded data plane last told it (nothing
/// elsewhere: a remote data plane keeps that to itself).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResilienceView {
    pub hosts: Vec<HostHealth>,
    /// The newest events last: (traffic time in s, virtual node, task id, what happened).
    pub events: Vec<ResilienceEvent>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResilienceEvent {
    /// How long before the poll that reported it.
    pub ago: std::time::Duration,
    pub node: String,
    pub task: String,
    pub what: String,
}

impl ResilienceView {
    /// How many of a virtual node's tasks are ejected, and how many fail their health checks.
    pub fn marks(&self, node: &str) -> (usize, usize) {
        let of_node = || self.hosts.iter().filter(move |h| h.node == node);
        (
            of_node().filter(|h| h.ejected_for.is_some()).count(),
            of_node().filter(|h| !h.healthy).count(),
        )
    }

    /// Requests the connection pools turned away, all tasks together.
    pub fn overflowed(&self) -> u64 {
        self.hosts.iter().map(|h| h.overflowed).sum()
    }
}

/// How many of the newest events the events line can show.
const EVENTS_SHOWN: usize = 3;

pub struct ResiliencePoll {
    hosts: Arc<Hosts>,
    /// Whose hosts and events to show: a data plane shared by accounts shows each its own.
    account: String,
    last: Option<ResilienceView>,
}

impl ResiliencePoll {
    /// The view now, when it differs from the one last returned.
    pub fn changed(&mut self) -> Option<ResilienceView> {
        let view = view_of(&self.hosts, &self.account);
        if self.last.as_ref() == Some(&view) {
            return None;
        }
        self.last = Some(view.clone());
        Some(view)
    }
}

/// `account`'s hosts and newest events, each event's age taken now.
fn view_of(hosts: &Hosts, account: &str) -> ResilienceView {
    let now = hosts.elapsed();
    let events: Vec<_> = hosts
        .events()
        .into_iter()
        .filter(|e| e.account == account)
        .collect();
    let newest = events.len().saturating_sub(EVENTS_SHOWN);
    ResilienceView {
        hosts: hosts
            .view()
            .into_iter()
            .filter(|h| h.account == account)
            .map(HostHealth::from)
            .collect(),
        events: events[newest..]
            .iter()
            .map(|e| ResilienceEvent {
                ago: now.saturating_sub(e.at),
                node: e.node.clone(),
                task: e.task.clone(),
                what: e.what.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_sees_its_own_hosts_and_events_only() {
        let hosts = Hosts::new(1);
        let mine = hosts.get(
            "127.0.0.1:1".parse().unwrap(),
            "t1",
            "distributorV2",
            "111111111111",
        );
        let theirs = hosts.get(
            "127.0.0.1:2".parse().unwrap(),
            "t2",
            "distributorV2",
            "222222222222",
        );
        for host in [&mine, &theirs] {
            hosts.health_result(host, false, 1, 1);
        }
        let view = view_of(&hosts, "111111111111");
        assert_eq!(view.hosts.len(), 1);
        assert_eq!(view.hosts[0].task, "t1");
        assert!(!view.hosts[0].healthy);
        assert_eq!(view.events.len(), 1);
        assert_eq!(view.events[0].task, "t1");
    }
}
