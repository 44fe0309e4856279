//! `meshwalk serve`: the embedded cloud in the foreground until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::Path;

use color_eyre::Result;
use color_eyre::eyre::WrapErr;

use crate::cli::ServeArgs;
use crate::dataplane::DataPlaneConfig;
use crate::embedded::EmbeddedCloud;
use crate::emulator::CloudConfig;
use crate::emulator::accounts::{self, Accounts, Credentials};
use crate::emulator::regions::is_aws_region;
use crate::emulator::server::HttpLimits;
use crate::user_error::UserError;

pub async fn run(args: ServeArgs) -> Result<()> {
    if !is_aws_region(&args.region) {
        return Err(UserError::new(
            format!(
                "--region {}: not an AWS region (signed requests naming it would be refused too)",
                args.region
            ),
            "pick one of AWS's regions, e.g. --region us-east-1",
        )
        .into());
    }
    let accounts = match (&args.accounts, &args.credentials) {
        (Some(spec), Some(_)) => Some(create_accounts(spec)?),
        _ => None,
    };
    let config = CloudConfig {
        region: args.region.clone(),
        account_id: args.account_id.clone(),
        accounts: accounts.clone(),
        clock_scale: args.clock_scale,
        http: HttpLimits {
            max_connections: args.max_connections as usize,
            ..HttpLimits::default()
        },
        ..CloudConfig::default()
    };
    let addr = SocketAddr::new(args.bind, args.port);
    let cloud = EmbeddedCloud::start(config, addr, DataPlaneConfig::default())
        .await
        .map_err(|e| {
            UserError::new(
                format!("could not listen on {addr}: {e}"),
                "is another `meshwalk serve` (or LocalStack) using that port? Stop it, or pick \
                 another with --port",
            )
        })?;
    if let (Some(accounts), Some(file)) = (&accounts, &args.credentials)
        && let Err(e) = write_credentials(file, accounts)
    {
        cloud
            .stop()
            .await
            .wrap_err("the server did not stop cleanly")?;
        return Err(e);
    }
    if !args.bind.is_loopback() && accounts.is_none() {
        eprintln!(
            "warning: listening on {} — anyone who can reach this address can change the cloud \
             (no authentication is checked).",
            cloud.control.addr
        );
    }
    let signals = ShutdownSignals::install();
    match &accounts {
        Some(accounts) => println!("{}", accounts_banner(&cloud.endpoint(), &args, accounts)),
        None => println!("{}", banner(&cloud.endpoint(), &args)),
    }
    signals.received().await;
    println!("stopping…");
    cloud
        .stop()
        .await
        .wrap_err("the server did not stop cleanly")?;
    Ok(())
}

/// Creates the accounts `spec` names.
fn create_accounts(spec: &str) -> Result<Vec<Credentials>> {
    let names = accounts::names_of(spec)
        .map_err(|e| UserError::new(e, "e.g. --accounts 20, or --accounts alice,bob"))?;
    let registry = Accounts::verified(Vec::new());
    let created: Vec<Credentials> = names
        .iter()
        .map(|name| registry.add(name))
        .collect::<std::result::Result<_, _>>()?;
    Ok(created)
}

/// Writes the accounts' credentials to `file`, once the cloud they open is listening.
fn write_credentials(file: &Path, accounts: &[Credentials]) -> Result<()> {
    accounts::write_credentials_file(file, accounts).map_err(|e| {
        UserError::new(
            format!("could not write the credentials to {}: {e}", file.display()),
            "pick a --credentials path in a folder you can write to",
        )
        .into()
    })
}

fn accounts_banner(endpoint: &str, args: &ServeArgs, accounts: &[Credentials]) -> String {
    let first = &accounts[0];
    format!(
        "meshwalk embedded cloud (App Mesh 2019-01-25, ECS 2014-11-13, Cloud Map 2017-03-14) on {endpoint}
  {n} accounts; their keys are in {file} (mode 0600). Every request must be signed with one.

Point the aws CLI or any SDK at it with one account's keys, e.g. {name} ({id}):
  export AWS_ENDPOINT_URL={endpoint} AWS_REGION={region}
  export AWS_ACCESS_KEY_ID={key} AWS_SECRET_ACCESS_KEY=…   # from {file}
  aws --endpoint-url {endpoint} appmesh list-meshes

Ctrl-C stops it.",
        n = accounts.len(),
        file = args
            .credentials
            .as_deref()
            .map(Path::display)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        name = first.name,
        id = first.account_id,
        key = first.access_key_id,
        region = args.region,
    )
}

fn banner(endpoint: &str, args: &ServeArgs) -> String {
    format!(
        "meshwalk embedded cloud (App Mesh 2019-01-25, ECS 2014-11-13, Cloud Map 2017-03-14) on {endpoint}
  region {region} (unsigned requests), account {account}

Point the aws CLI or any SDK at it:
  aws --endpoint-url {endpoint} appmesh list-meshes
  export AWS_ENDPOINT_URL={endpoint}   # SDKs and the aws CLI v2 read this
Any credentials work (they are not checked), e.g.
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION={region}

Ctrl-C stops it.",
        region = args.region,
        account = args.account_id,
    )
}

/// Ctrl-C and SIGTERM, listened for from the moment this exists: installed before the banner
/// says the server is up, so a signal sent right after the banner stops it cleanly.
pub struct ShutdownSignals {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl ShutdownSignals {
    pub fn install() -> ShutdownSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            ShutdownSignals {
                terminate: signal(SignalKind::terminate()).ok(),
                interrupt: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        ShutdownSignals {}
    }

    pub async fn received(self) {
        #[cfg(unix)]
        {
            async fn next(signal: Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = next(self.terminate) => {},
                () = next(self.interrupt) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
