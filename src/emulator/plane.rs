//! What every service of the control plane shares: its state behind one lock, swapped in whole
//! after a successful change and published as a snapshot, and clientToken idempotency.

use parking_lot::{RwLock, RwLockWriteGuard};
use std::collections::{HashMap, VecDeque};
use std::fmt::{self, Debug, Write as _};
use std::hash::{DefaultHasher, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::account_region::AccountRegion;

/// How long a client token is remembered: RunTask's documented TTL (ECS "Ensuring
/// idempotency"), used for every service since App Mesh documents none.
pub const CLIENT_TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);
/// At most this many tokens are remembered per service (AWS documents no number); when there
/// are more, the account that holds the most forgets its oldest first, so that one account's
/// tokens cannot push out another's.
pub const CLIENT_TOKENS_KEPT: usize = 10_000;
/// …and their remembered answers take at most this many bytes together (the same rule).
pub const CLIENT_TOKEN_BYTES: usize = 32 << 20;

/// A successful create or update, remembered by (operation, clientToken) so that a retry gets
/// the first answer instead of creating a second resource.
struct Remembered {
    fingerprint: u64,
    body: Vec<u8>,
    at: Instant,
}

/// One account's remembered tokens, by (operation, token), oldest first.
#[derive(Default)]
struct AccountTokens {
    by_key: HashMap<(String, String), Remembered>,
    order: VecDeque<(String, String)>,
    bytes: usize,
}

impl AccountTokens {
    /// Forgets the oldest token; its bytes, or `None` if there was none.
    fn forget_oldest(&mut self) -> Option<usize> {
        let key = self.order.pop_front()?;
        let bytes = self.by_key.remove(&key).map_or(0, |old| old.body.len());
        self.bytes -= bytes;
        Some(bytes)
    }

    /// Forgets the tokens older than the TTL; how many and their bytes.
    fn expire(&mut self, now: Instant) -> (usize, usize) {
        let (mut count, mut bytes) = (0, 0);
        while let Some(key) = self.order.front() {
            let expired = self
                .by_key
                .get(key)
                .is_none_or(|r| now.duration_since(r.at) >= CLIENT_TOKEN_TTL);
            if !expired {
                break;
            }
            bytes += self.forget_oldest().unwrap_or(0);
            count += 1;
        }
        (count, bytes)
    }
}

/// The remembered tokens of every account, within their TTL and the count and byte bounds.
#[derive(Default)]
struct ClientTokens {
    accounts: HashMap<String, AccountTokens>,
    count: usize,
    bytes: usize,
}

impl ClientTokens {
    fn get(&mut self, key: &TokenKey, now: Instant) -> Option<&Remembered> {
        let (account, operation, token) = key;
        let tokens = self.accounts.get_mut(account)?;
        let (count, bytes) = tokens.expire(now);
        self.count -= count;
        self.bytes -= bytes;
        tokens.by_key.get(&(operation.clone(), token.clone()))
    }

    fn insert(&mut self, key: TokenKey, remembered: Remembered) {
        let (account, operation, token) = key;
        let tokens = self.accounts.entry(account).or_default();
        let key = (operation, token);
        let bytes = remembered.body.len();
        tokens.bytes += bytes;
        self.bytes += bytes;
        if let Some(old) = tokens.by_key.insert(key.clone(), remembered) {
            tokens.bytes -= old.body.len();
            self.bytes -= old.body.len();
        } else {
            tokens.order.push_back(key);
            self.count += 1;
        }
        let mut evicted = false;
        while self.count > CLIENT_TOKENS_KEPT || self.bytes > CLIENT_TOKEN_BYTES {
            evicted = true;
            let by_bytes = self.bytes > CLIENT_TOKEN_BYTES;
            // The account holding the most gives up its oldest.
            let Some(most) = self
                .accounts
                .values_mut()
                .max_by_key(|t| if by_bytes { t.bytes } else { t.order.len() })
            else {
                break;
            };
            let Some(freed) = most.forget_oldest() else {
                break;
            };
            self.count -= 1;
            self.bytes -= freed;
        }
        if evicted {
            self.accounts.retain(|_, t| !t.order.is_empty());
        }
    }
}

