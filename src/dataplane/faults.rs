//! Fault injection for demos: a distributor version fails a fraction of its requests with a
//! 5xx and/or answers late, so that a route's retryPolicy can visibly hide the failures.
//!
//! A fault comes from the task definition's environment (`FAULT_ERROR_RATE`,
//! `FAULT_ERROR_STATUS`, `FAULT_DELAY_MS`) or, overriding it, from the [`FaultSwitch`] that
//! the terminal UI flips.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Fault {
    /// Fraction of requests (0.0–1.0) answered with `error_status`.
    pub error_rate: f64,
    pub error_status: u16,
    /// Added to every answer.
    pub delay: Duration,
}

impl Fault {
    pub const NONE: Fault = Fault {
        error_rate: 0.0,
        error_status: 503,
        delay: Duration::ZERO,
    };

    /// The fault a container's environment asks for, if any.
    pub fn from_env<'a>(env: impl Iterator<Item = (&'a str, &'a str)>) -> Option<Fault> {
        let mut fault = Fault::NONE;
        let mut any = false;
        for (name, value) in env {
            match name {
                "FAULT_ERROR_RATE" => {
                    fault.error_rate = value.parse::<f64>().ok()?.clamp(0.0, 1.0);
                    any = true;
                }
                "FAULT_ERROR_STATUS" => fault.error_status = value.parse().ok()?,
                "FAULT_DELAY_MS" => {
                    fault.delay = Duration::from_millis(value.parse().ok()?);
                    any = true;
                }
                _ => {}
            }
        }
        any.then_some(fault)
    }
}

/// Faults set at run time, per distributor version (e.g. "v2"); they win over the
/// environment's.
#[derive(Debug, Clone, Default)]
pub struct FaultSwitch {
    by_version: Arc<RwLock<HashMap<String, Fault>>>,
}

impl FaultSwitch {
    pub fn set(&self, version: &str, fault: Option<Fault>) {
        let mut map = self.by_version.write().unwrap_or_else(|p| p.into_inner());
        match fault {
            Some(f) => map.insert(version.to_string(), f),
            None => map.remove(version),
        };
    }

    pub fn get(&self, version: &str) -> Option<Fault> {
        let map = self.by_version.read().unwrap_or_else(|p| p.into_inner());
        map.get(version).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_from_the_environment() {
        let env = [
            ("Tag", "v2"),
            ("FAULT_ERROR_RATE", "0.25"),
            ("FAULT_DELAY_MS", "40"),
        ];
        let fault = Fault::from_env(env.into_iter()).unwrap();
        assert_eq!(fault.error_rate, 0.25);
        assert_eq!(fault.error_status, 503);
        assert_eq!(fault.delay, Duration::from_millis(40));
        assert_eq!(Fault::from_env([("Tag", "v1")].into_iter()), None);
        assert_eq!(
            Fault::from_env([("FAULT_ERROR_RATE", "lots")].into_iter()),
            None
        );
    }

    #[test]
    fn the_switch_overrides_per_version() {
        let switch = FaultSwitch::default();
        switch.set(
            "v2",
            Some(Fault {
                error_rate: 0.5,
                ..Fault::NONE
            }),
        );
        assert_eq!(switch.get("v2").unwrap().error_rate, 0.5);
        assert_eq!(switch.get("v1"), None);
        switch.set("v2", None);
        assert_eq!(switch.get("v2"), None);
    }
}
