//! The real App rendered into ratatui's TestBackend: at start, after a step ran, after a step
//! failed, before and during traffic, and zoomed, at 140×45 (a projector), 80×24 (a default
//! terminal) and 60×20 (plus too small). Every frame keeps its header and footer whole: no
//! mask touches those rows, and `draw` checks them.

use std::time::Duration;

use meshwalk::api::target::TargetKind;
use meshwalk::embedded::EmbeddedCloud;
use meshwalk::load::stats::{Summary, VersionStats};
use meshwalk::load::traffic::Sample;
use meshwalk::session::Session;
use meshwalk::session::progress::Progress;
use meshwalk::tui::app::{App, Msg, Pane, Tab, Weights};
use meshwalk::tui::effects::Effects;
use meshwalk::tui::theme::Theme;
use meshwalk::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::support::walkthrough_session;

pub(crate) fn draw(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| view::render(app, f, Theme { color: false }))
        .unwrap();
    let frame = terminal.backend().to_string();
    if width >= 40 && height >= 10 {
        assert_header_and_footer_whole(&frame);
    }
    frame
}

/// The header says where meshwalk runs and how far the walkthrough is; the footer ends with
/// how to get help and how to quit.
fn assert_header_and_footer_whole(frame: &str) {
    let rows: Vec<&str> = frame.lines().collect();
    let (header, footer) = (rows[0], rows[rows.len() - 1]);
    assert!(
        header.starts_with("\" meshwalk ·") && header.contains("steps done"),
        "header: {header}"
    );
    assert!(footer.contains(" ? help  q quit "), "footer: {footer}");
}

/// How many rows of the selected tab the step pane shows: from below the tab bar to the
/// pane's bottom border.
fn tab_rows(frame: &str) -> usize {
    let rows: Vec<Vec<char>> = frame.lines().map(|l| l.chars().collect()).collect();
    let bar = rows
        .iter()
        .position(|r| {
            r.iter()
                .collect::<String>()
                .contains(" Input │ CLI │ Wire │ Result")
        })
        .expect("a tab bar");
    let text: String = rows[bar].iter().collect();
    let border = text[..text.find(" Input │").unwrap()].chars().count() - 1;
    rows[bar + 1..]
        .iter()
        .take_while(|r| !matches!(r.get(border), Some('╰' | '┗' | '└')))
        .count()
}

