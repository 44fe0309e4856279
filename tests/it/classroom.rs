//! The classroom through real SSH connections on 127.0.0.1: russh's client plays each
//! attendee's ssh, a vt100 parser their terminal.

use std::sync::Arc;
use std::time::Duration;

use meshwalk::classroom::join_code::JoinCode;
use meshwalk::classroom::room::{Presence, RoomEvent};
use meshwalk::classroom::{Classroom, ClassroomConfig};
use meshwalk::walkthrough::Walkthrough;
use parking_lot::Mutex;
use russh::client::{self, Handle};
use russh::keys::PublicKey;
use russh::{ChannelMsg, Disconnect};

use crate::support::{eventually, within};

const CODE: &str = "test-join-code";

async fn classroom(dir: &std::path::Path) -> Classroom {
    classroom_idle(dir, Duration::from_secs(600)).await
}

async fn classroom_idle(dir: &std::path::Path, idle: Duration) -> Classroom {
    Classroom::start(ClassroomConfig {
        bind: "127.0.0.1".parse().unwrap(),
        ssh_port: 0,
        api_port: 0,
        code: JoinCode::chosen(CODE).unwrap(),
        state_dir: dir.to_path_buf(),
        stuck_after: Duration::from_secs(300),
        idle,
        traffic_rps: 10.0,
        clock_scale: 1.0,
        region: "us-east-1".into(),
        walkthrough: Walkthrough::builtin().unwrap(),
    })
    .await
    .expect("the classroom starts")
}

/// The attendee's ssh: remembers the host key it was shown.
#[derive(Clone, Default)]
struct Client {
    host_key: Arc<Mutex<Option<String>>>,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        if let russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } = key {
            *self.host_key.lock() = Some(fingerprint(key));
        }
        Ok(true)
    }
}

fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(russh::keys::HashAlg::Sha256).to_string()
}

async fn connect(room: &Classroom) -> (Handle<Client>, Client) {
    let client = Client::default();
    let config = Arc::new(client::Config::default());
    let handle = client::connect(config, room.ssh_addr, client.clone())
        .await
        .expect("ssh connects");
    (handle, client)
}

/// An attendee at their terminal: what the bytes drew, and a way to type.
struct Attendee {
    ssh: Handle<Client>,
    channel: russh::ChannelWriteHalf<client::Msg>,
    screen: Arc<Mutex<vt100::Parser>>,
    /// The exit status the server sent, if it closed the session.
    closed: Arc<Mutex<Option<u32>>>,
}

impl Attendee {
    async fn join(room: &Classroom, name: &str) -> Attendee {
        Attendee::join_sized(room, name, 140, 45).await
    }

    async fn join_sized(room: &Classroom, name: &str, cols: u32, rows: u32) -> Attendee {
        let (mut ssh, _) = connect(room).await;
        let auth = ssh.authenticate_password(name, CODE).await.unwrap();
        assert!(auth.success(), "{name} joins with the code: {auth:?}");
        let channel = ssh.channel_open_session().await.unwrap();
        channel
            .request_pty(true, "xterm-256color", cols, rows, 0, 0, &[])
            .await
            .unwrap();
        channel.request_shell(true).await.unwrap();
        let (mut read, write) = channel.split();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(rows as u16, cols as u16, 0)));
        let closed = Arc::new(Mutex::new(None));
        let (s, c) = (screen.clone(), closed.clone());
        tokio::spawn(async move {
            while let Some(msg) = read.wait().await {
                match msg {
                    ChannelMsg::Data { data } => s.lock().process(&data),
                    ChannelMsg::ExitStatus { exit_status } => *c.lock() = Some(exit_status),
                    _ => {}
                }
            }
        });
        Attendee {
            ssh,
            channel: write,
            screen,
            closed,
        }
    }

    fn text(&self) -> String {
        self.screen.lock().screen().contents()
    }

    async fn sees(&self, what: &str) {
        let screen = self.screen.clone();
        let what = what.to_string();
        within(20, &format!("the screen shows {what:?}"), || {
            let text = screen.lock().screen().contents();
            let seen = text.contains(&what);
            async move { seen.then_some(()) }
        })
        .await;
    }

    async fn press(&self, keys: &[u8]) {
        self.channel.data_bytes(keys.to_vec()).await.unwrap();
    }

    async fn leave(self) {
        let _ = self.ssh.disconnect(Disconnect::ByApplication, "", "").await;
    }
}

