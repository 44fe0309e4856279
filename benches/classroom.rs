//! The classroom under a room's load, through real SSH clients (russh) against
//! `target/release/meshwalk classroom --headless` on 127.0.0.1:
//!
//! - joining: connect, code, PTY, shell, the first frame; each of ATTENDEES (default 60);
//! - TRAFFIC of them (default 30) run chapter 1 to its traffic step, so traffic flows;
//! - keypress to the changed frame: each attendee opens and closes the help overlay (`?`,
//!   Esc) ROUNDS times (default 20), timed until their terminal (a vt100 parser) shows the
//!   change; the same with one attendee alone first, as the peer of the loaded figure;
//! - the host's RSS (VmRSS, VmHWM), with all of it running;
//! - 100 abrupt disconnects (TCP dropped, no SSH goodbye): the host's open files and RSS
//!   before and after.
//!
//! `cargo build --release && cargo bench --bench classroom`. Loopback only; ends with itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use parking_lot::Mutex;
use russh::ChannelMsg;
use russh::client::{self, Handle};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::broadcast;

const CODE: &str = "bench-join-code";

struct Trusting;

impl client::Handler for Trusting {
    type Error = russh::Error;
    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

struct Seat {
    _ssh: Handle<Trusting>,
    write: russh::ChannelWriteHalf<client::Msg>,
    screen: Arc<Mutex<vt100::Parser>>,
    /// Bumped on every byte batch, so a waiter wakes to look.
    changed: Arc<tokio::sync::Notify>,
}

impl Seat {
    /// Joins as `name` from the loopback address `from`: each attendee of a room has an
    /// address of their own, and the classroom caps connections per address.
    async fn join(
        ssh_addr: std::net::SocketAddr,
        name: &str,
        from: std::net::Ipv4Addr,
    ) -> (Seat, Duration) {
        let started = Instant::now();
        let config = Arc::new(client::Config::default());
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind((from, 0).into()).unwrap();
        let stream = socket.connect(ssh_addr).await.unwrap();
        let mut ssh = client::connect_stream(config, stream, Trusting)
            .await
            .unwrap();
        assert!(
            ssh.authenticate_password(name, CODE)
                .await
                .unwrap()
                .success()
        );
        let channel = ssh.channel_open_session().await.unwrap();
        channel
            .request_pty(true, "xterm-256color", 140, 45, 0, 0, &[])
            .await
            .unwrap();
        channel.request_shell(true).await.unwrap();
        let (mut read, write) = channel.split();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(45, 140, 0)));
        let changed = Arc::new(tokio::sync::Notify::new());
        let (s, c) = (screen.clone(), changed.clone());
        tokio::spawn(async move {
            while let Some(msg) = read.wait().await {
                if let ChannelMsg::Data { data } = msg {
                    s.lock().process(&data);
                    c.notify_waiters();
                }
            }
        });
        let seat = Seat {
            _ssh: ssh,
            write,
            screen,
            changed,
        };
        seat.until(|text| text.contains("steps done")).await;
        (seat, started.elapsed())
    }

    async fn until(&self, check: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let waiting = self.changed.notified();
            if check(&self.screen.lock().screen().contents()) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "the screen never showed what was waited for"
            );
            let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), waiting).await;
        }
    }

    async fn press(&self, keys: &[u8]) {
        self.write.data_bytes(keys.to_vec()).await.unwrap();
    }

    /// `?` then Esc: the time until each change shows.
    async fn toggle_help(&self) -> [Duration; 2] {
        let started = Instant::now();
        self.press(b"?").await;
        self.until(|t| t.contains("any key closes it")).await;
        let opened = started.elapsed();
        let started = Instant::now();
        self.press(b"\x1b").await;
        self.until(|t| !t.contains("any key closes it")).await;
        [opened, started.elapsed()]
    }
}

/// Joins as `name` on a runtime of its own, then drops that runtime: the client's tasks end
/// where they stand and its TCP connection closes without an SSH goodbye.
fn abrupt_join(ssh: std::net::SocketAddr, name: &str, from: std::net::Ipv4Addr) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let seat = runtime.block_on(Seat::join(ssh, name, from)).0;
    std::mem::forget(seat);
    drop(runtime);
}

/// The host's VmRSS and VmHWM in MiB, and its open files.
fn host_numbers(pid: u32) -> (f64, f64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    let files = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    (field("VmRSS:"), field("VmHWM:"), files)
}

