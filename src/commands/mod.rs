//! One module per subcommand.

pub mod canary;
pub mod check;
pub mod export;
pub mod notes;
pub mod run;
pub mod serve;
pub mod target;
pub mod teardown;
pub mod traffic;