/// What changes from run to run (ids, times, ports, durations) is masked.
fn settings() -> insta::Settings {
    // The filters only ever match inside the panes: none can touch the header or the footer.
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

pub(crate) async fn app(size: (u16, u16)) -> (EmbeddedCloud, Session, App) {
    let (cloud, session) = walkthrough_session(TargetKind::Embedded).await;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    // Only read from: the steps and their inputs.
    let dir = tempfile::tempdir().unwrap();
    let effects = Effects::new(
        session.clone(),
        Progress::default(),
        dir.path().to_path_buf(),
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

/// A task definition's Input (the longest JSON of the walkthrough) before traffic runs: the
/// traffic pane is one line, the Input gets the room.
#[tokio::test]
async fn before_traffic() {
    let (_cloud, session, mut app) = app((140, 45)).await;
    app.selected = session.walkthrough().find("13-").unwrap();
    settings().bind(|| {
        for (w, h, at_least) in [(140, 45, 25), (80, 24, 9), (60, 20, 5)] {
            app.size = (w, h);
            let frame = draw(&app, w, h);
            let rows = tab_rows(&frame);
            assert!(rows >= at_least, "{w}x{h}: {rows} Input rows\n{frame}");
            insta::assert_snapshot!(format!("before_traffic_{w}x{h}"), frame);
        }
        // Narrow, the resources take the step pane's place while focused.
        app.size = (80, 24);
        app.focus = Pane::Resources;
        insta::assert_snapshot!("resources_focused_80x24", draw(&app, 80, 24));
    });
}

/// PgDn shows the rest of a long narrative first, then scrolls the tab; the tab bar stays.
#[tokio::test]
async fn a_long_narrative_scrolls_first_and_the_tabs_stay() {
    let (_cloud, session, mut app) = app((80, 24)).await;
    app.selected = session.walkthrough().find("13-").unwrap();
    let hidden = "egress port 15001";
    let frame = draw(&app, 80, 24);
    assert!(!frame.contains(hidden) && frame.contains("more text: PgDn"));
    app.scroll = 3;
    let frame = draw(&app, 80, 24);
    assert!(frame.contains(hidden), "{frame}");
    assert_eq!(tab_rows(&frame), 9, "the tab keeps its rows");
    assert!(
        frame.contains("\"containerDefinitions\""),
        "the tab has not scrolled yet"
    );
    app.scroll = 100;
    let frame = draw(&app, 80, 24);
    assert!(
        !frame.contains("more text: PgDn"),
        "the narrative's end is in view"
    );
    assert!(
        !frame.contains("\"containerDefinitions\""),
        "then the tab scrolls"
    );
    assert!(frame.contains(" Input │ CLI │ Wire │ Result"));
}

#[tokio::test]
async fn after_a_step_ran() {
    let (_cloud, session, mut app) = app((140, 45)).await;
    let mesh = session.walkthrough().find("02-").unwrap();
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
    let node = session.walkthrough().find("03-").unwrap();
    app.selected = node;
    let report = session.run(node, false).await;
    app.update(Msg::StepFinished(node, Box::new(report)));
    settings().bind(|| {
        insta::assert_snapshot!("failed_140x45", draw(&app, 140, 45));
        app.size = (60, 20);
        insta::assert_snapshot!("failed_60x20", draw(&app, 60, 20));
    });
}

/// As the data plane reports it: a version no request reached is not in the window at all.
fn summary(v1: u64, v2: u64, errors: u64, seconds: f64) -> Summary {
    let stats = |count: u64, success: f64, p50: f64| VersionStats {
        count,
        share: count as f64 / (v1 + v2) as f64,
        success,
        p50_ms: p50,
        p95_ms: p50 * 2.0,
        p99_ms: p50 * 3.0,
    };
    let mut versions = std::collections::BTreeMap::new();
    if v1 > 0 {
        versions.insert("v1".to_string(), stats(v1, 1.0, 1.2));
    }
    if v2 > 0 {
        versions.insert("v2".to_string(), stats(v2, 0.93, 1.4));
    }
    Summary {
        requests: v1 + v2,
        errors,
        overflow: 0,
        not_sent: 0,
        duration_s: seconds,
        rps: (v1 + v2) as f64 / seconds,
        versions,
    }
}

fn weights(v1: i32, v2: i32) -> Msg {
    Msg::Weights(Weights {
        targets: vec![("distributorV1".into(), v1), ("distributorV2".into(), v2)],
    })
}

/// Samples `ticks` (four a second): at 100 / 0 for the first five seconds (v2 gets
/// nothing), then at 90 / 10.
fn feed_traffic(app: &mut App, ticks: std::ops::RangeInclusive<u64>) {
    for i in ticks {
        let (v1, v2) = if i <= 20 { (12, 0) } else { (11, 1) };
        if i == 21 {
            app.update(weights(90, 10));
        }
        let sample = Sample {
            elapsed: Duration::from_millis(250 * i),
            window: summary(v1 * 20, v2 * 20, v2, 5.0),
            total: summary(v1 * i, v2 * i, 0, i as f64 / 4.0),
            in_flight: 1,
            last: Default::default(),
        };
        app.update(Msg::Traffic(Box::new(sample)));
    }
}

/// Ten seconds of samples (four a second) whose window and total are both `summary`.
pub fn feed_steady_traffic(app: &mut App, summary: &Summary) {
    for i in 1..=40u64 {
        app.update(Msg::Traffic(Box::new(Sample {
            elapsed: Duration::from_millis(250 * i),
            window: summary.clone(),
            total: summary.clone(),
            in_flight: 1,
            last: Default::default(),
        })));
    }
}

#[tokio::test]
async fn with_traffic() {
    let (_cloud, session, mut app) = app((140, 45)).await;
    app.selected = session.walkthrough().find("19-").unwrap();
    app.update(weights(100, 0));
    feed_traffic(&mut app, 1..=20);
    settings().bind(|| {
        let frame = draw(&app, 140, 45);
        assert!(
            frame.contains("│v2           0%     0.0%  "),
            "v2 at weight 0 has its row:\n{frame}"
        );
        insta::assert_snapshot!("traffic_100_0_140x45", frame);
    });
    feed_traffic(&mut app, 21..=40);
    settings().bind(|| {
        for (w, h, at_least) in [(140, 45, 12), (80, 24, 9), (60, 20, 4)] {
            app.size = (w, h);
            let frame = draw(&app, w, h);
            let rows = tab_rows(&frame);
            assert!(rows >= at_least, "{w}x{h}: {rows} Input rows\n{frame}");
            insta::assert_snapshot!(format!("traffic_{w}x{h}"), frame);
        }
    });
}

/// For a projector: the focused pane fills the screen; header and footer stay.
#[tokio::test]
async fn zoomed() {
    let (_cloud, session, mut app) = app((140, 45)).await;
    app.selected = session.walkthrough().find("19-").unwrap();
    app.update(weights(100, 0));
    feed_traffic(&mut app, 1..=40);
    app.zoomed = true;
    settings().bind(|| {
        app.focus = Pane::Traffic;
        insta::assert_snapshot!("zoomed_traffic_140x45", draw(&app, 140, 45));
        app.size = (80, 24);
        insta::assert_snapshot!("zoomed_traffic_80x24", draw(&app, 80, 24));
        app.size = (140, 45);
        app.focus = Pane::Step;
        insta::assert_snapshot!("zoomed_step_140x45", draw(&app, 140, 45));
    });
}

/// `s`: the lines that point the aws CLI at this cloud, whole, over the walkthrough.
#[tokio::test]
async fn sharing_the_cloud() {
    let (_cloud, session, mut app) = app((140, 45)).await;
    app.share = session.target().share_lines();
    app.sharing = true;
    settings().bind(|| {
        for (w, h) in [(140, 45), (80, 24)] {
            app.size = (w, h);
            let frame = draw(&app, w, h);
            assert!(
                frame.contains("export AWS_ENDPOINT_URL=http://127.0.0.1:"),
                "{frame}"
            );
            insta::assert_snapshot!(format!("share_{w}x{h}"), frame);
        }
    });
}

/// The README's pictures: the real App drawn as SVG, in colour. A stale picture fails the test;
/// `MESHWALK_UPDATE_PICTURES=1 cargo test --test it pictures` draws them anew.
#[tokio::test]
async fn readme_pictures_are_current() {
    let (_cloud, session, mut app) = app((120, 36)).await;
    let mut pictures = vec![("first-screen", picture(&app))];
    app.selected = session.walkthrough().find("09-").unwrap();
    app.tab = Tab::Cli;
    pictures.push(("step-tabs", picture(&app)));
    app.selected = session.walkthrough().find("19-").unwrap();
    app.tab = Tab::Input;
    app.update(weights(100, 0));
    feed_traffic(&mut app, 1..=40);
    pictures.push(("traffic-shift", picture(&app)));

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/pictures");
    let update = std::env::var_os("MESHWALK_UPDATE_PICTURES").is_some();
    let mut stale = Vec::new();
    for (name, svg) in pictures {
        let path = dir.join(format!("{name}.svg"));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &svg).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(svg.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale pictures {stale:?}: run `MESHWALK_UPDATE_PICTURES=1 cargo test --test it pictures`"
    );
}

/// One frame of `app` as SVG; the embedded cloud's port (new every run) reads as 4566.
fn picture(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    terminal
        .draw(|f| view::render(app, f, Theme { color: true }))
        .unwrap();
    let svg = meshwalk::tui::svg::render(terminal.backend().buffer());
    regex::Regex::new(r"127\.0\.0\.1:[0-9]+")
        .unwrap()
        .replace_all(&svg, "127.0.0.1:4566")
        .into_owned()
}
