//! Per-account caps, so that one account cannot starve the others of a shared embedded cloud:
//! API requests per second (answered as each protocol throttles), tasks live at once, and
//! requests per second through the data plane. They apply only with accounts (`serve
//! --accounts`); a cloud of one account has none. AWS documents per-account API throttling
//! but no figure for App Mesh, so these are the embedded cloud's own bounds, in the README.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::DefaultClock;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// What one account may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountCaps {
    /// Sustained API requests per second, and the burst above it.
    pub api_per_second: u32,
    pub api_burst: u32,
    /// Tasks not yet stopped, per account and Region.
    pub live_tasks: usize,
    /// Requests per second through the account's sidecars and Service Connect proxies.
    pub data_plane_per_second: u32,
}

impl Default for AccountCaps {
    fn default() -> Self {
        AccountCaps {
            api_per_second: 100,
            api_burst: 200,
            live_tasks: 50,
            data_plane_per_second: 2_000,
        }
    }
}

/// A rate per account: a GCRA bucket each, kept for the accounts that called.
pub struct PerAccountRate {
    limiter: RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>,
}

impl PerAccountRate {
    /// `per_second` sustained, `burst` at once (both at least 1).
    pub fn new(per_second: u32, burst: u32) -> PerAccountRate {
        let one = NonZeroU32::MIN;
        let quota = Quota::per_second(NonZeroU32::new(per_second).unwrap_or(one))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(one));
        PerAccountRate {
            limiter: RateLimiter::keyed(quota),
        }
    }

    /// Takes one request from `account`'s bucket: false when it is empty.
    pub fn admit(&self, account: &str) -> bool {
        self.limiter.check_key(&account.to_string()).is_ok()
    }

    /// The bucket of one account, for what serves that account only (a sidecar).
    pub fn for_account(self: &Arc<Self>, account: &str) -> AccountRate {
        AccountRate {
            rate: self.clone(),
            account: account.to_string(),
        }
    }
}

/// One account's bucket of a [`PerAccountRate`].
#[derive(Clone)]
pub struct AccountRate {
    rate: Arc<PerAccountRate>,
    account: String,
}

impl AccountRate {
    /// Takes one request from the account's bucket: false when it is empty.
    pub fn admit(&self) -> bool {
        self.rate.limiter.check_key(&self.account).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_account_has_its_own_bucket() {
        let rate = PerAccountRate::new(1, 3);
        for _ in 0..3 {
            assert!(rate.admit("111111111111"));
        }
        assert!(!rate.admit("111111111111"), "the burst is spent");
        assert!(
            rate.admit("222222222222"),
            "another account is not held back"
        );
    }
}