#[tokio::test]
async fn an_attendee_joins_with_the_code_and_gets_the_walkthrough_in_their_own_account() {
    let dir = tempfile::tempdir().unwrap();
    let room = classroom(dir.path()).await;
    let mut events = room.room.subscribe();
    let alice = Attendee::join(&room, "alice").await;
    alice.sees("welcome, alice").await;
    alice.sees("steps done").await;
    let joined = events.recv().await.unwrap();
    let RoomEvent::Joined {
        attendee,
        account,
        again,
    } = joined
    else {
        panic!("{joined:?}")
    };
    assert_eq!((attendee.as_str(), again), ("alice", false));
    assert_eq!(account.len(), 12);
    assert_ne!(account, "000000000000", "an account of her own");
    // `s` shows her own keys and the endpoint she reached, for her own aws CLI.
    alice.press(b"s").await;
    alice.sees("AWS_ACCESS_KEY_ID=AKIA").await;
    alice.sees("AWS_ENDPOINT_URL=http://127.0.0.1:").await;
    let rows = room.room.rows(std::time::Instant::now());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].presence, Presence::Connected);
    alice.leave().await;
    room.stop("done").await;
}

#[tokio::test]
async fn a_wrong_code_is_refused_and_nothing_but_the_terminal_ui_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let room = classroom(dir.path()).await;
    let (mut ssh, _) = connect(&room).await;
    let wrong = ssh
        .authenticate_password("mallory", "not-the-code")
        .await
        .unwrap();
    assert!(!wrong.success());
    assert!(
        room.room.rows(std::time::Instant::now()).is_empty(),
        "no account made"
    );
    let ok = ssh.authenticate_password("mallory", CODE).await.unwrap();
    assert!(ok.success());
    // No command.
    let channel = ssh.channel_open_session().await.unwrap();
    channel.exec(true, "cat /etc/passwd").await.unwrap();
    let (mut read, _write) = channel.split();
    let reply = tokio::time::timeout(Duration::from_secs(10), read.wait())
        .await
        .expect("an answer to exec")
        .unwrap();
    assert!(matches!(reply, ChannelMsg::Failure), "{reply:?}");
    // No subsystem (sftp) on a second channel, and no port forwarding either way.
    assert!(ssh.tcpip_forward("127.0.0.1", 0).await.is_err());
    let direct = ssh
        .channel_open_direct_tcpip(
            "127.0.0.1",
            u32::from(room.api_addr.port()),
            "127.0.0.1",
            5000,
        )
        .await;
    assert!(direct.is_err(), "a tunnel to the API is refused");
    room.stop("done").await;
}

#[tokio::test]
async fn joining_again_resumes_the_same_account_and_progress_and_closes_the_old_session() {
    let dir = tempfile::tempdir().unwrap();
    let room = classroom(dir.path()).await;
    let alice = Attendee::join(&room, "alice").await;
    alice.sees("welcome, alice").await;
    // Step 1 is the welcome; step 2 creates the mesh.
    alice.press(b"\r").await;
    alice.sees("1/").await;
    alice.press(b"\r").await;
    eventually("two steps done", || {
        let done = room.room.rows(std::time::Instant::now())[0].done;
        async move { (done == 2).then_some(()) }
    })
    .await;
    let account = room.room.credentials("alice").unwrap().account_id;
    // Alice joins from a second terminal: the first is told and closed.
    let again = Attendee::join(&room, "alice").await;
    again.sees("2/").await;
    alice.sees("another terminal").await;
    within(10, "the old session closed", || {
        let closed = *alice.closed.lock();
        async move { closed }
    })
    .await;
    assert_eq!(room.room.credentials("alice").unwrap().account_id, account);
    again.leave().await;
    eventually("alice is gone", || {
        let presence = room.room.rows(std::time::Instant::now())[0].presence;
        async move { (presence == Presence::Gone).then_some(()) }
    })
    .await;
    let third = Attendee::join(&room, "alice").await;
    third.sees("2/").await;
    room.stop("done").await;
}

