//! Who may try the join code, and how often: failed attempts are counted per source address,
//! and an address that fails too often waits before it may try again. With russh's delay of
//! every refusal ([`REFUSAL_DELAY`]) and [`MAX_AUTH_ATTEMPTS`] per connection, guessing a
//! 50-bit code is out of reach; the bounds are the README's.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// How long russh holds every refused authentication before answering.
pub const REFUSAL_DELAY: Duration = Duration::from_secs(1);
/// Authentication attempts one connection may make.
pub const MAX_AUTH_ATTEMPTS: usize = 3;
/// Failures an address may have within [`WINDOW`]…
pub const MAX_FAILURES: u32 = 10;
pub const WINDOW: Duration = Duration::from_secs(60);
/// …after which it is refused without a look at what it sends for this long.
pub const LOCKOUT: Duration = Duration::from_secs(300);
/// Addresses remembered at most (the oldest are forgotten first).
const MAX_ADDRESSES: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

#[derive(Default)]
pub struct Gate {
    by_address: Mutex<HashMap<IpAddr, Record>>,
}

impl Gate {
    /// Whether `address` may try now.
    pub fn may_try(&self, address: Option<IpAddr>, now: Instant) -> bool {
        let Some(address) = address else { return true };
        match self.by_address.lock().get(&address) {
            Some(Record {
                locked_until: Some(until),
                ..
            }) => now >= *until,
            _ => true,
        }
    }

    /// Counts a failure; true when it locked the address out.
    pub fn failed(&self, address: Option<IpAddr>, now: Instant) -> bool {
        let Some(address) = address else { return false };
        let mut map = self.by_address.lock();
        if map.len() >= MAX_ADDRESSES && !map.contains_key(&address) {
            let oldest = map.iter().min_by_key(|(_, r)| r.first).map(|(a, _)| *a);
            if let Some(oldest) = oldest {
                map.remove(&oldest);
            }
        }
        let record = map.entry(address).or_insert(Record {
            failures: 0,
            first: now,
            locked_until: None,
        });
        if now.duration_since(record.first) > WINDOW
            || record.locked_until.is_some_and(|u| now >= u)
        {
            *record = Record {
                failures: 0,
                first: now,
                locked_until: None,
            };
        }
        record.failures += 1;
        if record.failures >= MAX_FAILURES {
            record.locked_until = Some(now + LOCKOUT);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_that_fails_too_often_waits_and_others_do_not() {
        let gate = Gate::default();
        let now = Instant::now();
        let bad: IpAddr = "192.0.2.1".parse().unwrap();
        let good: IpAddr = "192.0.2.2".parse().unwrap();
        for n in 1..MAX_FAILURES {
            assert!(!gate.failed(Some(bad), now), "failure {n}");
            assert!(gate.may_try(Some(bad), now));
        }
        assert!(gate.failed(Some(bad), now));
        assert!(!gate.may_try(Some(bad), now + Duration::from_secs(1)));
        assert!(gate.may_try(Some(good), now));
        assert!(gate.may_try(Some(bad), now + LOCKOUT));
        // Failures spread over more than the window never lock.
        let slow: IpAddr = "192.0.2.3".parse().unwrap();
        for n in 0..30 {
            assert!(!gate.failed(Some(slow), now + (WINDOW / 2) * n), "{n}");
        }
    }
}
