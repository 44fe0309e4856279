//! The load generator: open-loop requests at a set rate against the requester (or any URL),
//! bounded in time, each answer attributed to the distributor version that gave it. One
//! compact [`Sample`] per interval goes out on a channel (a UI drains it once per frame).

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Request, Uri};
use http_body_util::BodyExt;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use super::stats::{RequestOutcome, Stats, Summary, Tally};
use crate::http_client::{HttpClient, full, http_client};

#[derive(Debug, Clone)]
pub struct TrafficConfig {
    pub url: Uri,
    /// Requests per second, started on schedule whether or not earlier ones have answered.
    pub rps: f64,
    /// Stops by itself after this long (None: until stopped).
    pub duration: Option<Duration>,
    /// How often a sample is sent.
    pub interval: Duration,
    /// How many intervals the sliding window spans.
    pub window: usize,
    /// Requests in flight beyond this are not started (and counted as errors), unless
    /// `wait_when_full`.
    pub max_in_flight: usize,
    /// With `max_in_flight` requests in flight, wait for one to answer rather than count the
    /// next as not sent: a step's short sample at a high rate then sends as many requests as
    /// the host answers in time, never a burst of hundreds at once (a classroom's attendees
    /// reaching a traffic step together on one host).
    pub wait_when_full: bool,
    pub request_timeout: Duration,
    /// Headers every request carries (`meshwalk traffic --header`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// `NAME:VALUE` as a header.
pub fn parse_header(given: &str) -> Result<(HeaderName, HeaderValue), String> {
    let (name, value) = given
        .split_once(':')
        .ok_or_else(|| format!("'{given}' is not a header as NAME:VALUE"))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("'{name}' is not a header name"))?;
    let value = HeaderValue::from_str(value.trim())
        .map_err(|_| format!("'{value}' is not a header value"))?;
    Ok((name, value))
}

impl TrafficConfig {
    pub fn new(url: Uri) -> TrafficConfig {
        TrafficConfig {
            url,
            rps: 50.0,
            duration: None,
            interval: Duration::from_millis(250),
            window: 20,
            max_in_flight: 2048,
            wait_when_full: false,
            request_timeout: Duration::from_secs(5),
            headers: Vec::new(),
        }
    }
}

/// What the generator saw during one interval and since the start.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub elapsed: Duration,
    pub window: Summary,
    pub total: Summary,
    pub in_flight: usize,
    /// This interval alone, to be added up with others (see [`Tally`]).
    pub last: Arc<Tally>,
}

/// A running generator.
pub struct Traffic {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: JoinHandle<Summary>,
}

impl Traffic {
    pub fn start(config: TrafficConfig, samples: mpsc::Sender<Sample>) -> Traffic {
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(drive(config, stopped, samples));
        Traffic {
            stop: Some(stop),
            task,
        }
    }

    /// Stops starting requests, waits for those in flight, and returns the totals.
    pub async fn stop(mut self) -> Summary {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.finished().await
    }

