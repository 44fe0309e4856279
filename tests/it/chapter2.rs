//! Chapter 2 end to end: `meshwalk run --chapter 2` on the embedded cloud (clock ×60, so bake
//! minutes pass in seconds) passes twice against the same cloud, as against `meshwalk serve`;
//! its canary is observed at `canaryPercent` and then 100% on the new revision; its rollbacks
//! end ROLLBACK_SUCCESSFUL; teardown leaves nothing in ECS nor in Cloud Map. And the terminal
//! UI during a canary bake.

use std::time::Duration;

use aws_sdk_ecs::types::ServiceDeploymentStatus;
use meshwalk::api::target::{Target, TargetKind};
use meshwalk::cli::RunArgs;
use meshwalk::commands::run;
use meshwalk::embedded::EmbeddedCloud;
use meshwalk::load::stats::{Summary, VersionStats};
use meshwalk::session::connect::Connected;
use meshwalk::session::deployment_watch::Poll;
use meshwalk::session::events::Events;
use meshwalk::session::local_cloud::LocalCloud;
use meshwalk::session::progress::Progress;
use meshwalk::session::teardown::teardown;
use meshwalk::session::{Outcome, Session};
use meshwalk::tui::app::{App, Msg};
use meshwalk::tui::deployment::DeploymentView;
use meshwalk::tui::effects::Effects;
use meshwalk::walkthrough::Walkthrough;

use crate::support::test_config;
use crate::tui_snapshots::{draw, feed_steady_traffic};

async fn session(clock_scale: f64) -> (EmbeddedCloud, Session) {
    let mut config = test_config();
    config.clock_scale = clock_scale;
    let cloud = EmbeddedCloud::start(
        config,
        "127.0.0.1:0".parse().unwrap(),
        meshwalk::dataplane::DataPlaneConfig::default(),
    )
    .await
    .unwrap();
    // An endpoint target: the same cloud for every run, as `meshwalk serve` would be.
    let target = Target::endpoint(
        TargetKind::Endpoint,
        &cloud.endpoint(),
        "us-east-1",
        "000000000000",
    );
    let session = Session::new(Walkthrough::builtin().unwrap(), target, &[]);
    (cloud, session)
}

fn connected(session: &Session, dir: &std::path::Path) -> Connected {
    Connected {
        session: session.clone(),
        embedded: None,
        progress: Progress::default(),
        notice: None,
        state_dir: dir.to_path_buf(),
    }
}

/// Chapter 2 headless, approving the blue/green deployment's pause (`--approve`).
fn chapter_2() -> RunArgs {
    RunArgs {
        chapter: Some(2),
        approve: true,
        ..RunArgs::default()
    }
}

