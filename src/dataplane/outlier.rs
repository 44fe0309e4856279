//! Outlier detection as App Mesh configures Envoy's: a host that answers `maxServerErrors`
//! 5xx in a row (a connection failure counts as one) leaves its cluster for
//! `baseEjectionDuration` × the number of times it was ejected, unless that would eject
//! `maxEjectionPercent` of the cluster or more.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::hosts::{HostState, Hosts};
use crate::model::appmesh as am;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutlierPolicy {
    pub max_server_errors: u32,
    /// Envoy's sweep interval, at which it ends ejections whose time is up. Here an ejection
    /// ends exactly when its time is up, so the interval is only recorded.
    pub interval: Duration,
    pub base_ejection: Duration,
    pub max_ejection_percent: u32,
}

impl OutlierPolicy {
    pub fn from_spec(spec: &am::OutlierDetection) -> Option<OutlierPolicy> {
        Some(OutlierPolicy {
            max_server_errors: u32::try_from(spec.max_server_errors).ok()?.max(1),
            interval: super::routing::duration(&spec.interval)?,
            base_ejection: super::routing::duration(&spec.base_ejection_duration)?,
            max_ejection_percent: u32::try_from(spec.max_ejection_percent).ok()?.min(100),
        })
    }

    /// Counts one answer of `host`; ejects it on the `max_server_errors`th 5xx in a row.
    /// `ejected_in_cluster()` says how many of the cluster's hosts are ejected now, and of how
    /// many (asked only when an ejection is due).
    pub fn record(
        &self,
        hosts: &Hosts,
        host: &HostState,
        server_error: bool,
        ejected_in_cluster: impl FnOnce() -> (usize, usize),
    ) {
        if !server_error {
            host.consecutive_5xx.store(0, Ordering::Relaxed);
            return;
        }
        let errors = host.consecutive_5xx.fetch_add(1, Ordering::Relaxed) + 1;
        if errors < self.max_server_errors || hosts.is_ejected(host) {
            return;
        }
        host.consecutive_5xx.store(0, Ordering::Relaxed);
        let (ejected, total) = ejected_in_cluster();
        // Envoy ejects while the ejected share is below the cap.
        if total == 0 || ejected * 100 / total >= self.max_ejection_percent as usize {
            return;
        }
        let times = host.times_ejected.fetch_add(1, Ordering::Relaxed) + 1;
        let for_ = self.base_ejection * times;
        let shown = hosts.scaled(for_);
        hosts.eject(
            host,
            shown,
            format!(
                "ejected for {} after {errors} consecutive 5xx (ejection {times})",
                humantime(for_)
            ),
        );
    }
}

fn humantime(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> OutlierPolicy {
        OutlierPolicy {
            max_server_errors: 3,
            interval: Duration::from_secs(10),
            base_ejection: Duration::from_secs(30),
            max_ejection_percent: 50,
        }
    }

    #[test]
    fn consecutive_server_errors_eject_for_longer_each_time() {
        let hosts = Hosts::new(1);
        let h = hosts.get("127.0.0.1:1".parse().unwrap(), "t1", "n", "0");
        let p = policy();
        p.record(&hosts, &h, true, || (0, 2));
        p.record(&hosts, &h, true, || (0, 2));
        p.record(&hosts, &h, false, || (0, 2));
        p.record(&hosts, &h, true, || (0, 2));
        p.record(&hosts, &h, true, || (0, 2));
        assert!(hosts.available(&h), "a success in between resets the count");
        p.record(&hosts, &h, true, || (0, 2));
        assert!(!hosts.available(&h));
        let view = &hosts.view()[0];
        assert!(view.ejected_for.unwrap() > Duration::from_secs(29));
        assert_eq!(view.times_ejected, 1);
        assert!(
            hosts.events()[0]
                .what
                .contains("ejected for 30 s after 3 consecutive 5xx")
        );
    }

    #[test]
    fn never_more_than_max_ejection_percent() {
        let hosts = Hosts::new(1);
        let h = hosts.get("127.0.0.1:1".parse().unwrap(), "t1", "n", "0");
        let p = policy();
        for _ in 0..3 {
            p.record(&hosts, &h, true, || (1, 2));
        }
        assert!(
            hosts.available(&h),
            "one of two is already out: 50% is the cap"
        );
    }
}
