//! The room: who joined, with which account, where each attendee stands, and what the host's
//! dashboard, the headless event lines and the closing report are made of.
//!
//! Seats (the attendees' live terminal sessions) tell the room what happens in them; the room
//! keeps it, says it as [`RoomEvent`]s, and passes the host's orders to the seats.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use parking_lot::Mutex;
use ratatui::buffer::Buffer;
use serde::Serialize;
use tokio::sync::{broadcast, mpsc, watch};

use crate::emulator::Cloud;
use crate::emulator::accounts::{AccountError, Credentials};
use crate::emulator::call_log::ApiCall;

/// Attendees one classroom admits at most (each is an account of the embedded cloud).
pub const MAX_ATTENDEES: usize = 200;
/// The same error this many times in a row on one step makes an attendee stuck.
pub const SAME_ERROR_STUCK: u32 = 3;
/// Without a key for this long, a connected attendee shows as idle.
pub const IDLE_MARK: Duration = Duration::from_secs(120);
/// Calls a seat had in flight when it ended are answered within this long; its account's
/// calls count as the attendee's own tools' only after it.
pub const SEAT_CALLS_LINGER: Duration = Duration::from_secs(5);
/// The longest broadcast the host may send (it is drawn on every attendee's screen).
pub const MAX_MESSAGE: usize = 500;

/// What the host tells a seat.
#[derive(Debug, Clone, PartialEq)]
pub enum Order {
    Broadcast(String),
    /// Run the steps before this one (0-based) that are not done, then select it.
    BringTo(usize),
    ClockPaused(bool),
    LowerHand,
    /// The account was emptied: the seat starts the walkthrough afresh.
    Reset,
    /// Close the session, saying why.
    Close(String),
}

/// What a seat tells the room.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    /// The attendee pressed a key.
    Input,
    /// The step the attendee has selected (0-based).
    Selected(usize),
    /// A step ran to its end.
    Finished {
        step: usize,
        ok: bool,
        error: Option<(String, String)>,
    },
    Hand(bool),
    Traffic(bool),
    /// The steps the attendee's walkthrough shows as done (0-based).
    Done(Vec<usize>),
}

/// An event of the room, as `--headless` prints it (one JSON object a line) and the report
/// counts it. Steps are numbered from 1, as the attendee's screen numbers them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum RoomEvent {
    Joined {
        attendee: String,
        account: String,
        again: bool,
    },
    Left {
        attendee: String,
        why: String,
    },
    Step {
        attendee: String,
        step: usize,
        id: String,
        ok: bool,
    },
    Error {
        attendee: String,
        step: usize,
        code: String,
        message: String,
    },
    Hand {
        attendee: String,
        raised: bool,
    },
    Broadcast {
        message: String,
    },
    Clock {
        paused: bool,
    },
}

/// A live seat as the room knows it: where to send orders, what its screen shows.
#[derive(Clone)]
pub struct SeatLink {
    pub id: u64,
    pub orders: mpsc::Sender<Order>,
    pub screen: watch::Receiver<Arc<Buffer>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    Connected,
    Idle,
    /// No seat, but the account's own tools (the aws CLI, an SDK) called lately.
    #[serde(rename = "own tools")]
    OwnTools,
    Gone,
}

/// Why an attendee was not admitted (said to the SSH client as a refusal).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("names are 1 to 32 lowercase letters, digits, '.', '_' or '-'")]
    BadName,
    #[error("this name was joined with an SSH key: join with that key, or pick another name")]
    Reserved,
    #[error("the classroom is full ({MAX_ATTENDEES} attendees)")]
    Full,
    #[error("the name needs the join code")]
    NeedsCode,
    #[error("the embedded cloud refused the account: {0}")]
    Account(String),
}

struct Attendee {
    credentials: Credentials,
    /// The public key (its fingerprint) the name was first joined with, if any.
    key: Option<String>,
    seat: Option<SeatLink>,
    joined: SystemTime,
    last_input: Instant,
    step: usize,
    step_since: Instant,
    done: BTreeSet<usize>,
    last_error: Option<(usize, String, String)>,
    same_error: u32,
    hand: bool,
    traffic: bool,
    /// Time spent with each step selected.
    time_on: BTreeMap<usize, Duration>,
    /// Every error met: (step, code).
    errors: Vec<(usize, String)>,
    /// The account was made in this run and has had no seat yet.
    fresh: bool,
    /// When the account's own tools last called (outside a seat).
    last_call: Option<Instant>,
    /// When the last seat ended: calls it had in flight land for a moment after.
    seat_left: Option<Instant>,
}

