//! A listener's HTTP connection pool (`connectionPool.http`), as Envoy's circuit breakers
//! apply it to a host: `maxConnections` requests at once, `maxPendingRequests` more waiting
//! for one of them, and any beyond that answered at once with a 503 "overflow".

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::hosts::HostState;
use crate::model::appmesh as am;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolLimits {
    pub max_connections: u32,
    pub max_pending_requests: u32,
}

impl PoolLimits {
    pub fn from_spec(spec: &am::VirtualNodeConnectionPool) -> Option<PoolLimits> {
        let http = spec.http.as_ref()?;
        Some(PoolLimits {
            max_connections: u32::try_from(http.max_connections).ok()?.max(1),
            // App Mesh's default: no bound that matters.
            max_pending_requests: http
                .max_pending_requests
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(u32::MAX),
        })
    }
}

#[derive(Debug)]
pub struct Pool {
    limits: PoolLimits,
    connections: Arc<Semaphore>,
    pending: AtomicU32,
}

/// The request was turned away: the pool and its queue are full.
#[derive(Debug)]
pub struct Overflow;

impl Pool {
    /// The host's pool for these limits (a new one if the limits changed).
    pub fn of(host: &HostState, limits: PoolLimits) -> Arc<Pool> {
        let mut pool = host.pool.lock();
        match pool.as_ref() {
            Some(p) if p.limits == limits => p.clone(),
            _ => {
                let p = Arc::new(Pool {
                    limits,
                    connections: Arc::new(Semaphore::new(limits.max_connections as usize)),
                    pending: AtomicU32::new(0),
                });
                *pool = Some(p.clone());
                p
            }
        }
    }

    /// A connection for one request, waiting for one if the queue has room; held until the
    /// answer is in.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, Overflow> {
        if let Ok(permit) = self.connections.clone().try_acquire_owned() {
            return Ok(permit);
        }
        let queued = self.pending.fetch_add(1, Ordering::AcqRel);
        let result = if queued < self.limits.max_pending_requests {
            self.connections
                .clone()
                .acquire_owned()
                .await
                .map_err(|_closed| Overflow)
        } else {
            Err(Overflow)
        };
        self.pending.fetch_sub(1, Ordering::AcqRel);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::hosts::Hosts;

    #[tokio::test]
    async fn beyond_connections_and_queue_is_overflow() {
        let hosts = Hosts::new(1);
        let h = hosts.get("127.0.0.1:1".parse().unwrap(), "t", "n", "0");
        let limits = PoolLimits {
            max_connections: 2,
            max_pending_requests: 1,
        };
        let pool = Pool::of(&h, limits);
        let a = pool.enter().await.unwrap();
        let _b = pool.enter().await.unwrap();
        let waiting = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.enter().await.is_ok() })
        };
        while pool.pending.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        assert!(pool.enter().await.is_err(), "the queue of one is full");
        drop(a);
        assert!(
            waiting.await.unwrap(),
            "the queued request gets the freed connection"
        );
        assert!(Arc::ptr_eq(&pool, &Pool::of(&h, limits)));
    }
}