#[test]
fn the_walkthrough_has_two_chapters_and_chapter_qualified_names() {
    let w = Walkthrough::builtin().unwrap();
    let chapters = w.chapters();
    assert_eq!(chapters.len(), 2);
    assert_eq!(chapters[0].title, "App Mesh, step by step");
    assert_eq!(chapters[1].title, "After App Mesh: ECS Service Connect");
    assert_eq!(chapters[0].steps.end, chapters[1].steps.start);
    let canary = w.find("2:sc-canary").unwrap();
    assert_eq!(w.steps[canary].id, "40-sc-canary");
    assert_eq!(w.find("2:1"), Some(chapters[1].steps.start));
    assert_eq!(w.find("1:1"), Some(0));
    assert_eq!(w.find("3:1"), None);
    assert_eq!(w.find("2:no-such-step"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chapter_2_runs_twice_on_one_cloud_and_its_teardown_leaves_nothing() {
    let (_cloud, session) = session(60.0).await;
    // What a headless run in a terminal prints while a deployment step waits.
    let mut told = Vec::<String>::new();
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    let reports = run::run(
        connected(&session, dir.path()),
        &Default::default(),
        &chapter_2(),
        &mut out,
        &mut |line| told.push(line.to_string()),
    )
    .await
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(reports.iter().all(|r| r.outcome.is_success()), "{text}");
    // Chapter 1 did not run: chapter 2 stands on its own.
    assert!(!text.contains("CreateMesh"), "{text}");

    // The canary: about canaryPercent (10%) on v2 during its bake, then all of it.
    let deployed: Vec<_> = reports
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Deployed(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(deployed.len(), 6, "{text}");
    let canary = &deployed[0];
    assert_eq!(canary.status, ServiceDeploymentStatus::Successful, "{text}");
    let bake = canary
        .stages
        .iter()
        .find(|s| {
            s.configured
                .first()
                .is_some_and(|(r, p)| *r == canary.target && *p == 10.0)
        })
        .unwrap_or_else(|| panic!("no canary stage: {canary:#?}"));
    let n = bake.observed.requests as f64;
    let seen = bake
        .observed
        .versions
        .get(&canary.target)
        .map_or(0.0, |v| v.share);
    // 4 standard deviations of a binomial share around 10%.
    let bound = 4.0 * (0.1 * 0.9 / n).sqrt();
    assert!(n >= 50.0, "too few requests in the bake: {bake:#?}");
    assert!((seen - 0.1).abs() <= bound, "{seen} over {n}: {canary:#?}");
    let after = canary
        .stages
        .iter()
        .rev()
        .find(|s| s.observed.requests > 0)
        .unwrap();
    assert_eq!(
        after.observed.versions.get(&canary.target).map(|v| v.share),
        Some(1.0),
        "{canary:#?}"
    );
    // The status line followed the canary through its stages, each told once.
    let canary_bake = told
        .iter()
        .position(|l| l.contains(&format!("{} 10%", canary.target)))
        .unwrap_or_else(|| panic!("no canary stage told: {told:#?}"));
    assert!(
        told[canary_bake..]
            .iter()
            .any(|l| l.contains("SUCCESSFUL") && l.contains(&format!("{} 100%", canary.target))),
        "{told:#?}"
    );
    assert!(told.windows(2).all(|w| w[0] != w[1]), "{told:#?}");
    assert!(
        told.iter()
            .any(|l| l.starts_with("sc-distributor: ROLLBACK_SUCCESSFUL")),
        "{told:#?}"
    );
    // StopServiceDeployment ROLLBACK goes back to v2.
    assert_eq!(
        deployed[3].status,
        ServiceDeploymentStatus::RollbackSuccessful,
        "{text}"
    );
    let v2 = &canary.target;
    let back_on = |rolled_back: &meshwalk::session::deployment_watch::DeploymentReport,
                   revision: &str| {
        let last = rolled_back
            .stages
            .iter()
            .rev()
            .find(|s| s.observed.requests > 0)
            .unwrap();
        assert_eq!(
            last.observed.versions.get(revision).map(|v| v.share),
            Some(1.0),
            "{rolled_back:#?}"
        );
    };
    back_on(&deployed[3], v2);
    // Blue/green, approved at its pause: test traffic (with the header) all on green while
    // production stays all on blue, then everything on green.
    let blue_green = &deployed[4];
    assert_eq!(
        blue_green.status,
        ServiceDeploymentStatus::Successful,
        "{text}"
    );
    assert_eq!(blue_green.source.as_ref(), Some(v2), "{blue_green:#?}");
    let green = &blue_green.target;
    let (test, production) = (&blue_green.stages[0], &blue_green.stages[1]);
    assert!(test.observed.requests >= 50, "{blue_green:#?}");
    assert_eq!(
        test.observed.versions.get(green).map(|v| v.share),
        Some(1.0),
        "{blue_green:#?}"
    );
    assert!(production.observed.requests >= 50, "{blue_green:#?}");
    assert_eq!(
        production.observed.versions.get(v2).map(|v| v.share),
        Some(1.0),
        "{blue_green:#?}"
    );
    back_on(blue_green, green);
    assert!(
        told.iter()
            .any(|l| l.contains("paused at POST_TEST_TRAFFIC_SHIFT")),
        "{told:#?}"
    );
    // The circuit breaker goes back to the revision that ran before: green, now.
    assert_eq!(
        deployed[5].status,
        ServiceDeploymentStatus::RollbackSuccessful,
        "{text}"
    );
    back_on(&deployed[5], green);

    // Again, on the same cloud: everything is in place, the deployments run again.
    let mut out = Vec::new();
    let again = run::run(
        connected(&session, dir.path()),
        &Default::default(),
        &chapter_2(),
        &mut out,
        &mut |_| {},
    )
    .await
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(again.iter().all(|r| r.outcome.is_success()), "{text}");
    // No second revision of the same content.
    let tds = session
        .target()
        .ecs
        .list_task_definitions()
        .family_prefix("sc-distributor")
        .send()
        .await
        .unwrap();
    assert_eq!(tds.task_definition_arns().len(), 5, "{tds:?}");

    let chapter = session.walkthrough().chapters()[1].steps.clone();
    let deletions = teardown(&session, chapter.clone(), &Events::none()).await;
    assert!(deletions.iter().all(|d| d.result.is_ok()), "{deletions:#?}");
    assert!(
        deletions
            .iter()
            .any(|d| d.what == "Cloud Map namespace gophers.sc" && d.result == Ok("deleted")),
        "{deletions:#?}"
    );
    let namespaces = session
        .target()
        .servicediscovery
        .list_namespaces()
        .send()
        .await
        .unwrap();
    assert!(namespaces.namespaces().is_empty(), "{namespaces:?}");
    let services = session
        .target()
        .servicediscovery
        .list_services()
        .send()
        .await
        .unwrap();
    assert!(services.services().is_empty(), "{services:?}");
    let tds = session
        .target()
        .ecs
        .list_task_definitions()
        .send()
        .await
        .unwrap();
    assert!(tds.task_definition_arns().is_empty(), "{tds:?}");
    let tasks = session
        .target()
        .ecs
        .list_tasks()
        .cluster("gophers-sc")
        .send()
        .await;
    assert!(
        tasks.is_err() || tasks.unwrap().task_arns().is_empty(),
        "no task is left"
    );
    let again = teardown(&session, chapter, &Events::none()).await;
    assert!(
        again.iter().all(|d| d.result == Ok("already gone")),
        "{again:#?}"
    );
}

/// The terminal UI on chapter 2 (clock ×60): the steps up to `through` run headless, then the
/// App and its effects take over the same session. The cloud and state dir live as long as it.
struct Tui {
    _cloud: EmbeddedCloud,
    _dir: tempfile::TempDir,
    session: Session,
    effects: Effects,
    app: App,
    rx: tokio::sync::mpsc::UnboundedReceiver<Msg>,
}

async fn tui_after(through: &str) -> Tui {
    let (cloud, session) = session(60.0).await;
    let w = session.walkthrough().clone();
    for index in w.chapters()[1].steps.start..=w.find(through).unwrap() {
        let report = session.run(index, false).await;
        assert!(report.outcome.is_success(), "step {index}: {report:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let effects = Effects::new(
        session.clone(),
        Progress::default(),
        dir.path().to_path_buf(),
        Some(LocalCloud::of(&cloud, &session.target().account)),
        tx,
    );
    let mut app = App::new("embedded".into(), effects.step_views(), (140, 45));
    app.clock_scale = 60.0;
    Tui {
        _cloud: cloud,
        _dir: dir,
        session,
        effects,
        app,
        rx,
    }
}

/// The terminal UI's real Effects follow the canary: the watcher shows the split it
/// configures, the deployment step finishes when it ends, and R rolls a deployment back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_ui_follows_a_canary_and_rolls_one_back() {
    let Tui {
        _cloud,
        _dir,
        session,
        effects,
        mut app,
        mut rx,
    } = tui_after("2:sc-canary").await;
    let w = session.walkthrough().clone();
    let canary = w.find("2:sc-canary").unwrap();
    app.selected = canary + 1;
    for cmd in app.update(Msg::Key(ratatui::crossterm::event::KeyCode::Enter.into())) {
        effects.handle(cmd);
    }
    let mut saw_canary = false;
    let finished = async {
        loop {
            let msg = rx.recv().await.expect("the effects keep sending");
            let done = matches!(&msg, Msg::StepFinished(i, _) if *i == canary + 1);
            for cmd in app.update(msg) {
                effects.handle(cmd);
            }
            if let Some(d) = app.deployment.as_ref().and_then(|d| d.in_progress())
                && d.configured.first().is_some_and(|(_, p)| *p == 10.0)
            {
                saw_canary = true;
            }
            if done {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), finished)
        .await
        .expect("the canary ends");
    assert!(saw_canary, "the pane saw the 10% stage");
    let step = &app.steps[canary + 1];
    assert_eq!(step.status, meshwalk::tui::app::StepStatus::Done);
    let frame = draw(&app, 140, 45);
    assert!(frame.contains("REVISION"), "{frame}");
    assert!(frame.contains("SUCCESSFUL"), "{frame}");

    // Up to the failing revision's canary, then its watch step: R rolls it back.
    let canary_v3 = w.find("2:sc-canary-v3").unwrap();
    for index in canary + 2..=canary_v3 {
        let report = session.run(index, false).await;
        assert!(report.outcome.is_success(), "step {index}: {report:?}");
    }
    let watch = w.find("2:sc-rollback-watch").unwrap();
    app.selected = watch;
    let key = |c| Msg::Key(ratatui::crossterm::event::KeyCode::Char(c).into());
    for cmd in app.update(Msg::Key(ratatui::crossterm::event::KeyCode::Enter.into())) {
        effects.handle(cmd);
    }
    let rolled_back = async {
        let mut asked = false;
        loop {
            let msg = rx.recv().await.expect("the effects keep sending");
            let done = matches!(&msg, Msg::StepFinished(i, _) if *i == watch);
            for cmd in app.update(msg) {
                effects.handle(cmd);
            }
            if !asked
                && app
                    .deployment
                    .as_ref()
                    .and_then(|d| d.in_progress())
                    .is_some_and(|d| d.target.ends_with(":3"))
            {
                let cmds = app.update(key('R'));
                assert_eq!(cmds, [meshwalk::tui::app::Cmd::RollBack]);
                for cmd in cmds {
                    effects.handle(cmd);
                }
                asked = true;
            }
            if done {
                return asked;
            }
        }
    };
    let asked = tokio::time::timeout(Duration::from_secs(60), rolled_back)
        .await
        .expect("the rollback ends");
    assert!(asked, "R was pressed while v3's canary baked");
    assert_eq!(
        app.steps[watch].status,
        meshwalk::tui::app::StepStatus::Done,
        "{:?}",
        app.deployment
    );
    let d = app
        .deployment
        .as_ref()
        .and_then(|d| d.deployment.clone())
        .unwrap();
    assert_eq!(
        d.status,
        ServiceDeploymentStatus::RollbackSuccessful,
        "{d:?}"
    );
}

/// `meshwalk run --reject`: the blue/green deployment is rolled back at its pause, the watch
/// step then expects (and sees) ROLLBACK_SUCCESSFUL, and everything is back on blue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_run_rejects_the_blue_green_deployment_at_its_pause() {
    let (_cloud, session) = session(60.0).await;
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    let args = RunArgs {
        to: Some("2:sc-blue-green-watch".into()),
        reject: true,
        ..RunArgs::default()
    };
    let reports = run::run(
        connected(&session, dir.path()),
        &Default::default(),
        &args,
        &mut out,
        &mut |_| {},
    )
    .await
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(reports.iter().all(|r| r.outcome.is_success()), "{text}");
    let Some(Outcome::Deployed(blue_green)) = reports.last().map(|r| &r.outcome) else {
        panic!("{text}");
    };
    assert_eq!(
        blue_green.status,
        ServiceDeploymentStatus::RollbackSuccessful,
        "{text}"
    );
    let blue = blue_green.source.clone().unwrap();
    let last = blue_green
        .stages
        .iter()
        .rev()
        .find(|s| s.observed.requests > 0)
        .unwrap();
    assert_eq!(
        last.observed.versions.get(&blue).map(|v| v.share),
        Some(1.0),
        "{blue_green:#?}"
    );
}

/// The terminal UI's `A` approves chapter 2's blue/green deployment at its pause: the traffic
/// pane shows the test traffic on green and production on blue, the step waits for the
/// answer, then follows the deployment to SUCCESSFUL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_ui_approves_a_blue_green_deployment_with_a_key() {
    let d = answer_the_blue_green_pause('A').await;
    assert_eq!(d.status, ServiceDeploymentStatus::Successful, "{d:?}");
}

/// `R` at the pause rolls the blue/green deployment back: the watch step then expects (and
/// counts as done) ROLLBACK_SUCCESSFUL, as a headless `--reject` does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_ui_rolls_a_blue_green_deployment_back_at_its_pause() {
    let d = answer_the_blue_green_pause('R').await;
    assert_eq!(
        d.status,
        ServiceDeploymentStatus::RollbackSuccessful,
        "{d:?}"
    );
}

/// Runs chapter 2 to its blue/green deployment, then its watch step in the App; at the pause,
/// once the pane shows the test traffic, presses `key`. Returns how the deployment ended; the
/// watch step is done.
async fn answer_the_blue_green_pause(key: char) -> Poll {
    let Tui {
        _cloud,
        _dir,
        session,
        effects,
        mut app,
        mut rx,
    } = tui_after("2:sc-blue-green").await;
    let watch = session.walkthrough().find("2:sc-blue-green-watch").unwrap();
    app.selected = watch;
    for cmd in app.update(Msg::Key(ratatui::crossterm::event::KeyCode::Enter.into())) {
        effects.handle(cmd);
    }
    let approved = async {
        let mut pressed = false;
        loop {
            let msg = rx.recv().await.expect("the effects keep sending");
            let done = matches!(&msg, Msg::StepFinished(i, _) if *i == watch);
            for cmd in app.update(msg) {
                effects.handle(cmd);
            }
            let paused = app
                .deployment
                .as_ref()
                .and_then(|d| d.in_progress())
                .is_some_and(|d| {
                    d.stage
                        == Some(aws_sdk_ecs::types::ServiceDeploymentLifecycleStage::PostTestTrafficShift)
                });
            // The traffic pane shows where the test traffic (with the header) went beside
            // production (without it) before anyone approves.
            if paused
                && !pressed
                && let Some(sample) = &app.test_traffic
            {
                let d = app
                    .deployment
                    .as_ref()
                    .and_then(|d| d.deployment.clone())
                    .unwrap();
                let blue = d.source.clone().unwrap();
                assert_eq!(
                    sample.test.versions.get(&d.target).map(|v| v.share),
                    Some(1.0),
                    "{sample:#?}"
                );
                assert_eq!(
                    sample.production.versions.get(&blue).map(|v| v.share),
                    Some(1.0),
                    "{sample:#?}"
                );
                // Zoomed (as on a projector), the line has the width to stay whole.
                app.focus = meshwalk::tui::app::Pane::Traffic;
                app.zoomed = true;
                let screen = draw(&app, 140, 45);
                app.zoomed = false;
                let line = format!(
                    "test traffic x-gopher-test:green → {} 100% · production → {blue} 100%",
                    d.target
                );
                assert!(screen.contains(&line), "{line}\n{screen}");
                let cmds = app.update(Msg::Key(
                    ratatui::crossterm::event::KeyCode::Char(key).into(),
                ));
                let expected = match key {
                    'A' => matches!(cmds.as_slice(), [meshwalk::tui::app::Cmd::Approve(_)]),
                    _ => matches!(cmds.as_slice(), [meshwalk::tui::app::Cmd::RollBack]),
                };
                assert!(expected, "{key}: {cmds:?}");
                for cmd in cmds {
                    effects.handle(cmd);
                }
                pressed = true;
            }
            if done {
                return pressed;
            }
        }
    };
    let pressed = tokio::time::timeout(Duration::from_secs(90), approved)
        .await
        .expect("the blue/green deployment ends");
    assert!(pressed, "{key} was pressed at the pause");
    assert_eq!(
        app.steps[watch].status,
        meshwalk::tui::app::StepStatus::Done,
        "{:?}",
        app.deployment
    );
    let d = app
        .deployment
        .as_ref()
        .and_then(|d| d.deployment.clone())
        .unwrap();
    assert_ne!(Some(&d.target), d.source.as_ref(), "{d:?}");
    d
}

/// The traffic pane during a canary bake, at 140×45: revisions with the configured shift
/// beside the observed share, the stage and the bake countdown.
#[tokio::test]
async fn snapshot_during_a_canary_bake() {
    let (_cloud, session, mut app) = crate::tui_snapshots::app((140, 45)).await;
    app.selected = session.walkthrough().find("2:sc-canary-watch").unwrap();
    app.clock_scale = 60.0;
    let stats = |count: u64, p99: f64| VersionStats {
        count,
        share: count as f64 / 100.0,
        success: 1.0,
        p50_ms: 0.9,
        p95_ms: 1.8,
        p99_ms: p99,
    };
    let summary = Summary {
        requests: 100,
        errors: 0,
        overflow: 0,
        not_sent: 0,
        duration_s: 5.0,
        rps: 20.0,
        versions: [
            ("sc-distributor:1".to_string(), stats(91, 2.5)),
            ("sc-distributor:2".to_string(), stats(9, 2.7)),
        ]
        .into(),
    };
    feed_steady_traffic(&mut app, &summary);
    app.update(Msg::Deployment(Box::new(DeploymentView {
        service: "sc-distributor".into(),
        deployment: Some(Poll {
            arn: "arn:aws:ecs:us-east-1:000000000000:service-deployment/gophers-sc/sc-distributor/abc".into(),
            status: aws_sdk_ecs::types::ServiceDeploymentStatus::InProgress,
            strategy: aws_sdk_ecs::types::DeploymentStrategy::Canary,
            stage: Some(aws_sdk_ecs::types::ServiceDeploymentLifecycleStage::ProductionTrafficShift),
            configured: vec![
                ("sc-distributor:2".into(), 10.0),
                ("sc-distributor:1".into(), 90.0),
            ],
            target: "sc-distributor:2".into(),
            source: Some("sc-distributor:1".into()),
            status_reason: None,
            bake_minutes: Some(1.0),
        }),
        settled: Some("sc-distributor:2".into()),
        bake_left_s: Some(0.6),
        error: None,
    })));
    let frame = draw(&app, 140, 45);
    assert!(
        frame.contains("After App Mesh: ECS Service Connect"),
        "{frame}"
    );
    assert!(frame.contains("REVISION"), "{frame}");
    assert!(
        frame.contains("sc-distributor:2     10%     9.0%"),
        "{frame}"
    );
    assert!(
        frame.contains(
            "deployment ▶ CANARY to sc-distributor:2 · production traffic shift · bake 1 s left"
        ),
        "{frame}"
    );
    insta::assert_snapshot!("chapter2_canary_bake_140x45", frame);
}

/// Chapter 2's failing revision really fails: during its canary about a fifth of the answers
/// are http-echo's `-status-code=503` from v3, the rest v2's 200s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failing_revision_answers_503_to_its_canary_share() {
    let (_cloud, session) = session(60.0).await;
    let w = session.walkthrough();
    let canary_v3 = w.find("2:sc-canary-v3").unwrap();
    for index in w.chapters()[1].steps.start..=canary_v3 {
        let report = session.run(index, false).await;
        assert!(report.outcome.is_success(), "step {index}: {report:?}");
    }
    let requester = match &w.steps[w.find("2:sc-watch-traffic").unwrap()].kind {
        meshwalk::walkthrough::StepKind::Traffic { requester, .. } => requester.clone(),
        other => panic!("{other:?}"),
    };
    let url = session
        .requester_url(&requester, Duration::from_secs(10))
        .await
        .unwrap();
    // The canary stage begins once v3's tasks run; its bake is 10 s at clock ×60.
    let mut config = meshwalk::load::traffic::TrafficConfig::new(url);
    config.rps = 200.0;
    config.duration = Some(Duration::from_secs(4));
    let (tx, _rx) = tokio::sync::mpsc::channel(64);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let summary = meshwalk::load::traffic::Traffic::start(config, tx)
        .finished()
        .await;
    let v3 = summary
        .versions
        .get("sc-distributor:3")
        .expect("v3 answered");
    assert_eq!(v3.success, 0.0, "{summary:?}");
    let share = v3.share;
    let bound = 4.0 * (0.2 * 0.8 / summary.requests as f64).sqrt();
    assert!((share - 0.2).abs() <= bound, "{share}: {summary:?}");
    assert_eq!(
        summary.versions["sc-distributor:2"].success, 1.0,
        "{summary:?}"
    );
}