impl Attendee {
    fn presence(&self, now: Instant) -> Presence {
        match &self.seat {
            None if self
                .last_call
                .is_some_and(|at| now.duration_since(at) < IDLE_MARK) =>
            {
                Presence::OwnTools
            }
            None => Presence::Gone,
            Some(_) if now.duration_since(self.last_input) >= IDLE_MARK => Presence::Idle,
            Some(_) => Presence::Connected,
        }
    }

    /// Moves to `step`, adding the time on the one before to its total.
    fn select(&mut self, step: usize, now: Instant) {
        if step == self.step {
            return;
        }
        *self.time_on.entry(self.step).or_default() += now.duration_since(self.step_since);
        self.step = step;
        self.step_since = now;
        self.same_error = 0;
    }
}

/// One row of the host's dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub name: String,
    pub presence: Presence,
    /// 1-based, as the attendee sees it.
    pub step: usize,
    pub step_title: String,
    pub chapter: String,
    pub done: usize,
    #[serde(skip)]
    pub on_step: Duration,
    pub last_error: Option<String>,
    pub hand: bool,
    pub traffic: bool,
    /// Why the attendee is stuck (`None`: not stuck).
    pub stuck: Option<String>,
}

/// What the room knows of the walkthrough: each step's id, title and chapter.
#[derive(Debug, Clone)]
pub struct StepNames {
    pub ids: Vec<String>,
    pub titles: Vec<String>,
    pub chapters: Vec<String>,
    /// The operation each API step calls (`CreateMesh`), to follow attendees' own tools.
    pub operations: Vec<Option<&'static str>>,
}

pub struct Room {
    cloud: Arc<Cloud>,
    steps: StepNames,
    stuck_after: Duration,
    attendees: Mutex<HashMap<String, Attendee>>,
    events: broadcast::Sender<RoomEvent>,
    /// Every event so far, for the report (bounded: a room's hour is a few thousand).
    log: Mutex<Vec<(SystemTime, RoomEvent)>>,
    next_seat: AtomicU64,
    clock_paused: Mutex<bool>,
}

/// Events kept for the report at most; past it the oldest step events are the ones lost.
const MAX_LOG: usize = 200_000;

impl Room {
    pub fn new(cloud: Arc<Cloud>, steps: StepNames, stuck_after: Duration) -> Arc<Room> {
        let (events, _) = broadcast::channel(4096);
        Arc::new(Room {
            cloud,
            steps,
            stuck_after,
            attendees: Mutex::new(HashMap::new()),
            events,
            log: Mutex::new(Vec::new()),
            next_seat: AtomicU64::new(1),
            clock_paused: Mutex::new(false),
        })
    }

    pub fn steps(&self) -> &StepNames {
        &self.steps
    }

    pub fn subscribe(&self) -> broadcast::Receiver<RoomEvent> {
        self.events.subscribe()
    }

    fn tell(&self, event: RoomEvent) {
        {
            let mut log = self.log.lock();
            if log.len() < MAX_LOG {
                log.push((SystemTime::now(), event.clone()));
            }
        }
        let _ = self.events.send(event);
    }

    /// Admits `name`: by the join code (`by_code`) or by the public key it was joined with
    /// before. A new name gets an account of its own; a known one gets its account back.
    pub fn admit(&self, name: &str, key: Option<&str>, by_code: bool) -> Result<(), Refusal> {
        if !valid_name(name) {
            return Err(Refusal::BadName);
        }
        let mut attendees = self.attendees.lock();
        if let Some(known) = attendees.get_mut(name) {
            return match (&known.key, key) {
                (Some(bound), Some(offered)) if bound == offered => Ok(()),
                (Some(_), _) => Err(Refusal::Reserved),
                (None, offered) if by_code => {
                    known.key = offered.map(str::to_string);
                    Ok(())
                }
                (None, _) => Err(Refusal::NeedsCode),
            };
        }
        if !by_code {
            return Err(Refusal::NeedsCode);
        }
        if attendees.len() >= MAX_ATTENDEES {
            return Err(Refusal::Full);
        }
        let credentials = self.cloud.add_account(name).map_err(|e| match e {
            AccountError::TooMany => Refusal::Full,
            other => Refusal::Account(other.to_string()),
        })?;
        let now = Instant::now();
        attendees.insert(
            name.to_string(),
            Attendee {
                credentials,
                key: key.map(str::to_string),
                seat: None,
                joined: SystemTime::now(),
                last_input: now,
                step: 0,
                step_since: now,
                done: BTreeSet::new(),
                last_error: None,
                same_error: 0,
                hand: false,
                traffic: false,
                time_on: BTreeMap::new(),
                errors: Vec::new(),
                fresh: true,
                last_call: None,
                seat_left: None,
            },
        );
        Ok(())
    }

