//! Many sessions in one process: two accounts' sessions run chapter 1 through its traffic step
//! and then its teardown step through the one step runner, at the same time, each reading its
//! own stream of events; neither sees the other's, and one's teardown leaves the other whole.

use meshwalk::emulator::accounts::Credentials;
use meshwalk::session::events::{Events, StepEvent};
use meshwalk::session::teardown::Deletion;
use meshwalk::session::{Outcome, Session};
use meshwalk::walkthrough::StepKind;

use crate::accounts::accounts;
use crate::accounts_traffic::{drive, requester_url, room, session_of};

/// What one session's stream told, step by step.
#[derive(Debug, Default)]
struct Told {
    finished: Vec<(usize, Outcome)>,
    deleted: Vec<Deletion>,
    /// Requests the traffic samples told of, by step.
    sampled: Vec<(usize, u64)>,
}

/// Runs `steps` in order through the step runner, every event on one stream; stops at the
/// first step that fails.
async fn run_through_runner(session: &Session, steps: Vec<usize>) -> Told {
    let (events, mut stream) = Events::channel();
    let reader = tokio::spawn(async move {
        let mut told = Told::default();
        while let Some(event) = stream.recv().await {
            match event {
                StepEvent::Finished(i, report) => told.finished.push((i, report.outcome)),
                StepEvent::Deleted(d) => told.deleted.push(d),
                // A sample comes before its step's report: it is the next step's.
                StepEvent::Traffic(sample) => told
                    .sampled
                    .push((told.finished.len(), sample.total.requests)),
                StepEvent::Status(_) | StepEvent::Poll(_) | StepEvent::TestTraffic(_) => {}
            }
        }
        told
    });
    for i in steps {
        let report = session.run_with(i, false, &events).await;
        if !report.outcome.is_success() {
            break;
        }
    }
    drop(events);
    reader.await.unwrap()
}

/// Chapter 1 up to and with its first traffic step, and its teardown step.
fn chapter_1(session: &Session) -> (Vec<usize>, usize) {
    let w = session.walkthrough();
    let chapter = w.chapters()[0].steps.clone();
    let traffic = chapter
        .clone()
        .find(|&i| matches!(w.steps[i].kind, StepKind::Traffic { .. }))
        .unwrap();
    let teardown = chapter
        .clone()
        .find(|&i| matches!(w.steps[i].kind, StepKind::Teardown))
        .unwrap();
    ((chapter.start..=traffic).collect(), teardown)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sessions_run_chapter_1_side_by_side_through_the_step_runner() {
    let [alice, bob]: [Credentials; 2] = accounts(&["alice", "bob"]).try_into().unwrap();
    let cloud = room(&[alice.clone(), bob.clone()], |_| {}).await;
    let (a, b) = (
        session_of(&cloud, &alice).await,
        session_of(&cloud, &bob).await,
    );
    let (steps, teardown) = chapter_1(&a);

    let (told_a, told_b) = tokio::join!(
        run_through_runner(&a, steps.clone()),
        run_through_runner(&b, steps.clone())
    );
    for told in [&told_a, &told_b] {
        // Each step's report arrived on the session's own stream, in order, all done.
        let order: Vec<usize> = told.finished.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, steps, "{told:?}");
        assert!(told.finished.iter().all(|(_, o)| o.is_done()), "{told:?}");
        assert!(
            matches!(told.finished.last(), Some((_, Outcome::Observed(s))) if s.requests > 0),
            "the traffic step observed traffic: {told:?}"
        );
        assert!(told.deleted.is_empty());
        // The traffic step told its samples as they came: only it, and to its own stream.
        let traffic_step = steps.len() - 1;
        assert!(!told.sampled.is_empty(), "{told:?}");
        assert!(told.sampled.iter().all(|(i, _)| *i == traffic_step));
        let Some((_, Outcome::Observed(summary))) = told.finished.last() else {
            unreachable!()
        };
        let last_sampled = told.sampled.last().map_or(0, |(_, n)| *n);
        assert!(last_sampled <= summary.requests, "{told:?}");
    }

    // Alice tears her chapter down through the runner, as a step; Bob's stays up and serves.
    let down = run_through_runner(&a, vec![teardown]).await;
    let [(i, Outcome::TornDown(n))] = down.finished.as_slice() else {
        panic!("the teardown step ended otherwise: {down:?}");
    };
    assert_eq!(*i, teardown);
    assert_eq!(*n, down.deleted.len(), "every deletion was told: {down:?}");
    // All that the steps run made is deleted; the tasks a later step (not run) starts were
    // never there.
    assert!(
        down.deleted.iter().all(|d| match d.result {
            Ok("deleted" | "deregistered") => true,
            Ok("already gone") => d.what.starts_with("tasks started by"),
            _ => false,
        }),
        "{down:?}"
    );
    let meshes = |s: &Session| {
        let client = s.target().appmesh.clone();
        async move { client.list_meshes().send().await.unwrap().meshes.len() }
    };
    assert_eq!(meshes(&a).await, 0);
    assert_eq!(meshes(&b).await, 1);
    let (ok, _) = drive(&requester_url(&b).await, 20).await;
    assert_eq!(ok, 20, "Bob's requester still answers");
}
