//! deploymentConfiguration as CreateService and UpdateService accept it: the strategies the
//! embedded cloud runs, the documented bounds and defaults of each, and the circuit breaker's
//! threshold.

use crate::model::ecs::*;

use super::super::error::{EcsError, Result};
use super::super::status::{DeploymentStrategy, WireEnum};

/// The documented bounds and defaults of canaryConfiguration and linearConfiguration.
const MAX_BAKE_MINUTES: i32 = 1440;
const DEFAULT_CANARY_PERCENT: f64 = 5.0;
const DEFAULT_CANARY_BAKE: i32 = 10;
const DEFAULT_STEP_PERCENT: f64 = 10.0;
const DEFAULT_STEP_BAKE: i32 = 6;

/// deploymentConfiguration.strategy as given (ROLLING when none is).
pub(super) fn strategy_name(config: Option<&DeploymentConfiguration>) -> &str {
    config
        .and_then(|c| c.strategy.as_deref())
        .unwrap_or(DeploymentStrategy::Rolling.as_str())
}

/// The share of the traffic a CANARY deployment's canary gets, in percent.
pub(super) fn canary_percent(config: &DeploymentConfiguration) -> f64 {
    config
        .canary_configuration
        .as_ref()
        .and_then(|c| c.canary_percent)
        .unwrap_or(DEFAULT_CANARY_PERCENT)
}

/// How long a CANARY deployment's canary bakes before the rest of the traffic moves.
pub(super) fn canary_bake_minutes(config: &DeploymentConfiguration) -> i32 {
    config
        .canary_configuration
        .as_ref()
        .and_then(|c| c.canary_bake_time_in_minutes)
        .unwrap_or(DEFAULT_CANARY_BAKE)
}

/// The share of the traffic a LINEAR deployment moves at each step, in percent.
pub(super) fn step_percent(config: &DeploymentConfiguration) -> f64 {
    config
        .linear_configuration
        .as_ref()
        .and_then(|c| c.step_percent)
        .unwrap_or(DEFAULT_STEP_PERCENT)
}

/// How long each step of a LINEAR deployment bakes before the next.
pub(super) fn step_bake_minutes(config: &DeploymentConfiguration) -> i32 {
    config
        .linear_configuration
        .as_ref()
        .and_then(|c| c.step_bake_time_in_minutes)
        .unwrap_or(DEFAULT_STEP_BAKE)
}

fn multiple_of_tenth(x: f64) -> bool {
    ((x * 10.0).round() - x * 10.0).abs() < 1e-6
}

/// deploymentConfiguration as CreateService and UpdateService check it, with the documented
/// defaults of the chosen strategy filled in.
pub fn check_configuration(config: &mut DeploymentConfiguration) -> Result<()> {
    let name = strategy_name(Some(config));
    let strategy = match DeploymentStrategy::parse(name) {
        Some(strategy) => strategy,
        None => {
            return Err(EcsError::invalid_parameter(format!(
                "deploymentConfiguration.strategy: '{name}' is not one of ROLLING, BLUE_GREEN, LINEAR, CANARY."
            )));
        }
    };
    if config.canary_configuration.is_some() && strategy != DeploymentStrategy::Canary {
        return Err(EcsError::invalid_parameter(
            "canaryConfiguration is only valid with the CANARY deployment strategy.",
        ));
    }
    if config.linear_configuration.is_some() && strategy != DeploymentStrategy::Linear {
        return Err(EcsError::invalid_parameter(
            "linearConfiguration is only valid with the LINEAR deployment strategy.",
        ));
    }
    let bake = |name: &str, minutes: Option<i32>| match minutes {
        Some(m) if !(0..=MAX_BAKE_MINUTES).contains(&m) => Err(EcsError::invalid_parameter(
            format!("{name}: valid values are 0 to {MAX_BAKE_MINUTES} minutes."),
        )),
        _ => Ok(()),
    };
    bake("bakeTimeInMinutes", config.bake_time_in_minutes)?;
    if strategy == DeploymentStrategy::Canary {
        let canary = config
            .canary_configuration
            .get_or_insert_with(Default::default);
        let percent = *canary.canary_percent.get_or_insert(DEFAULT_CANARY_PERCENT);
        if !(0.1..=100.0).contains(&percent) || !multiple_of_tenth(percent) {
            return Err(EcsError::invalid_parameter(
                "canaryConfiguration.canaryPercent: valid values are multiples of 0.1 from 0.1 to 100.0.",
            ));
        }
        let minutes = *canary
            .canary_bake_time_in_minutes
            .get_or_insert(DEFAULT_CANARY_BAKE);
        bake("canaryConfiguration.canaryBakeTimeInMinutes", Some(minutes))?;
    }
    if strategy == DeploymentStrategy::Linear {
        let linear = config
            .linear_configuration
            .get_or_insert_with(Default::default);
        let percent = *linear.step_percent.get_or_insert(DEFAULT_STEP_PERCENT);
        if !(3.0..=100.0).contains(&percent) || !multiple_of_tenth(percent) {
            return Err(EcsError::invalid_parameter(
                "linearConfiguration.stepPercent: valid values are multiples of 0.1 from 3.0 to 100.0.",
            ));
        }
        let minutes = *linear
            .step_bake_time_in_minutes
            .get_or_insert(DEFAULT_STEP_BAKE);
        bake("linearConfiguration.stepBakeTimeInMinutes", Some(minutes))?;
    }
    super::hooks::check_hooks(
        strategy,
        config.lifecycle_hooks.as_deref().unwrap_or_default(),
    )?;
    if strategy != DeploymentStrategy::Rolling {
        // Deviation: ECS documents no default for CANARY/LINEAR; none (0) is what a missing one
        // means here.
        config.bake_time_in_minutes.get_or_insert(0);
    }
    Ok(())
}