    /// The account `name` acts in.
    pub fn credentials(&self, name: &str) -> Option<Credentials> {
        self.attendees
            .lock()
            .get(name)
            .map(|a| a.credentials.clone())
    }

    /// Whether `name`'s next seat is the first on their account (asked once per seat).
    pub fn first_seat(&self, name: &str) -> bool {
        self.attendees
            .lock()
            .get_mut(name)
            .is_some_and(|a| std::mem::replace(&mut a.fresh, false))
    }

    pub fn new_seat_id(&self) -> u64 {
        self.next_seat.fetch_add(1, Ordering::Relaxed)
    }

    /// Seats `name` at `link`: a seat the attendee had elsewhere is closed, told why.
    pub fn sit(&self, name: &str, link: SeatLink) {
        let (old, again) = {
            let mut attendees = self.attendees.lock();
            let Some(a) = attendees.get_mut(name) else {
                return;
            };
            a.last_input = Instant::now();
            let again = a.seat.is_some() || a.step != 0 || !a.done.is_empty();
            (a.seat.replace(link), again)
        };
        if let Some(old) = old {
            let _ = old.orders.try_send(Order::Close(
                "you joined again from another terminal: this session is closed".into(),
            ));
        }
        if *self.clock_paused.lock()
            && let Some(seat) = self.seat_of(name)
        {
            let _ = seat.orders.try_send(Order::ClockPaused(true));
        }
        let account = self
            .credentials(name)
            .map(|c| c.account_id)
            .unwrap_or_default();
        self.tell(RoomEvent::Joined {
            attendee: name.to_string(),
            account,
            again,
        });
    }

    /// The seat `seat` of `name` ended (if it is still theirs: a seat taken over is not).
    pub fn stood_up(&self, name: &str, seat: u64, why: &str) {
        let left = {
            let mut attendees = self.attendees.lock();
            match attendees.get_mut(name) {
                Some(a) if a.seat.as_ref().is_some_and(|s| s.id == seat) => {
                    a.seat = None;
                    a.seat_left = Some(Instant::now());
                    true
                }
                _ => false,
            }
        };
        if left {
            self.tell(RoomEvent::Left {
                attendee: name.to_string(),
                why: why.to_string(),
            });
        }
    }

    /// What seat `seat` of `name` saw.
    pub fn saw(&self, name: &str, seat: u64, seen: Seen) {
        let now = Instant::now();
        let events = {
            let mut attendees = self.attendees.lock();
            let Some(a) = attendees.get_mut(name) else {
                return;
            };
            if a.seat.as_ref().is_none_or(|s| s.id != seat) {
                return;
            }
            match seen {
                Seen::Input => {
                    a.last_input = now;
                    vec![]
                }
                Seen::Selected(step) => {
                    a.select(step, now);
                    vec![]
                }
                Seen::Hand(raised) if raised != a.hand => {
                    a.hand = raised;
                    vec![RoomEvent::Hand {
                        attendee: name.to_string(),
                        raised,
                    }]
                }
                Seen::Hand(_) => vec![],
                Seen::Traffic(on) => {
                    a.traffic = on;
                    vec![]
                }
                Seen::Done(done) => {
                    let done: BTreeSet<usize> = done.into_iter().collect();
                    let newly: Vec<usize> = done.difference(&a.done).copied().collect();
                    a.done = done;
                    if !newly.is_empty() {
                        a.same_error = 0;
                    }
                    newly
                        .into_iter()
                        .map(|step| RoomEvent::Step {
                            attendee: name.to_string(),
                            step: step + 1,
                            id: self.steps.ids.get(step).cloned().unwrap_or_default(),
                            ok: true,
                        })
                        .collect()
                }
                Seen::Finished { step, ok, error } => self.finished(name, a, step, ok, error),
            }
        };
        for event in events {
            self.tell(event);
        }
    }

