//! What the embedded data plane's resilience did, polled once a second while traffic runs: the
//! hosts (ejected, unhealthy) for the resource pane's marks and the newest events for the
//! traffic pane's events line. Elsewhere there is nothing to poll: a remote data plane keeps
//! its Envoy state to itself.

use std::sync::Arc;

use super::app::{ResilienceEvent, ResilienceView};
use crate::dataplane::hosts::Hosts;

/// How many of the newest events the events line can show.
const EVENTS_SHOWN: usize = 3;

pub struct ResiliencePoll {
    hosts: Option<Arc<Hosts>>,
    /// Whose hosts and events to show: a data plane shared by accounts shows each its own.
    account: String,
    last: Option<ResilienceView>,
}

impl ResiliencePoll {
    pub fn new(hosts: Option<Arc<Hosts>>, account: &str) -> ResiliencePoll {
        ResiliencePoll {
            hosts,
            account: account.to_string(),
            last: None,
        }
    }

    /// The view now, when it differs from the one last returned.
    pub fn changed(&mut self) -> Option<ResilienceView> {
        let view = view_of(self.hosts.as_deref()?, &self.account);
        if self.last.as_ref() == Some(&view) {
            return None;
        }
        self.last = Some(view.clone());
        Some(view)
    }
}

/// `account`'s hosts and newest events, each event's age taken now.
pub fn view_of(hosts: &Hosts, account: &str) -> ResilienceView {
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
