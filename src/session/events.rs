//! What a running step tells while it runs, as one stream of typed events: every front end (a
//! headless run in a terminal, the terminal UI, a classroom seat) reads the same stream and
//! shows it its own way.

use std::future::Future;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::StepReport;
use super::approval::TestTraffic;
use super::deployment_watch::Poll;
use super::teardown::Deletion;
use crate::load::traffic::Sample;

/// One thing a step did or saw.
#[derive(Debug, Clone, PartialEq)]
pub enum StepEvent {
    /// What a long step is doing now, told once each time it changes (a followed
    /// deployment's status and stage, a teardown waiting for ECS to drain a service).
    Status(String),
    /// A followed deployment, as one look at it found it.
    Poll(Box<Poll>),
    /// One deletion of a teardown, as it ended.
    Deleted(Deletion),
    /// What a traffic step's requests did in one interval, and since it began.
    Traffic(Box<Sample>),
    /// Where a paused blue/green deployment's test traffic and production traffic went, as
    /// the step's last sample of each found it.
    TestTraffic(Box<TestTraffic>),
    /// The step `index` ended with this report.
    Finished(usize, Box<StepReport>),
}

/// Where a step sends its events: nowhere, or a channel someone reads. Cheap to clone; a
/// reader that has gone away loses the events, never the step.
#[derive(Debug, Clone, Default)]
pub struct Events(Option<UnboundedSender<StepEvent>>);

impl Events {
    /// Nobody listens.
    pub fn none() -> Events {
        Events(None)
    }

    /// Events and the stream they arrive on, in the order they were sent.
    pub fn channel() -> (Events, UnboundedReceiver<StepEvent>) {
        let (tx, rx) = unbounded_channel();
        (Events(Some(tx)), rx)
    }

    pub fn send(&self, event: StepEvent) {
        if let Some(tx) = &self.0 {
            let _ = tx.send(event);
        }
    }

    pub fn status(&self, line: impl Into<String>) {
        self.send(StepEvent::Status(line.into()));
    }
}

/// Runs `work` (which sends to the events whose stream is `events`), handing each event to
/// `show` as it arrives and the last ones once `work` is done: for front ends that write each
/// event where they are, in order, while the step runs.
pub async fn showing<T>(
    work: impl Future<Output = T>,
    mut events: UnboundedReceiver<StepEvent>,
    mut show: impl FnMut(StepEvent),
) -> T {
    tokio::pin!(work);
    let out = loop {
        tokio::select! {
            out = &mut work => break out,
            Some(event) = events.recv() => show(event),
        }
    };
    while let Ok(event) = events.try_recv() {
        show(event);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_event_is_shown_in_order_including_those_sent_last() {
        let (events, stream) = Events::channel();
        let mut shown = Vec::new();
        let out = showing(
            async {
                events.status("one");
                tokio::task::yield_now().await;
                events.status("two");
                events.status("three");
                7
            },
            stream,
            |e| shown.push(e),
        )
        .await;
        assert_eq!(out, 7);
        let said: Vec<_> = shown
            .into_iter()
            .map(|e| match e {
                StepEvent::Status(s) => s,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(said, ["one", "two", "three"]);
    }
}
