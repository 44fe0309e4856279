//! What every service of the control plane shares: its state behind one lock, swapped in whole
//! after a successful change and published as a snapshot, and clientToken idempotency.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockWriteGuard};

/// A successful create or update, remembered by (operation, clientToken) so that a retry gets
/// the first answer instead of creating a second resource.
struct Remembered {
    fingerprint: String,
    body: Vec<u8>,
}

struct Inner<S> {
    state: Arc<S>,
    client_tokens: HashMap<(String, String), Remembered>,
}

/// One service's state. Reads get an immutable snapshot (no lock held while they work);
/// changes are made to a copy that replaces the state only if the whole change succeeds.
pub struct Plane<S> {
    inner: RwLock<Inner<S>>,
    publish: Box<dyn Fn(Arc<S>) + Send + Sync>,
}

/// A change keyed by a client token: `(operation, token)` and what identifies the request.
pub struct Idempotency {
    pub key: (String, String),
    pub fingerprint: String,
}

impl<S: Clone + Default> Plane<S> {
    pub fn new(publish: impl Fn(Arc<S>) + Send + Sync + 'static) -> Plane<S> {
        Plane {
            inner: RwLock::new(Inner {
                state: Arc::new(S::default()),
                client_tokens: HashMap::new(),
            }),
            publish: Box::new(publish),
        }
    }

    /// The current state, as an immutable snapshot.
    pub fn state(&self) -> Arc<S> {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .state
            .clone()
    }

    /// Runs `change` on a copy of the state; on success the copy becomes the state and is
    /// published. With a client token, a repeated request gets the remembered answer, and the
    /// same token with another request gets `reused(token)`.
    pub fn change<E>(
        &self,
        idempotency: Option<Idempotency>,
        change: impl FnOnce(&mut S) -> Result<Vec<u8>, E>,
        reused: impl FnOnce(&str) -> E,
    ) -> Result<Vec<u8>, E> {
        let mut inner = self.lock();
        if let Some(i) = &idempotency
            && let Some(seen) = inner.client_tokens.get(&i.key)
        {
            return if seen.fingerprint == i.fingerprint {
                Ok(seen.body.clone())
            } else {
                Err(reused(&i.key.1))
            };
        }
        let mut next = (*inner.state).clone();
        let body = change(&mut next)?;
        if let Some(i) = idempotency {
            inner.client_tokens.insert(
                i.key,
                Remembered {
                    fingerprint: i.fingerprint,
                    body: body.clone(),
                },
            );
        }
        self.swap(inner, next);
        Ok(body)
    }

    /// Runs a background change (the ECS scheduler's); publishes only if it says it changed
    /// something. Returns what `change` returns.
    pub fn update<T>(&self, change: impl FnOnce(&mut S) -> (bool, T)) -> T {
        let inner = self.lock();
        let mut next = (*inner.state).clone();
        let (changed, out) = change(&mut next);
        if changed {
            self.swap(inner, next);
        }
        out
    }

    fn lock(&self) -> RwLockWriteGuard<'_, Inner<S>> {
        // A panic in a change cannot leave the state half-changed: changes are swapped in whole.
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    fn swap(&self, mut inner: RwLockWriteGuard<'_, Inner<S>>, next: S) {
        let next = Arc::new(next);
        inner.state = next.clone();
        drop(inner);
        (self.publish)(next);
    }
}
