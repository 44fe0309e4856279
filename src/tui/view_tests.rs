//! What the step pane tells of a step that ran.

use std::time::Duration;

use super::*;
use crate::session::{StepError, StepReport};
use crate::tui::app::{InputView, StepKindView, StepStatus, StepView};

fn failed(code: &str) -> StepReport {
    StepReport {
        outcome: Outcome::Failed(StepError {
            code: Some(code.into()),
            message: "m".into(),
        }),
        prepared: None,
        cli: None,
        exchange: None,
        elapsed: Duration::ZERO,
    }
}

#[test]
fn a_step_whose_cluster_is_missing_is_told_which_step_makes_it() {
    let step = |title: &str| StepView {
        id: title.into(),
        title: title.into(),
        kind: StepKindView::Api,
        narrative: String::new(),
        status: StepStatus::Pending,
        chapter: None,
        requester: None,
        watches: false,
    };
    let mut app = App::new(
        "test".into(),
        vec![step("Mesh"), step("Cluster"), step("Service")],
        (140, 45),
    );
    let call = |call: &str| InputView {
        call: call.into(),
        ..InputView::default()
    };
    app.inputs = vec![
        call("appmesh:CreateMesh"),
        call("ecs:CreateCluster"),
        call("ecs:CreateService"),
    ];
    app.selected = 2;
    assert_eq!(
        what_to_do(&app, &failed("ClusterNotFoundException")),
        "The step stays pending: what it needs does not exist yet. Run step 2 (Cluster) \
         first, then press Enter here again."
    );
    assert!(what_to_do(&app, &failed("InvalidParameterException")).contains("e edits"));

    // A rollback whose deployment already ended: run the deploying step again.
    app.inputs = vec![
        call("ecs:CreateService"),
        call("ecs:UpdateService"),
        call("ecs:StopServiceDeployment"),
    ];
    assert_eq!(
        what_to_do(&app, &failed("ConflictException")),
        "The deployment this step stops has already ended. Run step 2 (Cluster) again to \
         start a new one, then this step while it is under way."
    );
}

#[test]
fn a_deployment_step_shows_how_it_ended_and_why() {
    use crate::session::deployment_watch::DeploymentReport;
    use aws_sdk_ecs::types::ServiceDeploymentStatus;

    let step = StepView {
        id: "47-rollback".into(),
        title: "Roll back".into(),
        kind: StepKindView::Deployment,
        narrative: "The canary fails.".into(),
        status: StepStatus::Done,
        chapter: None,
        requester: None,
        watches: true,
    };
    let mut app = App::new("test".into(), vec![step], (140, 45));
    let deployed = DeploymentReport {
        service: "sc-distributor".into(),
        status: ServiceDeploymentStatus::RollbackSuccessful,
        status_reason: Some("the circuit breaker tripped".into()),
        target: "sc-distributor:3".into(),
        source: Some("sc-distributor:2".into()),
        stages: Vec::new(),
    };
    app.reports.insert(
        0,
        StepReport {
            outcome: Outcome::Deployed(deployed),
            prepared: None,
            cli: None,
            exchange: None,
            elapsed: Duration::ZERO,
        },
    );
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(140, 45)).unwrap();
    terminal
        .draw(|f| render(&app, f, Theme { color: false }))
        .unwrap();
    let screen = terminal.backend().to_string();
    assert!(screen.contains("Result"), "{screen}");
    assert!(screen.contains("back to sc-distributor:2"), "{screen}");
    assert!(
        screen.contains("ECS says: the circuit breaker tripped"),
        "{screen}"
    );
}
