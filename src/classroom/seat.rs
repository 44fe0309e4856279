//! A seat: one attendee's live terminal session. The same App, keys and panes as `meshwalk`
//! in a terminal, driven by the bytes their SSH client sends, drawn into a frame that the
//! screen sender (below) turns into the bytes their terminal needs.
//!
//! A client that stops reading costs one frame: the seat keeps only its latest frame, and the
//! sender, once the client drains, sends the difference between what the client last got and
//! that frame.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::room::{Order, Room, Seen};
use super::terminal::{self, KeyReader};
use crate::session::Session;
use crate::session::local_cloud::LocalCloud;
use crate::session::progress::Progress;
use crate::tui::app::{ClassroomMsg, ClassroomView, Cmd, Msg, StepStatus};
use crate::tui::driver::{Driver, Opening};
use crate::tui::terminal_msg;
use crate::tui::theme::Theme;
use crate::tui::view;

/// What the SSH connection hands a seat.
#[derive(Debug)]
pub enum SeatInput {
    Bytes(Vec<u8>),
    Resize(u16, u16),
}

/// Inputs a seat holds before the SSH connection's newest are dropped (a flood of keys).
pub const INPUT_QUEUE: usize = 64;

/// Everything a seat needs to open (and, after a reset, to open again) its walkthrough.
pub struct SeatSetup {
    pub name: String,
    pub id: u64,
    pub session: Session,
    pub cloud: LocalCloud,
    /// The attendee's own folder of the state directory: progress, edits, results.
    pub state_dir: PathBuf,
    /// The lines that point the attendee's own aws CLI at their account (the `s` key).
    pub share: String,
    pub traffic_rps: f64,
    /// Without a key for this long the session is closed.
    pub idle: Duration,
    pub size: (u16, u16),
    /// The attendee's account is new (the classroom restarted): the steps their saved
    /// progress says are done run again, to resume there.
    pub replay_done: bool,
}

/// Runs the seat until the attendee quits, goes idle, disconnects, or the host closes it;
/// returns what to tell them as the session ends.
pub async fn run(
    setup: SeatSetup,
    room: Arc<Room>,
    mut input: mpsc::Receiver<SeatInput>,
    mut orders: mpsc::Receiver<Order>,
    screen: watch::Sender<Arc<Buffer>>,
    raw: mpsc::Sender<Vec<u8>>,
) -> String {
    let (name, id) = (setup.name.clone(), setup.id);
    let mut size = setup.size;
    let mut driver = open(&setup, size, setup.replay_done);
    let mut terminal = match Terminal::new(TestBackend::new(size.0, size.1)) {
        Ok(t) => t,
        Err(e) => return format!("meshwalk could not draw: {e}"),
    };
    let theme = Theme::from_env();
    let mut keys = KeyReader::default();
    let mut seen = Shown::default();
    let mut last_key = Instant::now();
    let farewell = loop {
        tell_room(&room, &name, id, &driver, &mut seen);
        draw(&mut terminal, &driver, theme, &screen);
        let mut pending = Vec::new();
        tokio::select! {
            got = input.recv() => match got {
                Some(SeatInput::Bytes(bytes)) => {
                    last_key = Instant::now();
                    room.saw(&name, id, Seen::Input);
                    pending.extend(keys.read(&bytes).into_iter().filter_map(terminal_msg));
                }
                Some(SeatInput::Resize(w, h)) => {
                    size = (w, h);
                    terminal.backend_mut().resize(w, h);
                    let _ = terminal.resize(ratatui::layout::Rect::new(0, 0, w, h));
                    pending.push(Msg::Resize(w, h));
                }
                None => break String::new(),
            },
            order = orders.recv() => match order {
                Some(Order::Close(why)) => break why,
                Some(Order::Broadcast(text)) => {
                    pending.push(Msg::Classroom(ClassroomMsg::Broadcast(text)))
                }
                Some(Order::ClockPaused(paused)) => pending.push(Msg::Clock {
                    scale: driver.app.clock_scale,
                    paused,
                }),
                Some(Order::LowerHand) => pending.push(Msg::Classroom(ClassroomMsg::HandLowered)),
                Some(Order::BringTo(step)) => {
                    let replayed = driver.bring_to(step);
                    driver.app.toast = Some(format!(
                        "the host brought you to step {}{}",
                        step + 1,
                        if replayed > 0 { format!(", running the {replayed} before it") } else { String::new() }
                    ));
                }
                Some(Order::Reset) => {
                    driver.stop();
                    let _ = Progress::reset(&setup.state_dir);
                    driver = open(&setup, size, false);
                    driver.app.toast = Some("the host reset your account: the walkthrough starts afresh".into());
                }
                None => break String::new(),
            },
            batch = driver.messages() => pending = batch,
            _ = tokio::time::sleep_until(last_key + setup.idle) => {
                break format!(
                    "closed after {} without a key; ssh again to carry on where you left off",
                    super::room::minutes(setup.idle)
                );
            }
        }
        for msg in pending {
            if let Msg::StepFinished(index, report) = &msg {
                let error = match &report.outcome {
                    crate::session::Outcome::Failed(e) => Some((
                        e.code.clone().unwrap_or_else(|| "Error".into()),
                        e.message.clone(),
                    )),
                    _ => None,
                };
                room.saw(
                    &name,
                    id,
                    Seen::Finished {
                        step: *index,
                        ok: report.outcome.is_success(),
                        error,
                    },
                );
            }
            for cmd in driver.apply(msg) {
                match cmd {
                    Cmd::RaiseHand(up) => room.saw(&name, id, Seen::Hand(up)),
                    Cmd::Copy(text) => {
                        let mut osc = Vec::new();
                        let _ = crossterm::queue!(
                            osc,
                            crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
                        );
                        let _ = raw.try_send(osc);
                    }
                    Cmd::Edit { .. } => {
                        driver.app.toast = Some(
                            "editing opens an editor on your machine: press s, then run meshwalk there with those lines".into(),
                        );
                    }
                    _ => {}
                }
            }
        }
        if driver.app.quit {
            break "bye: ssh again to carry on where you left off".into();
        }
    };
    driver.stop();
    farewell
}

