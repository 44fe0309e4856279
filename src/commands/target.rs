//! Connecting to the target the flags name: the embedded cloud (started here), an endpoint, or
//! AWS (after showing the account and region, and asking).

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use color_eyre::Result;
use color_eyre::eyre::{WrapErr, bail, eyre};

use crate::api::target::{Target, TargetKind};
use crate::cli::TargetArgs;
use crate::dataplane::DataPlaneConfig;
use crate::embedded::EmbeddedCloud;
use crate::emulator::CloudConfig;
use crate::walkthrough::Walkthrough;
use crate::walkthrough::progress::{Progress, state_dir};
use crate::walkthrough::runner::Session;

/// A session and, for the embedded target, the cloud it runs on (alive as long as this is).
pub struct Connected {
    pub session: Session,
    pub embedded: Option<EmbeddedCloud>,
    pub progress: Progress,
    /// What the user must be told about their saved progress (a file moved aside).
    pub notice: Option<String>,
    /// Where progress and the log are kept.
    pub state_dir: PathBuf,
}

pub fn walkthrough(args: &TargetArgs) -> Result<Walkthrough> {
    match &args.walkthrough {
        Some(dir) => Walkthrough::load_dir(dir).map_err(|e| eyre!(e)),
        None => Walkthrough::builtin().map_err(|e| eyre!(e)),
    }
}

pub async fn connect(args: &TargetArgs, reset: bool) -> Result<Connected> {
    let walkthrough = walkthrough(args)?;
    let region = args.region.clone().unwrap_or_else(|| "us-east-1".into());
    let (target, embedded) = if args.aws {
        let target = Target::aws(args.profile.as_deref(), args.region.as_deref())
            .await
            .map_err(|e| eyre!(e))?;
        (target, None)
    } else if let Some(url) = &args.endpoint_url {
        (
            Target::endpoint(TargetKind::Endpoint, url, &region, "000000000000"),
            None,
        )
    } else {
        let config = CloudConfig {
            region: region.clone(),
            ..CloudConfig::default()
        };
        let account = config.account_id.clone();
        let cloud = EmbeddedCloud::start(
            config,
            SocketAddr::from(([127, 0, 0, 1], args.embedded_port.unwrap_or(0))),
            DataPlaneConfig::default(),
        )
        .await
        .wrap_err_with(|| match args.embedded_port {
            Some(port) => format!(
                "could not start the embedded cloud on 127.0.0.1:{port} (is the port in use? pick another --port)"
            ),
            None => "could not start the embedded cloud".into(),
        })?;
        let target = Target::endpoint(TargetKind::Embedded, &cloud.endpoint(), &region, &account);
        (target, Some(cloud))
    };
    let dir = state_dir();
    if reset {
        Progress::reset(&dir).wrap_err_with(|| format!("could not reset {}", dir.display()))?;
    }
    let loaded = Progress::load(&dir).wrap_err(
        "saved progress cannot be used; move the file away (or pass --reset) and start again",
    )?;
    // Headless commands log to stderr: the user reads it there. The UI also shows it.
    if let Some(notice) = &loaded.notice {
        tracing::warn!("{notice}");
    }
    let progress = loaded.progress;
    let mut session = Session::new(walkthrough, target, &args.vars);
    session.edits = progress.edits.clone();
    if matches!(session.target.kind, TargetKind::Aws { .. }) {
        session.tag = Some(("meshwalk".into(), "walkthrough".into()));
    }
    Ok(Connected {
        session,
        embedded,
        progress,
        notice: loaded.notice,
        state_dir: dir,
    })
}

/// On AWS, says where resources will be created or deleted and asks (unless --yes).
pub fn confirm_aws(session: &Session, args: &TargetArgs, doing: &str) -> Result<()> {
    if !matches!(session.target.kind, TargetKind::Aws { .. }) || args.yes {
        return Ok(());
    }
    eprintln!("This will {doing} in {}.", session.target.describe());
    if !std::io::stdin().is_terminal() {
        bail!("not asking on a non-interactive input: pass --yes to go ahead");
    }
    eprint!("Go ahead? [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes") {
        bail!("stopped: nothing was changed");
    }
    Ok(())
}