struct Inner<S> {
    state: Arc<S>,
    client_tokens: ClientTokens,
}

/// One service's state. Reads get an immutable snapshot (no lock held while they work);
/// changes are made to a copy that replaces the state only if the whole change succeeds.
pub struct Plane<S> {
    inner: RwLock<Inner<S>>,
    publish: Box<dyn Fn(Arc<S>) + Send + Sync>,
}

/// A change keyed by a client token: `(account, operation, token)` and a digest of the
/// request. Tokens are the caller's account's own: another account's same token is another key.
pub struct Idempotency {
    pub key: TokenKey,
    pub fingerprint: u64,
}

/// `(account, operation, token)`.
pub type TokenKey = (String, String, String);

impl Idempotency {
    /// Keys `request` in `scope` by its operation and token. The fingerprint is a digest of
    /// the whole request and its Region, computed without keeping (or even building) its text.
    pub fn new(
        scope: &AccountRegion,
        operation: &str,
        token: &str,
        request: &impl Debug,
    ) -> Idempotency {
        let mut digest = Digest(DefaultHasher::new());
        let _ = write!(digest, "{}\u{0}{request:?}", scope.region);
        Idempotency {
            key: (
                scope.account.clone(),
                operation.to_string(),
                token.to_string(),
            ),
            fingerprint: digest.0.finish(),
        }
    }
}

struct Digest(DefaultHasher);

impl fmt::Write for Digest {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

impl<S: Clone + Default> Plane<S> {
    pub fn new(publish: impl Fn(Arc<S>) + Send + Sync + 'static) -> Plane<S> {
        Plane {
            inner: RwLock::new(Inner {
                state: Arc::new(S::default()),
                client_tokens: ClientTokens::default(),
            }),
            publish: Box::new(publish),
        }
    }

