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
    last: Option<ResilienceView>,
}

impl ResiliencePoll {
    pub fn new(hosts: Option<Arc<Hosts>>) -> ResiliencePoll {
        ResiliencePoll { hosts, last: None }
    }

    /// The view now, when it differs from the one last returned.
    pub fn changed(&mut self) -> Option<ResilienceView> {
        let view = view_of(self.hosts.as_deref()?);
        if self.last.as_ref() == Some(&view) {
            return None;
        }
        self.last = Some(view.clone());
        Some(view)
    }
}

/// The hosts and the newest events, each event's age taken now.
pub fn view_of(hosts: &Hosts) -> ResilienceView {
    let now = hosts.elapsed();
    let events = hosts.events();
    let newest = events.len().saturating_sub(EVENTS_SHOWN);
    ResilienceView {
        hosts: hosts.view(),
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
