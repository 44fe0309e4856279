//! The canary autopilot, Flagger-style, on an App Mesh route with two weighted targets (the
//! primary and the canary): every interval it checks the canary's success rate and p99 over
//! that interval, then moves `step` points of weight to the canary, up to `max_weight`, then
//! promotes (100% on the canary). A failed check rolls back to 100% on the primary.
//!
//! [`plan`] decides (no I/O, unit-tested); [`pilot`] drives it: it reads the load generator's
//! samples and moves the weights through the real UpdateRoute call.

pub mod pilot;
pub mod plan;

pub use pilot::{Pilot, Stage, StageEvent};
pub use plan::{Analysis, Breach, CanaryPlan, Decision};