    /// The current state, as an immutable snapshot.
    pub fn state(&self) -> Arc<S> {
        self.inner.read().state.clone()
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
        let now = Instant::now();
        if let Some(i) = &idempotency
            && let Some(seen) = inner.client_tokens.get(&i.key, now)
        {
            return if seen.fingerprint == i.fingerprint {
                Ok(seen.body.clone())
            } else {
                Err(reused(&i.key.2))
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
                    at: now,
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
        self.inner.write()
    }

    /// Publishes while still holding the lock: two changes publish in the order they were
    /// made, so a subscriber never sees an older state after a newer one.
    fn swap(&self, mut inner: RwLockWriteGuard<'_, Inner<S>>, next: S) {
        let next = Arc::new(next);
        inner.state = next.clone();
        (self.publish)(next);
        drop(inner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parking_lot::Mutex;

    #[test]
    fn concurrent_changes_publish_in_the_order_they_were_made() {
        let published = Arc::new(Mutex::new(Vec::new()));
        let seen = published.clone();
        let plane = Arc::new(Plane::<u64>::new(move |s| {
            // Widen the window between the swap and the publish that the old code left open.
            std::thread::yield_now();
            seen.lock().push(*s);
        }));
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let plane = plane.clone();
                std::thread::spawn(move || {
                    for _ in 0..500 {
                        if w % 2 == 0 {
                            plane
                                .change(None, |s| Ok::<_, ()>(vec![u8::from(*s % 2 == 0)]), |_| ())
                                .map(|_| ())
                                .unwrap();
                            plane.update(|s| {
                                *s += 1;
                                (true, ())
                            });
                        } else {
                            plane
                                .change(
                                    None,
                                    |s| {
                                        *s += 1;
                                        Ok::<_, ()>(vec![])
                                    },
                                    |_| (),
                                )
                                .unwrap();
                        }
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let published = published.lock();
        let increments: Vec<u64> = published
            .windows(2)
            .filter(|w| w[1] != w[0] + 1 && w[1] != w[0])
            .map(|w| w[1])
            .collect();
        assert!(increments.is_empty(), "out of order: {increments:?}");
        assert_eq!(published.last(), Some(&2000));
        assert_eq!(*plane.state(), 2000);
    }

    fn token(op: &str, t: &str, request: &str) -> Option<Idempotency> {
        Some(Idempotency::new(
            &AccountRegion::new("000000000000", "us-east-1"),
            op,
            t,
            &request,
        ))
    }

    #[test]
    fn client_tokens_answer_repeats_refuse_reuse_and_stay_bounded() {
        let plane = Plane::<u64>::new(|_| {});
        let create = |t: &str, request: &str| {
            plane.change(
                token("CreateMesh", t, request),
                |s| {
                    *s += 1;
                    Ok(s.to_string().into_bytes())
                },
                |t| format!("reused {t}"),
            )
        };
        assert_eq!(create("a", "mesh-1"), Ok(b"1".to_vec()));
        assert_eq!(create("a", "mesh-1"), Ok(b"1".to_vec()), "same answer");
        assert_eq!(create("a", "mesh-2"), Err("reused a".to_string()));
        assert_eq!(*plane.state(), 1, "nothing created twice");

        for i in 0..CLIENT_TOKENS_KEPT + 10 {
            create(&format!("t{i}"), "m").unwrap();
        }
        let inner = plane.inner.read();
        let tokens = &inner.client_tokens;
        assert_eq!(tokens.count, CLIENT_TOKENS_KEPT);
        assert_eq!(
            tokens.accounts["000000000000"].order.len(),
            CLIENT_TOKENS_KEPT
        );
        assert!(
            !tokens.accounts["000000000000"]
                .by_key
                .contains_key(&("CreateMesh".into(), "a".into()))
        );
    }

    fn remembered(body: Vec<u8>, at: Instant) -> Remembered {
        Remembered {
            fingerprint: 0,
            body,
            at,
        }
    }

    #[test]
    fn an_account_that_floods_tokens_forgets_its_own_first() {
        let mut tokens = ClientTokens::default();
        let t0 = Instant::now();
        let key = |account: &str, t: usize| (account.to_string(), "Op".into(), format!("t{t}"));
        for t in 0..10 {
            tokens.insert(key("victim", t), remembered(vec![1], t0));
        }
        for t in 0..CLIENT_TOKENS_KEPT + 50 {
            tokens.insert(key("flooder", t), remembered(vec![1], t0));
        }
        assert_eq!(tokens.count, CLIENT_TOKENS_KEPT);
        assert_eq!(
            tokens.accounts["victim"].order.len(),
            10,
            "the victim keeps all"
        );
        assert!(tokens.get(&key("victim", 0), t0).is_some());
        assert!(
            tokens.get(&key("flooder", 0), t0).is_none(),
            "its own oldest went"
        );
    }

    #[test]
    fn client_tokens_expire_and_their_bytes_are_bounded() {
        let mut tokens = ClientTokens::default();
        let t0 = Instant::now();
        let big = vec![0u8; CLIENT_TOKEN_BYTES / 4 + 1];
        for i in 0..8 {
            tokens.insert(
                ("0".into(), "Op".into(), format!("t{i}")),
                remembered(big.clone(), t0),
            );
        }
        assert_eq!(tokens.count, 3, "bytes bound the answers kept");
        assert!(tokens.bytes <= CLIENT_TOKEN_BYTES);
        let key = ("0".to_string(), "Op".to_string(), "t7".to_string());
        assert!(tokens.get(&key, t0 + Duration::from_secs(60)).is_some());
        assert!(tokens.get(&key, t0 + CLIENT_TOKEN_TTL).is_none(), "expired");
        assert_eq!((tokens.count, tokens.bytes), (0, 0));
    }
}
