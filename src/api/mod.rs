//! The client side: SDK configuration per target, and the typed calls the walkthrough makes.

pub mod target;
