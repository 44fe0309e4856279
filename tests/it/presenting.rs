//! The presenter owns the embedded cloud's clock: a resume in the middle of chapter 2's canary
//! replays at a fast clock even when the presenter runs at ×1, selects the live step and
//! gives the presenter's pace back; Space pauses the clock and the canary's bake holds while
//! traffic flows; resumed (and faster) the deployment ends. Through the real App, effects,
//! embedded cloud and SDK.

use std::time::{Duration, Instant};

use aws_sdk_ecs::types::{ServiceDeploymentLifecycleStage as Stage, ServiceDeploymentStatus};
use meshwalk::api::target::TargetKind;
use meshwalk::session::deployment_watch::{describe, service_now};
use meshwalk::session::local_cloud::LocalCloud;
use meshwalk::session::progress::Progress;
use meshwalk::tui::app::{App, Msg};
use meshwalk::tui::effects::Effects;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::support::{walkthrough_session, within};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// The canary's deployment of sc-distributor, as DescribeServiceDeployments says.
async fn canary(ecs: &aws_sdk_ecs::Client) -> Option<aws_sdk_ecs::types::ServiceDeployment> {
    let now = service_now(ecs, "gophers-sc", "sc-distributor")
        .await
        .ok()?;
    describe(ecs, &now.current_deployment?).await.ok()
}