    /// Waits until the generator ends by itself (its duration is over).
    pub async fn finished(&mut self) -> Summary {
        (&mut self.task)
            .await
            .unwrap_or_else(|_| Stats::new(Duration::from_secs(1), 1).total())
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How much of a missed schedule (in seconds of it) the generator still sends.
const MAX_CATCH_UP_S: f64 = 0.1;

async fn drive(
    config: TrafficConfig,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
    samples: mpsc::Sender<Sample>,
) -> Summary {
    let client = http_client();
    let (results_tx, mut results) = mpsc::unbounded_channel::<RequestOutcome>();
    let mut stats = Stats::new(config.interval, config.window);
    let start = Instant::now();
    let mut schedule = tokio::time::interval(Duration::from_millis(5));
    schedule.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut report = tokio::time::interval_at(start + config.interval, config.interval);
    report.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let (mut owed, mut last, mut in_flight) = (0.0f64, start, 0usize);
    let headers = Arc::new(config.headers.clone());
    let end = config.duration.map(|d| start + d);
    loop {
        tokio::select! {
            _ = schedule.tick() => {
                let now = Instant::now();
                if end.is_some_and(|end| now >= end) {
                    break;
                }
                // A generator that was not polled for a while (a busy host: a classroom's
                // dozens of seats and data planes on two cores) does not fire the requests it
                // missed all at once: a burst of hundreds at once through three hops opens as many
                // connections at each, and the rate the pane reads is what was sent anyway.
                owed = (owed + config.rps * (now - last).as_secs_f64()).min(config.rps * MAX_CATCH_UP_S + 1.0);
                last = now;
                while owed >= 1.0 {
                    owed -= 1.0;
                    if in_flight >= config.max_in_flight && config.wait_when_full {
                        owed += 1.0;
                        break;
                    }
                    if in_flight >= config.max_in_flight {
                        stats.record(&RequestOutcome { version: None, success: false, overflow: false, not_sent: true, latency: Duration::ZERO });
                        continue;
                    }
                    in_flight += 1;
                    tokio::spawn(one_request(client.clone(), config.url.clone(), headers.clone(), config.request_timeout, results_tx.clone()));
                }
            }
            Some(outcome) = results.recv() => {
                in_flight -= 1;
                stats.record(&outcome);
            }
            _ = report.tick() => {
                let (window, total) = stats.tick(start.elapsed());
                let _ = samples.try_send(Sample { elapsed: start.elapsed(), window, total, in_flight, last: stats.last() });
            }
            _ = &mut stopped => break,
        }
    }
    // Let the requests in flight answer (each is bounded by its own timeout).
    drop(results_tx);
    while in_flight > 0 {
        match tokio::time::timeout(config.request_timeout, results.recv()).await {
            Ok(Some(outcome)) => {
                in_flight -= 1;
                stats.record(&outcome);
            }
            _ => break,
        }
    }
    let elapsed = match end {
        Some(end) => end.min(Instant::now()) - start,
        None => start.elapsed(),
    };
    let (window, total) = stats.tick(elapsed);
    let _ = samples.try_send(Sample {
        elapsed,
        window,
        total: total.clone(),
        in_flight,
        last: stats.last(),
    });
    total
}

async fn one_request(
    client: HttpClient,
    url: Uri,
    headers: Arc<Vec<(HeaderName, HeaderValue)>>,
    timeout: Duration,
    results: mpsc::UnboundedSender<RequestOutcome>,
) {
    let started = Instant::now();
    let outcome = match tokio::time::timeout(timeout, call(&client, url, &headers)).await {
        Ok(Some(Answer {
            success,
            overflow,
            version,
        })) => RequestOutcome {
            version,
            success,
            overflow,
            not_sent: false,
            latency: started.elapsed(),
        },
        _ => RequestOutcome {
            version: None,
            success: false,
            overflow: false,
            not_sent: false,
            latency: started.elapsed(),
        },
    };
    let _ = results.send(outcome);
}

/// What one GET got.
struct Answer {
    success: bool,
    overflow: bool,
    version: Option<String>,
}

/// One GET; None when there was no answer at all.
async fn call(
    client: &HttpClient,
    url: Uri,
    headers: &[(HeaderName, HeaderValue)],
) -> Option<Answer> {
    let mut request = Request::get(url).body(full(Vec::new())).ok()?;
    for (name, value) in headers {
        request.headers_mut().append(name.clone(), value.clone());
    }
    let response = client.request(request).await.ok()?;
    let success = response.status().is_success();
    let overloaded = response.headers().contains_key("x-envoy-overloaded");
    let body = response.into_body().collect().await.ok()?.to_bytes();
    Some(Answer {
        success,
        overflow: !success && (overloaded || is_overflow(&body)),
        version: version_of(&body),
    })
}

/// Whether a body is Envoy's overflow answer, whole or as the requester relays it.
fn is_overflow(body: &[u8]) -> bool {
    let needle = b"reset reason: overflow";
    body.windows(needle.len()).any(|w| w == needle)
}

/// The distributor version in a requester's answer (or a distributor's own): its task
/// definition revision (`family:revision`) when it says one (Service Connect's http-echo
/// answers do), else its version (the chapter 1 gophers').
pub fn version_of(body: &[u8]) -> Option<String> {
    let json: Value = serde_json::from_slice(body).ok()?;
    let version = json
        .pointer("/distributor/revision")
        .or_else(|| json.get("revision"))
        .or_else(|| json.pointer("/distributor/version"))
        .or_else(|| json.get("version"))?;
    version.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_attributed_to_their_revision_else_their_version() {
        let relayed = br#"{"distributor": {"version": "v1", "revision": "sc-distributor:2"}}"#;
        assert_eq!(version_of(relayed).as_deref(), Some("sc-distributor:2"));
        let own = br#"{"version": "v1", "revision": "sc-distributor:3"}"#;
        assert_eq!(version_of(own).as_deref(), Some("sc-distributor:3"));
        let gopher = br#"{"distributor": {"version": "v2", "task": "t"}}"#;
        assert_eq!(version_of(gopher).as_deref(), Some("v2"));
        assert_eq!(version_of(b"not json"), None);
    }

    #[test]
    fn overflow_answers_are_told_apart() {
        let envoy = crate::envoy::OVERFLOW_BODY.as_bytes();
        assert!(is_overflow(envoy));
        let relayed = serde_json::json!({"distributor": crate::envoy::OVERFLOW_BODY});
        assert!(is_overflow(relayed.to_string().as_bytes()));
        assert!(!is_overflow(b"upstream request timeout"));
    }
}
