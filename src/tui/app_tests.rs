//! `App::update` for every key path.
use std::time::Duration;

use ratatui::crossterm::event::{
    KeyCode, KeyEventState, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::*;
use crate::load::stats::Summary;

fn step(id: &str, kind: StepKindView) -> StepView {
    StepView {
        id: id.into(),
        title: id.into(),
        kind,
        narrative: String::new(),
        status: StepStatus::Pending,
        chapter: None,
        requester: matches!(kind, StepKindView::Traffic | StepKindView::Deployment)
            .then(|| "gophermesh/requester".to_string()),
        watches: kind == StepKindView::Deployment,
    }
}

fn app() -> App {
    let steps = vec![
        step("01-welcome", StepKindView::Info),
        step("02-mesh", StepKindView::Api),
        step("03-traffic", StepKindView::Traffic),
        step("04-teardown", StepKindView::Teardown),
    ];
    let mut app = App::new("test".into(), steps, (140, 45));
    app.inputs = vec![
        InputView::default(),
        InputView {
            cli: Some("aws appmesh create-mesh".into()),
            ..InputView::default()
        },
        InputView::default(),
        InputView::default(),
    ];
    app
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn report(outcome: Outcome) -> Box<StepReport> {
    Box::new(StepReport {
        outcome,
        prepared: None,
        cli: None,
        exchange: None,
        elapsed: Duration::ZERO,
    })
}

#[test]
fn moving_with_arrows_and_vim_keys() {
    let mut a = app();
    assert!(a.update(key(KeyCode::Down)).is_empty());
    assert_eq!(a.selected, 1);
    a.update(key(KeyCode::Char('j')));
    a.update(key(KeyCode::Char('j')));
    a.update(key(KeyCode::Char('j')));
    assert_eq!(a.selected, 3, "stops at the last step");
    a.update(key(KeyCode::Char('k')));
    a.update(key(KeyCode::Up));
    assert_eq!(a.selected, 1);
    a.update(key(KeyCode::End));
    assert_eq!(a.selected, 3);
    a.update(key(KeyCode::Home));
    assert_eq!(a.selected, 0);
}

#[test]
fn only_presses_count() {
    let mut a = app();
    let mut release = KeyEvent::new(KeyCode::Down, KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    release.state = KeyEventState::NONE;
    a.update(Msg::Key(release));
    assert_eq!(a.selected, 0);
}

#[test]
fn enter_on_an_info_step_marks_it_done_and_moves_on() {
    let mut a = app();
    assert_eq!(
        a.update(key(KeyCode::Enter)),
        [Cmd::MarkDone("01-welcome".into())]
    );
    assert_eq!(a.steps[0].status, StepStatus::Done);
    assert_eq!(a.selected, 1);
}

#[test]
fn enter_runs_an_api_step_shows_its_result_and_enter_again_moves_on() {
    let mut a = app();
    a.selected = 1;
    assert_eq!(
        a.update(key(KeyCode::Enter)),
        [Cmd::RunStep {
            index: 1,
            update: false
        }]
    );
    assert_eq!(a.steps[1].status, StepStatus::Running);
    assert!(
        a.update(key(KeyCode::Enter)).is_empty(),
        "no second run while it runs"
    );
    let cmds = a.update(Msg::StepFinished(1, report(Outcome::Done)));
    assert_eq!(
        cmds,
        [Cmd::RefreshResources, Cmd::MarkDone("02-mesh".into())]
    );
    assert_eq!(
        (a.steps[1].status.clone(), a.selected, a.tab),
        (StepStatus::Done, 1, Tab::Result),
        "the step just run stays, its Result in view"
    );
    a.update(key(KeyCode::BackTab));
    assert_eq!(a.tab, Tab::Wire, "its Wire a Shift-Tab away");
    assert!(a.update(key(KeyCode::Enter)).is_empty(), "Enter moves on");
    assert_eq!((a.selected, a.tab), (2, Tab::Input));
    // Back on a done step, Enter runs it again (it is safe to repeat).
    a.update(key(KeyCode::Up));
    assert_eq!(
        a.update(key(KeyCode::Enter)),
        [Cmd::RunStep {
            index: 1,
            update: false
        }]
    );
}

#[test]
fn a_failed_step_stays_selected_and_shows_its_result() {
    let mut a = app();
    a.selected = 1;
    a.update(key(KeyCode::Enter));
    let failure = Outcome::Failed(crate::session::StepError {
        code: Some("NotFoundException".into()),
        message: "no mesh".into(),
    });
    assert_eq!(
        a.update(Msg::StepFinished(1, report(failure))),
        [Cmd::RefreshResources]
    );
    assert_eq!(
        (a.steps[1].status.clone(), a.selected, a.tab),
        (StepStatus::Failed, 1, Tab::Result)
    );
}

#[test]
fn u_applies_the_spec_of_a_step_that_differs() {
    let mut a = app();
    a.selected = 1;
    assert!(
        a.update(key(KeyCode::Char('u'))).is_empty(),
        "nothing differs yet"
    );
    a.update(Msg::StepFinished(
        1,
        report(Outcome::Differs(vec!["spec.x: 1 → 2".into()])),
    ));
    assert_eq!(
        a.update(key(KeyCode::Char('u'))),
        [Cmd::RunStep {
            index: 1,
            update: true
        }]
    );
}

#[test]
fn traffic_and_teardown_steps() {
    let mut a = app();
    a.selected = 2;
    assert_eq!(
        a.update(key(KeyCode::Enter)),
        [
            Cmd::StartTraffic { step: 2 },
            Cmd::RunStep {
                index: 2,
                update: false
            }
        ]
    );
    assert_eq!(a.steps[2].status, StepStatus::Running);
    // Done when the runner reports what it observed: its Result shows, Enter moves on.
    a.update(Msg::StepFinished(2, report(Outcome::Read)));
    assert_eq!(a.steps[2].status, StepStatus::Done);
    assert_eq!((a.selected, a.tab), (2, Tab::Result));
    a.update(key(KeyCode::Enter));
    assert_eq!(a.selected, 3);
    assert_eq!(a.update(key(KeyCode::Enter)), [Cmd::Teardown { index: 3 }]);
}

#[test]
fn tabs_cycle_both_ways() {
    let mut a = app();
    a.update(key(KeyCode::Tab));
    assert_eq!(a.tab, Tab::Cli);
    a.update(key(KeyCode::Tab));
    a.update(key(KeyCode::Tab));
    a.update(key(KeyCode::Tab));
    assert_eq!(a.tab, Tab::Input);
    a.update(key(KeyCode::BackTab));
    assert_eq!(a.tab, Tab::Result);
}

#[test]
fn edit_and_copy() {
    let mut a = app();
    assert!(a.update(key(KeyCode::Char('e'))).is_empty());
    assert!(a.toast.as_deref().unwrap().contains("no input"));
    assert!(a.update(key(KeyCode::Char('c'))).is_empty());
    a.selected = 1;
    assert_eq!(a.update(key(KeyCode::Char('e'))), [Cmd::Edit { index: 1 }]);
    assert_eq!(
        a.update(key(KeyCode::Char('c'))),
        [Cmd::Copy("aws appmesh create-mesh".into())]
    );
    assert!(a.toast.as_deref().unwrap().contains("copied"));
}

#[test]
fn plus_and_minus_move_ten_points_clamped() {
    let mut a = app();
    a.update(key(KeyCode::Char('+')));
    assert!(
        a.toast.as_deref().unwrap().contains("route"),
        "no weights before the route exists"
    );
    let w = |v1, v2| Weights {
        targets: vec![("distributorV1".into(), v1), ("distributorV2".into(), v2)],
    };
    a.update(Msg::Weights(w(100, 0)));
    assert_eq!(
        a.update(key(KeyCode::Char('+'))),
        [Cmd::SetWeights(w(90, 10))]
    );
    assert!(
        a.update(key(KeyCode::Char('-'))).is_empty(),
        "already all on v1"
    );
    a.update(Msg::Weights(w(5, 95)));
    assert_eq!(
        a.update(key(KeyCode::Char('+'))),
        [Cmd::SetWeights(w(0, 100))],
        "clamped at 0"
    );
    a.update(Msg::Weights(w(0, 100)));
    assert_eq!(
        a.update(key(KeyCode::Char('-'))),
        [Cmd::SetWeights(w(10, 90))]
    );
}

#[test]
fn a_starts_and_stops_the_autopilot_and_a_final_stage_lands_it() {
    let mut a = app();
    assert!(a.update(key(KeyCode::Char('a'))).is_empty());
    assert!(
        a.toast.as_deref().unwrap().contains("route"),
        "no route yet"
    );
    a.update(Msg::Weights(Weights {
        targets: vec![("distributorV1".into(), 100), ("distributorV2".into(), 0)],
    }));
    assert_eq!(
        a.update(key(KeyCode::Char('a'))),
        [Cmd::StartAutopilot(CanaryPlan::default())]
    );
    assert!(a.autopilot.running);
    assert_eq!(a.autopilot.interval_s, 5.0);
    assert_eq!(a.update(key(KeyCode::Char('a'))), [Cmd::StopAutopilot]);
    assert!(!a.autopilot.running);

    // A split set by hand is replaced by the flight's first step: the presenter is told.
    a.update(Msg::Weights(Weights {
        targets: vec![("distributorV1".into(), 70), ("distributorV2".into(), 30)],
    }));
    a.update(key(KeyCode::Char('a')));
    assert_eq!(
        a.toast.as_deref(),
        Some("autopilot: the canary starts again at 10% (your 70/30 split is replaced)")
    );
    a.update(key(KeyCode::Char('a')));

    a.update(key(KeyCode::Char('a')));
    let mut event = StageEvent::failed_to_start(String::new());
    event.error = None;
    event.stage = crate::canary::Stage::Advanced;
    assert!(
        a.update(Msg::Autopilot(Box::new(event.clone()))).is_empty(),
        "no call was made: nothing to refresh"
    );
    assert!(a.autopilot.running, "an advance is not the end");
    event.update_route_status = Some(200);
    assert_eq!(
        a.update(Msg::Autopilot(Box::new(event.clone()))),
        [Cmd::RefreshResources],
        "the resource tree shows the new weights"
    );
    event.stage = crate::canary::Stage::RolledBack;
    event.primary = "distributorV1".into();
    a.update(Msg::Autopilot(Box::new(event)));
    assert!(!a.autopilot.running);
    assert!(
        a.toast
            .as_deref()
            .unwrap()
            .starts_with("autopilot rolled back")
    );
    // Failing to start lands it too, with the reason.
    a.update(key(KeyCode::Char('a')));
    a.update(Msg::Autopilot(Box::new(StageEvent::failed_to_start(
        "DescribeRoute: NotFoundException".into(),
    ))));
    assert!(!a.autopilot.running);
    assert!(a.toast.as_deref().unwrap().contains("NotFoundException"));
}

#[test]
fn f_toggles_faults() {
    let mut a = app();
    assert_eq!(a.update(key(KeyCode::Char('f'))), [Cmd::SetFault(true)]);
    a.update(Msg::FaultSet(true));
    assert_eq!(a.update(key(KeyCode::Char('f'))), [Cmd::SetFault(false)]);
}

#[test]
fn arrows_move_the_focus_between_panes_both_ways() {
    let mut a = app();
    assert_eq!(a.focus, Pane::Step);
    assert!(a.update(key(KeyCode::Right)).is_empty());
    assert_eq!(a.focus, Pane::Resources);
    a.update(key(KeyCode::Right));
    assert_eq!(a.focus, Pane::Traffic);
    a.update(key(KeyCode::Right));
    assert_eq!(a.focus, Pane::Step, "wraps around");
    a.update(key(KeyCode::Left));
    assert_eq!(a.focus, Pane::Traffic);
    assert_eq!(a.tab, Tab::Input, "the step's tabs stay on Tab / Shift-Tab");
}

#[test]
fn z_zooms_the_focused_pane_and_z_or_esc_returns() {
    let mut a = app();
    a.update(key(KeyCode::Left));
    assert!(a.update(key(KeyCode::Char('z'))).is_empty());
    assert!(a.zoomed);
    let areas = a.areas(Rect::new(0, 0, 140, 45));
    assert_eq!(areas.traffic, Some(Rect::new(0, 1, 140, 43)));
    assert_eq!((areas.steps, areas.pane), (None, None));
    a.update(key(KeyCode::Char('z')));
    assert!(!a.zoomed);
    a.update(key(KeyCode::Char('z')));
    a.update(key(KeyCode::Esc));
    assert!(!a.zoomed);
    a.update(key(KeyCode::Esc));
    assert!(!a.zoomed, "Esc without a zoom changes nothing");
}

#[test]
fn steps_and_weights_keep_working_while_zoomed() {
    let mut a = app();
    a.update(Msg::Weights(Weights {
        targets: vec![("distributorV1".into(), 100), ("distributorV2".into(), 0)],
    }));
    a.update(key(KeyCode::Char('z')));
    a.update(key(KeyCode::Down));
    assert_eq!((a.selected, a.zoomed), (1, true));
    assert_eq!(
        a.update(key(KeyCode::Char('+'))),
        [Cmd::SetWeights(Weights {
            targets: vec![("distributorV1".into(), 90), ("distributorV2".into(), 10)],
        })]
    );
}

#[test]
fn a_click_focuses_the_pane_under_it() {
    let mut a = app();
    let click = |column, row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // At 140×45 the resources are the right-hand 38 columns, the traffic line the last
    // row above the footer.
    a.update(click(120, 10));
    assert_eq!(a.focus, Pane::Resources);
    a.update(click(60, 43));
    assert_eq!(a.focus, Pane::Traffic);
    a.update(click(60, 10));
    assert_eq!(a.focus, Pane::Step);
    a.update(click(5, 4));
    assert_eq!(
        (a.focus, a.selected),
        (Pane::Step, 2),
        "the list selects, focus stays"
    );
}

#[test]
fn the_list_is_as_wide_as_the_longest_title() {
    let mut a = app();
    a.steps[1].title = "Task definition: distributor v2".into();
    let list = a.areas(Rect::new(0, 0, 140, 45)).steps.unwrap();
    assert_eq!(list.width, 31 + 7);
}

#[test]
fn help_overlay_and_quitting() {
    let mut a = app();
    a.update(key(KeyCode::Char('?')));
    assert!(a.help);
    assert!(a.update(key(KeyCode::Down)).is_empty());
    assert!(
        !a.help && a.selected == 0,
        "any key closes help and does nothing else"
    );
    assert_eq!(a.update(key(KeyCode::Char('q'))), [Cmd::Quit]);
    assert!(a.quit);
    let mut b = app();
    assert_eq!(
        b.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL
        ))),
        [Cmd::Quit]
    );
}