#[tokio::test]
async fn two_attendees_make_the_same_mesh_each_in_their_own_account() {
    let dir = tempfile::tempdir().unwrap();
    let room = classroom(dir.path()).await;
    let alice = Attendee::join(&room, "alice").await;
    let bob = Attendee::join(&room, "bob").await;
    for who in [&alice, &bob] {
        who.sees("steps done").await;
        who.press(b"\r").await;
        who.sees("1/").await;
        who.press(b"\r").await;
        who.sees("2/").await;
    }
    for name in ["alice", "bob"] {
        let keys = room.room.credentials(name).unwrap();
        let meshes = own_tools(&room, name).list_meshes().send().await.unwrap();
        let owners: Vec<_> = meshes
            .meshes()
            .iter()
            .map(|m| (m.mesh_name().to_string(), m.mesh_owner().to_string()))
            .collect();
        assert_eq!(
            owners,
            [("gophermesh".to_string(), keys.account_id)],
            "{name}"
        );
    }
    room.stop("done").await;
}

#[tokio::test]
async fn the_dashboard_sees_steps_errors_and_a_raised_hand_and_a_broadcast_reaches_everyone() {
    let dir = tempfile::tempdir().unwrap();
    let room = classroom(dir.path()).await;
    let mut events = room.room.subscribe();
    let alice = Attendee::join(&room, "alice").await;
    let bob = Attendee::join_sized(&room, "bob", 80, 24).await;
    alice.sees("steps done").await;
    bob.sees("steps done").await;
    // Alice skips ahead: a virtual node before its mesh fails, three times.
    alice.press(b"jjj").await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        alice.press(b"\r").await;
        // The next press only once this one's error is back (Enter on a running step waits).
        loop {
            let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
                .await
                .expect("an error event")
                .unwrap();
            let value = serde_json::to_value(&event).unwrap();
            seen.push(value);
            if matches!(event, RoomEvent::Error { .. }) {
                break;
            }
        }
    }
    alice.sees("NotFoundException").await;
    let alice_row = room
        .room
        .rows(std::time::Instant::now())
        .into_iter()
        .find(|r| r.name == "alice")
        .unwrap();
    assert_eq!(alice_row.step, 4);
    assert!(
        alice_row
            .last_error
            .unwrap()
            .starts_with("NotFoundException")
    );
    assert_eq!(alice_row.stuck.as_deref(), Some("the same error 3 times"));
    // Bob raises his hand: he is told, the dashboard shows him on top.
    bob.press(b"h").await;
    bob.sees("host").await;
    let rows = eventually("bob's hand", || {
        let rows = room.room.rows(std::time::Instant::now());
        async move { rows[0].hand.then_some(rows) }
    })
    .await;
    assert_eq!(rows[0].name, "bob");
    assert_eq!(rows[1].name, "alice", "stuck comes next");
    // The events a script reads.
    while let Ok(event) = events.try_recv() {
        seen.push(serde_json::to_value(&event).unwrap());
    }
    assert!(seen.iter().any(|e| e["event"] == "error"
        && e["attendee"] == "alice"
        && e["step"] == 4
        && e["code"] == "NotFoundException"));
    assert!(
        seen.iter()
            .any(|e| e["event"] == "step" && e["ok"] == false)
    );
    assert!(
        seen.iter()
            .any(|e| e["event"] == "hand" && e["attendee"] == "bob" && e["raised"] == true)
    );
    // A broadcast is on both screens.
    assert_eq!(room.room.broadcast("break: back at 10:30"), 2);
    alice.sees("back at 10:30").await;
    bob.sees("back at 10:30").await;
    assert!(bob.text().contains("From the host"));
    // The host pauses the room's clock; an attendee cannot.
    bob.press(b"x").await;
    room.room.pause_clock(true);
    bob.sees("paused").await;
    alice.press(b"x ").await;
    alice.sees("the host sets the room's clock").await;
    room.room.pause_clock(false);
    room.stop("done").await;
}

