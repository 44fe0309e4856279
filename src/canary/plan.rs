//! What the autopilot does next, from what the last interval showed.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::load::stats::VersionStats;

/// The autopilot's settings, as Flagger names them.
#[derive(Debug, Clone, PartialEq)]
pub struct CanaryPlan {
    /// Weight moved to the canary per interval (percentage points).
    pub step_weight: i32,
    /// The canary's weight after which the next passed check promotes it.
    pub max_weight: i32,
    /// How long each weight is held and analysed.
    pub interval: Duration,
    /// The lowest canary success rate (in %) that passes.
    pub min_success: f64,
    /// The highest canary p99 latency (ms) that passes.
    pub max_p99_ms: f64,
    /// The fewest canary requests a check that passes stands on: over fewer, the weight is
    /// held and the check goes on for another interval (a pass over 1 request says nothing).
    pub min_requests: u64,
}

/// The default [`CanaryPlan::min_requests`].
pub const MIN_REQUESTS: u64 = 10;

impl Default for CanaryPlan {
    fn default() -> CanaryPlan {
        CanaryPlan {
            step_weight: 10,
            max_weight: 50,
            interval: Duration::from_secs(5),
            min_success: 99.0,
            max_p99_ms: 100.0,
            min_requests: MIN_REQUESTS,
        }
    }
}

impl CanaryPlan {
    /// Checks the settings, naming the one that is out of bounds.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=100).contains(&self.step_weight) {
            return Err(format!(
                "the step weight must be 1–100, got {}",
                self.step_weight
            ));
        }
        if !(self.step_weight..=100).contains(&self.max_weight) {
            return Err(format!(
                "the max weight must be between the step weight ({}) and 100, got {}",
                self.step_weight, self.max_weight
            ));
        }
        if !(Duration::from_secs(1)..=Duration::from_secs(3600)).contains(&self.interval) {
            return Err(format!(
                "the interval must be 1 s to 1 h, got {:?}",
                self.interval
            ));
        }
        if !(0.0..=100.0).contains(&self.min_success) {
            return Err(format!(
                "the minimum success rate must be 0–100 %, got {}",
                self.min_success
            ));
        }
        if !(self.max_p99_ms > 0.0 && self.max_p99_ms <= 60_000.0) {
            return Err(format!(
                "the p99 bound must be above 0 and at most 60000 ms, got {}",
                self.max_p99_ms
            ));
        }
        if !(1..=1_000_000).contains(&self.min_requests) {
            return Err(format!(
                "the minimum requests per check must be 1–1000000, got {}",
                self.min_requests
            ));
        }
        Ok(())
    }

    /// The canary's weight when the autopilot starts.
    pub fn first_weight(&self) -> i32 {
        self.step_weight
    }

    /// What to do after an interval at `canary_weight` that showed `analysis`.
    pub fn decide(&self, canary_weight: i32, analysis: &Result<Analysis, Breach>) -> Decision {
        match analysis {
            Err(breach) => Decision::RollBack(breach.clone()),
            Ok(a) if a.requests < self.min_requests => Decision::Hold,
            Ok(_) if canary_weight >= self.max_weight => Decision::Promote,
            Ok(_) => Decision::Advance((canary_weight + self.step_weight).min(self.max_weight)),
        }
    }

    /// The canary's figures over one interval, against the bounds.
    pub fn analyse(&self, canary: Option<&VersionStats>) -> Result<Analysis, Breach> {
        let Some(stats) = canary.filter(|s| s.count > 0) else {
            return Err(Breach::NoTraffic);
        };
        let analysis = Analysis {
            requests: stats.count,
            success_pct: stats.success * 100.0,
            p99_ms: stats.p99_ms,
        };
        if analysis.success_pct < self.min_success {
            return Err(Breach::SuccessRate {
                observed_pct: analysis.success_pct,
                min_pct: self.min_success,
                requests: analysis.requests,
            });
        }
        if analysis.p99_ms > self.max_p99_ms {
            return Err(Breach::P99 {
                observed_ms: analysis.p99_ms,
                max_ms: self.max_p99_ms,
                requests: analysis.requests,
            });
        }
        Ok(analysis)
    }
}

/// The canary's figures over one interval, when they passed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub requests: u64,
    pub success_pct: f64,
    pub p99_ms: f64,
}

/// The check that failed, with the figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Breach {
    SuccessRate {
        observed_pct: f64,
        min_pct: f64,
        requests: u64,
    },
    P99 {
        observed_ms: f64,
        max_ms: f64,
        requests: u64,
    },
    /// The canary had weight but answered nothing: nothing to judge it by, so it does not pass.
    NoTraffic,
}