#[test]
fn mouse_click_selects_and_wheel_scrolls() {
    let mut a = app();
    // The step list starts below the header (row 1) and its border (row 2): row 4 is step 3.
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row: 4,
        modifiers: KeyModifiers::NONE,
    };
    a.update(Msg::Mouse(click));
    assert_eq!(a.selected, 2);
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 60,
        row: 10,
        modifiers: KeyModifiers::NONE,
    };
    a.update(Msg::Mouse(wheel));
    assert_eq!(a.scroll, 3);
}

#[test]
fn traffic_samples_build_the_history_and_markers() {
    let mut a = app();
    let sample = |t: u64| {
        let summary = Summary {
            requests: 10,
            errors: 0,
            overflow: 0,
            not_sent: 0,
            duration_s: 1.0,
            rps: 10.0,
            versions: Default::default(),
        };
        Box::new(Sample {
            elapsed: Duration::from_secs(t),
            window: summary.clone(),
            total: summary,
            in_flight: 0,
            last: Default::default(),
        })
    };
    for t in 0..(HISTORY as u64 + 5) {
        a.update(Msg::Traffic(sample(t)));
    }
    assert!(a.traffic.running);
    assert_eq!(a.traffic.history.len(), HISTORY);
    a.update(Msg::Weights(Weights {
        targets: vec![("a".into(), 50), ("b".into(), 50)],
    }));
    a.update(Msg::Weights(Weights {
        targets: vec![("a".into(), 40), ("b".into(), 60)],
    }));
    assert_eq!(a.traffic.markers.len(), 2);
    a.update(Msg::Resize(60, 20));
    assert_eq!(a.size, (60, 20));
}

