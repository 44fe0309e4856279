//! The real App rendered into ratatui's TestBackend: at start, after a step ran, after a step
//! failed, and with traffic, at 140×45 and 60×20 (plus too small).

use std::time::Duration;

use meshwalk::api::target::{Target, TargetKind};
use meshwalk::dataplane::DataPlaneConfig;
use meshwalk::dataplane::stats::{Summary, VersionStats};
use meshwalk::dataplane::traffic::Sample;
use meshwalk::embedded::EmbeddedCloud;
use meshwalk::tui::app::{App, Msg, Tab, Weights};
use meshwalk::tui::effects::Effects;
use meshwalk::tui::theme::Theme;
use meshwalk::tui::view;
use meshwalk::walkthrough::Walkthrough;
use meshwalk::walkthrough::progress::Progress;
use meshwalk::walkthrough::runner::Session;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::support::test_config;

fn draw(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| view::render(app, f, Theme { color: false }))
        .unwrap();
    terminal.backend().to_string()
}

/// What changes from run to run (ids, times, ports, durations) is masked.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[uuid]",
    );
    // Values of varying width also take the padding after them, so the lines stay the same.
    s.add_filter(r"1[0-9]{9}\.[0-9]+(,?) *", "[epoch]$1");
    // Ephemeral ports always have 5 digits here, so the width does not change.
    s.add_filter(r"127\.0\.0\.1:[0-9]+", "127.0.0.1:[port]");
    s.add_filter(r"\([0-9]+\.[0-9] ms\) *", "([ms])");
    s.add_filter(r"x-amz-date: [0-9TZ]+", "x-amz-date: [date]");
    s
}

async fn app(size: (u16, u16)) -> (EmbeddedCloud, Session, App) {
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
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let effects = Effects::new(
        session.clone(),
        Progress::default(),
        std::env::temp_dir(),
        None,
        tx,
    );
    let mut app = App::new(
        "embedded cloud (us-east-1)".into(),
        effects.step_views(),
        size,
    );
    app.inputs = effects.inputs();
    (cloud, session, app)
}

#[tokio::test]
async fn at_start() {
    let (_cloud, _session, mut app) = app((140, 45)).await;
    settings().bind(|| {
        insta::assert_snapshot!("start_140x45", draw(&app, 140, 45));
        app.size = (60, 20);
        insta::assert_snapshot!("start_60x20", draw(&app, 60, 20));
        insta::assert_snapshot!("too_small_30x8", draw(&app, 30, 8));
        app.size = (140, 45);
        app.help = true;
        insta::assert_snapshot!("help_140x45", draw(&app, 140, 45));
    });
}

#[tokio::test]
async fn after_a_step_ran() {
    let (_cloud, session, mut app) = app((140, 45)).await;
    let mesh = session.walkthrough.find("02-").unwrap();
    let report = session.run(mesh, false).await;
    app.update(Msg::StepFinished(mesh, Box::new(report)));
    app.selected = mesh;
    app.tab = Tab::Result;
    settings().bind(|| {
        insta::assert_snapshot!("ran_result_140x45", draw(&app, 140, 45));
        app.tab = Tab::Wire;
        insta::assert_snapshot!("ran_wire_140x45", draw(&app, 140, 45));
        app.tab = Tab::Cli;
        app.size = (60, 20);
        insta::assert_snapshot!("ran_cli_60x20", draw(&app, 60, 20));
    });
}

#[tokio::test]
async fn after_a_step_failed() {
    let (_cloud, session, mut app) = app((140, 45)).await;
    // A virtual node before its mesh exists.
    let node = session.walkthrough.find("03-").unwrap();
    app.selected = node;
    let report = session.run(node, false).await;
    app.update(Msg::StepFinished(node, Box::new(report)));
    settings().bind(|| {
        insta::assert_snapshot!("failed_140x45", draw(&app, 140, 45));
        app.size = (60, 20);
        insta::assert_snapshot!("failed_60x20", draw(&app, 60, 20));
    });
}

fn summary(v1: u64, v2: u64, errors: u64, seconds: f64) -> Summary {
    let stats = |count: u64, success: f64, p50: f64| VersionStats {
        count,
        share: count as f64 / (v1 + v2) as f64,
        success,
        p50_ms: p50,
        p95_ms: p50 * 2.0,
        p99_ms: p50 * 3.0,
    };
    Summary {
        requests: v1 + v2,
        errors,
        duration_s: seconds,
        rps: (v1 + v2) as f64 / seconds,
        versions: [
            ("v1".to_string(), stats(v1, 1.0, 1.2)),
            ("v2".to_string(), stats(v2, 0.93, 1.4)),
        ]
        .into(),
    }
}

#[tokio::test]
async fn with_traffic() {
    let (_cloud, session, mut app) = app((140, 45)).await;
    app.selected = session.walkthrough.find("19-").unwrap();
    app.update(Msg::Weights(Weights {
        targets: vec![("distributorV1".into(), 100), ("distributorV2".into(), 0)],
    }));
    for i in 1..=40u64 {
        let (v1, v2) = if i <= 20 { (12, 0) } else { (11, 1) };
        if i == 21 {
            app.update(Msg::Weights(Weights {
                targets: vec![("distributorV1".into(), 90), ("distributorV2".into(), 10)],
            }));
        }
        let sample = Sample {
            elapsed: Duration::from_millis(250 * i),
            window: summary(v1 * 20, v2 * 20, v2, 5.0),
            total: summary(v1 * i, v2 * i, 0, i as f64 / 4.0),
            in_flight: 1,
        };
        app.update(Msg::Traffic(Box::new(sample)));
    }
    settings().bind(|| {
        insta::assert_snapshot!("traffic_140x45", draw(&app, 140, 45));
        app.size = (60, 20);
        insta::assert_snapshot!("traffic_60x20", draw(&app, 60, 20));
    });
}
