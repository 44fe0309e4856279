//! Traffic statistics per distributor version: count, share, success rate and latency
//! percentiles (HdrHistogram), over a sliding window and since the start.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// One request's outcome, as the traffic generator saw it.
#[derive(Debug, Clone)]
pub struct RequestOutcome {
    /// The distributor version that answered, if any did.
    pub version: Option<String>,
    pub success: bool,
    /// Turned away by a connection pool (Envoy's `x-envoy-overloaded`, or its overflow body
    /// as the requester relays it); also an error.
    pub overflow: bool,
    /// Never sent: the generator already had its most requests in flight (also an error).
    pub not_sent: bool,
    pub latency: Duration,
}

/// Figures for one version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionStats {
    pub count: u64,
    /// Of all requests that reached a version.
    pub share: f64,
    pub success: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

/// Figures over a span of time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub requests: u64,
    pub errors: u64,
    /// Of the errors, those a connection pool turned away.
    pub overflow: u64,
    /// Of the errors, those the generator never sent (too many already in flight).
    pub not_sent: u64,
    pub duration_s: f64,
    pub rps: f64,
    pub versions: BTreeMap<String, VersionStats>,
}

/// Everything recorded over one span of time, in a form that adds up: tallies of consecutive
/// intervals merge into the tally of their union (latency histograms included), so a reader
/// can analyse exactly the span it cares about (the canary autopilot: one analysis interval).
#[derive(Clone, PartialEq)]
pub struct Tally {
    requests: u64,
    errors: u64,
    overflow: u64,
    not_sent: u64,
    versions: BTreeMap<String, (u64, u64, Histogram<u64>)>,
}

impl std::fmt::Debug for Tally {
    // The histograms are thousands of counters: show the counts only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tally")
            .field("requests", &self.requests)
            .field("errors", &self.errors)
            .field("overflow", &self.overflow)
            .field("not_sent", &self.not_sent)
            .finish_non_exhaustive()
    }
}

impl Default for Tally {
    fn default() -> Tally {
        Tally::new()
    }
}

impl Tally {
    pub fn new() -> Tally {
        Tally {
            requests: 0,
            errors: 0,
            overflow: 0,
            not_sent: 0,
            versions: BTreeMap::new(),
        }
    }