/// The attendee's walkthrough, from their saved progress (`replay_done`: its steps done run
/// again on the fresh account).
fn open(setup: &SeatSetup, size: (u16, u16), replay_done: bool) -> Driver {
    let loaded = Progress::load(&setup.state_dir).unwrap_or_default();
    let progress = loaded.progress;
    let session = setup.session.clone().with_edits(progress.edits.clone());
    let mut driver = Driver::open(Opening {
        session,
        progress,
        notice: loaded.notice,
        state_dir: setup.state_dir.clone(),
        cloud: Some(setup.cloud.clone()),
        replay_done,
        traffic_rps: setup.traffic_rps,
        size,
    });
    driver.app.classroom = Some(ClassroomView::default());
    driver.app.share = Some(setup.share.clone());
    if driver.app.toast.is_none() {
        driver.app.toast = Some(format!(
            "welcome, {}: Enter runs a step · h raises your hand · s shows your own credentials · ? help",
            setup.name
        ));
    }
    driver
}

/// What the room was last told of the attendee's screen.
#[derive(Default)]
struct Shown {
    selected: Option<usize>,
    traffic: bool,
    done: Vec<usize>,
}

/// Tells the room what changed on the attendee's screen: the selected step, the traffic, the
/// steps done.
fn tell_room(room: &Room, name: &str, id: u64, driver: &Driver, shown: &mut Shown) {
    let app = &driver.app;
    if shown.selected != Some(app.selected) {
        shown.selected = Some(app.selected);
        room.saw(name, id, Seen::Selected(app.selected));
    }
    if app.traffic.running != shown.traffic {
        shown.traffic = app.traffic.running;
        room.saw(name, id, Seen::Traffic(app.traffic.running));
    }
    let done: Vec<usize> = app
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.status == StepStatus::Done)
        .map(|(i, _)| i)
        .collect();
    if done != shown.done {
        shown.done = done.clone();
        room.saw(name, id, Seen::Done(done));
    }
}

/// Draws the App and publishes the frame when it differs from the last one.
fn draw(
    terminal: &mut Terminal<TestBackend>,
    driver: &Driver,
    theme: Theme,
    screen: &watch::Sender<Arc<Buffer>>,
) {
    if terminal
        .draw(|f| view::render(&driver.app, f, theme))
        .is_err()
    {
        return;
    }
    let frame = terminal.backend().buffer();
    if **screen.borrow() != *frame {
        screen.send_replace(Arc::new(frame.clone()));
    }
}

/// Sends the seat's frames to the client until the seat ends, then what `closing` says. Waits
/// while the client does not read (the SSH window is full); meanwhile only the newest frame
/// is kept.
pub async fn send_screen<W: AsyncWrite + Unpin>(
    mut frames: watch::Receiver<Arc<Buffer>>,
    mut raw: mpsc::Receiver<Vec<u8>>,
    mut out: W,
) -> std::io::Result<()> {
    out.write_all(&terminal::opening()).await?;
    let mut shown: Option<Arc<Buffer>> = None;
    loop {
        tokio::select! {
            biased;
            bytes = raw.recv() => match bytes {
                Some(bytes) => out.write_all(&bytes).await?,
                None => break,
            },
            changed = frames.changed() => {
                if changed.is_err() {
                    // The seat ended: what it said last comes on `raw`.
                    while let Some(bytes) = raw.recv().await {
                        out.write_all(&bytes).await?;
                    }
                    break;
                }
                let next = frames.borrow_and_update().clone();
                out.write_all(&terminal::encode(shown.as_deref(), &next)).await?;
                out.flush().await?;
                shown = Some(next);
            }
        }
    }
    out.flush().await
}