impl fmt::Display for Breach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Breach::SuccessRate {
                observed_pct,
                min_pct,
                requests,
            } => write!(
                f,
                "success rate {observed_pct:.1}% < {min_pct}% over {requests} requests"
            ),
            Breach::P99 {
                observed_ms,
                max_ms,
                requests,
            } => write!(
                f,
                "p99 {observed_ms:.1} ms > {max_ms} ms over {requests} requests"
            ),
            Breach::NoTraffic => write!(f, "no request reached the canary in the last interval"),
        }
    }
}

/// The autopilot's next move.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Hold this canary weight for the next interval.
    Advance(i32),
    /// Too few requests to judge: the same weight, and the check goes on.
    Hold,
    /// 100% on the canary.
    Promote,
    /// 100% on the primary.
    RollBack(Breach),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(count: u64, success: f64, p99_ms: f64) -> VersionStats {
        VersionStats {
            count,
            share: 0.1,
            success,
            p50_ms: 1.0,
            p95_ms: 1.0,
            p99_ms,
        }
    }

    #[test]
    fn weights_step_up_to_the_max_then_promote() {
        let plan = CanaryPlan::default();
        let ok = plan.analyse(Some(&stats(40, 1.0, 3.0)));
        let mut weight = plan.first_weight();
        let mut seen = vec![weight];
        loop {
            match plan.decide(weight, &ok) {
                Decision::Advance(w) => {
                    weight = w;
                    seen.push(w);
                }
                Decision::Promote => break,
                Decision::Hold => panic!("40 requests are enough"),
                Decision::RollBack(b) => panic!("{b}"),
            }
        }
        assert_eq!(seen, [10, 20, 30, 40, 50]);
        // A step that does not divide the max stops at the max.
        let plan = CanaryPlan {
            step_weight: 20,
            max_weight: 50,
            ..CanaryPlan::default()
        };
        assert_eq!(plan.decide(40, &ok), Decision::Advance(50));
        assert_eq!(plan.decide(50, &ok), Decision::Promote);
    }

    #[test]
    fn each_check_names_itself_with_the_figures() {
        let plan = CanaryPlan::default();
        let low = plan.analyse(Some(&stats(50, 0.7, 3.0))).unwrap_err();
        assert_eq!(low.to_string(), "success rate 70.0% < 99% over 50 requests");
        let slow = plan.analyse(Some(&stats(50, 1.0, 250.0))).unwrap_err();
        assert_eq!(slow.to_string(), "p99 250.0 ms > 100 ms over 50 requests");
        assert_eq!(plan.analyse(None), Err(Breach::NoTraffic));
        assert_eq!(
            plan.analyse(Some(&stats(0, 0.0, 0.0))),
            Err(Breach::NoTraffic)
        );
        assert_eq!(plan.decide(30, &Err(low.clone())), Decision::RollBack(low));
        // At the bounds, a check passes.
        assert!(plan.analyse(Some(&stats(100, 0.99, 100.0))).is_ok());
    }

    #[test]
    fn a_passed_check_over_too_few_requests_holds_the_weight() {
        let plan = CanaryPlan::default();
        let one = plan.analyse(Some(&stats(1, 1.0, 3.0)));
        assert_eq!(plan.decide(10, &one), Decision::Hold);
        assert_eq!(plan.decide(50, &one), Decision::Hold, "nor promotes");
        let enough = plan.analyse(Some(&stats(MIN_REQUESTS, 1.0, 3.0)));
        assert_eq!(plan.decide(10, &enough), Decision::Advance(20));
        // A failed check rolls back whatever the count: failures are not to be waited out.
        let failing = plan.analyse(Some(&stats(2, 0.5, 3.0)));
        assert!(matches!(plan.decide(10, &failing), Decision::RollBack(_)));
    }

    #[test]
    fn settings_out_of_bounds_are_named() {
        let bad = |plan: CanaryPlan| plan.validate().unwrap_err();
        assert!(
            bad(CanaryPlan {
                step_weight: 0,
                ..Default::default()
            })
            .contains("step weight")
        );
        assert!(
            bad(CanaryPlan {
                max_weight: 5,
                ..Default::default()
            })
            .contains("max weight")
        );
        assert!(
            bad(CanaryPlan {
                interval: Duration::from_millis(10),
                ..Default::default()
            })
            .contains("interval")
        );
        assert!(
            bad(CanaryPlan {
                min_success: 101.0,
                ..Default::default()
            })
            .contains("success")
        );
        assert!(
            bad(CanaryPlan {
                max_p99_ms: 0.0,
                ..Default::default()
            })
            .contains("p99")
        );
        assert!(
            bad(CanaryPlan {
                min_requests: 0,
                ..Default::default()
            })
            .contains("minimum requests")
        );
        assert_eq!(CanaryPlan::default().validate(), Ok(()));
    }
}
