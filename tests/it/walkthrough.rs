//! The walkthrough end to end on the embedded cloud: every step parses and every asset
//! converts to its SDK input; `run --all` succeeds, and again on a second run; teardown leaves
//! nothing (checked through the SDK) and is safe to repeat; malformed inputs give the promised
//! errors.

use meshwalk::api::target::{Target, TargetKind};
use meshwalk::cli::RunArgs;
use meshwalk::commands::{check, run};
use meshwalk::dataplane::DataPlaneConfig;
use meshwalk::dataplane::faults::Fault;
use meshwalk::embedded::EmbeddedCloud;
use meshwalk::session::connect::Connected;
use meshwalk::session::events::{Events, StepEvent};
use meshwalk::session::progress::Progress;
use meshwalk::session::teardown::teardown;
use meshwalk::session::{Outcome, Session, StepReport};
use meshwalk::tui::app::{App, Msg};
use meshwalk::tui::effects::Effects;
use meshwalk::walkthrough::{StepKind, Walkthrough, input};
use ratatui::crossterm::event::KeyCode;

use crate::dataplane_support::probe::Probe;
use crate::support::{route_targets, service_host_port, test_config, walkthrough_session};

async fn session() -> (EmbeddedCloud, Session) {
    // An endpoint target: the same cloud for every run, as `meshwalk serve` would be.
    walkthrough_session(TargetKind::Endpoint).await
}

/// The session, connected with a state directory of its own (`dir`, which the test keeps: tests
/// keep their progress out of the user's state directory).
fn connected(session: &Session, dir: &tempfile::TempDir) -> Connected {
    Connected {
        session: session.clone(),
        embedded: None,
        progress: Progress::default(),
        notice: None,
        state_dir: dir.path().to_path_buf(),
    }
}

/// Runs chapter 1 on the session's target, with a state directory of its own: its reports and
/// what it printed.
async fn run_chapter_1(session: &Session) -> (Vec<StepReport>, String) {
    let chapter_1 = RunArgs {
        chapter: Some(1),
        ..RunArgs::default()
    };
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let reports = run::run(
        connected(session, &dir),
        &Default::default(),
        &chapter_1,
        &mut out,
        &mut |_| {},
    )
    .await
    .unwrap();
    (reports, String::from_utf8(out).unwrap())
}

