//! The client side of traffic: the load generator that calls the requester (or any URL) at a
//! set rate, and the statistics it keeps per distributor version. The walkthrough's traffic
//! step, `meshwalk traffic`, the TUI's traffic pane and the canary autopilot use it, against the
//! embedded data plane or any other endpoint alike: it knows nothing of the emulator.

pub mod stats;
pub mod traffic;

/// The version a route target stands for: the `v2` that ends `distributorV2`, or the
/// virtual node's whole name when it ends in no version (so `configured_share` finds it).
pub fn version_of_target(node: &str) -> String {
    let lower = node.to_ascii_lowercase();
    let digits = lower.len() - lower.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let before = lower.len() - digits;
    if digits > 0 && before > 0 && lower.as_bytes()[before - 1] == b'v' {
        lower[before - 1..].to_string()
    } else {
        node.to_string()
    }
}
