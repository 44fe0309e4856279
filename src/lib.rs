//! meshwalk: an interactive walkthrough of AWS App Mesh, step by step, with an embedded cloud
//! (an App Mesh + ECS emulator) as its default target.

pub mod api;
pub mod canary;
pub mod classroom;
pub mod cli;
pub mod commands;
pub mod dataplane;
pub mod embedded;
pub mod emulator;
pub mod envoy;
pub mod export;
pub mod http_client;
pub mod load;
pub use meshwalk_model as model;
pub mod presenter;
pub mod session;
pub mod state_file;
pub mod tui;
pub mod user_error;
pub mod walkthrough;
