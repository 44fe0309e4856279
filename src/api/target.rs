//! SDK configuration for a target endpoint (the embedded cloud, `meshwalk serve`, LocalStack…).
//!
//! Built explicitly rather than through aws-config's default chain: that chain probes the EC2
//! instance metadata service when nothing is configured, which costs seconds on a laptop, and
//! the SDK's default retries with backoff would turn an emulator bug into a hang.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_appmesh::config::{Credentials, SharedCredentialsProvider, SharedHttpClient};
use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};

/// The account of an endpoint that has one (the embedded cloud without accounts).
pub const DEFAULT_ACCOUNT: &str = "000000000000";

/// The error codes with which AWS (and the embedded cloud) refuse credentials.
fn is_refused_credentials(code: Option<&str>) -> bool {
    matches!(
        code,
        Some(
            "UnrecognizedClientException"
                | "InvalidClientTokenId"
                | "InvalidSignatureException"
                | "SignatureDoesNotMatch"
                | "IncompleteSignatureException"
                | "IncompleteSignature"
                | "MissingAuthenticationTokenException"
                | "MissingAuthenticationToken"
                | "ExpiredToken"
        )
    )
}

/// Static credentials for endpoints that do not check them.
pub const STATIC_ACCESS_KEY: &str = "meshwalk";

/// The HTTP(S) client of every SDK client: rustls on ring. The SDKs' default features would
/// build two TLS stacks (rustls 0.21 for their legacy client, rustls 0.23 on aws-lc, whose C
/// build alone was 72 s of a fresh build's compiler time); Cargo.toml turns them off and this
/// is the one left.
pub fn sdk_http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// An SdkConfig that sends every call to `endpoint_url` in `region`, with static credentials,
/// short timeouts and a single retry.
pub fn endpoint_config(endpoint_url: &str, region: &str) -> SdkConfig {
    endpoint_config_as(endpoint_url, region, static_credentials())
}

/// Credentials for endpoints that do not check them.
pub fn static_credentials() -> Credentials {
    Credentials::new(
        STATIC_ACCESS_KEY,
        STATIC_ACCESS_KEY,
        None,
        None,
        "meshwalk-static",
    )
}

/// The credentials for another endpoint: `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` from
/// the environment when both are set (an endpoint with accounts, such as `meshwalk serve
/// --accounts`, checks them and acts in their account), else static ones.
pub fn environment_credentials() -> Credentials {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(key), Some(secret)) => {
            Credentials::new(key, secret, var("AWS_SESSION_TOKEN"), None, "environment")
        }
        _ => static_credentials(),
    }
}

/// [`endpoint_config`] with these credentials.
pub fn endpoint_config_as(endpoint_url: &str, region: &str, credentials: Credentials) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(sdk_http_client())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint_url)
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_timeout(Duration::from_secs(15))
                .build(),
        )
        .build()
}

/// Where the walkthrough's calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKind {
    /// The embedded cloud, started in-process.
    Embedded,
    /// Any endpoint (`meshwalk serve` elsewhere, LocalStack, ...).
    Endpoint,
    /// Real AWS through aws-config's default chain.
    Aws { profile: Option<String> },
}

/// SDK clients for a target, and what identifies it.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: TargetKind,
    pub endpoint_url: Option<String>,
    pub region: String,
    pub account: String,
    pub appmesh: aws_sdk_appmesh::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub servicediscovery: aws_sdk_servicediscovery::Client,
    /// What an endpoint's clients sign with (static for the embedded cloud and AWS's chain).
    credentials: Credentials,
}

impl Target {
    /// A target reached at `endpoint_url` (the embedded cloud or another endpoint). The
    /// embedded cloud is called with static credentials; another endpoint with the
    /// environment's, if it has them (see [`environment_credentials`]).
    pub fn endpoint(kind: TargetKind, endpoint_url: &str, region: &str, account: &str) -> Target {
        let credentials = match kind {
            TargetKind::Endpoint => environment_credentials(),
            _ => static_credentials(),
        };
        Target::endpoint_as(kind, endpoint_url, region, account, credentials)
    }

    /// A target reached at `endpoint_url` with these credentials.
    pub fn endpoint_as(
        kind: TargetKind,
        endpoint_url: &str,
        region: &str,
        account: &str,
        credentials: Credentials,
    ) -> Target {
        let config = endpoint_config_as(endpoint_url, region, credentials.clone());
        Target {
            kind,
            endpoint_url: Some(endpoint_url.to_string()),
            region: region.to_string(),
            account: account.to_string(),
            appmesh: aws_sdk_appmesh::Client::new(&config),
            ecs: aws_sdk_ecs::Client::new(&config),
            servicediscovery: aws_sdk_servicediscovery::Client::new(&config),
            credentials,
        }
    }