    fn finished(
        &self,
        name: &str,
        a: &mut Attendee,
        step: usize,
        ok: bool,
        error: Option<(String, String)>,
    ) -> Vec<RoomEvent> {
        let told = RoomEvent::Step {
            attendee: name.to_string(),
            step: step + 1,
            id: self.steps.ids.get(step).cloned().unwrap_or_default(),
            ok,
        };
        if ok {
            a.same_error = 0;
            if a.last_error.as_ref().is_some_and(|(s, _, _)| *s == step) {
                a.last_error = None;
            }
            // A seat's steps done are told as its screen shows them done (`Seen::Done`);
            // the attendee's own tools' here.
            return if a.seat.is_none() { vec![told] } else { vec![] };
        }
        let (code, message) = error.unwrap_or_else(|| ("Error".into(), "the step failed".into()));
        let same = a
            .last_error
            .as_ref()
            .is_some_and(|(s, c, _)| *s == step && *c == code);
        a.same_error = if same { a.same_error + 1 } else { 1 };
        a.last_error = Some((step, code.clone(), message.clone()));
        a.errors.push((step, code.clone()));
        vec![
            told,
            RoomEvent::Error {
                attendee: name.to_string(),
                step: step + 1,
                code,
                message,
            },
        ]
    }

    /// An API call the account of some attendee made. Outside a seat (the attendee's own aws
    /// CLI or SDK), it moves their progress: a success marks the first step not done that
    /// calls the operation, a failure is that step's error. A seat's calls are its own
    /// report's.
    pub fn called(&self, call: &ApiCall) {
        let now = Instant::now();
        let events = {
            let mut attendees = self.attendees.lock();
            let Some((name, a)) = attendees
                .iter_mut()
                .find(|(_, a)| a.credentials.account_id == call.account)
            else {
                return;
            };
            let seat_still_answered = a
                .seat_left
                .is_some_and(|left| now.duration_since(left) < SEAT_CALLS_LINGER);
            if a.seat.is_some() || seat_still_answered {
                return;
            }
            a.last_call = Some(now);
            let Some(step) = (0..self.steps.ids.len())
                .find(|i| self.steps.operations[*i] == Some(call.operation) && !a.done.contains(i))
            else {
                return;
            };
            a.select(step, now);
            let name = name.clone();
            let ok = call.error.is_none();
            if ok {
                a.done.insert(step);
            }
            self.finished(&name, a, step, ok, call.error.clone())
        };
        for event in events {
            self.tell(event);
        }
    }