#[test]
fn every_step_parses_and_every_asset_converts() {
    let w = Walkthrough::builtin().unwrap();
    assert!(w.steps.len() >= 20);
    assert_eq!(check::problems(&w, &[]), Vec::new());
    let apis = w
        .steps
        .iter()
        .filter(|s| matches!(s.kind, StepKind::Api { .. }))
        .count();
    assert!(apis >= 15, "{apis}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_all_succeeds_twice_and_teardown_leaves_nothing() {
    let (_cloud, session) = session().await;
    let (reports, text) = run_chapter_1(&session).await;
    assert!(reports.iter().all(|r| r.outcome.is_success()), "{text}");
    assert!(
        text.ends_with(&format!("{} steps done\n", reports.len())),
        "{text}"
    );
    assert!(
        reports
            .iter()
            .any(|r| matches!(&r.outcome, Outcome::Observed(s) if s.versions["v1"].share == 1.0)),
        "{text}"
    );
    // A second run finds everything in place.
    let (again, text) = run_chapter_1(&session).await;
    let already = again
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::AlreadyDone(_)))
        .count();
    assert!(already >= 8, "{text}");
    // The route was shifted to 0/100 since; its create step reports that instead of failing.
    assert!(
        again
            .iter()
            .any(|r| matches!(&r.outcome, Outcome::Differs(d) if d.len() == 2)),
        "{text}"
    );
    assert!(again.iter().all(|r| r.outcome.is_success()), "{text}");
    // What differs is said, and not counted as done (the terminal UI does not tick it either).
    let differ = again.iter().filter(|r| !r.outcome.is_done()).count();
    assert!(
        text.ends_with(&format!(
            "{} steps done, {differ} differ{} (kept as they are: --update applies the steps' spec)\n",
            again.len() - differ,
            if differ == 1 { "s" } else { "" }
        )),
        "{text}"
    );
    // One revision per task definition, not one per run.
    let tds = session
        .target()
        .ecs
        .list_task_definitions()
        .send()
        .await
        .unwrap();
    assert_eq!(
        tds.task_definition_arns().len(),
        3,
        "{:?}",
        tds.task_definition_arns()
    );

    let chapter = session.walkthrough().chapters()[0].steps.clone();
    let deletions = teardown(&session, chapter.clone(), &Events::none()).await;
    assert!(deletions.iter().all(|d| d.result.is_ok()), "{deletions:?}");
    // The task the resilience section started outside any service is stopped too.
    assert!(
        deletions
            .iter()
            .any(|d| d.what.contains("meshwalk-resilience") && d.result == Ok("stopped")),
        "{deletions:?}"
    );
    let meshes = session.target().appmesh.list_meshes().send().await.unwrap();
    assert!(meshes.meshes().is_empty());
    // ECS still lists a deleted cluster for a while, as INACTIVE.
    let clusters = session.target().ecs.list_clusters().send().await.unwrap();
    let described = session
        .target()
        .ecs
        .describe_clusters()
        .set_clusters(Some(clusters.cluster_arns().to_vec()))
        .send()
        .await
        .unwrap();
    assert!(
        described
            .clusters()
            .iter()
            .all(|c| c.status() == Some("INACTIVE")),
        "{described:?}"
    );
    let tds = session
        .target()
        .ecs
        .list_task_definitions()
        .send()
        .await
        .unwrap();
    assert!(tds.task_definition_arns().is_empty());
    // Safe to repeat.
    let again = teardown(&session, chapter, &Events::none()).await;
    assert!(
        again.iter().all(|d| d.result == Ok("already gone")),
        "{again:?}"
    );
}

/// A rehearsal, then the talk, on one cloud: chapter 1 runs again after a teardown (its
/// services take the revisions registered this time, not the deregistered ones), and each
/// teardown is a new session's, as a new `meshwalk teardown` process is: it has learned no
/// revision and still deletes every service, then the cluster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chapter_1_runs_again_after_a_teardown_by_another_session() {
    let (_cloud, session) = session().await;
    let chapter = session.walkthrough().chapters()[0].steps.clone();
    let new_session = || {
        Session::new(
            (*session.walkthrough()).clone(),
            session.target().clone(),
            &[],
        )
    };
    for round in 1..=2 {
        let (reports, text) = run_chapter_1(&new_session()).await;
        assert!(
            reports.iter().all(|r| r.outcome.is_done()),
            "round {round}: {text}"
        );
        let deletions = teardown(&new_session(), chapter.clone(), &Events::none()).await;
        assert!(
            deletions.iter().all(|d| d.result.is_ok()),
            "round {round}: {deletions:?}"
        );
        for service in ["distributor-v1", "distributor-v2", "requester"] {
            let what = format!("ECS service {service}");
            assert!(
                deletions
                    .iter()
                    .any(|d| d.what == what && d.result == Ok("deleted")),
                "round {round}: {what} not deleted: {deletions:?}"
            );
        }
    }
}