    /// Asks the endpoint's STS who the credentials belong to and takes that account (an
    /// endpoint with accounts gives each key its own). An endpoint without STS keeps the
    /// account it was given; one that refuses the credentials is an error saying why.
    pub async fn identified(mut self) -> Result<Target, String> {
        let Some(url) = self.endpoint_url.clone() else {
            return Ok(self);
        };
        let config = endpoint_config_as(&url, &self.region, self.credentials.clone());
        let asked = aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await;
        match asked {
            Ok(identity) => {
                if let Some(account) = identity.account() {
                    self.account = account.to_string();
                }
                Ok(self)
            }
            Err(e) if is_refused_credentials(e.code()) => Err(format!(
                "{url} refused the credentials: {}",
                super::describe_error(&e)
            )),
            Err(_) => Ok(self),
        }
    }

    /// The shell lines that point the aws CLI and the SDKs at this target, when it is an
    /// endpoint (the embedded cloud or another): any credentials work there.
    pub fn share_lines(&self) -> Option<String> {
        let url = self.endpoint_url.as_deref()?;
        let region = &self.region;
        Some(format!(
            "export AWS_ENDPOINT_URL={url}\n\
             export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test\n\
             export AWS_REGION={region} AWS_DEFAULT_REGION={region}\n\
             aws appmesh list-meshes   # aws CLI v1 before 1.29: add --endpoint-url"
        ))
    }

    /// Real AWS: credentials and region from the default chain (environment, profiles, SSO),
    /// the account from STS GetCallerIdentity.
    pub async fn aws(profile: Option<&str>, region: Option<&str>) -> Result<Target, String> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(sdk_http_client())
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_timeout(Duration::from_secs(30))
                    .build(),
            );
        if let Some(profile) = profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = region {
            loader = loader.region(Region::new(region.to_string()));
        }
        let config = loader.load().await;
        let region = config.region().map(|r| r.to_string()).ok_or(
            "no AWS region: pass --region or set AWS_REGION (or a region in your profile)",
        )?;
        let identity = aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| {
                format!(
                    "could not identify the AWS account (STS GetCallerIdentity): {}",
                    super::describe_error(&e)
                )
            })?;
        Ok(Target {
            kind: TargetKind::Aws {
                profile: profile.map(str::to_string),
            },
            endpoint_url: None,
            region,
            account: identity.account().unwrap_or_default().to_string(),
            appmesh: aws_sdk_appmesh::Client::new(&config),
            ecs: aws_sdk_ecs::Client::new(&config),
            servicediscovery: aws_sdk_servicediscovery::Client::new(&config),
            credentials: static_credentials(),
        })
    }

    /// Real AWS (not the embedded cloud nor another endpoint).
    pub fn is_aws(&self) -> bool {
        matches!(self.kind, TargetKind::Aws { .. })
    }

    /// Identifies the target in saved progress. Two accounts of one endpoint are two targets.
    pub fn key(&self) -> String {
        match &self.kind {
            TargetKind::Embedded => "embedded".into(),
            TargetKind::Endpoint if self.account != DEFAULT_ACCOUNT => format!(
                "endpoint {} {}",
                self.endpoint_url.as_deref().unwrap_or_default(),
                self.account
            ),
            TargetKind::Endpoint => format!(
                "endpoint {}",
                self.endpoint_url.as_deref().unwrap_or_default()
            ),
            TargetKind::Aws { .. } => format!("aws {} {}", self.account, self.region),
        }
    }

    /// One line for a header: where calls go.
    pub fn describe(&self) -> String {
        match &self.kind {
            TargetKind::Embedded => format!(
                "embedded cloud {} ({})",
                self.endpoint_url.as_deref().unwrap_or_default(),
                self.region
            ),
            TargetKind::Endpoint => format!(
                "endpoint {} ({})",
                self.endpoint_url.as_deref().unwrap_or_default(),
                self.region
            ),
            TargetKind::Aws { profile } => format!(
                "AWS account {} in {}{}",
                self.account,
                self.region,
                profile
                    .as_ref()
                    .map(|p| format!(" (profile {p})"))
                    .unwrap_or_default()
            ),
        }
    }
}