#[test]
fn resuming_says_what_was_replayed_and_restores_the_demo() {
    let mut a = app();
    a.steps[2].status = StepStatus::Done;
    let weights = Weights {
        targets: vec![("v1".into(), 40), ("v2".into(), 60)],
    };
    let cmds = a.update(Msg::Resumed(Resumed {
        replayed: 3,
        elapsed: Duration::from_millis(1250),
        complete: true,
        weights: Some(weights.clone()),
        fault: true,
    }));
    assert_eq!(
        cmds,
        [
            Cmd::RestoreDemo {
                weights: Some(weights),
                fault: true
            },
            Cmd::StartTraffic { step: 2 }
        ]
    );
    assert_eq!(
        a.toast.as_deref(),
        Some("resumed: replayed 3 steps in 1.2 s")
    );

    // Nothing set live and no traffic step done: only the note.
    let mut b = app();
    let cmds = b.update(Msg::Resumed(Resumed {
        replayed: 1,
        elapsed: Duration::from_millis(40),
        complete: true,
        weights: None,
        fault: false,
    }));
    assert!(cmds.is_empty());
    assert_eq!(
        b.toast.as_deref(),
        Some("resumed: replayed 1 step in 0.0 s")
    );
    // A failed replay restores nothing.
    let cmds = b.update(Msg::Resumed(Resumed {
        replayed: 0,
        elapsed: Duration::ZERO,
        complete: false,
        weights: None,
        fault: true,
    }));
    assert!(cmds.is_empty());
    assert!(b.toast.unwrap().starts_with("resume stopped"));
}

