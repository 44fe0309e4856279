//! `meshwalk classroom`: the host's command. Starts the classroom (its cloud, its SSH server)
//! and shows the dashboard until the host ends it, or, `--headless`, prints the room's events
//! as JSON lines until Ctrl-C or SIGTERM; then the report.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use color_eyre::Result;
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use serde_json::json;

use super::serve::ShutdownSignals;
use crate::classroom::dashboard::{self, Dashboard, Heading};
use crate::classroom::join_code::JoinCode;
use crate::classroom::{Classroom, ClassroomConfig, report};
use crate::cli::{ClassroomArgs, TargetArgs};
use crate::session::connect;
use crate::session::progress::state_dir;
use crate::tui::terminal::{Crossterm, TerminalGuard};
use crate::tui::theme::Theme;
use crate::user_error::UserError;

pub async fn run(args: ClassroomArgs, target: &TargetArgs) -> Result<()> {
    if target.aws || target.endpoint_url.is_some() {
        return Err(UserError::new(
            "a classroom runs on its own embedded cloud (an account per attendee)",
            "leave --aws and --endpoint-url out",
        )
        .into());
    }
    let walkthrough = connect::walkthrough(target)?;
    let code = match &args.code {
        Some(code) => JoinCode::chosen(code)
            .map_err(|e| UserError::new(e, "pick a longer --code, or leave it out"))?,
        None => JoinCode::generate(),
    };
    let config = ClassroomConfig {
        bind: args.bind,
        ssh_port: args.ssh_port,
        api_port: args.api_port,
        code,
        state_dir: state_dir().join("classroom"),
        stuck_after: args.stuck_after,
        idle: args.idle,
        traffic_rps: args.traffic_rps,
        clock_scale: args.clock_scale,
        region: target.region.clone().unwrap_or_else(|| "us-east-1".into()),
        walkthrough,
    };
    let classroom = Classroom::start(config).await.map_err(|e| {
        UserError::new(
            format!(
                "could not start the classroom on {} (SSH port {}, API port {}): {e}",
                args.bind, args.ssh_port, args.api_port
            ),
            "is a port in use? Pick others with --ssh-port and --api-port",
        )
    })?;
    let host = args.host.clone().unwrap_or_else(host_name);
    let heading = Heading {
        ssh_line: classroom.ssh_line(&host),
        code: classroom.code.as_str().to_string(),
        fingerprint: classroom.fingerprint.clone(),
        api: format!("http://{host}:{}", classroom.api_addr.port()),
    };
    let ended = if args.headless {
        headless(&classroom, &heading).await
    } else {
        dashboard(&classroom, heading).await
    };
    let records = classroom.room.records(Instant::now());
    let text = report::markdown(&records, classroom.room.steps());
    classroom
        .stop("the host ended the classroom; thank you!")
        .await;
    ended?;
    if let Some(file) = &args.report {
        std::fs::write(file, &text).map_err(|e| {
            UserError::new(
                format!("could not write the report to {}: {e}", file.display()),
                "the report follows on stdout",
            )
        })?;
    }
    if !args.headless {
        print!("{text}");
    }
    Ok(())
}

/// This machine's name, for the join line (`--host` overrides it).
fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "THIS-MACHINE".into())
}

/// One JSON object a line: first where to join, then each event of the room.
async fn headless(classroom: &Classroom, heading: &Heading) -> Result<()> {
    let mut events = classroom.room.subscribe();
    let mut out = io::stdout();
    let ready = json!({
        "event": "ready",
        "ssh": classroom.ssh_addr.to_string(),
        "join": heading.ssh_line,
        "code": heading.code,
        "fingerprint": heading.fingerprint,
        "api": classroom.api_addr.to_string(),
    });
    writeln!(out, "{ready}")?;
    out.flush()?;
    let signals = ShutdownSignals::install();
    let stop = signals.received();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            event = events.recv() => match event {
                Ok(event) => {
                    if writeln!(out, "{}", serde_json::to_string(&event)?).and_then(|()| out.flush()).is_err() {
                        // The reader went away: the classroom ends with it.
                        break;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("{n} events were not printed: stdout was too slow");
                }
                Err(_) => break,
            }
        }
    }
    Ok(())
}

/// The dashboard in the host's terminal: redrawn on the room's events, on keys, and each
/// second (the time on each step; an attendee's screen while the host looks at it, 10 times).
async fn dashboard(classroom: &Classroom, heading: Heading) -> Result<()> {
    let guard = TerminalGuard::new(Crossterm)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let theme = Theme::from_env();
    let mut board = Dashboard::new(classroom.room.clone(), heading);
    let mut keys = EventStream::new();
    let mut events = classroom.room.subscribe();
    loop {
        terminal.draw(|f| dashboard::render(&board, f, theme))?;
        let tick = if matches!(board.mode, dashboard::Mode::Watching(_)) {
            Duration::from_millis(100)
        } else {
            Duration::from_secs(1)
        };
        tokio::select! {
            key = keys.next() => match key {
                Some(Ok(Event::Key(key))) if key.kind == KeyEventKind::Press => board.key(key),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            _ = events.recv() => {}
            () = tokio::time::sleep(tick) => {}
        }
        if board.quit {
            break;
        }
    }
    drop(guard);
    Ok(())
}
