//! One module per subcommand.

pub mod canary;
pub mod check;
pub mod classroom;
pub mod export;
pub mod notes;
pub mod run;
pub mod serve;
pub mod target;
pub mod teardown;
pub mod traffic;

/// Where a headless command says what a long step is doing now (a deployment's stage, a
/// service draining): stderr in a terminal, nowhere in a pipe (which gets the report only,
/// the same every run).
pub type StatusOut<'a> = &'a mut dyn FnMut(&str);
