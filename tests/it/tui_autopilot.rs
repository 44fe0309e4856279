//! The canary autopilot and resilience in the terminal UI: the real Effects fly the autopilot
//! on the embedded cloud (real traffic, real UpdateRoute calls) and the real App shows its
//! stages, its calls in the Wire tab, its weights as markers, and what resilience did.

use std::time::Duration;

use meshwalk::api::target::TargetKind;
use meshwalk::canary::{CanaryPlan, Stage, StageEvent};
use meshwalk::load::stats::{Summary, VersionStats};
use meshwalk::session::local_cloud::LocalCloud;
use meshwalk::session::progress::Progress;
use meshwalk::tui::app::{
    App, Cmd, HostHealth, Msg, ResilienceEvent, ResilienceView, Tab, Weights,
};
use meshwalk::tui::effects::Effects;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::support::walkthrough_session;
use crate::tui_snapshots::{app, draw, feed_steady_traffic};

/// Feeds the App what the effects send (running the commands it answers with) until the
/// autopilot lands.
async fn until_landed(app: &mut App, effects: &Effects, rx: &mut UnboundedReceiver<Msg>) -> Stage {
    let landed = async {
        loop {
            let msg = rx.recv().await.expect("the effects keep sending");
            for cmd in app.update(msg) {
                effects.handle(cmd);
            }
            if !app.autopilot.running
                && let Some(last) = &app.autopilot.last
            {
                return last.stage;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), landed)
        .await
        .expect("the autopilot lands by itself")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_autopilot_promotes_then_rolls_back_with_f_on_through_the_real_effects() {
    let (cloud, session) = walkthrough_session(TargetKind::Embedded).await;
    // Everything up to the traffic step: the mesh, the route, the services.
    let traffic_step = session.walkthrough().find("18-").unwrap();
    for index in 0..traffic_step {
        let report = session.run(index, false).await;
        assert!(report.outcome.is_success(), "step {index}: {report:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let effects = Effects::with_rate(
        session.clone(),
        Progress::default(),
        dir.path().to_path_buf(),
        Some(LocalCloud::of(&cloud, &session.target().account)),
        200.0,
        tx,
    );
    let mut app = App::new("embedded".into(), effects.step_views(), (140, 45));
    app.update(Msg::Weights(Weights {
        targets: vec![("distributorV1".into(), 100), ("distributorV2".into(), 0)],
    }));
    let plan = CanaryPlan {
        step_weight: 50,
        max_weight: 50,
        interval: Duration::from_secs(1),
        ..CanaryPlan::default()
    };

    // `a` asks for the autopilot; its plan is the default one.
    let cmds = app.update(Msg::Key(
        ratatui::crossterm::event::KeyCode::Char('a').into(),
    ));
    assert_eq!(cmds, [Cmd::StartAutopilot(CanaryPlan::default())]);
    // The test flies a faster plan through the same command.
    effects.handle(Cmd::StartAutopilot(plan.clone()));
    assert_eq!(
        until_landed(&mut app, &effects, &mut rx).await,
        Stage::Promoted
    );
    let promoted = vec![
        ("distributorV1".to_string(), 0),
        ("distributorV2".to_string(), 100),
    ];
    assert_eq!(app.weights.as_ref().unwrap().targets, promoted);
    assert!(
        !app.traffic.markers.is_empty(),
        "the autopilot's weight changes are marked on the chart"
    );
    // The resource tree is read anew after each move: wait for the one that shows 0 / 100.
    let tree_shows = |app: &App| {
        app.resources
            .routers
            .iter()
            .flat_map(|(_, routes)| routes)
            .any(|(name, targets)| name == "distributor-route" && *targets == promoted)
    };
    tokio::time::timeout(Duration::from_secs(20), async {
        while !tree_shows(&app) {
            let msg = rx.recv().await.unwrap();
            for cmd in app.update(msg) {
                effects.handle(cmd);
            }
        }
    })
    .await
    .expect("the resource tree shows the promoted weights");
    let tree = &app.resources;
    assert_eq!(tree.mesh.as_deref(), Some("gophermesh"));
    assert_eq!(tree.virtual_nodes.len(), 3, "{tree:?}");
    assert_eq!(
        tree.virtual_services,
        [(
            "distributor.gophers.local".to_string(),
            "router distributor".to_string()
        )]
    );
    // Chapter 2's cluster does not exist yet: only chapter 1's shows.
    assert_eq!(tree.clusters.len(), 1);
    assert_eq!(tree.clusters[0].0, "gophermesh");
    let services: Vec<(&str, &str, i32, i32)> = tree.clusters[0]
        .1
        .iter()
        .map(|s| (s.name.as_str(), s.status.as_str(), s.running, s.desired))
        .collect();
    assert_eq!(
        services.len(),
        3,
        "requester and the two distributors: {services:?}"
    );
    assert!(
        services
            .iter()
            .all(|&(_, status, running, desired)| status == "ACTIVE" && running == desired),
        "{services:?}"
    );
    // Its calls are in the Wire tab, under the selected step's.
    assert_eq!(
        app.autopilot.last.as_ref().unwrap().update_route_status,
        Some(200)
    );
    app.selected = session.walkthrough().find("19-").unwrap();
    app.tab = Tab::Wire;
    app.zoomed = true;
    // The landing toast stands in the footer's place; the frame checks the footer's keys.
    app.toast = None;
    let frame = draw(&app, 140, 45);
    app.zoomed = false;
    assert!(
        frame.contains("the autopilot's last call: promoted"),
        "{frame}"
    );
    assert!(
        frame.contains(
            "/v20190125/meshes/gophermesh/virtualRouter/distributor/routes/distributor-route"
        ),
        "{frame}"
    );
    // Each weight it set is kept for the next session, like a weight key's (saved by a task
    // of its own, a moment after the weights are in).
    let saved = crate::support::eventually("the promoted weights saved", || {
        let saved = Progress::load(dir.path()).unwrap().progress;
        let weights = saved.demo.values().next().and_then(|d| d.weights.clone());
        let promoted = promoted.clone();
        async move { (weights.as_ref() == Some(&promoted)).then_some(weights) }
    })
    .await;
    assert_eq!(saved.as_ref(), Some(&promoted));

    // `f`: v2 fails 30% of its requests; now v2 is the primary... so fly v1 → v2 again from
    // 100/0, and the autopilot must roll back.
    effects.handle(Cmd::SetWeights(Weights {
        targets: vec![("distributorV1".into(), 100), ("distributorV2".into(), 0)],
    }));
    for cmd in app.update(Msg::Key(
        ratatui::crossterm::event::KeyCode::Char('f').into(),
    )) {
        effects.handle(cmd);
    }
    app.update(Msg::Key(
        ratatui::crossterm::event::KeyCode::Char('a').into(),
    ));
    effects.handle(Cmd::StartAutopilot(plan));
    assert_eq!(
        until_landed(&mut app, &effects, &mut rx).await,
        Stage::RolledBack
    );
    let last = app.autopilot.last.clone().unwrap();
    let breach = last.breach.expect("the failed check");
    assert!(breach.to_string().starts_with("success rate"), "{breach}");
    assert_eq!(
        app.weights.as_ref().unwrap().targets,
        [
            ("distributorV1".to_string(), 100),
            ("distributorV2".to_string(), 0)
        ]
    );
    app.toast = None;
    let frame = draw(&app, 140, 45);
    assert!(
        frame.contains("autopilot ■ rolled back: 100% on distributorV1 · success rate"),
        "{frame}"
    );
    effects.stop_traffic();
}

/// A traffic pane mid-flight: the autopilot advanced, one v2 task is ejected, a pool turned
/// requests away.
#[tokio::test]
async fn snapshot_of_an_ejection_and_an_autopilot_stage() {
    let (_cloud, session, mut app) = app((140, 45)).await;
    app.selected = session.walkthrough().find("24-").unwrap();
    app.resources.mesh = Some("gophermesh".into());
    app.resources.virtual_nodes = vec![
        "requester".into(),
        "distributorV1".into(),
        "distributorV2".into(),
    ];
    app.update(Msg::Weights(Weights {
        targets: vec![("distributorV1".into(), 80), ("distributorV2".into(), 20)],
    }));
    let stats = |count: u64, success: f64| VersionStats {
        count,
        share: count as f64 / 50.0,
        success,
        p50_ms: 1.2,
        p95_ms: 2.4,
        p99_ms: 3.6,
    };
    let summary = Summary {
        requests: 50,
        errors: 3,
        overflow: 2,
        not_sent: 0,
        duration_s: 5.0,
        rps: 10.0,
        versions: [
            ("v1".to_string(), stats(40, 1.0)),
            ("v2".to_string(), stats(10, 0.9)),
        ]
        .into(),
    };
    feed_steady_traffic(&mut app, &summary);
    let host = |port: u16, ejected: bool| HostHealth {
        task: format!("{port}abcdef0123456789"),
        node: "distributorV2".into(),
        healthy: true,
        ejected_for: ejected.then(|| Duration::from_secs(24)),
        times_ejected: u32::from(ejected),
        overflowed: 0,
    };
    app.update(Msg::Resilience(ResilienceView {
        hosts: vec![host(40001, true), host(40002, false)],
        events: vec![ResilienceEvent {
            ago: Duration::from_secs(6),
            node: "distributorV2".into(),
            task: "40001abcdef0123456789".into(),
            what: "ejected for 30 s after 3 consecutive 5xx".into(),
        }],
    }));
    app.autopilot.running = true;
    app.autopilot.interval_s = 5.0;
    let mut event = StageEvent::failed_to_start(String::new());
    event.stage = Stage::Advanced;
    event.error = None;
    event.primary = "distributorV1".into();
    event.canary = "distributorV2".into();
    event.canary_weight = 20;
    event.analysis = Some(meshwalk::canary::Analysis {
        requests: 42,
        success_pct: 100.0,
        p99_ms: 3.1,
    });
    app.update(Msg::Autopilot(Box::new(event)));
    // `meshwalk --clock-scale 60`: the header says the cloud's minutes pass in seconds.
    app.clock_scale = 60.0;
    let frame = draw(&app, 140, 45);
    assert!(
        frame.lines().next().unwrap().contains("· clock ×60 ·"),
        "{frame}"
    );
    assert!(frame.contains("⊘ 1 ejected"), "{frame}");
    assert!(
        frame.contains("autopilot ▶ advanced: distributorV2 at 20%"),
        "{frame}"
    );
    assert!(frame.contains("next check in 5 s"), "{frame}");
    assert!(
        frame.contains(
            "events: 2 overflow (pool full) in the window · 6 s ago distributorV2 40001abc"
        ),
        "{frame}"
    );
    insta::assert_snapshot!("autopilot_ejection_140x45", frame);
}
