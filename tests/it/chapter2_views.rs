//! Chapter 2's views through the real App and renderer (ratatui's TestBackend), at 140×45 (a
//! projector), 100×30 (the side-by-side boundary) and 80×24 (a default terminal): v3's canary
//! mid-stage with its countdown (three revisions), step 53's App Mesh → Service Connect
//! table, a rollback's Result, and the traffic pane after chapter 2's teardown.

use std::time::Duration;

use aws_sdk_ecs::types::{
    DeploymentStrategy, ServiceDeploymentLifecycleStage as Stage, ServiceDeploymentStatus as Status,
};
use meshwalk::load::stats::{RequestOutcome, Tally};
use meshwalk::load::traffic::Sample;
use meshwalk::session::deployment_watch::{self, DeploymentReport, Poll};
use meshwalk::session::{Outcome, StepReport};
use meshwalk::tui::app::{App, Msg, Pane};
use meshwalk::tui::deployment::DeploymentView;

use crate::tui_snapshots::{app, draw};

const SIZES: [(u16, u16); 3] = [(140, 45), (100, 30), (80, 24)];

/// One quarter-second sample at `at_ms` whose interval saw, per revision, (answers, failures).
fn sample(at_ms: u64, total: u64, answers: &[(&str, u64, u64)]) -> Box<Sample> {
    let mut tally = Tally::new();
    for (revision, n, failed) in answers {
        for i in 0..*n {
            tally.record(&RequestOutcome {
                version: Some((*revision).into()),
                success: i >= *failed,
                overflow: false,
                not_sent: false,
                latency: Duration::from_micros(900 + 50 * (i % 7)),
            });
        }
    }
    let window = tally.summary(Duration::from_millis(250));
    let mut all = window.clone();
    all.requests = total;
    all.duration_s = at_ms as f64 / 1000.0;
    Box::new(Sample {
        elapsed: Duration::from_millis(at_ms),
        window,
        total: all,
        in_flight: 1,
        last: std::sync::Arc::new(tally),
    })
}

fn look(
    status: Status,
    stage: Stage,
    configured: &[(&str, f64)],
    settled: &str,
    bake_left_s: Option<f64>,
) -> Msg {
    Msg::Deployment(Box::new(DeploymentView {
        service: "sc-distributor".into(),
        deployment: Some(Poll {
            arn:
                "arn:aws:ecs:us-east-1:000000000000:service-deployment/gophers-sc/sc-distributor/v3"
                    .into(),
            status,
            strategy: DeploymentStrategy::Canary,
            stage: Some(stage),
            configured: configured
                .iter()
                .map(|(r, p)| (r.to_string(), *p))
                .collect(),
            target: "sc-distributor:3".into(),
            source: Some("sc-distributor:2".into()),
            status_reason: None,
            bake_minutes: Some(10.0),
        }),
        settled: Some(settled.into()),
        bake_left_s,
        error: None,
    }))
}

/// v3's canary (20%, answering 503) after v2 served alone (v1 still in the chart's history);
/// returns the traffic time it got to (ms).
fn v3_canary_mid_stage(app: &mut App) -> u64 {
    app.clock_scale = 5.0;
    let mut t = 0;
    for _ in 0..8 {
        t += 250;
        app.update(Msg::Traffic(sample(
            t,
            t / 20,
            &[("sc-distributor:1", 12, 0)],
        )));
    }
    for _ in 0..8 {
        t += 250;
        app.update(Msg::Traffic(sample(
            t,
            t / 20,
            &[("sc-distributor:2", 12, 0)],
        )));
    }
    app.update(look(
        Status::InProgress,
        Stage::ProductionTrafficShift,
        &[("sc-distributor:3", 20.0), ("sc-distributor:2", 80.0)],
        "sc-distributor:3",
        Some(96.4),
    ));
    for i in 0..40 {
        t += 250;
        let v3 = if i % 2 == 0 { 3 } else { 2 };
        app.update(Msg::Traffic(sample(
            t,
            t / 20,
            &[
                ("sc-distributor:2", 12 - v3, 0),
                ("sc-distributor:3", v3, v3),
            ],
        )));
    }
    t
}

#[tokio::test]
async fn a_canary_mid_stage_shows_every_revision_and_its_countdown() {
    let (_cloud, session, mut app) = app((140, 45)).await;
    app.selected = session.walkthrough().find("2:sc-canary-v3").unwrap();
    let _ = v3_canary_mid_stage(&mut app);
    for (w, h) in SIZES {
        app.size = (w, h);
        let frame = draw(&app, w, h);
        assert!(
            frame.contains("CANARY ▶ 20% on sc-distributor:3 · bake 1m37s left"),
            "{w}x{h}\n{frame}"
        );
        assert!(
            frame.contains("sc-distributor:3") && frame.contains("sc-distributor:2"),
            "{frame}"
        );
        // Observed over the stage since it began: 100 of 480 answers from v3 (20.8%), not
        // blurred by the 5 s before it, when v2 answered everything.
        assert!(frame.contains("20.8%"), "{w}x{h}\n{frame}");
        insta::assert_snapshot!(format!("chapter2_v3_canary_{w}x{h}"), frame);
    }
    // Paused, the header says so.
    app.clock_paused = true;
    app.size = (80, 24);
    let frame = draw(&app, 80, 24);
    assert!(frame.contains("⏸ clock paused (×5)"), "{frame}");
}

