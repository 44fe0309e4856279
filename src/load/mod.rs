//! The client side of traffic: the load generator that calls the requester (or any URL) at a
//! set rate, and the statistics it keeps per distributor version. The walkthrough's traffic
//! step, `meshwalk traffic`, the TUI's traffic pane and the canary autopilot use it, against the
//! embedded data plane or any other endpoint alike: it knows nothing of the emulator.

pub mod stats;
pub mod traffic;