/// Feeds the App what the effects say until `until` holds of it.
async fn pump(
    app: &mut App,
    effects: &Effects,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>,
    secs: u64,
    until: impl Fn(&App, &Msg) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("in time")
            .unwrap();
        let done_msg = msg.clone();
        for cmd in app.update(msg) {
            effects.handle(cmd);
        }
        if until(app, &done_msg) {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_mid_canary_at_x1_replays_fast_selects_the_live_step_and_space_holds_the_bake() {
    let (cloud, session) = walkthrough_session(TargetKind::Embedded).await;
    let local = LocalCloud::of(&cloud, &session.target().account);
    // The presenter's pace: real time.
    let clock = cloud.clock();
    clock.set(1.0, false);
    let steps = &session.walkthrough().steps;
    let chapter_2 = steps
        .iter()
        .position(|s| s.chapter.is_some() && s.id.contains("after"))
        .unwrap();
    let canary_step = steps.iter().position(|s| s.id == "40-sc-canary").unwrap();
    let key_of = session.target().key();
    let mut progress = Progress::default();
    for step in &steps[chapter_2..=canary_step] {
        progress.mark_done(&key_of, &step.id);
    }
    let tmp = tempfile::tempdir().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let effects = Effects::new(
        session.clone(),
        progress,
        tmp.path().to_path_buf(),
        Some(local),
        tx,
    );
    let mut app = App::new("embedded".into(), effects.step_views(), (140, 45));
    app.clock_scale = 1.0;
    app.select_where_progress_stands();
    assert_eq!(
        app.selected,
        canary_step + 1,
        "the canary's watch step is selected"
    );

    let started = Instant::now();
    effects.replay((chapter_2..=canary_step).collect());
    pump(&mut app, &effects, &mut rx, 60, |_, m| {
        matches!(m, Msg::Resumed(_))
    })
    .await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "the replay took {took:?}");
    assert!(
        app.toast
            .as_deref()
            .unwrap_or_default()
            .starts_with("resumed: replayed"),
        "{:?}",
        app.toast
    );
    assert_eq!(app.selected, canary_step + 1, "still on the live step");
    assert_eq!((app.clock_scale, app.clock_paused), (1.0, false));
    assert_eq!(clock.scale(), 1.0, "the presenter's pace is back");
    let ecs = &session.target().ecs;
    let live = canary(ecs).await.expect("the canary's deployment");
    assert_eq!(live.status(), Some(&ServiceDeploymentStatus::InProgress));

    // Enter on the watch step: traffic flows through the requester while it bakes.
    for cmd in app.update(key(KeyCode::Enter)) {
        effects.handle(cmd);
    }
    within(30, "the canary's 10%", || async {
        let d = canary(ecs).await?;
        (d.lifecycle_stage() == Some(&Stage::ProductionTrafficShift)).then_some(())
    })
    .await;
    // Space pauses; > three times: ×60 while paused.
    for code in [
        KeyCode::Char(' '),
        KeyCode::Char('>'),
        KeyCode::Char('>'),
        KeyCode::Char('>'),
    ] {
        for cmd in app.update(key(code)) {
            effects.handle(cmd);
        }
    }
    pump(&mut app, &effects, &mut rx, 10, |a, _| {
        a.clock_scale == 60.0
    })
    .await;
    assert!(app.clock_paused && clock.paused());
    let held = clock.now();
    // Longer than the whole 1-minute bake would last at ×60: the bake holds, traffic flows.
    let requests_before = app.traffic.latest.as_ref().map_or(0, |s| s.total.requests);
    pump(&mut app, &effects, &mut rx, 10, |a, _| {
        a.traffic.latest.as_ref().map_or(0, |s| s.total.requests) > requests_before + 50
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(clock.now(), held, "no cloud time passes while paused");
    let d = canary(ecs).await.unwrap();
    assert_eq!(d.lifecycle_stage(), Some(&Stage::ProductionTrafficShift));
    assert_eq!(
        d.target_service_revision()
            .unwrap()
            .requested_production_traffic_weight(),
        Some(10.0)
    );
    // Space again: at ×60 the bake ends within seconds.
    for cmd in app.update(key(KeyCode::Char(' '))) {
        effects.handle(cmd);
    }
    within(30, "the canary's success", || async {
        let d = canary(ecs).await?;
        (d.status() == Some(&ServiceDeploymentStatus::Successful)).then_some(())
    })
    .await;
    effects.stop_traffic();
}

/// The ARN of sc-distributor's current deployment.
async fn current_arn(ecs: &aws_sdk_ecs::Client) -> String {
    service_now(ecs, "gophers-sc", "sc-distributor")
        .await
        .unwrap()
        .current_deployment
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploying_step_run_again_says_its_revision_is_there_and_deploys_nothing() {
    let (cloud, session) = walkthrough_session(TargetKind::Embedded).await;
    let clock = cloud.clock();
    clock.set(1.0, false);
    let steps = &session.walkthrough().steps;
    let first = steps
        .iter()
        .position(|s| s.id == "31-after-app-mesh")
        .unwrap();
    let canary_step = steps.iter().position(|s| s.id == "40-sc-canary").unwrap();
    for (i, step) in steps.iter().enumerate().take(canary_step + 1).skip(first) {
        let report = session.run(i, false).await;
        assert!(
            report.outcome.is_success(),
            "{}: {}",
            step.id,
            report.outcome.label()
        );
    }
    let ecs = &session.target().ecs;
    let canary = current_arn(ecs).await;
    // While the canary bakes (at ×1, for a minute): no second deployment.
    let again = session.run(canary_step, false).await;
    assert!(
        again
            .outcome
            .label()
            .contains("is deploying sc-distributor:2 already (IN_PROGRESS)"),
        "{}",
        again.outcome.label()
    );
    assert!(again.outcome.is_done());
    assert_eq!(current_arn(ecs).await, canary);
    // Once it ended: still none, and the step says what to do to show it again.
    clock.set(600.0, false);
    let watched = session.run(canary_step + 1, false).await;
    assert!(watched.outcome.is_success(), "{}", watched.outcome.label());
    let again = session.run(canary_step, false).await;
    let label = again.outcome.label();
    assert!(
        label.contains("runs sc-distributor:2 already")
            && label.contains("deploy another revision first"),
        "{label}"
    );
    assert_eq!(current_arn(ecs).await, canary);
}

/// `R` rolled v3's canary back before step 48 ran: the step finds its deployment rolled back
/// already and says so, done, instead of failing on ECS's ConflictException (the walkthrough
/// goes on to step 49).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_step_after_r_finds_the_deployment_rolled_back_and_is_done() {
    let (cloud, session) = walkthrough_session(TargetKind::Embedded).await;
    let clock = cloud.clock();
    clock.set(600.0, false);
    let steps = &session.walkthrough().steps;
    let first = steps
        .iter()
        .position(|s| s.id == "31-after-app-mesh")
        .unwrap();
    let canary_v3 = steps
        .iter()
        .position(|s| s.id == "47-sc-canary-v3")
        .unwrap();
    for (i, step) in steps.iter().enumerate().take(canary_v3).skip(first) {
        let report = session.run(i, false).await;
        assert!(
            report.outcome.is_success(),
            "{}: {}",
            step.id,
            report.outcome.label()
        );
    }
    // The presenter's pace for v3's ten-minute bake.
    clock.set(1.0, false);
    let started = session.run(canary_v3, false).await;
    assert!(started.outcome.is_done(), "{}", started.outcome.label());
    let ecs = &session.target().ecs;
    let arn = current_arn(ecs).await;
    // `R`: what the watch job sends.
    ecs.stop_service_deployment()
        .service_deployment_arn(&arn)
        .stop_type(aws_sdk_ecs::types::StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .unwrap();
    clock.set(600.0, false);
    within(30, "the rollback's end", || async {
        let d = describe(ecs, &arn).await.ok()?;
        (d.status() == Some(&ServiceDeploymentStatus::RollbackSuccessful)).then_some(())
    })
    .await;
    let rollback = session.run(canary_v3 + 1, false).await;
    assert!(rollback.outcome.is_done(), "{}", rollback.outcome.label());
    assert!(
        rollback
            .outcome
            .label()
            .contains("is ROLLBACK_SUCCESSFUL already: it was rolled back before this step ran"),
        "{}",
        rollback.outcome.label()
    );
}

/// `meshwalk run --step` on the embedded cloud at its own ×1 replays the chapter's steps
/// before it at a fast clock: the canary's two minutes of bake (step 41) pass in a blink, and
/// the step asked for runs at ×1.
#[test]
fn a_step_jump_replays_at_a_fast_clock_whatever_the_runs_own() {
    let state = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_meshwalk"))
        .args(["run", "--step", "2:sc-linear-back", "--clock-scale", "1"])
        .env("MESHWALK_STATE_DIR", state.path())
        .output()
        .unwrap();
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.contains("Linear back to v1"), "{stdout}");
    // At ×1 the replayed canary alone would bake for two minutes.
    assert!(took < Duration::from_secs(60), "{took:?}");
}

/// Elsewhere the clock is not meshwalk's: Space, `<` and `>` say so, and change nothing.
#[tokio::test]
async fn the_clock_keys_say_plainly_when_the_clock_is_not_meshwalks() {
    for (kind, says) in [
        (
            TargetKind::Endpoint,
            "that cloud keeps its own clock: start it with `meshwalk serve --clock-scale N`",
        ),
        (
            TargetKind::Aws { profile: None },
            "AWS's clock cannot be changed: a bake of a minute takes a minute there",
        ),
    ] {
        let (_cloud, session) = walkthrough_session(kind).await;
        let tmp = tempfile::tempdir().unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let effects = Effects::new(
            session,
            Progress::default(),
            tmp.path().to_path_buf(),
            None,
            tx,
        );
        let mut app = App::new("elsewhere".into(), effects.step_views(), (80, 24));
        for code in [KeyCode::Char(' '), KeyCode::Char('>'), KeyCode::Char('<')] {
            for cmd in app.update(key(code)) {
                effects.handle(cmd);
            }
            let msg = rx.recv().await.unwrap();
            assert_eq!(msg, Msg::Toast(says.into()));
        }
        assert!(!app.clock_paused && app.clock_scale == 1.0);
    }
}