#[tokio::test]
async fn step_53s_table_fits_at_every_size_and_zoomed() {
    let (_cloud, session, mut app) = app((140, 45)).await;
    app.selected = session.walkthrough().find("2:sc-concepts").unwrap();
    let mut frames = Vec::new();
    for (w, h) in SIZES {
        app.size = (w, h);
        frames.push((format!("chapter2_concepts_{w}x{h}"), draw(&app, w, h)));
    }
    app.size = (140, 45);
    app.focus = Pane::Step;
    app.zoomed = true;
    frames.push((
        "chapter2_concepts_zoomed_140x45".into(),
        draw(&app, 140, 45),
    ));
    for (name, frame) in frames {
        // The header row's two cells on one line, and each App Mesh concept in the first
        // column, never broken into the second.
        assert!(frame.contains("App Mesh "), "{name}\n{frame}");
        assert!(frame.contains("│ ECS Service Connect"), "{name}\n{frame}");
        // (Below, PgDn scrolls the rest into view.)
        for concept in ["mesh ", "virtual node ", "virtual router +"] {
            assert!(
                frame
                    .lines()
                    .any(|l| l.contains(&format!("┃{concept}"))
                        || l.contains(&format!("│{concept}"))),
                "{name}: {concept}\n{frame}"
            );
        }
        insta::assert_snapshot!(name, frame);
    }
}

#[tokio::test]
async fn a_rollbacks_result_names_the_revision_it_went_back_to_and_why() {
    let (_cloud, session, mut app) = app((140, 45)).await;
    let mut t = v3_canary_mid_stage(&mut app);
    let watch = session.walkthrough().find("2:sc-rollback-watch").unwrap();
    app.selected = watch;
    app.update(look(
        Status::RollbackSuccessful,
        Stage::BakeTime,
        &[("sc-distributor:3", 0.0), ("sc-distributor:2", 100.0)],
        "sc-distributor:2",
        None,
    ));
    for _ in 0..8 {
        t += 250;
        app.update(Msg::Traffic(sample(
            t,
            t / 20,
            &[("sc-distributor:2", 12, 0)],
        )));
    }
    // The watcher's verdict, as it sends it: the status and the reason, no stages of its own.
    let report = DeploymentReport {
        service: "sc-distributor".into(),
        status: Status::RollbackSuccessful,
        status_reason: Some("Service deployment rolled back.".into()),
        target: "sc-distributor:3".into(),
        source: Some("sc-distributor:2".into()),
        stages: Vec::new(),
    };
    let finished = StepReport {
        outcome: deployment_watch_verdict(report),
        prepared: None,
        cli: None,
        exchange: None,
        elapsed: Duration::from_millis(1200),
    };
    app.update(Msg::StepFinished(watch, Box::new(finished)));
    assert_eq!(
        app.selected, watch,
        "the step just run stays, its Result in view"
    );
    for (w, h) in SIZES {
        app.size = (w, h);
        let frame = draw(&app, w, h);
        assert!(
            frame.contains("ROLLBACK_SUCCESSFUL: back to sc-distributor:2"),
            "{w}x{h}\n{frame}"
        );
        assert!(
            frame.contains("ECS says: Service deployment rolled back."),
            "{frame}"
        );
        assert!(
            frame.contains("production traffic shift"),
            "the stages seen: {frame}"
        );
        insta::assert_snapshot!(format!("chapter2_rollback_result_{w}x{h}"), frame);
    }
}

fn deployment_watch_verdict(report: DeploymentReport) -> Outcome {
    meshwalk::session::verdict(report, &Status::RollbackSuccessful)
}

#[tokio::test]
async fn after_chapter_2s_teardown_the_traffic_pane_says_it_stopped() {
    let (_cloud, session, mut app) = app((140, 45)).await;
    let _ = v3_canary_mid_stage(&mut app);
    let teardown = session.walkthrough().find("2:sc-teardown").unwrap();
    app.selected = teardown;
    app.update(Msg::TrafficStopped("teardown: 16 deletions".into()));
    app.update(Msg::StepFinished(
        teardown,
        Box::new(StepReport {
            outcome: Outcome::TornDown(16),
            prepared: None,
            cli: None,
            exchange: None,
            elapsed: Duration::from_millis(900),
        }),
    ));
    assert!(app.deployment.is_none() && app.traffic.latest.is_none());
    // The toast said so; the pane says so after it.
    assert_eq!(app.toast.as_deref(), Some("teardown: 16 deletions"));
    app.toast = None;
    for (w, h) in SIZES {
        app.size = (w, h);
        let frame = draw(&app, w, h);
        assert!(!frame.contains("req/s"), "{w}x{h}\n{frame}");
        assert!(frame.contains("Traffic · not running"), "{w}x{h}\n{frame}");
        insta::assert_snapshot!(format!("chapter2_after_teardown_{w}x{h}"), frame);
    }
    let _ = deployment_watch::has_ended(&Status::Successful);
}
