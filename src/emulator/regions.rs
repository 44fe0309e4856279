//! The AWS regions the embedded cloud answers for, the one list of them.
//!
//! A signed request names its region in its SigV4 credential scope. AWS refuses a scope that
//! names a region that does not exist (403 InvalidSignatureException, "Credential should be
//! scoped to a valid region"), and so does the emulator: otherwise every made-up region would
//! be a fresh set of quotas.

/// Every region of every partition, as the AWS SDKs' `partitions.json` lists them
/// (aws-sdk-ecs 1.157: aws, aws-cn, aws-eusc, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f,
/// aws-us-gov), without the `*-global` signing pseudo-regions that App Mesh and ECS do not use.
pub const AWS_REGIONS: &[&str] = &[
    // aws
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    // aws-cn
    "cn-north-1",
    "cn-northwest-1",
    // aws-eusc
    "eusc-de-east-1",
    // aws-iso, aws-iso-b, aws-iso-e, aws-iso-f
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-isob-west-1",
    "eu-isoe-west-1",
    "us-isof-east-1",
    "us-isof-south-1",
    // aws-us-gov
    "us-gov-east-1",
    "us-gov-west-1",
];

pub fn is_aws_region(region: &str) -> bool {
    AWS_REGIONS.contains(&region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_regions_of_every_partition_are_known_and_made_up_ones_are_not() {
        for region in ["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"] {
            assert!(is_aws_region(region), "{region}");
        }
        for region in ["fake-region-1", "us-east-99", "aws-global", "", "US-EAST-1"] {
            assert!(!is_aws_region(region), "{region}");
        }
    }
}
