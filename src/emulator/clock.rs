//! The embedded cloud's one clock: every timestamp App Mesh, ECS and Cloud Map hand out, and
//! every deadline the ECS scheduler keeps, is read from the cloud's [`Clock`], so that the
//! services agree on the time.
//!
//! A clock may run faster than the wall clock (its *scale*): at ×60 one API minute passes in one
//! real second, so that ECS bake times given in minutes pass in seconds on stage. It starts at
//! the real time the cloud started and advances by the monotonic clock times the scale, so its
//! timestamps never go backwards and never fall before the cloud started, at any scale.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The bounds of `--clock-scale` (and of [`Clock::new`]): real time up to one API hour per
/// real second.
pub const MIN_SCALE: f64 = 1.0;
pub const MAX_SCALE: f64 = 3600.0;

/// Epoch seconds with millisecond precision, as App Mesh and ECS send timestamps: the wall
/// clock, for callers without a cloud (a cloud at scale 1 reads the same time).
pub fn now_epoch_seconds() -> f64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (since.as_millis() as f64) / 1000.0
}

/// A cloud's clock: the wall time it started at, advanced `scale` times as fast as real time.
/// The presenter may pause it (bakes and stage timers hold; traffic keeps flowing) and change
/// its scale while it runs: every copy is the same clock, and the ECS scheduler is woken by
/// [`Clock::changed`] to reckon its deadlines anew.
#[derive(Debug, Clone)]
pub struct Clock(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    changed: tokio::sync::Notify,
}

#[derive(Debug, Clone, Copy)]
struct State {
    /// The cloud's time (epoch seconds) at `anchor`.
    anchor_epoch: f64,
    anchor: Instant,
    scale: f64,
    paused: bool,
}

impl State {
    fn now(&self) -> f64 {
        if self.paused {
            return self.anchor_epoch;
        }
        self.anchor_epoch + self.anchor.elapsed().as_secs_f64() * self.scale
    }
}

fn clamp_scale(scale: f64) -> f64 {
    if scale.is_finite() {
        scale.clamp(MIN_SCALE, MAX_SCALE)
    } else {
        MIN_SCALE
    }
}

impl Clock {
    /// A clock starting now; `scale` is clamped to [`MIN_SCALE`]..=[`MAX_SCALE`] (callers that
    /// take it from a user check it first and say so).
    pub fn new(scale: f64) -> Clock {
        Clock(Arc::new(Shared {
            state: Mutex::new(State {
                anchor_epoch: now_epoch_seconds(),
                anchor: Instant::now(),
                scale: clamp_scale(scale),
                paused: false,
            }),
            changed: tokio::sync::Notify::new(),
        }))
    }

    fn state(&self) -> State {
        *self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn scale(&self) -> f64 {
        self.state().scale
    }

    /// Whether the clock stands still.
    pub fn paused(&self) -> bool {
        self.state().paused
    }

    /// The cloud's time in epoch seconds (millisecond precision, monotonic).
    pub fn now(&self) -> f64 {
        (self.state().now() * 1000.0).floor() / 1000.0
    }

    /// How long to really wait until the cloud's clock reads `at` (an hour while it is
    /// paused: a change wakes the waiter through [`Clock::changed`]).
    pub fn real_until(&self, at: f64) -> Duration {
        let state = self.state();
        if state.paused {
            return Duration::from_secs(3600);
        }
        Duration::from_secs_f64(((at - state.now()) / state.scale).max(0.0))
    }

    /// Runs the clock at `scale` from now on (clamped), paused or not: the time read so far
    /// stays, so timestamps never go back.
    pub fn set(&self, scale: f64, paused: bool) {
        {
            let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
            let now = state.now();
            *state = State {
                anchor_epoch: now,
                anchor: Instant::now(),
                scale: clamp_scale(scale),
                paused,
            };
        }
        self.0.changed.notify_one();
    }

    /// Resolves after the scale or the pause changed (once per change, for one waiter: the
    /// ECS scheduler, whose deadlines are in the cloud's time).
    pub async fn changed(&self) {
        self.0.changed.notified().await;
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new(1.0)
    }
}

/// Checks a user's `--clock-scale`.
pub fn check_scale(scale: f64) -> Result<f64, String> {
    if scale.is_finite() && (MIN_SCALE..=MAX_SCALE).contains(&scale) {
        Ok(scale)
    } else {
        Err(format!(
            "the clock scale must be between {MIN_SCALE} and {MAX_SCALE} (API seconds per real second), not {scale}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scaled_clock_starts_at_the_real_time_and_never_goes_back() {
        let before = now_epoch_seconds();
        let clock = Clock::new(600.0);
        let mut last = clock.now();
        assert!(last >= before - 0.001);
        for _ in 0..50 {
            std::thread::sleep(Duration::from_millis(1));
            let now = clock.now();
            assert!(now >= last);
            last = now;
        }
        assert!(last > before, "600 times faster than the wall clock");
        assert_eq!(Clock::new(1e9).scale(), MAX_SCALE);
        assert_eq!(Clock::new(0.0).scale(), MIN_SCALE);
        assert!(check_scale(0.5).is_err() && check_scale(60.0).is_ok());
    }

    #[test]
    fn a_paused_clock_stands_still_and_a_new_scale_goes_on_from_where_it_was() {
        let clock = Clock::new(3600.0);
        let shared = clock.clone();
        shared.set(3600.0, true);
        let held = clock.now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.now(), held, "paused: no time passes");
        assert!(clock.paused());
        assert!(clock.real_until(held + 1.0) >= Duration::from_secs(3600));
        shared.set(1.0, false);
        assert_eq!(clock.scale(), 1.0);
        assert!(clock.now() >= held && clock.now() < held + 1.0);
        assert!(clock.real_until(held + 10.0) > Duration::from_secs(9));
    }
}
