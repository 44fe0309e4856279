//! Fault injection for demos: a distributor version fails a fraction of its requests with a
//! 5xx and/or answers late, so that a route's retryPolicy can visibly hide the failures.
//!
//! A fault comes from the container's environment (`FAULT_ERROR_RATE`, `FAULT_ERROR_STATUS`,
//! `FAULT_DELAY_MS`, `FAULT_RESET_RATE`; a RunTask container override can set them for one
//! task) or, overriding it, from the [`FaultSwitch`] that the terminal UI flips.

use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    /// Fraction of requests (0.0–1.0) answered with `error_status`.
    pub error_rate: f64,
    pub error_status: u16,
    /// Added to every answer.
    pub delay: Duration,
    /// Fraction of requests (0.0–1.0) whose connection is dropped before any answer (a
    /// crashed process, as a caller sees it: Envoy's "disconnect/reset before headers").
    pub reset_rate: f64,
}

impl Default for Fault {
    /// No fault; an error, once a rate is set, is a 503 (as `NONE` says).
    fn default() -> Fault {
        Fault::NONE
    }
}

impl Fault {
    pub const NONE: Fault = Fault {
        error_rate: 0.0,
        error_status: 503,
        delay: Duration::ZERO,
        reset_rate: 0.0,
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
                "FAULT_RESET_RATE" => {
                    fault.reset_rate = value.parse::<f64>().ok()?.clamp(0.0, 1.0);
                    any = true;
                }
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

/// Faults set at run time, per account and distributor version (e.g. "v2"), or per task (its
/// ECS task id, which wins over its version's); they win over the environment's. A switch acts
/// for one account: the same maps seen [`FaultSwitch::for_account`] act for another, so a
/// presenter's `f` breaks their own v2 and no one else's.
#[derive(Debug, Clone)]
pub struct FaultSwitch {
    account: Arc<str>,
    by_version: Arc<RwLock<HashMap<AccountVersion, Fault>>>,
    by_task: Arc<RwLock<HashMap<String, Fault>>>,
}

impl Default for FaultSwitch {
    /// A switch for the embedded cloud's default account.
    fn default() -> FaultSwitch {
        FaultSwitch {
            account: Arc::from(DEFAULT_ACCOUNT),
            by_version: Arc::default(),
            by_task: Arc::default(),
        }
    }
}

/// (account, distributor version).
type AccountVersion = (Arc<str>, String);

/// The account of an embedded cloud without accounts.
const DEFAULT_ACCOUNT: &str = "000000000000";

impl FaultSwitch {
    /// The same faults, acting for `account`.
    pub fn for_account(&self, account: &str) -> FaultSwitch {
        FaultSwitch {
            account: Arc::from(account),
            ..self.clone()
        }
    }

    pub fn set(&self, version: &str, fault: Option<Fault>) {
        let mut map = self.by_version.write();
        let key = (self.account.clone(), version.to_string());
        match fault {
            Some(f) => map.insert(key, f),
            None => map.remove(&key),
        };
    }

    pub fn get(&self, version: &str) -> Option<Fault> {
        let map = self.by_version.read();
        map.get(&(self.account.clone(), version.to_string()))
            .copied()
    }

    /// Breaks (or mends, with None) one task whatever its version's fault.
    pub fn set_task(&self, task_id: &str, fault: Option<Fault>) {
        let mut map = self.by_task.write();
        match fault {
            Some(f) => map.insert(task_id.to_string(), f),
            None => map.remove(task_id),
        };
    }

    /// The fault a task of `version` has now: its own, else its version's.
    pub fn of_task(&self, task_id: &str, version: &str) -> Option<Fault> {
        let own = {
            let map = self.by_task.read();
            map.get(task_id).copied()
        };
        own.or_else(|| self.get(version))
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

    #[test]
    fn a_task_fault_wins_over_its_version() {
        let switch = FaultSwitch::default();
        let half = Fault {
            error_rate: 0.5,
            ..Fault::NONE
        };
        switch.set("v2", Some(half));
        switch.set_task("t1", Some(Fault::NONE));
        assert_eq!(switch.of_task("t1", "v2"), Some(Fault::NONE));
        assert_eq!(switch.of_task("t2", "v2"), Some(half));
        switch.set_task("t1", None);
        assert_eq!(switch.of_task("t1", "v2"), Some(half));
    }

    #[test]
    fn a_version_fault_is_the_accounts_own() {
        let alice = FaultSwitch::default().for_account("111111111111");
        let bob = alice.for_account("222222222222");
        alice.set(
            "v2",
            Some(Fault {
                error_rate: 1.0,
                ..Fault::NONE
            }),
        );
        assert_eq!(alice.of_task("t1", "v2").map(|f| f.error_rate), Some(1.0));
        assert_eq!(bob.of_task("t2", "v2"), None);
        assert_eq!(FaultSwitch::default().get("v2"), None);
    }
}
