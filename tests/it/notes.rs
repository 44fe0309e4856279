//! Presenter notes: `meshwalk notes` follows the step the terminal UI publishes (through the
//! state directory) and shows its notes, number and times; the main screen never shows them.

use meshwalk::api::target::{Target, TargetKind};
use meshwalk::presenter::{Follower, PresenterState, Publisher, view};
use meshwalk::session::Session;
use meshwalk::session::progress::Progress;
use meshwalk::state_file::now_ms;
use meshwalk::tui::app::App;
use meshwalk::tui::effects::Effects;
use meshwalk::tui::theme::Theme;
use meshwalk::walkthrough::Walkthrough;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::support::eventually;

fn notes_screen(follower: &Follower, now: u64) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 20)).unwrap();
    terminal
        .draw(|f| view::render(follower.state(), now, "a test", f))
        .unwrap();
    terminal.backend().to_string()
}

#[tokio::test]
async fn notes_follow_the_presenters_step() {
    let state = tempfile::tempdir().unwrap();
    let walkthrough = Walkthrough::builtin().unwrap();
    let total = walkthrough.steps.len();
    let mut follower = Follower::new(state.path());
    assert!(!follower.poll(), "no presenter yet");
    assert!(notes_screen(&follower, now_ms()).contains("Waiting for the presenter"));

    let mut presenter = Publisher::start(&walkthrough, state.path().to_path_buf());
    presenter.follow(1);
    eventually("the notes to show step 2", || {
        let changed = follower.poll();
        async move { changed.then_some(()) }
    })
    .await;
    let entered = follower.state().unwrap().entered_ms;
    let screen = notes_screen(&follower, entered + 75_000);
    assert!(
        screen.contains(&format!("Step 2 of {total} · Create the mesh")),
        "{screen}"
    );
    assert!(screen.contains("on this step 01:15"), "{screen}");
    assert!(screen.contains("DROP_ALL"), "the step's notes: {screen}");
    assert!(screen.contains("next: Virtual node: requester"), "{screen}");

    // The presenter moves on: the notes follow, the talk's clock does not restart.
    let started = follower.state().unwrap().started_ms;
    presenter.follow(2);
    eventually("the notes to show step 3", || {
        let changed = follower.poll();
        async move { changed.then_some(()) }
    })
    .await;
    let now = follower.state().unwrap();
    assert_eq!((now.step_index, now.started_ms), (2, started));
    let screen = notes_screen(&follower, now.entered_ms);
    assert!(screen.contains(&format!("Step 3 of {total}")), "{screen}");
    assert!(screen.contains("(no notes for this step)"), "{screen}");
    assert!(!screen.contains("DROP_ALL"), "{screen}");
}

#[test]
fn the_state_file_is_replaced_whole() {
    let state = tempfile::tempdir().unwrap();
    let first = PresenterState {
        step_index: 0,
        steps_total: 2,
        step_id: "01-a".into(),
        step_title: "A".into(),
        notes: "say hello".into(),
        next_title: Some("B".into()),
        entered_ms: 1,
        started_ms: 1,
    };
    first.save(state.path()).unwrap();
    assert_eq!(PresenterState::load(state.path()), Some(first));
    let names: Vec<String> = std::fs::read_dir(state.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["presenter.json"], "no temporary file left");
}

#[tokio::test]
async fn the_main_screen_never_shows_notes() {
    let walkthrough = Walkthrough::builtin().unwrap();
    let mesh = walkthrough.find("02-").unwrap();
    assert!(walkthrough.steps[mesh].notes.contains("DROP_ALL"));
    // No call is made: the clients of a target connect lazily.
    let target = Target::endpoint(
        TargetKind::Embedded,
        "http://127.0.0.1:1",
        "us-east-1",
        "000000000000",
    );
    let session = Session::new(walkthrough, target, &[]);
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let dir = tempfile::tempdir().unwrap();
    let effects = Effects::new(session, Progress::default(), dir.path().into(), None, tx);
    let mut app = App::new("embedded cloud".into(), effects.step_views(), (140, 60));
    app.inputs = effects.inputs();
    app.selected = mesh;
    let mut terminal = Terminal::new(TestBackend::new(140, 60)).unwrap();
    terminal
        .draw(|f| meshwalk::tui::view::render(&app, f, Theme { color: false }))
        .unwrap();
    let screen = terminal.backend().to_string();
    assert!(
        screen.contains("boundary around the services"),
        "the narrative: {screen}"
    );
    assert!(
        !screen.contains("SigV4") && !screen.contains("forgotten backend"),
        "the step's notes stay off the main screen: {screen}"
    );
}
