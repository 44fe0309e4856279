//! Connecting to the target the flags name: the embedded cloud (started here), an endpoint, or
//! AWS. Asking before AWS is changed is the commands' job (`commands::target::confirm_aws`).

use std::net::SocketAddr;
use std::path::PathBuf;

use aws_sdk_appmesh::error::ProvideErrorMetadata;
use color_eyre::Result;
use color_eyre::eyre::{WrapErr, eyre};

use super::Session;
use super::progress::{Progress, state_dir};
use crate::api::target::{DEFAULT_ACCOUNT, Target, TargetKind};
use crate::cli::TargetArgs;
use crate::dataplane::DataPlaneConfig;
use crate::embedded::EmbeddedCloud;
use crate::emulator::CloudConfig;
use crate::user_error::UserError;
use crate::walkthrough::{LoadError, Read, Walkthrough};

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
    let Some(dir) = &args.walkthrough else {
        // The built-in walkthrough is checked by the tests: a problem in it is a bug.
        return Walkthrough::builtin().map_err(|e| eyre!(e));
    };
    Walkthrough::load_dir(dir).map_err(|e| {
        let hint = match &e {
            LoadError::Unreadable(_) => format!(
                "--walkthrough takes a folder holding steps/ (one .md file per step) and assets/; \
                 is {} that folder?",
                dir.display()
            ),
            LoadError::Problems(_) => format!(
                "run `meshwalk check --walkthrough {}` to list every problem",
                dir.display()
            ),
        };
        UserError::new(format!("the walkthrough in {}: {e}", dir.display()), hint).into()
    })
}

/// The walkthrough as far as it can be read, with every problem found (for `meshwalk check`).
pub fn read_walkthrough(args: &TargetArgs) -> Result<Read> {
    let Some(dir) = &args.walkthrough else {
        return Ok(Walkthrough::read_builtin());
    };
    Walkthrough::read_dir(dir).map_err(|e| {
        UserError::new(
            format!("the walkthrough in {}: {e}", dir.display()),
            "--walkthrough takes a folder holding steps/ (one .md file per step) and assets/",
        )
        .into()
    })
}

/// Asks the endpoint for one mesh: only no answer at all (refused, timed out) counts as
/// unreachable; an error from the service means someone is there.
async fn reachable(target: &Target) -> Result<()> {
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        target.appmesh.list_meshes().limit(1).send(),
    )
    .await;
    let url = target.endpoint_url.as_deref().unwrap_or_default();
    let cause = match answer {
        Err(_) => "no answer within 10 s".to_string(),
        Ok(Err(e)) if e.code().is_none() => crate::api::describe_error(&e),
        Ok(_) => return Ok(()),
    };
    Err(UserError::new(
        format!("cannot reach {url}: {cause}"),
        "is `meshwalk serve` (or another App Mesh endpoint) running there? Start it, fix \
         --endpoint-url, or leave --endpoint-url out to use the embedded cloud",
    )
    .into())
}

pub async fn connect(args: &TargetArgs, reset: bool) -> Result<Connected> {
    let walkthrough = walkthrough(args)?;
    let region = args.region.clone().unwrap_or_else(|| "us-east-1".into());
    let (target, embedded) = if args.aws {
        let target = Target::aws(args.profile.as_deref(), args.region.as_deref())
            .await
            .map_err(|e| {
                UserError::new(
                    e,
                    "set up AWS credentials (`aws configure`, `aws sso login`, AWS_PROFILE or \
                     --profile), or leave --aws out to use the embedded cloud",
                )
            })?;
        (target, None)
    } else if let Some(url) = &args.endpoint_url {
        let target = Target::endpoint(TargetKind::Endpoint, url, &region, DEFAULT_ACCOUNT);
        reachable(&target).await?;
        let target = target.identified().await.map_err(|e| {
            UserError::new(
                e,
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to one account's keys (`meshwalk                  serve --accounts` wrote them to its --credentials file)",
            )
        })?;
        (target, None)
    } else {
        let config = CloudConfig {
            region: region.clone(),
            clock_scale: args.embedded_clock_scale.unwrap_or(1.0),
            ..CloudConfig::default()
        };
        let account = config.account_id.clone();
        let cloud = EmbeddedCloud::start(
            config,
            SocketAddr::from(([127, 0, 0, 1], args.embedded_port.unwrap_or(0))),
            DataPlaneConfig::default(),
        )
        .await
        .map_err(|e| match args.embedded_port {
            Some(port) => color_eyre::Report::from(UserError::new(
                format!("could not start the embedded cloud on 127.0.0.1:{port}: {e}"),
                "is the port in use? Pick another with --port, or leave --port out for a free one",
            )),
            None => color_eyre::Report::from(e).wrap_err("could not start the embedded cloud"),
        })?;
        let target = Target::endpoint(TargetKind::Embedded, &cloud.endpoint(), &region, &account);
        (target, Some(cloud))
    };
    let dir = state_dir();
    if reset {
        Progress::reset(&dir).wrap_err_with(|| format!("could not reset {}", dir.display()))?;
    }
    let loaded = Progress::load(&dir).map_err(|e| {
        UserError::new(
            format!("saved progress cannot be used: {e}"),
            "move the file away (or pass --reset to forget it) and start again",
        )
    })?;
    // Headless commands log to stderr: the user reads it there. The UI also shows it.
    if let Some(notice) = &loaded.notice {
        tracing::warn!("{notice}");
    }
    let progress = loaded.progress;
    let mut session = Session::new(walkthrough, target, &args.vars);
    session.edits = progress.edits.clone();
    if matches!(session.target.kind, TargetKind::Aws { .. }) {
        session.tag_everything_created("meshwalk", "walkthrough");
    }
    Ok(Connected {
        session,
        embedded,
        progress,
        notice: loaded.notice,
        state_dir: dir,
    })
}
