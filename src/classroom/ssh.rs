//! The classroom's SSH server (russh): the join code or a known key admits an attendee, and
//! their session channel gets their seat, the meshwalk terminal UI. Nothing else is served:
//! no command, no other shell, no subsystem (sftp), no agent, no port forwarding.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use russh::server::{Auth, ChannelOpenHandle, Msg, Session};
use russh::{Channel, ChannelId, MethodKind, MethodSet};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use super::Shared;
use super::room::{Refusal, SeatLink};
use super::seat::{self, INPUT_QUEUE, SeatInput, SeatSetup};
use super::terminal;

/// A connection that has not authenticated within this long is closed.
pub const AUTH_DEADLINE: Duration = Duration::from_secs(60);
/// Connections open at once, from anywhere, and from one address.
pub const MAX_CONNECTIONS: usize = 400;
pub const MAX_CONNECTIONS_PER_ADDRESS: usize = 20;

/// Accepts connections until `stop` turns true.
pub async fn serve(
    listener: TcpListener,
    config: Arc<russh::server::Config>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let open = Arc::new(AtomicUsize::new(0));
    let per_address: Arc<parking_lot::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>> =
        Arc::default();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!("ssh accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let ip = peer.ip();
        {
            let mut map = per_address.lock();
            let mine = map.entry(ip).or_default();
            if open.load(Ordering::Relaxed) >= MAX_CONNECTIONS
                || *mine >= MAX_CONNECTIONS_PER_ADDRESS
            {
                drop(stream);
                continue;
            }
            *mine += 1;
        }
        open.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let local = stream.local_addr().ok();
        let (config, shared) = (config.clone(), shared.clone());
        let (open, per_address) = (open.clone(), per_address.clone());
        tokio::spawn(async move {
            let authenticated = Arc::new(AtomicBool::new(false));
            let connection = Connection {
                shared,
                peer: Some(peer),
                local,
                verified_key: None,
                attendee: None,
                refused: None,
                channel: None,
                size: (80, 24),
                input: None,
                authenticated: authenticated.clone(),
            };
            let started = tokio::time::timeout(
                Duration::from_secs(20),
                russh::server::run_stream(config, stream, connection),
            )
            .await;
            if let Ok(Ok(running)) = started {
                let handle = running.handle();
                let deadline = tokio::spawn(async move {
                    tokio::time::sleep(AUTH_DEADLINE).await;
                    if !authenticated.load(Ordering::Relaxed) {
                        let _ = handle
                            .disconnect(
                                russh::Disconnect::ByApplication,
                                "no authentication in time".into(),
                                String::new(),
                            )
                            .await;
                    }
                });
                let _ = running.await;
                deadline.abort();
            }
            open.fetch_sub(1, Ordering::Relaxed);
            let mut map = per_address.lock();
            if let Some(n) = map.get_mut(&ip) {
                *n -= 1;
                if *n == 0 {
                    map.remove(&ip);
                }
            }
        });
    }
}

/// One SSH connection.
struct Connection {
    shared: Arc<Shared>,
    peer: Option<SocketAddr>,
    /// The address the client reached (the attendee's own tools reach the API there too).
    local: Option<SocketAddr>,
    /// The public key (fingerprint) whose ownership the client proved, if any.
    verified_key: Option<String>,
    attendee: Option<String>,
    /// Admitted by the code, but the room refused the name: said on the channel, then closed.
    refused: Option<Refusal>,
    channel: Option<(ChannelId, russh::ChannelWriteHalf<Msg>)>,
    size: (u16, u16),
    input: Option<mpsc::Sender<SeatInput>>,
    authenticated: Arc<AtomicBool>,
}

fn methods() -> MethodSet {
    MethodSet::from(
        &[
            MethodKind::PublicKey,
            MethodKind::KeyboardInteractive,
            MethodKind::Password,
        ][..],
    )
}

fn reject() -> Auth {
    Auth::Reject {
        proceed_with_methods: Some(methods()),
        partial_success: false,
    }
}

impl Connection {
    /// The join code, as a password or the answer to the keyboard-interactive prompt.
    fn check_code(&mut self, user: &str, typed: &str) -> Auth {
        let ip = self.peer.map(|p| p.ip());
        let now = Instant::now();
        if !self.shared.gate.may_try(ip, now) {
            return Auth::reject();
        }
        if !self.shared.code.admits(typed) {
            if self.shared.gate.failed(ip, now) {
                tracing::warn!(?ip, "too many wrong join codes: refused for a while");
            }
            return reject();
        }
        match self
            .shared
            .room
            .admit(user, self.verified_key.as_deref(), true)
        {
            Ok(()) => self.admitted(user),
            Err(refusal) => {
                self.refused = Some(refusal);
                self.admitted(user)
            }
        }
    }

    fn admitted(&mut self, user: &str) -> Auth {
        self.attendee = Some(user.to_string());
        self.authenticated.store(true, Ordering::Relaxed);
        Auth::Accept
    }

