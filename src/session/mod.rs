//! The session layer: a walkthrough bound to a target, and the one step runner every front end
//! (`meshwalk run`, `teardown`, `export`, the terminal UI, each seat of a classroom) runs its
//! steps through. A session holds no state of a front end: many run side by side in one process,
//! each against its own account.

pub mod approval;
pub mod connect;
pub mod deployment_watch;
pub mod events;
pub mod local_cloud;
pub mod progress;
pub mod recorded;
mod runner;
pub mod teardown;
pub mod weighted_route;

pub use runner::{
    Outcome, SAMPLE_IN_FLIGHT, Session, StepError, StepReport, differences, identifiers,
    inside_the_vpc, verdict,
};