/// Attendee `i`'s address: 127.0.0.10 onwards (all of 127/8 is loopback on Linux).
fn attendee_address(i: usize) -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::new(
        127,
        0,
        0,
        10 + u8::try_from(i).expect("at most 200 attendees"),
    )
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn millis(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

async fn keypresses(seats: &[Arc<Seat>], rounds: usize) -> Histogram<u64> {
    let all = Arc::new(Mutex::new(Histogram::<u64>::new(3).unwrap()));
    let mut tasks = Vec::new();
    for (i, seat) in seats.iter().enumerate() {
        let (seat, all) = (seat.clone(), all.clone());
        tasks.push(tokio::spawn(async move {
            // Spread the attendees over a second, as a room types.
            tokio::time::sleep(Duration::from_millis((i as u64 * 17) % 1000)).await;
            for _ in 0..rounds {
                for d in seat.toggle_help().await {
                    all.lock().record(d.as_micros() as u64).unwrap();
                }
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    Arc::try_unwrap(all).ok().unwrap().into_inner()
}

#[tokio::main]
async fn main() {
    let attendees = env_or("ATTENDEES", 60);
    let with_traffic = env_or("TRAFFIC", 30).min(attendees);
    let rounds = env_or("ROUNDS", 20);
    let bin = std::env::var("BIN").unwrap_or_else(|_| "target/release/meshwalk".into());
    let state = tempfile::tempdir().unwrap();
    let mut host = tokio::process::Command::new(&bin)
        .args([
            "classroom",
            "--headless",
            "--bind",
            "127.0.0.1",
            "--ssh-port",
            "0",
            "--api-port",
            "0",
            "--code",
            CODE,
            "--clock-scale",
            "60",
        ])
        .env("MESHWALK_STATE_DIR", state.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{bin}: {e} (cargo build --release first)"));
    let pid = host.id().unwrap();
    let mut lines = BufReader::new(host.stdout.take().unwrap()).lines();
    let ready: serde_json::Value =
        serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    let ssh: std::net::SocketAddr = ready["ssh"].as_str().unwrap().parse().unwrap();
    // The room's events, for "step N of attendee A is done".
    let (events, _) = broadcast::channel::<serde_json::Value>(65536);
    let tx = events.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                if v["event"] == "error" {
                    eprintln!("{line}");
                }
                let _ = tx.send(v);
            }
        }
    });
    let (rss0, _, files0) = host_numbers(pid);
    println!("host (pid {pid}) at start: RSS {rss0:.0} MiB, {files0} open files");

    // The peer: one attendee alone.
    let (alone, _) = Seat::join(ssh, "alone", attendee_address(0)).await;
    let alone = Arc::new(alone);
    let peer = keypresses(std::slice::from_ref(&alone), rounds).await;

    let mut joins = Histogram::<u64>::new(3).unwrap();
    let mut seats = vec![alone];
    for i in 1..attendees {
        let (seat, took) = Seat::join(ssh, &format!("attendee{i:02}"), attendee_address(i)).await;
        joins.record(took.as_micros() as u64).unwrap();
        seats.push(Arc::new(seat));
    }
    println!(
        "joining ({} attendees, one after another): median {:.0} ms, slowest {:.0} ms",
        attendees - 1,
        millis(&joins, 0.5),
        joins.max() as f64 / 1000.0
    );

    // Chapter 1 to its traffic step (18) for the first TRAFFIC attendees, all at once.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, seat) in seats.iter().take(with_traffic).enumerate() {
        let seat = seat.clone();
        let name = if i == 0 {
            "alone".to_string()
        } else {
            format!("attendee{i:02}")
        };
        let mut events = events.subscribe();
        tasks.push(tokio::spawn(async move {
            for step in 1..=18u64 {
                // Select the step (first, then down), then run it: Enter on a step just run
                // moves on instead, and an info step moves on by itself.
                let mut keys = b"g".to_vec();
                keys.extend(std::iter::repeat_n(b'j', step as usize - 1));
                keys.push(b'\r');
                seat.press(&keys).await;
                loop {
                    let e = tokio::time::timeout(Duration::from_secs(120), events.recv())
                        .await
                        .expect("the step ends")
                        .unwrap();
                    if e["attendee"] == name.as_str() && e["event"] == "step" && e["step"] == step {
                        assert_eq!(e["ok"], true, "{name} step {step}: {e}");
                        break;
                    }
                }
            }
            // Traffic flows on: the traffic pane counts it.
            seat.until(|t| t.contains("req/s")).await;
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    println!(
        "{with_traffic} attendees ran chapter 1 to its traffic in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let loaded = keypresses(&seats, rounds).await;
    let (rss, hwm, files) = host_numbers(pid);
    println!(
        "keypress to the changed frame: alone ({} changes) p50 {:.1} ms p99 {:.1} ms; {attendees} attendees, {with_traffic} with traffic ({} changes): p50 {:.1} ms p99 {:.1} ms ({:.1}× alone's p99)",
        peer.len(),
        millis(&peer, 0.5),
        millis(&peer, 0.99),
        loaded.len(),
        millis(&loaded, 0.5),
        millis(&loaded, 0.99),
        millis(&loaded, 0.99) / millis(&peer, 0.99).max(0.001),
    );
    println!(
        "host with {attendees} attendees, {with_traffic} with traffic: RSS {rss:.0} MiB (peak {hwm:.0} MiB), {files} open files"
    );

    // HOLD_SECS: time to look at the loaded host from outside (ss, /proc) before it goes on.
    tokio::time::sleep(Duration::from_secs(env_or("HOLD_SECS", 0) as u64)).await;

    // 100 abrupt disconnects: join, then drop the TCP connection without a goodbye.
    drop(seats);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (rss_before, _, files_before) = host_numbers(pid);
    for i in 0..100 {
        let name = format!("drop{:02}", i % 10);
        let from = std::net::Ipv4Addr::new(127, 0, 1, 10 + i as u8);
        tokio::task::spawn_blocking(move || abrupt_join(ssh, &name, from))
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (rss_after, _, files_after) = host_numbers(pid);
    println!(
        "100 abrupt disconnects: open files {files_before} → {files_after}, RSS {rss_before:.0} → {rss_after:.0} MiB"
    );
    let _ = host.start_kill();
}
