//! Cloud Map's bounds: its documented default quotas (Cloud Map Developer Guide, "Cloud Map
//! service quotas"), and the embedded cloud's own where AWS states none.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// AWS: 50 namespaces per Region.
    pub namespaces_per_region: usize,
    /// AWS: 2,000 instances per namespace.
    pub instances_per_namespace: usize,
    /// AWS: 1,000 instances per service.
    pub instances_per_service: usize,
    /// AWS: 30 custom attributes per instance.
    pub custom_attributes_per_instance: usize,
    /// AWS (TooManyTagsException's documentation): 50 tags per resource.
    pub tags_per_resource: usize,
    /// Not documented by AWS: the embedded cloud's bound.
    pub services_per_namespace: usize,
    /// Not documented by AWS (which keeps operations for a while): the newest this many are
    /// kept per Region, older ones are OperationNotFound.
    pub operations_kept: usize,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            namespaces_per_region: 50,
            instances_per_namespace: 2_000,
            instances_per_service: 1_000,
            custom_attributes_per_instance: 30,
            tags_per_resource: 50,
            services_per_namespace: 1_000,
            operations_kept: 10_000,
        }
    }
}
