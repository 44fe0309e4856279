//! The embedded cloud's state as immutable snapshots on a `tokio::sync::watch` channel: the
//! control plane publishes one after every successful change; the data plane only reads them.

use std::sync::Arc;

use tokio::sync::watch;

use super::appmesh::store::AppMeshState;
use super::ecs::store::EcsState;

/// Everything the data plane needs to know, at one instant. Cheap to clone (shared parts).
#[derive(Debug, Clone, Default)]
pub struct CloudSnapshot {
    /// Increases by one with every published change.
    pub generation: u64,
    pub appmesh: Arc<AppMeshState>,
    pub ecs: Arc<EcsState>,
}

/// The sending side, shared by the services of the control plane.
#[derive(Debug, Clone)]
pub struct Publisher {
    tx: watch::Sender<CloudSnapshot>,
}

impl Publisher {
    pub fn new() -> Publisher {
        Publisher {
            tx: watch::Sender::new(CloudSnapshot::default()),
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<CloudSnapshot> {
        self.tx.subscribe()
    }

    pub fn current(&self) -> CloudSnapshot {
        self.tx.borrow().clone()
    }

    pub fn publish_appmesh(&self, state: Arc<AppMeshState>) {
        self.tx.send_modify(|s| {
            s.generation += 1;
            s.appmesh = state;
        });
    }
}

impl Publisher {
    pub fn publish_ecs(&self, state: Arc<EcsState>) {
        self.tx.send_modify(|s| {
            s.generation += 1;
            s.ecs = state;
        });
    }
}

impl Default for Publisher {
    fn default() -> Self {
        Publisher::new()
    }
}
