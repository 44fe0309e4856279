//! Amazon Resource Names, `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`: the one parser and
//! formatter the emulated services and the data plane share.

use std::fmt;

/// An ARN, borrowed from its text. Any field but the leading `arn` may be empty (IAM's have
/// no region); the resource keeps whatever `:` and `/` it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// An ARN of the `aws` partition, as the embedded cloud names its resources.
    pub fn aws(service: &'a str, region: &'a str, account: &'a str, resource: &'a str) -> Self {
        Arn {
            partition: "aws",
            service,
            region,
            account,
            resource,
        }
    }

    /// The ARN `text` spells, or `None` if it is not one (no `arn:` prefix, fewer than six
    /// fields).
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut fields = text.splitn(6, ':');
        if fields.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: fields.next()?,
            service: fields.next()?,
            region: fields.next()?,
            account: fields.next()?,
            resource: fields.next()?,
        })
    }

    /// The ARN `text` spells if it is one of `service`'s.
    pub fn of_service(text: &'a str, service: &str) -> Option<Arn<'a>> {
        Arn::parse(text).filter(|arn| arn.service == service)
    }

    /// What follows `kind/` in the resource (`cluster/NAME` → `NAME`), if it is of that kind.
    pub fn resource_of(&self, kind: &str) -> Option<&'a str> {
        self.resource.strip_prefix(kind)?.strip_prefix('/')
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Arn {
            partition,
            service,
            region,
            account,
            resource,
        } = self;
        write!(f, "arn:{partition}:{service}:{region}:{account}:{resource}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_field_and_formats_back() {
        let text = "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3";
        let arn = Arn::parse(text).unwrap();
        assert_eq!(
            arn,
            Arn::aws("ecs", "us-east-1", "000000000000", "task-definition/web:3")
        );
        assert_eq!(arn.to_string(), text);
        assert_eq!(arn.resource_of("task-definition"), Some("web:3"));
        assert_eq!(arn.resource_of("task"), None, "a kind is a whole segment");
    }

    #[test]
    fn the_resource_keeps_its_colons_and_slashes() {
        let arn = Arn::parse("arn:aws:appmesh:eu-west-1:1:mesh/m/virtualNode/n:x").unwrap();
        assert_eq!(arn.resource, "mesh/m/virtualNode/n:x");
        assert_eq!(arn.resource_of("mesh"), Some("m/virtualNode/n:x"));
    }

    #[test]
    fn empty_fields_are_kept() {
        let arn = Arn::parse("arn:aws:iam::000000000000:role/r").unwrap();
        assert_eq!((arn.service, arn.region), ("iam", ""));
        assert_eq!(arn.to_string(), "arn:aws:iam::000000000000:role/r");
    }

    #[test]
    fn malformed_arns_are_refused() {
        for text in [
            "",
            "arn",
            "arn:aws:ecs:us-east-1:000000000000",
            "nra:aws:ecs:us-east-1:000000000000:cluster/c",
            "cluster/c",
            "ARN:aws:ecs:us-east-1:0:cluster/c",
        ] {
            assert_eq!(Arn::parse(text), None, "{text}");
        }
    }

    #[test]
    fn of_service_checks_the_service() {
        let text = "arn:aws:ecs:us-east-1:0:cluster/c";
        assert!(Arn::of_service(text, "ecs").is_some());
        assert!(Arn::of_service(text, "appmesh").is_none());
    }
}