/// Reads until nothing came for 400 ms (after something came); how many bytes.
async fn read_until_quiet(read: &mut russh::ChannelReadHalf) -> usize {
    let mut bytes = 0usize;
    loop {
        match tokio::time::timeout(Duration::from_millis(400), read.wait()).await {
            Ok(Some(ChannelMsg::Data { data })) => bytes += data.len(),
            Ok(Some(_)) => {}
            Ok(None) => return bytes,
            Err(_) if bytes == 0 => {}
            Err(_) => return bytes,
        }
    }
}

#[tokio::test]
async fn a_client_that_stops_reading_costs_one_frame_not_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    let room = classroom(dir.path()).await;
    let (mut ssh, _) = connect(&room).await;
    assert!(
        ssh.authenticate_password("sleepy", CODE)
            .await
            .unwrap()
            .success()
    );
    let channel = ssh.channel_open_session().await.unwrap();
    channel
        .request_pty(true, "xterm", 200, 60, 0, 0, &[])
        .await
        .unwrap();
    channel.request_shell(true).await.unwrap();
    let (mut read, write) = channel.split();
    // Read the first screen whole (its size is a full redraw's), then stop reading (a
    // suspended ssh).
    let full_screen = read_until_quiet(&mut read).await;
    // 400 full redraws: a new size each time.
    for i in 0..400u32 {
        write.window_change(199 + i % 2, 60, 0, 0).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = read_until_quiet(&mut read).await;
    // What may be on the way: the client's SSH window (russh's default, 2 MiB) and a few
    // frames; every frame queued would be 400 of them.
    let bound = 2 * 1024 * 1024 + 3 * full_screen;
    assert!(
        400 * full_screen > 2 * bound,
        "the test tells the two apart"
    );
    assert!(
        received < bound,
        "{received} bytes arrived after 400 redraws of {full_screen}: frames were queued"
    );
    room.stop("done").await;
}

#[tokio::test]
async fn the_host_key_is_the_same_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = classroom(dir.path()).await;
    let (_ssh, seen_first) = connect(&first).await;
    let fingerprint = first.fingerprint.clone();
    first.stop("restart").await;
    let second = classroom(dir.path()).await;
    let (_ssh, seen_second) = connect(&second).await;
    assert_eq!(second.fingerprint, fingerprint);
    assert_eq!(
        seen_first.host_key.lock().clone(),
        Some(fingerprint.clone())
    );
    assert_eq!(seen_second.host_key.lock().clone(), Some(fingerprint));
    second.stop("done").await;
}

/// SDK clients acting as `name`, the way their own aws CLI would (the `s` lines).
fn own_tools(room: &Classroom, name: &str) -> aws_sdk_appmesh::Client {
    let keys = room.room.credentials(name).unwrap();
    let credentials = aws_sdk_appmesh::config::Credentials::new(
        keys.access_key_id,
        keys.secret_access_key,
        None,
        None,
        "test",
    );
    let config = meshwalk::api::target::endpoint_config_as(
        &format!("http://{}", room.api_addr),
        "us-east-1",
        credentials,
    );
    aws_sdk_appmesh::Client::new(&config)
}

fn row(room: &Classroom, name: &str) -> meshwalk::classroom::room::Row {
    room.room
        .rows(std::time::Instant::now())
        .into_iter()
        .find(|r| r.name == name)
        .unwrap()
}