    /// The dashboard's rows: whoever is stuck first (raised hands, then the longest stuck),
    /// then the others by name.
    pub fn rows(&self, now: Instant) -> Vec<Row> {
        let attendees = self.attendees.lock();
        let mut rows: Vec<Row> = attendees
            .iter()
            .map(|(name, a)| {
                let on_step = now.duration_since(a.step_since);
                let stuck = if a.hand {
                    Some("hand raised".to_string())
                } else if a.same_error >= SAME_ERROR_STUCK {
                    Some(format!("the same error {} times", a.same_error))
                } else if a.seat.is_some()
                    && on_step >= self.stuck_after
                    && !a.done.contains(&a.step)
                {
                    Some(format!("on this step {}", minutes(on_step)))
                } else {
                    None
                };
                Row {
                    name: name.clone(),
                    presence: a.presence(now),
                    step: a.step + 1,
                    step_title: self.steps.titles.get(a.step).cloned().unwrap_or_default(),
                    chapter: self.steps.chapters.get(a.step).cloned().unwrap_or_default(),
                    done: a.done.len(),
                    on_step,
                    last_error: a
                        .last_error
                        .as_ref()
                        .map(|(_, code, message)| format!("{code}: {message}")),
                    hand: a.hand,
                    traffic: a.traffic,
                    stuck,
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            let rank = |r: &Row| match (&r.stuck, r.hand) {
                (Some(_), true) => 0,
                (Some(_), false) => 1,
                (None, _) => 2,
            };
            // The stuck longest first; the others in the order of their names.
            let by_time = if rank(a) < 2 {
                b.on_step.cmp(&a.on_step)
            } else {
                std::cmp::Ordering::Equal
            };
            rank(a)
                .cmp(&rank(b))
                .then(by_time)
                .then(a.name.cmp(&b.name))
        });
        rows
    }

    /// The live seat of `name`, if connected.
    pub fn seat_of(&self, name: &str) -> Option<SeatLink> {
        self.attendees.lock().get(name).and_then(|a| a.seat.clone())
    }

    /// Sends `order` to `name`'s seat; false when they are not connected.
    pub fn order(&self, name: &str, order: Order) -> bool {
        if order == Order::LowerHand {
            let mut attendees = self.attendees.lock();
            if let Some(a) = attendees.get_mut(name) {
                a.hand = false;
            }
        }
        self.seat_of(name)
            .is_some_and(|seat| seat.orders.try_send(order).is_ok())
    }

    /// A message on every connected attendee's screen; how many it reached.
    pub fn broadcast(&self, text: &str) -> usize {
        let text: String = text
            .chars()
            .filter(|c| !c.is_control() || *c == '\n')
            .take(MAX_MESSAGE)
            .collect();
        let seats: Vec<SeatLink> = self
            .attendees
            .lock()
            .values()
            .filter_map(|a| a.seat.clone())
            .collect();
        let reached = seats
            .iter()
            .filter(|s| s.orders.try_send(Order::Broadcast(text.clone())).is_ok())
            .count();
        self.tell(RoomEvent::Broadcast { message: text });
        reached
    }

    /// Pauses (or resumes) the cloud's clock for everyone: bakes and stage timers hold while
    /// the host talks; traffic flows. Every seat shows it.
    pub fn pause_clock(&self, paused: bool) {
        *self.clock_paused.lock() = paused;
        let clock = &self.cloud.clock;
        clock.set(clock.scale(), paused);
        let seats: Vec<SeatLink> = self
            .attendees
            .lock()
            .values()
            .filter_map(|a| a.seat.clone())
            .collect();
        for seat in seats {
            let _ = seat.orders.try_send(Order::ClockPaused(paused));
        }
        self.tell(RoomEvent::Clock { paused });
    }

    pub fn clock_paused(&self) -> bool {
        *self.clock_paused.lock()
    }

    /// Empties `name`'s account (everything it made, in every plane; its keys stay) and
    /// starts their walkthrough afresh.
    pub fn reset(&self, name: &str) -> bool {
        let (account, seat) = {
            let mut attendees = self.attendees.lock();
            let Some(a) = attendees.get_mut(name) else {
                return false;
            };
            a.done.clear();
            a.last_error = None;
            a.same_error = 0;
            a.hand = false;
            a.traffic = false;
            a.select(0, Instant::now());
            (a.credentials.account_id.clone(), a.seat.clone())
        };
        self.cloud.empty_account(&account);
        if let Some(seat) = seat {
            let _ = seat.orders.try_send(Order::Reset);
        }
        true
    }

    /// Every attendee's record and every event so far, for the report.
    pub fn records(&self, now: Instant) -> Vec<Record> {
        let attendees = self.attendees.lock();
        let mut records: Vec<Record> = attendees
            .iter()
            .map(|(name, a)| {
                let mut time_on = a.time_on.clone();
                *time_on.entry(a.step).or_default() += now.duration_since(a.step_since);
                Record {
                    name: name.clone(),
                    joined: a.joined,
                    done: a.done.iter().copied().collect(),
                    time_on,
                    errors: a.errors.clone(),
                }
            })
            .collect();
        records.sort_by(|a, b| a.name.cmp(&b.name));
        records
    }

    /// Closes every seat, saying why (the host ends the classroom).
    pub fn close_all(&self, why: &str) {
        let seats: Vec<SeatLink> = self
            .attendees
            .lock()
            .values()
            .filter_map(|a| a.seat.clone())
            .collect();
        for seat in seats {
            let _ = seat.orders.try_send(Order::Close(why.to_string()));
        }
    }

    /// How many attendees have a live seat.
    pub fn connected(&self) -> usize {
        self.attendees
            .lock()
            .values()
            .filter(|a| a.seat.is_some())
            .count()
    }
}

/// One attendee's part of the report.
#[derive(Debug, Clone)]
pub struct Record {
    pub name: String,
    pub joined: SystemTime,
    pub done: Vec<usize>,
    pub time_on: BTreeMap<usize, Duration>,
    pub errors: Vec<(usize, String)>,
}

/// An attendee's name is their account's name and a folder of the state directory.
pub fn valid_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        && !name.starts_with(['.', '-'])
}

/// "4 min", "1 h 5 min", for how long.
pub fn minutes(d: Duration) -> String {
    let m = d.as_secs() / 60;
    if m >= 60 {
        format!("{} h {} min", m / 60, m % 60)
    } else if m >= 1 {
        format!("{m} min")
    } else {
        format!("{} s", d.as_secs())
    }
}
