//! SDK configuration for a target endpoint (the embedded cloud, `meshwalk serve`, LocalStack…).
//!
//! Built explicitly rather than through aws-config's default chain: that chain probes the EC2
//! instance metadata service when nothing is configured, which costs seconds on a laptop, and
//! the SDK's default retries with backoff would turn an emulator bug into a hang.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_appmesh::config::{Credentials, SharedCredentialsProvider};

/// Static credentials for endpoints that do not check them.
pub const STATIC_ACCESS_KEY: &str = "meshwalk";

/// An SdkConfig that sends every call to `endpoint_url` in `region`, with static credentials,
/// short timeouts and a single retry.
pub fn endpoint_config(endpoint_url: &str, region: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint_url)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            STATIC_ACCESS_KEY,
            STATIC_ACCESS_KEY,
            None,
            None,
            "meshwalk-static",
        )))
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_timeout(Duration::from_secs(15))
                .build(),
        )
        .build()
}