#[tokio::test]
async fn an_attendee_on_their_own_aws_cli_is_followed_by_their_calls() {
    let dir = tempfile::tempdir().unwrap();
    let room = classroom(dir.path()).await;
    let carol = Attendee::join(&room, "carol").await;
    carol.sees("steps done").await;
    carol.leave().await;
    eventually("carol's seat is gone", || {
        let presence = row(&room, "carol").presence;
        async move { (presence == Presence::Gone).then_some(()) }
    })
    .await;
    // The calls her seat had in flight are its own; hers count after them.
    tokio::time::sleep(meshwalk::classroom::room::SEAT_CALLS_LINGER).await;
    let appmesh = own_tools(&room, "carol");
    // A node before its mesh: an error on that step.
    let failed = appmesh
        .create_virtual_node()
        .mesh_name("gophermesh")
        .virtual_node_name("requester")
        .spec(aws_sdk_appmesh::types::VirtualNodeSpec::builder().build())
        .send()
        .await;
    assert!(failed.is_err());
    let error = eventually("the error on the dashboard", || {
        let r = row(&room, "carol");
        async move { r.last_error.map(|e| (r.step, e)) }
    })
    .await;
    assert_eq!(error.0, 3, "the first step that creates a virtual node");
    assert!(error.1.starts_with("NotFoundException"), "{}", error.1);
    appmesh
        .create_mesh()
        .mesh_name("gophermesh")
        .send()
        .await
        .unwrap();
    let r = eventually("the mesh step done", || {
        let r = row(&room, "carol");
        async move { (r.done == 1).then_some(r) }
    })
    .await;
    assert_eq!((r.step, r.presence), (2, Presence::OwnTools));
    room.stop("done").await;
}

#[tokio::test]
async fn the_host_brings_an_attendee_to_a_step_and_resets_their_account() {
    let dir = tempfile::tempdir().unwrap();
    let room = classroom(dir.path()).await;
    let dave = Attendee::join(&room, "dave").await;
    dave.sees("steps done").await;
    // To step 6 (list the virtual nodes): the five before it run in his account.
    assert!(
        room.room
            .order("dave", meshwalk::classroom::room::Order::BringTo(5))
    );
    dave.sees("the host brought you to step 6").await;
    let r = eventually("five steps done", || {
        let r = row(&room, "dave");
        async move { (r.done == 5).then_some(r) }
    })
    .await;
    assert_eq!(r.step, 6);
    let nodes = own_tools(&room, "dave")
        .list_virtual_nodes()
        .mesh_name("gophermesh")
        .send()
        .await
        .unwrap();
    assert_eq!(nodes.virtual_nodes().len(), 3);
    // Reset: his account is empty, his walkthrough starts afresh, his keys still work.
    assert!(room.room.reset("dave"));
    dave.sees("the host reset your account").await;
    dave.sees("0/").await;
    let meshes = own_tools(&room, "dave").list_meshes().send().await.unwrap();
    assert!(meshes.meshes().is_empty());
    eventually("nothing done", || {
        let r = row(&room, "dave");
        async move { (r.done == 0).then_some(()) }
    })
    .await;
    room.stop("done").await;
}

#[tokio::test]
async fn a_session_without_keys_is_closed_and_a_key_keeps_it_open() {
    let dir = tempfile::tempdir().unwrap();
    let room = classroom_idle(dir.path(), Duration::from_millis(1500)).await;
    let erin = Attendee::join(&room, "erin").await;
    erin.sees("steps done").await;
    // Keys every half second keep the session past its idle time.
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        erin.press(b"j").await;
    }
    assert_eq!(*erin.closed.lock(), None, "still open after 2.5 s of keys");
    within(10, "closed once idle", || {
        let closed = *erin.closed.lock();
        async move { closed }
    })
    .await;
    room.stop("done").await;
}