    pub fn record(&mut self, outcome: &RequestOutcome) {
        self.requests += 1;
        if !outcome.success {
            self.errors += 1;
        }
        if outcome.overflow {
            self.overflow += 1;
        }
        if outcome.not_sent {
            self.not_sent += 1;
        }
        if let Some(version) = &outcome.version {
            let entry = self
                .versions
                .entry(version.clone())
                .or_insert_with(|| (0, 0, new_histogram()));
            entry.0 += 1;
            if outcome.success {
                entry.1 += 1;
            }
            let micros = u64::try_from(outcome.latency.as_micros())
                .unwrap_or(u64::MAX)
                .max(1);
            let _ = entry.2.record(micros.min(entry.2.high()));
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.overflow += other.overflow;
        self.not_sent += other.not_sent;
        for (version, (count, ok, histogram)) in &other.versions {
            let entry = self
                .versions
                .entry(version.clone())
                .or_insert_with(|| (0, 0, new_histogram()));
            entry.0 += count;
            entry.1 += ok;
            let _ = entry.2.add(histogram);
        }
    }

    /// Takes back a tally merged earlier (the interval that slides out of a window); a version
    /// left without requests is dropped, as if it had never been merged.
    fn unmerge(&mut self, other: &Tally) {
        self.requests -= other.requests;
        self.errors -= other.errors;
        self.overflow -= other.overflow;
        self.not_sent -= other.not_sent;
        for (version, (count, ok, histogram)) in &other.versions {
            let Some(entry) = self.versions.get_mut(version) else {
                continue;
            };
            entry.0 -= count;
            entry.1 -= ok;
            if entry.0 == 0 {
                self.versions.remove(version);
            } else {
                // Cannot fail: `other`'s counts were added to these, with the same bounds.
                let _ = entry.2.subtract(histogram);
            }
        }
    }

    /// The figures of this tally, as if it spanned `duration`.
    pub fn summary(&self, duration: Duration) -> Summary {
        let reached: u64 = self.versions.values().map(|v| v.0).sum();
        let seconds = duration.as_secs_f64();
        let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        Summary {
            requests: self.requests,
            errors: self.errors,
            overflow: self.overflow,
            not_sent: self.not_sent,
            duration_s: seconds,
            rps: if seconds > 0.0 {
                self.requests as f64 / seconds
            } else {
                0.0
            },
            versions: self
                .versions
                .iter()
                .map(|(version, (count, ok, h))| {
                    let stats = VersionStats {
                        count: *count,
                        share: if reached > 0 {
                            *count as f64 / reached as f64
                        } else {
                            0.0
                        },
                        success: if *count > 0 {
                            *ok as f64 / *count as f64
                        } else {
                            0.0
                        },
                        p50_ms: ms(h, 0.50),
                        p95_ms: ms(h, 0.95),
                        p99_ms: ms(h, 0.99),
                    };
                    (version.clone(), stats)
                })
                .collect(),
        }
    }
}

fn new_histogram() -> Histogram<u64> {
    // 1 µs to 60 s at 3 significant digits; the bounds are valid, so this cannot fail.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// Statistics since the start and over the last `window` intervals.
pub struct Stats {
    interval: Duration,
    window: usize,
    total: Tally,
    total_time: Duration,
    current: Tally,
    recent: VecDeque<Arc<Tally>>,
    /// The tallies in `recent`, merged: kept up to date as intervals enter and leave it, so a
    /// tick adds one interval and takes one back instead of merging the whole window (each
    /// histogram is thousands of counters, and the traffic view ticks four times a second).
    in_window: Tally,
}

impl Stats {
    /// `interval`: how often [`Stats::tick`] is called; `window`: how many intervals the
    /// sliding window spans.
    pub fn new(interval: Duration, window: usize) -> Stats {
        Stats {
            interval,
            window: window.max(1),
            total: Tally::new(),
            total_time: Duration::ZERO,
            current: Tally::new(),
            recent: VecDeque::new(),
            in_window: Tally::new(),
        }
    }

    pub fn record(&mut self, outcome: &RequestOutcome) {
        self.current.record(outcome);
        self.total.record(outcome);
    }

    /// Closes the current interval: returns (sliding window, since start).
    pub fn tick(&mut self, elapsed: Duration) -> (Summary, Summary) {
        self.total_time = elapsed;
        let closed = std::mem::take(&mut self.current);
        self.in_window.merge(&closed);
        self.recent.push_back(Arc::new(closed));
        while self.recent.len() > self.window {
            if let Some(left) = self.recent.pop_front() {
                self.in_window.unmerge(&left);
            }
        }
        let span = self.interval * self.recent.len() as u32;
        (self.in_window.summary(span), self.total.summary(elapsed))
    }

    /// The interval the last [`Stats::tick`] closed (empty before the first).
    pub fn last(&self) -> Arc<Tally> {
        self.recent.back().cloned().unwrap_or_default()
    }

    pub fn total(&self) -> Summary {
        self.total.summary(self.total_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(version: &str, ok: bool, ms: u64) -> RequestOutcome {
        RequestOutcome {
            version: Some(version.into()),
            success: ok,
            overflow: false,
            not_sent: false,
            latency: Duration::from_millis(ms),
        }
    }

    #[test]
    fn shares_success_and_percentiles() {
        let mut stats = Stats::new(Duration::from_secs(1), 2);
        for i in 0..90 {
            stats.record(&outcome("v1", true, 1 + i % 10));
        }
        for _ in 0..9 {
            stats.record(&outcome("v2", true, 20));
        }
        stats.record(&outcome("v2", false, 20));
        stats.record(&RequestOutcome {
            version: None,
            success: false,
            overflow: true,
            not_sent: false,
            latency: Duration::from_millis(1),
        });
        let (window, total) = stats.tick(Duration::from_secs(1));
        assert_eq!(window, total);
        assert_eq!((total.requests, total.errors, total.overflow), (101, 2, 1));
        let v1 = &total.versions["v1"];
        let v2 = &total.versions["v2"];
        assert_eq!((v1.count, v2.count), (90, 10));
        assert!((v1.share - 0.9).abs() < 1e-9);
        assert!((v2.success - 0.9).abs() < 1e-9);
        assert!((v1.p50_ms - 5.0).abs() < 0.1, "{}", v1.p50_ms);
        assert!((v2.p99_ms - 20.0).abs() < 0.1, "{}", v2.p99_ms);
        assert!((total.rps - 101.0).abs() < 1e-9);
    }

    #[test]
    fn the_window_slides() {
        let mut stats = Stats::new(Duration::from_secs(1), 2);
        stats.record(&outcome("v1", true, 1));
        stats.tick(Duration::from_secs(1));
        stats.record(&outcome("v2", true, 1));
        stats.tick(Duration::from_secs(2));
        stats.record(&outcome("v2", true, 1));
        let (window, total) = stats.tick(Duration::from_secs(3));
        assert_eq!(window.versions.get("v1"), None, "v1's interval slid out");
        assert_eq!(window.versions["v2"].count, 2);
        assert_eq!(total.versions["v1"].count, 1);
        assert_eq!(total.requests, 3);
    }

    proptest::proptest! {
        // Each case merges histograms of thousands of counters, unoptimized: few cases.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// The window kept up to date interval by interval says what merging its intervals
        /// afresh says, whatever enters and leaves it (versions that come and go included).
        #[test]
        fn the_running_window_is_the_merge_of_its_intervals(
            intervals in proptest::collection::vec(
                proptest::collection::vec((0..3usize, proptest::bool::ANY, 1..5_000u64), 0..12),
                1..16,
            ),
            window in 1..6usize,
        ) {
            let mut stats = Stats::new(Duration::from_secs(1), window);
            let mut closed: Vec<Tally> = Vec::new();
            for (n, requests) in intervals.iter().enumerate() {
                let mut tally = Tally::new();
                for &(version, ok, ms) in requests {
                    let outcome = outcome(["v1", "v2", "v3"][version], ok, ms);
                    stats.record(&outcome);
                    tally.record(&outcome);
                }
                closed.push(tally);
                let (running, _) = stats.tick(Duration::from_secs(n as u64 + 1));
                let mut afresh = Tally::new();
                for tally in closed.iter().rev().take(window) {
                    afresh.merge(tally);
                }
                let span = Duration::from_secs(closed.len().min(window) as u64);
                proptest::prop_assert_eq!(running, afresh.summary(span));
            }
        }
    }
}
