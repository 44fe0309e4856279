//! `${VAR}` placeholders in steps and assets, filled from the target (embedded defaults, or
//! the AWS identity and configuration) and `--var NAME=VALUE`.

use std::collections::BTreeMap;

use super::problem::position;

/// Values for `${NAME}` placeholders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars(pub BTreeMap<String, String>);

impl Vars {
    /// The embedded cloud's values.
    pub fn embedded(region: &str, account: &str) -> Vars {
        let mut vars = Vars::default();
        for (k, v) in [
            ("REGION", region),
            ("ACCOUNT_ID", account),
            ("MESH_NAME", "gophermesh"),
            ("CLUSTER_NAME", "gophermesh"),
            ("SUBNET_IDS", "subnet-0e1b2c3d4e5f60001"),
            ("SECURITY_GROUP_ID", "sg-0e1b2c3d4e5f60001"),
        ] {
            vars.set(k, v);
        }
        vars
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.0.insert(name.to_string(), value.to_string());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Replaces every `${NAME}`; an unknown name is an error naming it and where it is.
    pub fn substitute(&self, text: &str) -> Result<String, String> {
        self.substitute_located(text).map_err(|(offset, message)| {
            let (line, column) = position(text, offset);
            format!("{message} at line {line}, column {column}")
        })
    }

    /// As `substitute`, the error with the byte offset of the `${` it is about.
    pub fn substitute_located(&self, text: &str) -> Result<String, (usize, String)> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let offset = text.len() - rest.len() + start;
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                return Err((offset, "unclosed '${'".into()));
            };
            let name = &after[..end];
            match self.get(name) {
                Some(value) => out.push_str(value),
                None => {
                    return Err((
                        offset,
                        format!(
                            "unknown variable ${{{name}}} (known: {}; set it with --var {name}=VALUE)",
                            self.0.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_unknown_ones_named() {
        let vars = Vars::embedded("us-east-1", "000000000000");
        assert_eq!(
            vars.substitute("arn:aws:appmesh:${REGION}:${ACCOUNT_ID}:mesh/${MESH_NAME}")
                .unwrap(),
            "arn:aws:appmesh:us-east-1:000000000000:mesh/gophermesh"
        );
        let err = vars.substitute("{\n  \"a\": \"${NOPE}\"\n}").unwrap_err();
        assert!(
            err.contains("${NOPE}") && err.contains("line 2, column 9"),
            "{err}"
        );
        assert!(
            vars.substitute("${REGION")
                .unwrap_err()
                .contains("unclosed")
        );
    }
}