#[tokio::test]
async fn the_headless_host_prints_where_to_join_then_one_json_line_per_event() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.md");
    let mut host = tokio::process::Command::new(env!("CARGO_BIN_EXE_meshwalk"))
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
            "--report",
        ])
        .arg(&report)
        .env("MESHWALK_STATE_DIR", dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(host.stdout.take().unwrap()).lines();
    let mut next = async || -> serde_json::Value {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("a line in time")
            .unwrap()
            .expect("a line");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    };
    let ready = next().await;
    assert_eq!(ready["event"], "ready");
    assert_eq!(ready["code"], CODE);
    assert!(
        ready["fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("SHA256:")
    );
    let ssh: std::net::SocketAddr = ready["ssh"].as_str().unwrap().parse().unwrap();
    let client = client::connect(Arc::new(client::Config::default()), ssh, Client::default());
    let mut ssh = client.await.unwrap();
    assert!(
        ssh.authenticate_password("frank", CODE)
            .await
            .unwrap()
            .success()
    );
    let channel = ssh.channel_open_session().await.unwrap();
    channel
        .request_pty(true, "xterm", 100, 30, 0, 0, &[])
        .await
        .unwrap();
    channel.request_shell(true).await.unwrap();
    let joined = next().await;
    assert_eq!(
        (joined["event"].as_str(), joined["attendee"].as_str()),
        (Some("joined"), Some("frank"))
    );
    // The welcome step, then the mesh.
    channel.data_bytes(&b"\r"[..]).await.unwrap();
    let step = next().await;
    assert_eq!(
        (
            step["event"].as_str(),
            step["step"].as_u64(),
            step["ok"].as_bool()
        ),
        (Some("step"), Some(1), Some(true)),
        "{step}"
    );
    // Ctrl-C's signal ends the classroom: frank is told, the report is written.
    let pid = host.id().unwrap();
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(20), host.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("| frank | 1 |"), "{text}");
}

/// Joins as `name` on a runtime of its own, then drops that runtime: the client's tasks end
/// where they stand and its TCP connection closes without an SSH goodbye.
fn join_and_vanish(ssh: std::net::SocketAddr, name: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut handle =
            client::connect(Arc::new(client::Config::default()), ssh, Client::default())
                .await
                .unwrap();
        assert!(
            handle
                .authenticate_password(name, CODE)
                .await
                .unwrap()
                .success()
        );
        let channel = handle.channel_open_session().await.unwrap();
        channel
            .request_pty(true, "xterm", 80, 24, 0, 0, &[])
            .await
            .unwrap();
        channel.request_shell(true).await.unwrap();
        let (mut read, _write) = channel.split();
        // The first frame: the seat is up.
        while !matches!(read.wait().await, Some(ChannelMsg::Data { .. })) {}
        std::mem::forget((handle, read, _write));
    });
    drop(runtime);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abrupt_disconnects_leave_no_seat_task_or_connection_behind() {
    let dir = tempfile::tempdir().unwrap();
    let room = classroom(dir.path()).await;
    let ssh = room.ssh_addr;
    // One join and leave first: the room's lasting tasks (the cloud's, the SSH server's) are
    // then all up.
    tokio::task::spawn_blocking(move || join_and_vanish(ssh, "warmup"))
        .await
        .unwrap();
    eventually("the warm-up seat gone", || {
        let n = room.room.connected();
        async move { (n == 0).then_some(()) }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    for i in 0..30 {
        let name = format!("vanish{}", i % 5);
        tokio::task::spawn_blocking(move || join_and_vanish(ssh, &name))
            .await
            .unwrap();
    }
    eventually("every seat gone", || {
        let n = room.room.connected();
        async move { (n == 0).then_some(()) }
    })
    .await;
    let mut after = metrics.num_alive_tasks();
    for _ in 0..100 {
        if after <= before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = metrics.num_alive_tasks();
    }
    assert!(after <= before, "{before} tasks before, {after} after");
    assert!(
        room.room
            .rows(std::time::Instant::now())
            .iter()
            .all(|r| r.presence == Presence::Gone)
    );
    room.stop("done").await;
}