/// CANARY and LINEAR shift production traffic between revisions, which takes something to
/// shift it: the developer guide's "Required resources" pages say such a deployment requires a
/// load balancer or Service Connect. BLUE_GREEN does not: "If your service doesn't use a load
/// balancer or Service Connect (headless service), you can still use blue/green deployments".
/// `routed` says whether the service has load balancers or Service Connect enabled.
pub fn check_traffic_shifting(
    config: Option<&DeploymentConfiguration>,
    routed: bool,
) -> Result<()> {
    let name = strategy_name(config);
    let shifts = matches!(
        DeploymentStrategy::parse(name),
        Some(DeploymentStrategy::Canary | DeploymentStrategy::Linear)
    );
    if shifts && !routed {
        return Err(EcsError::invalid_parameter(format!(
            "deploymentConfiguration.strategy: {name} deployments require the service to use Elastic Load Balancing (loadBalancers) or Service Connect (serviceConnectConfiguration) to shift traffic."
        )));
    }
    Ok(())
}

/// ECS's documented circuit breaker threshold: by default half the desired count (rounded up),
/// at least 3 and at most 200 (BOUNDED_PERCENT 50); thresholdConfiguration may name another
/// percentage (bounded or not) or a COUNT.
pub fn breaker_threshold(breaker: &DeploymentCircuitBreaker, desired: i32) -> i32 {
    let (kind, value) = breaker
        .threshold_configuration
        .as_ref()
        .map_or(("BOUNDED_PERCENT", 50), |t| (t.r#type.as_str(), t.value));
    let percent = ((desired.max(0) as i64 * value as i64 + 99) / 100) as i32;
    match kind {
        "COUNT" => value.max(1),
        "UNBOUNDED_PERCENT" => percent.max(1),
        _ => percent.clamp(3, 200),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(threshold: Option<(&str, i32)>) -> DeploymentCircuitBreaker {
        DeploymentCircuitBreaker {
            enable: true,
            rollback: true,
            threshold_configuration: threshold.map(|(kind, value)| ThresholdConfiguration {
                r#type: kind.into(),
                value,
            }),
            ..DeploymentCircuitBreaker::default()
        }
    }

    #[test]
    fn the_circuit_breaker_threshold_is_ecs_rule() {
        // Half the desired count, rounded up, at least 3 and at most 200.
        let default = breaker(None);
        assert_eq!(breaker_threshold(&default, 1), 3);
        assert_eq!(breaker_threshold(&default, 7), 4);
        assert_eq!(breaker_threshold(&default, 1000), 200);
        assert_eq!(breaker_threshold(&breaker(Some(("COUNT", 1))), 50), 1);
        assert_eq!(
            breaker_threshold(&breaker(Some(("UNBOUNDED_PERCENT", 50))), 1000),
            500
        );
    }

    #[test]
    fn strategies_get_their_documented_defaults_and_ranges() {
        let mut linear = DeploymentConfiguration {
            strategy: Some("LINEAR".into()),
            ..DeploymentConfiguration::default()
        };
        check_configuration(&mut linear).unwrap();
        let l = linear.linear_configuration.unwrap();
        assert_eq!(
            (l.step_percent, l.step_bake_time_in_minutes),
            (Some(10.0), Some(6))
        );
        let mut off_grid = DeploymentConfiguration {
            strategy: Some("CANARY".into()),
            canary_configuration: Some(CanaryConfiguration {
                canary_percent: Some(12.34),
                canary_bake_time_in_minutes: None,
            }),
            ..DeploymentConfiguration::default()
        };
        assert_eq!(
            check_configuration(&mut off_grid).unwrap_err().code(),
            "InvalidParameterException"
        );
        let mut rolling = DeploymentConfiguration::default();
        check_configuration(&mut rolling).unwrap();
        assert_eq!(
            rolling.bake_time_in_minutes, None,
            "ROLLING is left as given"
        );
    }
}
