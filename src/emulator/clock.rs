//! The embedded cloud's one clock: every timestamp App Mesh, ECS and Cloud Map hand out, and
//! every deadline the ECS scheduler keeps, is read from the cloud's [`Clock`], so that the
//! services agree on the time.
//!
//! A clock may run faster than the wall clock (its *scale*): at ×60 one API minute passes in one
//! real second, so that ECS bake times given in minutes pass in seconds on stage. It starts at
//! the real time the cloud started and advances by the monotonic clock times the scale, so its
//! timestamps never go backwards and never fall before the cloud started, at any scale.

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
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    started_epoch: f64,
    started: Instant,
    scale: f64,
}

impl Clock {
    /// A clock starting now; `scale` is clamped to [`MIN_SCALE`]..=[`MAX_SCALE`] (callers that
    /// take it from a user check it first and say so).
    pub fn new(scale: f64) -> Clock {
        let scale = if scale.is_finite() {
            scale.clamp(MIN_SCALE, MAX_SCALE)
        } else {
            MIN_SCALE
        };
        Clock {
            started_epoch: now_epoch_seconds(),
            started: Instant::now(),
            scale,
        }
    }

    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The cloud's time in epoch seconds (millisecond precision, monotonic).
    pub fn now(&self) -> f64 {
        let elapsed = self.started.elapsed().as_secs_f64() * self.scale;
        ((self.started_epoch + elapsed) * 1000.0).floor() / 1000.0
    }

    /// How long to really wait until the cloud's clock reads `at`.
    pub fn real_until(&self, at: f64) -> Duration {
        Duration::from_secs_f64(((at - self.now()) / self.scale).max(0.0))
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
}
