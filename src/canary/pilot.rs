//! Flies a [`CanaryPlan`]: holds each weight for an interval, adds up the load generator's
//! samples over exactly that interval, decides, and moves the route's weights through the real
//! UpdateRoute call (DescribeRoute first, so the rest of the route stays as it is).

use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::plan::{Analysis, Breach, CanaryPlan, Decision};
use crate::api::capture::Exchange;
use crate::api::route_weights::{self, RouteName, WeightedTargets};
use crate::api::target::Target;
use crate::load::stats::Tally;
use crate::load::traffic::Sample;
use crate::load::version_of_target;

/// Where the autopilot is, as the stage lines and the JSON lines name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The first step of weight is on the canary.
    Started,
    /// A check passed and the canary got more weight.
    Advanced,
    /// A check passed over too few requests: the weight stays and the check goes on.
    Held,
    /// The last check passed: 100% on the canary.
    Promoted,
    /// A check failed: 100% on the primary.
    RolledBack,
    /// Stopped by hand: the weights stay where they were.
    Stopped,
    /// A call failed or the traffic ended: the weights stay where they were.
    Failed,
}

impl Stage {
    pub fn is_final(self) -> bool {
        !matches!(self, Stage::Started | Stage::Advanced | Stage::Held)
    }
}

/// One stage: what was decided, on which figures, and the call that applied it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageEvent {
    pub stage: Stage,
    /// Seconds since the autopilot started.
    pub elapsed_s: f64,
    pub primary: String,
    pub canary: String,
    /// The canary's weight from now on (%).
    pub canary_weight: i32,
    /// The last interval's figures, when they passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Analysis>,
    /// The check that failed, with its figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breach: Option<Breach>,
    /// The UpdateRoute call's HTTP status, when one was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_route_status: Option<u16>,
    /// Why it failed (an AWS error code and message), for [`Stage::Failed`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The UpdateRoute exchange itself, for the Wire tab.
    #[serde(skip)]
    pub exchange: Option<Exchange>,
}

impl StageEvent {
    /// The autopilot could not start: `error` says why.
    pub fn failed_to_start(error: String) -> StageEvent {
        StageEvent {
            stage: Stage::Failed,
            elapsed_s: 0.0,
            primary: String::new(),
            canary: String::new(),
            canary_weight: 0,
            analysis: None,
            breach: None,
            update_route_status: None,
            error: Some(error),
            exchange: None,
        }
    }

    /// One line for a person: "advanced: distributorV2 at 20% (success 100.0%, p99 3.1 ms over
    /// 42 requests)".
    pub fn line(&self) -> String {
        match self.reason() {
            Some(reason) if self.error.is_some() || self.breach.is_some() => {
                format!("{} — {reason}", self.headline())
            }
            Some(reason) => format!("{} ({reason})", self.headline()),
            None => self.headline(),
        }
    }

    /// What happened: "advanced: distributorV2 at 20%".
    pub fn headline(&self) -> String {
        match self.stage {
            Stage::Started => format!("started: {} at {}%", self.canary, self.canary_weight),
            Stage::Advanced => format!("advanced: {} at {}%", self.canary, self.canary_weight),
            Stage::Held => format!(
                "held: {} stays at {}% until a check has enough requests",
                self.canary, self.canary_weight
            ),
            Stage::Promoted => format!("promoted: 100% on {}", self.canary),
            Stage::RolledBack => format!("rolled back: 100% on {}", self.primary),
            Stage::Stopped => format!("stopped: {} stays at {}%", self.canary, self.canary_weight),
            Stage::Failed => "failed".to_string(),
        }
    }

    /// Why: the error, the failed check, or the figures that passed.
    pub fn reason(&self) -> Option<String> {
        match (&self.analysis, &self.breach, &self.error) {
            (_, _, Some(error)) => Some(error.clone()),
            (_, Some(breach), _) => Some(breach.to_string()),
            (Some(a), _, _) => Some(format!(
                "success {:.1}%, p99 {:.1} ms over {} requests",
                a.success_pct, a.p99_ms, a.requests
            )),
            _ => None,
        }
    }
}

/// The route's two targets the autopilot moves weight between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub primary: String,
    pub canary: String,
}

/// The primary and the canary: the ones named, else the route's two weighted targets in order.
pub fn pair_of(
    targets: &WeightedTargets,
    primary: Option<&str>,
    canary: Option<&str>,
) -> Result<Pair, String> {
    let names: Vec<&str> = targets.iter().map(|(n, _)| n.as_str()).collect();
    let pick = |given: Option<&str>, index: usize, role: &str| {
        match given {
        Some(name) if names.contains(&name) => Ok(name.to_string()),
        Some(name) => Err(format!(
            "the {role} {name} is not a target of the route (it has {})",
            names.join(", ")
        )),
        None => names.get(index).map(|n| n.to_string()).ok_or_else(|| {
            format!(
                "the route has {} weighted target(s); the autopilot needs two (or --primary and --canary)",
                names.len()
            )
        }),
    }
    };
    let primary = pick(primary, 0, "primary")?;
    let canary = pick(canary, 1, "canary")?;
    if primary == canary {
        return Err(format!("the primary and the canary are both {primary}"));
    }
    Ok(Pair { primary, canary })
}

/// The autopilot for one route.
pub struct Pilot {
    pub plan: CanaryPlan,
    pub pair: Pair,
    pub target: Target,
    pub route: RouteName,
}