#[test]
fn s_shows_how_to_reach_the_cloud_and_c_copies_it() {
    let mut a = app();
    assert!(a.update(key(KeyCode::Char('s'))).is_empty());
    assert!(!a.sharing, "no share lines: nothing to show");
    assert!(a.toast.as_deref().unwrap_or_default().contains("AWS"));

    a.share = Some("export AWS_ENDPOINT_URL=http://127.0.0.1:4566".into());
    a.update(key(KeyCode::Char('s')));
    assert!(a.sharing);
    assert_eq!(
        a.update(key(KeyCode::Char('c'))),
        [Cmd::Copy(
            "export AWS_ENDPOINT_URL=http://127.0.0.1:4566".into()
        )]
    );
    assert!(a.sharing, "copying keeps the lines on screen");
    // Any other key closes it and does nothing else.
    assert!(a.update(key(KeyCode::Down)).is_empty());
    assert!(!a.sharing);
    assert_eq!(a.selected, 0);
    a.update(key(KeyCode::Char('s')));
    assert_eq!(a.update(key(KeyCode::Char('q'))), [Cmd::Quit]);
}

/// Chapter 2 in the App: a heading per chapter, traffic through the chapter's requester (a
/// fresh history when it changes), a deployment step that runs until its deployment ends,
/// and R rolling back only a deployment under way.
#[test]
fn chapter_2_switches_requester_watches_its_service_and_rolls_back() {
    let mut steps = vec![
        step("01-welcome", StepKindView::Info),
        step("02-traffic", StepKindView::Traffic),
        step("03-welcome", StepKindView::Info),
        step("04-traffic", StepKindView::Traffic),
        step("05-canary-watch", StepKindView::Deployment),
    ];
    steps[0].chapter = Some("App Mesh, step by step".into());
    steps[2].chapter = Some("After App Mesh".into());
    for s in &mut steps[3..] {
        s.requester = Some("gophers-sc/sc-requester".into());
        s.watches = true;
    }
    let mut a = App::new("test".into(), steps, (140, 45));
    assert_eq!(
        a.list_rows()[..3],
        [
            super::super::layout::ListRow::Chapter {
                number: 1,
                title: "App Mesh, step by step".into()
            },
            super::super::layout::ListRow::Step(0),
            super::super::layout::ListRow::Step(1),
        ]
    );
    a.selected = 1;
    assert_eq!(
        a.update(key(KeyCode::Enter))[0],
        Cmd::StartTraffic { step: 1 }
    );
    a.traffic.running = true;
    a.traffic.markers.push(1.0);
    a.selected = 3;
    // Another requester: its traffic starts afresh, and the pane watches the service.
    let cmds = a.update(key(KeyCode::Enter));
    assert_eq!(
        cmds[..2],
        [Cmd::StartTraffic { step: 3 }, Cmd::Watch { step: 3 }]
    );
    assert!(a.traffic.markers.is_empty() && !a.traffic.running);
    a.traffic.running = true;
    // The same requester: only the watch (with the deployment step to finish).
    a.selected = 4;
    assert_eq!(a.update(key(KeyCode::Enter)), [Cmd::Watch { step: 4 }]);
    assert_eq!(a.steps[4].status, StepStatus::Running);
    // R with nothing under way: a note, no call.
    assert!(a.update(key(KeyCode::Char('R'))).is_empty());
    let under_way = crate::session::deployment_watch::Poll {
        arn: "arn:d".into(),
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
    };
    a.update(Msg::Deployment(Box::new(DeploymentView {
        service: "sc-distributor".into(),
        deployment: Some(under_way),
        settled: Some("sc-distributor:2".into()),
        bake_left_s: Some(30.0),
        error: None,
    })));
    assert_eq!(a.update(key(KeyCode::Char('R'))), [Cmd::RollBack]);
}

