//! The embedded cloud's one clock: every timestamp App Mesh and ECS hand out, and every
//! deadline the ECS scheduler keeps, is read here, so that both services agree on the time.

use std::time::{SystemTime, UNIX_EPOCH};

/// Epoch seconds with millisecond precision, as App Mesh and ECS send timestamps.
pub fn now_epoch_seconds() -> f64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (since.as_millis() as f64) / 1000.0
}