    /// Starts the attendee's seat on the session channel.
    fn sit(&mut self, channel: ChannelId, session: &mut Session) -> bool {
        let (Some(name), Some((_, write))) = (self.attendee.clone(), self.channel.as_ref()) else {
            return false;
        };
        let writer = write.make_writer();
        let handle = session.handle();
        if let Some(refusal) = self.refused.take() {
            tokio::spawn(async move {
                let text = format!("meshwalk classroom: {refusal}\r\n");
                let _ = handle.data(channel, text.into_bytes()).await;
                let _ = handle.exit_status_request(channel, 1).await;
                let _ = handle.close(channel).await;
            });
            return true;
        }
        let shared = self.shared.clone();
        let room = shared.room.clone();
        let Some(credentials) = room.credentials(&name) else {
            return false;
        };
        let host = self
            .local
            .map(|a| a.ip().to_string())
            .unwrap_or_else(|| "127.0.0.1".into());
        let setup = SeatSetup {
            id: room.new_seat_id(),
            session: shared.session_for(&credentials),
            cloud: shared.local_cloud(&credentials.account_id),
            state_dir: shared.state_dir.join("attendees").join(&name),
            share: shared.share_lines(&host, &credentials),
            traffic_rps: shared.traffic_rps,
            idle: shared.idle,
            size: self.size,
            replay_done: room.first_seat(&name),
            name: name.clone(),
        };
        let (input_tx, input_rx) = mpsc::channel(INPUT_QUEUE);
        let (orders_tx, orders_rx) = mpsc::channel(32);
        let blank = Arc::new(Buffer::empty(Rect::new(0, 0, self.size.0, self.size.1)));
        let (screen_tx, screen_rx) = watch::channel(blank);
        let (raw_tx, raw_rx) = mpsc::channel(8);
        let id = setup.id;
        room.sit(
            &name,
            SeatLink {
                id,
                orders: orders_tx,
                screen: screen_rx.clone(),
            },
        );
        self.input = Some(input_tx);
        tokio::spawn(async move {
            let sender = tokio::spawn(seat::send_screen(screen_rx, raw_rx, writer));
            let farewell = seat::run(
                setup,
                room.clone(),
                input_rx,
                orders_rx,
                screen_tx,
                raw_tx.clone(),
            )
            .await;
            room.stood_up(
                &name,
                id,
                if farewell.is_empty() {
                    "disconnected"
                } else {
                    &farewell
                },
            );
            let _ = tokio::time::timeout(
                Duration::from_secs(2),
                raw_tx.send(terminal::closing(&farewell)),
            )
            .await;
            drop(raw_tx);
            let abort = sender.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), sender)
                .await
                .is_err()
            {
                // The client stopped reading: nothing more is queued for it.
                abort.abort();
            }
            let _ = handle.exit_status_request(channel, 0).await;
            let _ = handle.eof(channel).await;
            let _ = handle.close(channel).await;
        });
        true
    }
}

impl russh::server::Handler for Connection {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(reject())
    }

    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        _offer: russh::server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        // Proving a key costs the client a signature and the host a check: only for an
        // address the gate lets try.
        let ip = self.peer.map(|p| p.ip());
        Ok(if self.shared.gate.may_try(ip, Instant::now()) {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let fingerprint = key
            .public_key
            .fingerprint(russh::keys::HashAlg::Sha256)
            .to_string();
        self.verified_key = Some(fingerprint.clone());
        // A key the name was joined with admits it; any other key goes on to the code (and
        // is bound to the name if the code admits a new one).
        Ok(
            match self.shared.room.admit(user, Some(&fingerprint), false) {
                Ok(()) => self.admitted(user),
                Err(_) => reject(),
            },
        )
    }

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        Ok(self.check_code(user, password))
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<russh::server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        let Some(mut response) = response else {
            return Ok(Auth::Partial {
                name: "meshwalk classroom".into(),
                instructions: "The host's screen shows the join code.".into(),
                prompts: vec![("Join code: ".into(), false)].into(),
            });
        };
        let typed = response
            .next()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        Ok(self.check_code(user, &typed))
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channel.is_some() {
            // One terminal per connection; dropping the reply refuses it.
            return Ok(());
        }
        // Input comes through `data`: the read half is not kept, so it never holds the
        // connection up.
        let id = channel.id();
        let (_read, write) = channel.split();
        self.channel = Some((id, write));
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.size = terminal::clamp_size(col_width, row_height);
        session.channel_success(channel)
    }

    async fn window_change_request(
        &mut self,
        _channel: ChannelId,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let (w, h) = terminal::clamp_size(col_width, row_height);
        self.size = (w, h);
        if let Some(input) = &self.input {
            let _ = input.try_send(SeatInput::Resize(w, h));
        }
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.input.is_none() && self.sit(channel, session) {
            session.channel_success(channel)
        } else {
            session.channel_failure(channel)
        }
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _single_connection: bool,
        _x11_auth_protocol: &str,
        _x11_auth_cookie: &str,
        _x11_screen_number: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn agent_request(
        &mut self,
        _channel: ChannelId,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        Ok(false)
    }

    async fn tcpip_forward(
        &mut self,
        _address: &str,
        _port: &mut u32,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        Ok(false)
    }

    async fn streamlocal_forward(
        &mut self,
        _socket_path: &str,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        Ok(false)
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        _channel: Channel<Msg>,
        _host_to_connect: &str,
        _port_to_connect: u32,
        _originator_address: &str,
        _originator_port: u32,
        _reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // The reply dropped unanswered refuses the channel (administratively prohibited).
        Ok(())
    }

    async fn data(
        &mut self,
        _channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(input) = &self.input {
            // A seat that cannot keep up loses the newest keys, never the connection's pace.
            let _ = input.try_send(SeatInput::Bytes(data.to_vec()));
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        _channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.input = None;
        Ok(())
    }

    async fn channel_close(
        &mut self,
        _channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.input = None;
        Ok(())
    }
}