#[test]
fn a_teardown_makes_its_chapters_steps_to_do_again_and_forgets_them() {
    let mut a = app();
    for i in 0..3 {
        a.steps[i].status = StepStatus::Done;
    }
    a.reports.insert(1, *report(Outcome::Done));
    a.traffic.requester = Some("gophermesh/requester".into());
    a.traffic.markers.push(1.0);
    a.selected = 3;
    let cmds = a.update(Msg::StepFinished(3, report(Outcome::TornDown(5))));
    assert_eq!(
        cmds,
        [
            Cmd::RefreshResources,
            Cmd::ForgetDone(vec![
                "01-welcome".into(),
                "02-mesh".into(),
                "03-traffic".into(),
                "04-teardown".into()
            ])
        ]
    );
    assert!(a.steps[..3].iter().all(|s| s.status == StepStatus::Pending));
    assert_eq!(
        a.steps[3].status,
        StepStatus::Done,
        "the teardown itself ran"
    );
    assert!(
        !a.reports.contains_key(&1),
        "a torn-down step's result is gone too"
    );
    assert_eq!(
        a.traffic,
        TrafficView::default(),
        "the pane speaks of no traffic"
    );
    assert!(a.deployment.is_none());
}

#[test]
fn a_resume_selects_the_step_after_the_last_one_done() {
    let mut a = app();
    // Only the later steps were done (another chapter, say): not back to the first.
    a.steps[1].status = StepStatus::Done;
    a.select_where_progress_stands();
    assert_eq!(a.selected, 2);
    // Nothing done: the first step.
    let mut b = app();
    b.selected = 3;
    b.select_where_progress_stands();
    assert_eq!(b.selected, 0);
}

