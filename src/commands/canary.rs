//! `meshwalk canary`: the canary autopilot, headless. It drives its own traffic through the
//! requester (the autopilot judges the canary by what that traffic sees), prints one line or
//! JSON object per stage, and ends on promotion, rollback or failure.

use std::io::Write;
use std::time::Duration;

use axum::http::Uri;
use color_eyre::Result;
use tokio::sync::{mpsc, watch};

use super::traffic::{ApiEndpoint, requester_url};
use crate::api::route_weights::{self, RouteName};
use crate::api::target::{DEFAULT_ACCOUNT, Target, TargetKind};
use crate::canary::pilot::{Pair, Pilot, longest_flight, pair_of};
use crate::canary::{CanaryPlan, Stage};
use crate::cli::CanaryArgs;
use crate::load::traffic::{Sample, Traffic, TrafficConfig};
use crate::user_error::UserError;

/// The exit code of a rollback: the command worked, and its answer is "no".
pub const ROLLED_BACK_EXIT_CODE: u8 = 3;

/// Runs the autopilot against `endpoint`, writing stages to `out`; returns the final stage.
pub async fn run(
    args: CanaryArgs,
    endpoint: ApiEndpoint,
    out: &mut (impl Write + Send),
) -> Result<Stage> {
    let plan = plan_of(&args)?;
    let target = target_of(&endpoint)?;
    let route = RouteName {
        mesh: args.mesh.clone(),
        router: args.router.clone(),
        route: args.route.clone(),
    };
    let pair = pair_on_route(&target, &route, &args).await?;

    let url = requester_url(&args.requester, &endpoint).await?;
    let (traffic, samples) = start_traffic(url.clone(), args.requester.rps, &plan);

    if !args.json {
        announce(out, &args, &plan, &pair, &route, &url)?;
    }
    let pilot = Pilot {
        plan,
        pair,
        target,
        route,
    };
    let (stage, write_error) = fly(&pilot, samples, args.json, out).await;
    traffic.stop().await;
    if let Some(e) = write_error {
        return Err(e.into());
    }
    Ok(stage)
}

fn plan_of(args: &CanaryArgs) -> Result<CanaryPlan> {
    let plan = CanaryPlan {
        step_weight: args.step_weight,
        max_weight: args.max_weight,
        interval: args.interval,
        min_success: args.min_success,
        max_p99_ms: args.max_p99_ms,
        min_requests: args.min_requests,
    };
    plan.validate()
        .map_err(|e| UserError::new(e, "see `meshwalk canary --help` for the bounds"))?;
    Ok(plan)
}

/// The endpoint's cloud: the autopilot flies against an endpoint only, never AWS itself.
fn target_of(endpoint: &ApiEndpoint) -> Result<Target> {
    let Some(endpoint_url) = endpoint.url.clone() else {
        return Err(UserError::new(
            "no endpoint to fly the autopilot against",
            "start the embedded cloud with `meshwalk serve` and pass --endpoint-url \
             http://127.0.0.1:4566 (or set AWS_ENDPOINT_URL); in the terminal UI, press a instead",
        )
        .into());
    };
    Ok(Target::endpoint(
        TargetKind::Endpoint,
        &endpoint_url,
        &endpoint.region,
        DEFAULT_ACCOUNT,
    ))
}

/// The primary and the canary among the route's weighted targets.
async fn pair_on_route(target: &Target, route: &RouteName, args: &CanaryArgs) -> Result<Pair> {
    let targets = route_weights::read(target, route).await.map_err(|e| {
        UserError::new(
            format!("DescribeRoute {}: {e}", args.route),
            "check --mesh, --router and --route, or run the walkthrough up to its route first",
        )
    })?;
    let pair = pair_of(&targets, args.primary.as_deref(), args.canary.as_deref())
        .map_err(|e| UserError::new(e, "name them with --primary and --canary"))?;
    Ok(pair)
}

/// The traffic the autopilot judges the canary by, and its samples.
fn start_traffic(url: Uri, rps: f64, plan: &CanaryPlan) -> (Traffic, mpsc::Receiver<Sample>) {
    let mut config = TrafficConfig::new(url);
    config.rps = rps;
    // Longer than the flight can take, so that the traffic never ends first.
    config.duration = Some(longest_flight(plan) * 2 + Duration::from_secs(60));
    let (tx, samples) = mpsc::channel(64);
    (Traffic::start(config, tx), samples)
}

/// The line that says what the flight will do, before its first stage.
fn announce(
    out: &mut impl Write,
    args: &CanaryArgs,
    plan: &CanaryPlan,
    pair: &Pair,
    route: &RouteName,
    url: &Uri,
) -> Result<()> {
    writeln!(
        out,
        "canary {} against primary {} on route {}: +{}% every {}, up to {}%, then promote; \
         checks: success ≥ {}%, p99 ≤ {} ms over ≥ {} requests ({} req/s to {url})",
        pair.canary,
        pair.primary,
        route.route,
        plan.step_weight,
        humantime::format_duration(plan.interval),
        plan.max_weight,
        plan.min_success,
        plan.max_p99_ms,
        plan.min_requests,
        args.requester.rps
    )?;
    Ok(())
}

/// Flies until the final stage (Ctrl-C stops the flight), writing each stage to `out`; also
/// returns the first write that failed.
async fn fly(
    pilot: &Pilot,
    samples: mpsc::Receiver<Sample>,
    json: bool,
    out: &mut (impl Write + Send),
) -> (Stage, Option<std::io::Error>) {
    let (stop_tx, stop) = watch::channel(false);
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop_tx.send(true);
        std::future::pending::<()>().await
    };
    let mut write_error = None;
    let flight = pilot.fly(samples, stop, |event| {
        let line = if json {
            serde_json::to_string(&event).unwrap_or_default()
        } else {
            event.line()
        };
        if let Err(e) = writeln!(out, "{line}") {
            write_error.get_or_insert(e);
        }
    });
    let stage = tokio::select! {
        stage = flight => stage,
        _ = ctrl_c => unreachable!("pending never completes"),
    };
    (stage, write_error)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_lines_default_minimum_is_the_plans() {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from(["meshwalk", "canary"]).unwrap();
        let Some(crate::cli::Command::Canary(args)) = cli.command else {
            panic!("canary");
        };
        assert_eq!(args.min_requests, crate::canary::plan::MIN_REQUESTS);
        assert_eq!(
            super::plan_of(&args).unwrap().min_requests,
            crate::canary::CanaryPlan::default().min_requests
        );
    }
}
