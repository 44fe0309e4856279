//! `meshwalk traffic`: drives requests at the requester and prints how they split between the
//! distributor versions, once a second, in the spirit of `linkerd viz stat`.

use std::io::Write;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Uri};
use color_eyre::Result;
use color_eyre::eyre::WrapErr;
use tokio::sync::mpsc;

use crate::api::requester;
use crate::api::target::{endpoint_config_as, environment_credentials};
use crate::cli::{RequesterArgs, TrafficArgs};
use crate::load::stats::Summary;
use crate::load::traffic::{Sample, Traffic, TrafficConfig};
use crate::user_error::UserError;

/// Where to ask ECS for the requester: `--endpoint-url`, else `AWS_ENDPOINT_URL`.
pub struct ApiEndpoint {
    pub url: Option<String>,
    pub region: String,
}

/// Runs the command, writing the table or JSON lines to `out`; returns the totals.
pub async fn run(
    args: TrafficArgs,
    endpoint: ApiEndpoint,
    out: &mut (impl Write + Send),
) -> Result<Summary> {
    if !(args.duration > 0.0 && args.duration <= 24.0 * 3600.0) {
        return Err(UserError::new(
            format!(
                "--duration {}: must be above 0 and at most a day",
                args.duration
            ),
            "e.g. --duration 30 (seconds)",
        )
        .into());
    }
    let headers = args
        .headers
        .iter()
        .map(|h| header_arg(h))
        .collect::<Result<Vec<_>>>()?;
    let url = requester_url(&args.requester, &endpoint).await?;
    let mut config = TrafficConfig::new(url.clone());
    config.headers = headers;
    config.rps = args.requester.rps;
    config.duration = Some(Duration::from_secs_f64(args.duration));
    config.interval = Duration::from_secs(1);
    config.window = 1;
    let (tx, mut samples) = mpsc::channel::<Sample>(16);
    let max_in_flight = config.max_in_flight;
    let mut traffic = Traffic::start(config, tx);
    if !args.json {
        writeln!(
            out,
            "sending {} req/s to {url} for {}s (Ctrl-C stops)",
            args.requester.rps, args.duration
        )?;
    }
    let summary = loop {
        tokio::select! {
            Some(sample) = samples.recv() => {
                if args.json {
                    writeln!(out, "{}", serde_json::json!({"elapsed_s": sample.elapsed.as_secs_f64(), "window": sample.window}))?;
                } else {
                    write_table(out, &sample)?;
                }
            }
            summary = traffic.finished() => break summary,
            _ = tokio::signal::ctrl_c() => break traffic.stop().await,
        }
    };
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&summary)?)?;
    } else {
        writeln!(
            out,
            "\ntotal: {} requests in {:.1}s, {} errors ({} turned away by a connection pool, {} not sent: {} were already in flight)",
            summary.requests,
            summary.duration_s,
            summary.errors,
            summary.overflow,
            summary.not_sent,
            max_in_flight
        )?;
        write_versions(out, &summary)?;
    }
    Ok(summary)
}

/// `--header NAME:VALUE` as a header the requests carry.
fn header_arg(given: &str) -> Result<(HeaderName, HeaderValue)> {
    crate::load::traffic::parse_header(given).map_err(|e| {
        UserError::new(
            format!("--header {e}"),
            "e.g. --header x-amzn-ecs-blue-green-test:1",
        )
        .into()
    })
}

/// Where the load goes: `--url`, else the requester's task as ECS reports it; checks `--rps`.
pub async fn requester_url(args: &RequesterArgs, endpoint: &ApiEndpoint) -> Result<Uri> {
    if !(args.rps > 0.0 && args.rps <= 20_000.0) {
        return Err(UserError::new(
            format!("--rps {}: must be above 0 and at most 20000", args.rps),
            "e.g. --rps 50",
        )
        .into());
    }
    let url = match &args.url {
        Some(url) => url.clone(),
        None => find_requester(&args.cluster, &args.service, endpoint).await?,
    };
    url.parse()
        .wrap_err_with(|| format!("'{url}' is not a URL"))
}

/// Asks ECS where the requester service's task listens.
async fn find_requester(cluster: &str, service: &str, endpoint: &ApiEndpoint) -> Result<String> {
    let Some(url) = &endpoint.url else {
        return Err(UserError::new(
            "no endpoint to find the requester at",
            "start the embedded cloud with `meshwalk serve` and pass --endpoint-url \
             http://127.0.0.1:4566 (or set AWS_ENDPOINT_URL), run the walkthrough with `meshwalk`, \
             or give the requester's address with --url",
        )
        .into());
    };
    let ecs = aws_sdk_ecs::Client::new(&endpoint_config_as(
        url,
        &endpoint.region,
        environment_credentials(),
    ));
    requester::find(&ecs, cluster, service).await.map_err(|e| {
        let refused = ["UnrecognizedClientException", "InvalidSignatureException"]
            .iter()
            .any(|code| e.contains(code));
        let hint = if refused {
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to one account's keys (`meshwalk \
             serve --accounts` wrote them to its --credentials file)"
        } else {
            "run the walkthrough up to the ECS services first, or give the requester's address \
             with --url"
        };
        UserError::new(format!("{e} (asked {url})"), hint).into()
    })
}

fn write_table(out: &mut impl Write, sample: &Sample) -> std::io::Result<()> {
    let w = &sample.window;
    writeln!(
        out,
        "\n{:>6.1}s  {:.1} req/s  {} errors  {} in flight",
        sample.elapsed.as_secs_f64(),
        w.rps,
        w.errors,
        sample.in_flight
    )?;
    write_versions(out, w)
}

fn write_versions(out: &mut impl Write, summary: &Summary) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<10} {:>7} {:>9} {:>8} {:>8} {:>8}",
        "VERSION", "SHARE", "SUCCESS", "P50", "P95", "P99"
    )?;
    for (version, v) in &summary.versions {
        writeln!(
            out,
            "{:<10} {:>6.1}% {:>8.2}% {:>6.2}ms {:>6.2}ms {:>6.2}ms",
            version,
            v.share * 100.0,
            v.success * 100.0,
            v.p50_ms,
            v.p95_ms,
            v.p99_ms
        )?;
    }
    Ok(())
}
