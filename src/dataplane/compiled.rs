//! A table the data plane compiles from the cloud's state (the sidecars' routing, the Service
//! Connect proxies' aliases), kept for the newest snapshot and shared by every container: it
//! is compiled again by the first request that finds it older than the newest snapshot, so a
//! change applies to the very next request and routing a request compiles nothing.

use parking_lot::RwLock;
use std::sync::Arc;

use tokio::sync::watch;

use crate::emulator::snapshot::CloudSnapshot;

/// What a cache holds: a table compiled from one snapshot, which knows its generation.
pub trait Compiled {
    fn compile(snapshot: &CloudSnapshot) -> Self;
    fn generation(&self) -> u64;
}

pub struct CompiledCache<T> {
    snapshots: watch::Receiver<CloudSnapshot>,
    current: RwLock<Arc<T>>,
}

impl<T: Compiled> CompiledCache<T> {
    pub fn new(snapshots: watch::Receiver<CloudSnapshot>) -> CompiledCache<T> {
        let table = T::compile(&snapshots.borrow());
        CompiledCache {
            snapshots,
            current: RwLock::new(Arc::new(table)),
        }
    }

    /// The table for the newest snapshot, compiled now if the cached one is older.
    pub fn current(&self) -> Arc<T> {
        let generation = self.snapshots.borrow().generation;
        {
            let current = self.current.read();
            if current.generation() == generation {
                return current.clone();
            }
        }
        let snapshot = self.snapshots.borrow().clone();
        let compiled = Arc::new(T::compile(&snapshot));
        *self.current.write() = compiled.clone();
        compiled
    }
}
