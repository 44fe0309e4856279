//! Serde types mirroring the AWS wire shapes: one definition per shape, shared by the emulator
//! (request and response bodies) and the client side (reading `--cli-input-json` files).
//!
//! `appmesh`, `ecs` and `servicediscovery` are generated from the botocore service models by
//! `tools/gen_model.py`; `protocol` and `validate` are the hand-written pieces they lean on.

pub mod appmesh;
pub mod ecs;
pub mod protocol;
pub mod servicediscovery;
pub mod validate;

pub use protocol::{DecodeError, ModelAction, Operation, OutputBody};
pub use validate::{Validate, Violations};