/// On AWS a service drains for minutes: teardown tells its events (stderr in a terminal, for a
/// headless run) what it waits for, each state once. Here a request held 1 s by an injected
/// delay keeps distributor v1's task stopping, and so its service draining, that long.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_says_what_it_waits_for_while_a_service_drains() {
    let (_cloud, session, slow) = chapter_1_with_a_slow_answer_in_flight().await;
    let (events, mut stream) = Events::channel();

    let chapter = session.walkthrough().chapters()[0].steps.clone();
    let deletions = teardown(&session, chapter, &events).await;
    assert!(deletions.iter().all(|d| d.result.is_ok()), "{deletions:?}");
    let (status, body) = slow.await.unwrap();
    assert_eq!(
        status, 200,
        "the answer in flight is given before its task stops: {body}"
    );
    drop(events);
    let mut told = Vec::new();
    let mut deleted = Vec::new();
    while let Some(event) = stream.recv().await {
        match event {
            StepEvent::Status(line) => told.push(line),
            StepEvent::Deleted(d) => deleted.push(d),
            other => panic!("a teardown tells statuses and deletions, not {other:?}"),
        }
    }
    // Every deletion is told as it ends, in the order done.
    assert_eq!(deleted, deletions);
    assert!(
        told.iter()
            .any(|line| line.starts_with("ECS service distributor-v1: DRAINING, ")),
        "{told:?}"
    );
    assert!(
        told.windows(2).all(|pair| pair[0] != pair[1]),
        "each state is said once: {told:?}"
    );
}

/// The terminal UI's teardown step shows each deletion, and what it waits for, as toasts while
/// it runs (the same 1 s drain as above).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_uis_teardown_step_shows_what_it_waits_for() {
    let (_cloud, session, slow) = chapter_1_with_a_slow_answer_in_flight().await;

    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let effects = Effects::new(
        session.clone(),
        Progress::default(),
        dir.path().to_path_buf(),
        None,
        tx,
    );
    let mut app = App::new("embedded".into(), effects.step_views(), (140, 45));
    let teardown_step = session.walkthrough().find("1:teardown").unwrap();
    app.selected = teardown_step;
    for cmd in app.update(Msg::Key(KeyCode::Enter.into())) {
        effects.handle(cmd);
    }
    let mut toasts = Vec::new();
    let finished = async {
        loop {
            let msg = rx.recv().await.expect("the effects keep sending");
            let done = matches!(&msg, Msg::StepFinished(i, _) if *i == teardown_step);
            if let Msg::Toast(text) = &msg {
                toasts.push(text.clone());
            }
            for cmd in app.update(msg) {
                effects.handle(cmd);
            }
            if done {
                return;
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), finished)
        .await
        .expect("the teardown step ends");
    assert_eq!(slow.await.unwrap().0, 200);
    assert!(
        toasts
            .iter()
            .any(|t| t.starts_with("teardown: ECS service distributor-v1: DRAINING, ")),
        "{toasts:#?}"
    );
    assert!(
        toasts
            .iter()
            .any(|t| t == "teardown: ✓ ECS service distributor-v1 deleted"),
        "{toasts:#?}"
    );
    assert!(
        toasts
            .iter()
            .any(|t| t == "teardown: ✓ mesh gophermesh deleted"),
        "{toasts:#?}"
    );
}

