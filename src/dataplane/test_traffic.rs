//! A blue/green deployment's test traffic through Service Connect: while the deployment is at
//! its TEST_TRAFFIC_SHIFT or POST_TEST_TRAFFIC_SHIFT stage, requests matching the client
//! alias's `testTrafficRules` go to the green (target) revision and the rest stay on the
//! production split. The developer guide ("Service Connect resources for Amazon ECS blue/green
//! deployments"): the rules are "header-based routing, where specific HTTP headers in the
//! requests direct traffic to the test revision. By default, Service Connect recognizes the
//! x-amzn-ecs-blue-green-test header for HTTP-based protocols when no custom rules are
//! specified."

use axum::http::{HeaderMap, HeaderName};

use super::service_connect::Revision;
use crate::model::ecs::ServiceConnectTestTrafficRules;

/// The header Service Connect recognizes as test traffic when an alias names no rule.
pub const DEFAULT_TEST_HEADER: &str = "x-amzn-ecs-blue-green-test";

/// Which requests are test traffic, and the green revision they go to.
#[derive(Debug, Clone, PartialEq)]
pub struct TestRoute {
    pub header: HeaderName,
    /// The value the header must have exactly (`value.exact`); any value when none is given.
    pub exact: Option<String>,
    pub green: Revision,
}

impl TestRoute {
    /// The route of an alias's rules (the default header without any), or None when the
    /// rule's header is not a valid HTTP header name (nothing could carry it).
    pub fn new(
        rules: Option<&ServiceConnectTestTrafficRules>,
        green: Revision,
    ) -> Option<TestRoute> {
        let (name, exact) = match rules {
            Some(r) => (
                r.header.name.as_str(),
                r.header.value.as_ref().map(|v| v.exact.clone()),
            ),
            None => (DEFAULT_TEST_HEADER, None),
        };
        Some(TestRoute {
            header: HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()).ok()?,
            exact,
            green,
        })
    }

    /// Whether a request with `headers` is test traffic.
    pub fn matches(&self, headers: &HeaderMap) -> bool {
        headers
            .get_all(&self.header)
            .iter()
            .any(|v| match &self.exact {
                Some(exact) => v.as_bytes() == exact.as_bytes(),
                None => true,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ecs::{
        ServiceConnectTestTrafficHeaderMatchRules, ServiceConnectTestTrafficHeaderRules,
    };

    fn green() -> Revision {
        Revision {
            task_definition: "green".into(),
            percent: 100.0,
            endpoints: vec![],
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn a_rule_matches_its_header_and_exact_value_only() {
        let rules = ServiceConnectTestTrafficRules {
            header: ServiceConnectTestTrafficHeaderRules {
                name: "X-Test-Version".into(),
                value: Some(ServiceConnectTestTrafficHeaderMatchRules {
                    exact: "green".into(),
                }),
            },
        };
        let route = TestRoute::new(Some(&rules), green()).unwrap();
        assert!(route.matches(&headers(&[("x-test-version", "green")])));
        assert!(!route.matches(&headers(&[("x-test-version", "blue")])));
        assert!(!route.matches(&headers(&[])));
    }

    #[test]
    fn without_rules_the_default_header_with_any_value_is_test_traffic() {
        let route = TestRoute::new(None, green()).unwrap();
        assert!(route.matches(&headers(&[(DEFAULT_TEST_HEADER, "1")])));
        assert!(!route.matches(&headers(&[("x-other", "1")])));
    }
}