/// A sample whose interval alone saw `n` requests to each of `versions`, at `at` s.
fn stage_sample(at: f64, versions: &[(&str, u64)]) -> Box<crate::load::traffic::Sample> {
    let mut tally = crate::load::stats::Tally::new();
    for (version, n) in versions {
        for _ in 0..*n {
            tally.record(&crate::load::stats::RequestOutcome {
                version: Some((*version).into()),
                success: true,
                overflow: false,
                not_sent: false,
                latency: Duration::from_millis(1),
            });
        }
    }
    Box::new(crate::load::traffic::Sample {
        elapsed: Duration::from_secs_f64(at),
        window: tally.summary(Duration::from_secs(5)),
        total: tally.summary(Duration::from_secs(5)),
        in_flight: 0,
        last: std::sync::Arc::new(tally),
    })
}

fn look(
    status: aws_sdk_ecs::types::ServiceDeploymentStatus,
    stage: aws_sdk_ecs::types::ServiceDeploymentLifecycleStage,
    new_share: f64,
) -> Msg {
    Msg::Deployment(Box::new(DeploymentView {
        service: "sc-distributor".into(),
        deployment: Some(crate::session::deployment_watch::Poll {
            arn: "arn:d".into(),
            status,
            strategy: aws_sdk_ecs::types::DeploymentStrategy::Canary,
            stage: Some(stage),
            configured: vec![
                ("sc-distributor:2".into(), new_share),
                ("sc-distributor:1".into(), 100.0 - new_share),
            ],
            target: "sc-distributor:2".into(),
            source: Some("sc-distributor:1".into()),
            status_reason: None,
            bake_minutes: Some(1.0),
        }),
        settled: Some("sc-distributor:2".into()),
        bake_left_s: None,
        error: None,
    }))
}

