//! Resuming a session on the embedded cloud: a headless run there marks nothing done for the
//! terminal UI; a resume replays the steps done, restores the weights and the fault switch the
//! presenter had set, and restarts the traffic — through the real effects and the SDK.

use std::time::Duration;

use meshwalk::api::target::TargetKind;
use meshwalk::cli::RunArgs;
use meshwalk::commands::run;
use meshwalk::embedded::EmbeddedCloud;
use meshwalk::session::Session;
use meshwalk::session::connect::Connected;
use meshwalk::session::local_cloud::LocalCloud;
use meshwalk::session::progress::{Demo, Progress};
use meshwalk::tui::app::{App, Msg, StepStatus, Weights};
use meshwalk::tui::effects::Effects;
use meshwalk::walkthrough::StepKind;

use crate::support::{route_targets, walkthrough_session};

async fn embedded() -> (EmbeddedCloud, Session) {
    walkthrough_session(TargetKind::Embedded).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_run_on_the_embedded_cloud_leaves_the_ui_at_step_one() {
    let (_cloud, session) = embedded().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let mut saved = Progress::default();
    saved
        .edits
        .insert("09-route".into(), "{\"kept\": true}".into());
    saved.save(&dir).unwrap();
    let connected = Connected {
        session: session.clone(),
        embedded: None,
        progress: Progress::load(&dir).unwrap().progress,
        notice: None,
        state_dir: dir.clone(),
    };
    let mut out = Vec::new();
    let reports = run::run(
        connected,
        &Default::default(),
        &RunArgs {
            chapter: Some(1),
            ..RunArgs::default()
        },
        &mut out,
        &mut |_| {},
    )
    .await
    .unwrap();
    assert!(reports.iter().all(|r| r.outcome.is_success()));

    let progress = Progress::load(&dir).unwrap().progress;
    assert_eq!(
        progress.edits, saved.edits,
        "the user's edits are untouched"
    );
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let effects = Effects::new(session, progress, dir.clone(), None, tx);
    let views = effects.step_views();
    assert!(
        views.iter().all(|s| s.status == StepStatus::Pending),
        "{:?}",
        views.iter().map(|s| (&s.id, &s.status)).collect::<Vec<_>>()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_replays_restores_the_demo_and_restarts_traffic() {
    let (cloud, session) = embedded().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let steps = &session.walkthrough().steps;
    let traffic = steps
        .iter()
        .position(|s| matches!(s.kind, StepKind::Traffic { .. }))
        .unwrap();
    let key = session.target().key();
    let mut progress = Progress::default();
    for step in &steps[..=traffic] {
        progress.mark_done(&key, &step.id);
    }
    let weights = vec![
        ("distributorV1".to_string(), 30),
        ("distributorV2".to_string(), 70),
    ];
    progress.demo.insert(
        key,
        Demo {
            weights: Some(weights.clone()),
            fault: true,
        },
    );

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let effects = Effects::new(
        session.clone(),
        progress,
        dir.clone(),
        Some(LocalCloud::of(&cloud, &session.target().account)),
        tx,
    );
    let mut app = App::new("embedded".into(), effects.step_views(), (140, 45));
    let done: Vec<usize> = (0..=traffic)
        .filter(|&i| !matches!(steps[i].kind, StepKind::Teardown))
        .collect();
    effects.replay(done.clone());

    let restored = Some(Weights {
        targets: weights.clone(),
    });
    let mut note = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("traffic resumes in time")
            .unwrap();
        let sample = matches!(msg, Msg::Traffic(_));
        let resumed = matches!(msg, Msg::Resumed(_));
        for cmd in app.update(msg) {
            effects.handle(cmd);
        }
        if resumed {
            note = app.toast.clone();
        }
        if sample && app.weights == restored && app.fault {
            break;
        }
    }
    let note = note.expect("a resume note");
    assert!(
        note.starts_with(&format!("resumed: replayed {} steps in ", done.len())),
        "{note}"
    );
    assert!(
        cloud.faults().get("v2").is_some(),
        "the fault switch is on again"
    );
    assert_eq!(route_targets(&session.target().appmesh).await, weights);
    effects.stop_traffic();
    let _ = std::fs::remove_dir_all(dir);
}