/// Chapter 1 run, and a request to distributor v1's task that its app holds for 1 s (an
/// injected delay): until it is answered, the task stops, and its service drains, no faster.
async fn chapter_1_with_a_slow_answer_in_flight() -> (
    EmbeddedCloud,
    Session,
    tokio::task::JoinHandle<(u16, String)>,
) {
    let (cloud, session) = session().await;
    let (reports, text) = run_chapter_1(&session).await;
    assert!(reports.iter().all(|r| r.outcome.is_done()), "{text}");
    cloud.faults().set(
        "v1",
        Some(Fault {
            delay: std::time::Duration::from_secs(1),
            ..Fault::NONE
        }),
    );
    let port = distributor_v1_port(&session).await;
    let slow = tokio::spawn(async move {
        Probe::new()
            .get(&format!("http://127.0.0.1:{port}/"), None)
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    (cloud, session, slow)
}

/// The host port of distributor v1's task's app.
async fn distributor_v1_port(session: &Session) -> u16 {
    service_host_port(&session.target().ecs, "distributor-v1", 9080).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_spec_is_reported_and_can_be_applied() {
    let (_cloud, mut session) = session().await;
    let route = session.walkthrough().find("09-route").unwrap();
    let to_route = RunArgs {
        to: Some("09-route".into()),
        ..RunArgs::default()
    };
    let dir = tempfile::tempdir().unwrap();
    run::run(
        connected(&session, &dir),
        &Default::default(),
        &to_route,
        &mut Vec::new(),
        &mut |_| {},
    )
    .await
    .unwrap();
    let edited = session
        .prepare(route)
        .unwrap()
        .unwrap()
        .text
        .replace("\"weight\": 100", "\"weight\": 70");
    let id = session.walkthrough().steps[route].id.clone();
    session.edit(&id, edited);
    let report = session.run(route, false).await;
    let Outcome::Differs(diff) = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(
        diff,
        &["spec.httpRoute.action.weightedTargets[0].weight: 100 → 70"]
    );
    let report = session.run(route, true).await;
    assert_eq!(report.outcome, Outcome::Updated);
    let targets = route_targets(&session.target().appmesh).await;
    assert_eq!(targets[0].1, 70);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_call_shows_the_aws_error_and_the_step_stays_pending() {
    let (_cloud, session) = session().await;
    // The virtual node step before the mesh exists.
    let node = session.walkthrough().find("03-").unwrap();
    let report = session.run(node, false).await;
    let Outcome::Failed(e) = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(e.code.as_deref(), Some("NotFoundException"));
    assert!(e.message.contains("gophermesh"), "{}", e.message);
    let exchange = report.exchange.unwrap();
    assert_eq!(exchange.status, Some(404));
    assert!(exchange.request_body.contains("requester"));
    assert!(
        report
            .cli
            .unwrap()
            .starts_with("aws --endpoint-url http://127.0.0.1:")
    );
}

#[test]
fn malformed_inputs_give_the_promised_errors() {
    let w = Walkthrough::builtin().unwrap();
    let vars = meshwalk::walkthrough::vars::Vars::embedded("us-east-1", "000000000000");
    let step = &w.steps[w.find("04-").unwrap()];
    let StepKind::Api { call, .. } = &step.kind else {
        panic!()
    };
    let original = input::raw_text(&w, call).unwrap().1;

    let misspelled = original.replace("\"listeners\"", "\"listners\"");
    let err = input::prepare(&w, call, &vars, Some(&misspelled)).unwrap_err();
    assert_eq!(
        err.source_name,
        "assets/VirtualNodes/virtual-node-distributor-v1.json"
    );
    assert!(err.line > 1 && err.column > 0, "{err}");
    assert!(err.message.contains("unknown field `listners`"), "{err}");

    let broken = original.replacen(',', "", 1);
    let err = input::prepare(&w, call, &vars, Some(&broken)).unwrap_err();
    assert!(err.line > 0 && err.message.contains("expected"), "{err}");

    let preview = original.replace("\"hostname\"", "\"serviceName\"");
    let err = input::prepare(&w, call, &vars, Some(&preview)).unwrap_err();
    assert!(
        err.message.contains("2018 preview") && err.message.contains("hostname"),
        "{err}"
    );
    assert!(err.line > 0, "{err}");

    let bad_port = original.replace("9080", "70000");
    let err = input::prepare(&w, call, &vars, Some(&bad_port)).unwrap_err();
    assert!(
        err.message.contains("spec.listeners[0].portMapping.port"),
        "{err}"
    );

    let unknown_var = original.replace("${MESH_NAME}", "${MESH}");
    let err = input::prepare(&w, call, &vars, Some(&unknown_var)).unwrap_err();
    assert!(err.message.contains("${MESH}"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_step_n_on_the_embedded_cloud_replays_the_steps_before_it() {
    let cloud = EmbeddedCloud::start(
        test_config(),
        "127.0.0.1:0".parse().unwrap(),
        DataPlaneConfig::default(),
    )
    .await
    .unwrap();
    let target = Target::endpoint(
        TargetKind::Embedded,
        &cloud.endpoint(),
        "us-east-1",
        "000000000000",
    );
    let session = Session::new(Walkthrough::builtin().unwrap(), target, &[]);
    let args = RunArgs {
        step: Some("9".into()),
        ..RunArgs::default()
    };
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let reports = run::run(
        connected(&session, &dir),
        &Default::default(),
        &args,
        &mut out,
        &mut |_| {},
    )
    .await
    .unwrap();
    assert_eq!(reports.len(), 1, "only step 9 is reported");
    assert_eq!(
        reports[0].outcome,
        Outcome::Done,
        "{}",
        String::from_utf8_lossy(&out)
    );
    let routes = session
        .target()
        .appmesh
        .list_routes()
        .mesh_name("gophermesh")
        .virtual_router_name("distributor")
        .send()
        .await
        .unwrap();
    assert_eq!(routes.routes().len(), 1);
}

#[tokio::test]
async fn on_aws_what_is_created_is_tagged_and_app_mesh_failures_say_it_was_discontinued() {
    // Tagging: an AWS session against the embedded cloud (which answers like AWS would).
    let (_cloud, mut session) = session().await;
    session.tag_everything_created("meshwalk", "walkthrough");
    let mesh = session.walkthrough().find("02-").unwrap();
    assert_eq!(session.run(mesh, false).await.outcome, Outcome::Done);
    let tags = session
        .target()
        .appmesh
        .list_tags_for_resource()
        .resource_arn("arn:aws:appmesh:us-east-1:000000000000:mesh/gophermesh")
        .send()
        .await
        .unwrap();
    assert!(
        tags.tags()
            .iter()
            .any(|t| t.key() == "meshwalk" && t.value() == "walkthrough")
    );

    // App Mesh no longer answering on AWS: nothing listens on this loopback port.
    let gone = Target::endpoint(
        TargetKind::Aws { profile: None },
        "http://127.0.0.1:1",
        "us-east-1",
        "123456789012",
    );
    let aws = Session::new(Walkthrough::builtin().unwrap(), gone, &[]);
    let report = aws.run(mesh, false).await;
    let Outcome::Failed(e) = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert!(
        e.message.contains("discontinued on 2026-09-30") && e.message.contains("without --aws"),
        "{}",
        e.message
    );
}

/// A headless run of a chapter's teardown step marks the chapter's steps not done in the saved
/// progress (so a restart replays nothing torn down); another target's progress stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teardown_step_forgets_its_chapters_progress() {
    let (_cloud, session) = session().await;
    let dir = tempfile::tempdir().unwrap();
    let chapter_1 = RunArgs {
        chapter: Some(1),
        ..RunArgs::default()
    };
    let mut out = Vec::new();
    let connected_with = |progress: Progress| Connected {
        progress,
        ..connected(&session, &dir)
    };
    run::run(
        connected_with(Progress::default()),
        &Default::default(),
        &chapter_1,
        &mut out,
        &mut |_| {},
    )
    .await
    .unwrap();
    let key = session.target().key();
    let mut saved = Progress::load(dir.path()).unwrap().progress;
    let chapter = session.walkthrough().chapters()[0].steps.clone();
    let first = &session.walkthrough().steps[chapter.start].id;
    assert!(saved.is_done(&key, first), "chapter 1 ran: {saved:?}");
    saved.mark_done("another-target", first);

    let teardown = RunArgs {
        step: Some("1:teardown".into()),
        ..RunArgs::default()
    };
    let reports = run::run(
        connected_with(saved),
        &Default::default(),
        &teardown,
        &mut out,
        &mut |_| {},
    )
    .await
    .unwrap();
    assert!(
        matches!(reports[0].outcome, Outcome::TornDown(n) if n > 0),
        "{reports:?}"
    );
    let after = Progress::load(dir.path()).unwrap().progress;
    for step in &session.walkthrough().steps[chapter] {
        assert!(!after.is_done(&key, &step.id), "{} is still done", step.id);
    }
    assert!(after.is_done("another-target", first));
}