#[test]
fn each_deployment_stage_is_observed_whole_and_a_late_watch_step_reports_them() {
    use aws_sdk_ecs::types::{
        ServiceDeploymentLifecycleStage as Stage, ServiceDeploymentStatus as Status,
    };
    let mut a = app();
    a.update(Msg::Traffic(stage_sample(1.0, &[("sc-distributor:1", 50)])));
    // The canary: 1 in 10 to v2, over the whole stage.
    a.update(look(
        Status::InProgress,
        Stage::ProductionTrafficShift,
        10.0,
    ));
    for t in 2..6 {
        a.update(Msg::Traffic(stage_sample(
            f64::from(t),
            &[("sc-distributor:2", 5), ("sc-distributor:1", 45)],
        )));
    }
    let canary = &a.traffic.stages.last().unwrap().tally;
    let canary = canary.summary(Duration::from_secs(4));
    assert_eq!(canary.requests, 200, "the samples since the stage began");
    assert!((canary.versions["sc-distributor:2"].share - 0.1).abs() < 1e-9);
    // Everything on v2: a new stage, a new tally.
    a.update(look(Status::InProgress, Stage::BakeTime, 100.0));
    a.update(Msg::Traffic(stage_sample(7.0, &[("sc-distributor:2", 50)])));
    a.update(look(Status::Successful, Stage::BakeTime, 100.0));
    a.update(Msg::Traffic(stage_sample(8.0, &[("sc-distributor:2", 50)])));
    assert_eq!(a.traffic.stages.len(), 3, "canary, bake, after the end");

    // The watch step that started after the end finishes with the stages the pane saw.
    let ended = crate::session::deployment_watch::DeploymentReport {
        service: "sc-distributor".into(),
        status: Status::Successful,
        status_reason: None,
        target: "sc-distributor:2".into(),
        source: Some("sc-distributor:1".into()),
        stages: Vec::new(),
    };
    a.selected = 2;
    a.update(Msg::StepFinished(2, report(Outcome::Deployed(ended))));
    let Outcome::Deployed(d) = &a.reports[&2].outcome else {
        panic!("{:?}", a.reports[&2].outcome);
    };
    let seen: Vec<(Option<f64>, f64, u64)> = d
        .seen()
        .map(|(s, want, seen)| (want, (seen * 10.0).round() / 10.0, s.observed.requests))
        .collect();
    assert_eq!(seen, [(Some(10.0), 10.0, 200), (Some(100.0), 100.0, 50)]);
}