impl Pilot {
    /// Flies the plan until it promotes, rolls back, fails, or `stop` turns true. `samples` is
    /// the load generator's; `on_stage` hears every stage. Returns the final stage.
    pub async fn fly(
        &self,
        mut samples: mpsc::Receiver<Sample>,
        mut stop: watch::Receiver<bool>,
        mut on_stage: impl FnMut(StageEvent),
    ) -> Stage {
        let started = Instant::now();
        let canary_version = version_of_target(&self.pair.canary);
        let mut weight = self.plan.first_weight();
        let first = self.apply(Stage::Started, weight, None, started).await;
        let stage = first.stage;
        on_stage(first);
        if stage.is_final() {
            return stage;
        }
        let mut span = Tally::new();
        let mut since = Instant::now();
        let mut check_at = since + self.plan.interval;
        loop {
            tokio::select! {
                sample = samples.recv() => match sample {
                    Some(sample) => span.merge(&sample.last),
                    None => {
                        let mut ended = self.event(Stage::Failed, weight, started);
                        ended.error = Some("the traffic stopped".into());
                        on_stage(ended);
                        return Stage::Failed;
                    }
                },
                _ = tokio::time::sleep_until(check_at) => {
                    let figures = span.summary(since.elapsed());
                    let analysis = self.plan.analyse(figures.versions.get(&canary_version));
                    let event = match self.plan.decide(weight, &analysis) {
                        Decision::Hold => {
                            // The span goes on: the next check stands on this one's requests
                            // and the next interval's.
                            let mut held = self.event(Stage::Held, weight, started);
                            held.analysis = analysis.ok();
                            on_stage(held);
                            check_at = Instant::now() + self.plan.interval;
                            continue;
                        }
                        Decision::Advance(next) => {
                            weight = next;
                            self.apply(Stage::Advanced, next, Some(analysis), started).await
                        }
                        Decision::Promote => self.apply(Stage::Promoted, 100, Some(analysis), started).await,
                        Decision::RollBack(_) => self.apply(Stage::RolledBack, 0, Some(analysis), started).await,
                    };
                    let stage = event.stage;
                    on_stage(event);
                    if stage.is_final() {
                        return stage;
                    }
                    span = Tally::new();
                    since = Instant::now();
                    check_at = since + self.plan.interval;
                }
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        on_stage(self.event(Stage::Stopped, weight, started));
                        return Stage::Stopped;
                    }
                }
            }
        }
    }

    fn event(&self, stage: Stage, canary_weight: i32, started: Instant) -> StageEvent {
        StageEvent {
            stage,
            elapsed_s: started.elapsed().as_secs_f64(),
            primary: self.pair.primary.clone(),
            canary: self.pair.canary.clone(),
            canary_weight,
            analysis: None,
            breach: None,
            update_route_status: None,
            error: None,
            exchange: None,
        }
    }

    /// Puts `canary_weight` on the canary (the rest on the primary) and says so.
    async fn apply(
        &self,
        stage: Stage,
        canary_weight: i32,
        analysis: Option<Result<Analysis, Breach>>,
        started: Instant,
    ) -> StageEvent {
        let mut event = self.event(stage, canary_weight, started);
        match analysis {
            Some(Ok(a)) => event.analysis = Some(a),
            Some(Err(b)) => event.breach = Some(b),
            None => {}
        }
        let weights = match route_weights::read(&self.target, &self.route).await {
            Ok(targets) => split(&targets, &self.pair, canary_weight),
            Err(e) => return self.failed(event, format!("DescribeRoute: {e}")),
        };
        let (result, exchange) = route_weights::set(&self.target, &self.route, &weights).await;
        event.update_route_status = exchange.as_ref().and_then(|x| x.status);
        event.exchange = exchange;
        match result {
            Ok(()) => event,
            Err(e) => self.failed(event, format!("UpdateRoute: {e}")),
        }
    }

    fn failed(&self, mut event: StageEvent, error: String) -> StageEvent {
        event.stage = Stage::Failed;
        event.error = Some(error);
        event
    }
}

/// The route's targets in their order, with the canary at `canary_weight`, the primary at the
/// rest, and any other target at 0.
pub fn split(targets: &WeightedTargets, pair: &Pair, canary_weight: i32) -> WeightedTargets {
    targets
        .iter()
        .map(|(node, _)| {
            let weight = if *node == pair.canary {
                canary_weight
            } else if *node == pair.primary {
                100 - canary_weight
            } else {
                0
            };
            (node.clone(), weight)
        })
        .collect()
}

/// How long the autopilot takes at most, with every check passing (for a headless timeout).
pub fn longest_flight(plan: &CanaryPlan) -> Duration {
    let steps = (plan.max_weight - plan.first_weight()) / plan.step_weight.max(1) + 2;
    plan.interval * steps.max(1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> WeightedTargets {
        vec![("distributorV1".into(), 100), ("distributorV2".into(), 0)]
    }

    #[test]
    fn the_pair_is_the_routes_two_targets_in_order_or_the_ones_named() {
        let pair = pair_of(&targets(), None, None).unwrap();
        assert_eq!(pair.primary, "distributorV1");
        assert_eq!(pair.canary, "distributorV2");
        let swapped = pair_of(&targets(), Some("distributorV2"), Some("distributorV1")).unwrap();
        assert_eq!(swapped.canary, "distributorV1");
        let err = pair_of(&targets(), None, Some("distributorV3")).unwrap_err();
        assert!(err.contains("distributorV3 is not a target"), "{err}");
        let one = vec![("distributorV1".to_string(), 100)];
        assert!(pair_of(&one, None, None).unwrap_err().contains("needs two"));
        assert!(pair_of(&targets(), Some("distributorV1"), Some("distributorV1")).is_err());
    }
}
