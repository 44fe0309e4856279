//! One step of a walkthrough: a Markdown file whose TOML front matter (between `+++` lines)
//! says what the step does. The format is documented in steps/README.md.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The AWS service a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    AppMesh,
    Ecs,
}

impl Service {
    /// The aws CLI's name for it.
    pub fn cli_name(self) -> &'static str {
        match self {
            Service::AppMesh => "appmesh",
            Service::Ecs => "ecs",
        }
    }
}

/// Where a call's input comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum InputSource {
    /// A file under assets/, in the aws CLI's `--cli-input-json` format.
    Asset(String),
    /// A small input written in the step itself.
    Inline(serde_json::Value),
}

/// `service:Operation` with its input.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub service: Service,
    pub operation: String,
    pub input: InputSource,
}

/// A call made after the step's own, and what its answer must hold (JSON pointer → value).
#[derive(Debug, Clone, PartialEq)]
pub struct Verify {
    pub call: Call,
    pub expect: Vec<(String, serde_json::Value)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// Narrative only.
    Info,
    /// One API call (and optionally a verification).
    Api { call: Call, verify: Option<Verify> },
    /// Send traffic through the requester and watch the split.
    Traffic { requests: u32 },
    /// Delete everything the walkthrough created.
    Teardown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The file name without `.md` (e.g. `03-virtual-node-requester`).
    pub id: String,
    pub title: String,
    pub kind: StepKind,
    /// The Markdown after the front matter.
    pub narrative: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    kind: Option<String>,
    call: Option<String>,
    input: Option<toml::Value>,
    verify: Option<VerifyMatter>,
    requests: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyMatter {
    call: String,
    input: toml::Value,
    expect: BTreeMap<String, toml::Value>,
}

fn call(spec: &str, input: toml::Value) -> Result<Call, String> {
    let (service, operation) = spec.split_once(':').ok_or_else(|| {
        format!("call '{spec}' must be service:Operation, e.g. appmesh:CreateMesh")
    })?;
    let service = match service {
        "appmesh" => Service::AppMesh,
        "ecs" => Service::Ecs,
        other => {
            return Err(format!(
                "call '{spec}': unknown service '{other}' (appmesh or ecs)"
            ));
        }
    };
    let known = match service {
        Service::AppMesh => crate::model::appmesh::OPERATIONS
            .iter()
            .any(|o| o.name == operation),
        Service::Ecs => crate::model::ecs::OPERATIONS
            .iter()
            .any(|o| o.name == operation),
    };
    if !known {
        return Err(format!(
            "call '{spec}': {operation} is not an operation meshwalk can send"
        ));
    }
    let input = match input {
        toml::Value::String(path) => InputSource::Asset(path),
        toml::Value::Table(table) => InputSource::Inline(
            serde_json::to_value(table).map_err(|e| format!("input of {spec}: {e}"))?,
        ),
        other => {
            return Err(format!(
                "input of {spec} must be an asset path or a table, got {other}"
            ));
        }
    };
    Ok(Call {
        service,
        operation: operation.to_string(),
        input,
    })
}

/// Parses one step file. Errors name the line where the front matter is wrong.
pub fn parse(id: &str, text: &str) -> Result<Step, String> {
    let text = text.trim_start_matches('\u{feff}');
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
        .ok_or("a step starts with a '+++' line, then TOML front matter, then '+++'")?;
    let end = rest
        .find("\n+++")
        .ok_or("the front matter has no closing '+++' line")?;
    let (matter, body) = (&rest[..end], &rest[end + 4..]);
    let narrative = body.trim_start_matches(['\r', '\n']).trim_end().to_string();
    let fm: FrontMatter = toml::from_str(matter).map_err(|e| {
        let line = e
            .span()
            .map(|s| matter[..s.start].matches('\n').count() + 2);
        match line {
            Some(line) => format!("front matter line {line}: {}", e.message()),
            None => format!("front matter: {}", e.message()),
        }
    })?;
    let kind = match (fm.kind.as_deref(), fm.call) {
        (None | Some("api"), Some(spec)) => {
            let input = fm
                .input
                .ok_or_else(|| format!("call {spec} needs an input"))?;
            let verify = match fm.verify {
                Some(v) => Some(Verify {
                    call: call(&v.call, v.input)?,
                    expect: v
                        .expect
                        .into_iter()
                        .map(|(pointer, value)| {
                            let value = serde_json::to_value(value).map_err(|e| e.to_string())?;
                            if !pointer.starts_with('/') {
                                return Err(format!("verify.expect key '{pointer}' must be a JSON pointer (start with '/')"));
                            }
                            Ok((pointer, value))
                        })
                        .collect::<Result<_, String>>()?,
                }),
                None => None,
            };
            StepKind::Api {
                call: call(&spec, input)?,
                verify,
            }
        }
        (Some("api"), None) => return Err("an api step needs call = \"service:Operation\"".into()),
        (None | Some("info"), None) => StepKind::Info,
        (Some("traffic"), None) => StepKind::Traffic {
            requests: fm.requests.unwrap_or(200),
        },
        (Some("teardown"), None) => StepKind::Teardown,
        (Some(kind), Some(_)) if kind != "api" => {
            return Err(format!(
                "a '{kind}' step has no call; use kind = \"api\" for calls"
            ));
        }
        (Some(other), _) => {
            return Err(format!(
                "unknown kind '{other}' (api, info, traffic or teardown)"
            ));
        }
    };
    Ok(Step {
        id: id.to_string(),
        title: fm.title,
        kind,
        narrative,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_step_with_verify() {
        let text = "+++\ntitle = \"Create the mesh\"\ncall = \"appmesh:CreateMesh\"\ninput = \"Meshes/mesh.json\"\n[verify]\ncall = \"appmesh:DescribeMesh\"\ninput = { meshName = \"${MESH_NAME}\" }\nexpect = { \"/mesh/status/status\" = \"ACTIVE\" }\n+++\n\nA **mesh** is...\n";
        let step = parse("01-create-mesh", text).unwrap();
        assert_eq!(step.title, "Create the mesh");
        assert_eq!(step.narrative, "A **mesh** is...");
        let StepKind::Api { call, verify } = step.kind else {
            panic!()
        };
        assert_eq!(
            (call.service, call.operation.as_str()),
            (Service::AppMesh, "CreateMesh")
        );
        assert_eq!(call.input, InputSource::Asset("Meshes/mesh.json".into()));
        let verify = verify.unwrap();
        assert_eq!(
            verify.call.input,
            InputSource::Inline(serde_json::json!({"meshName": "${MESH_NAME}"}))
        );
        assert_eq!(
            verify.expect,
            [(
                "/mesh/status/status".to_string(),
                serde_json::json!("ACTIVE")
            )]
        );
    }

    #[test]
    fn mistakes_are_named() {
        let err = parse(
            "x",
            "+++\ntitle = \"t\"\ncall = \"appmesh:CreateMeshes\"\ninput = \"a.json\"\n+++\n",
        )
        .unwrap_err();
        assert!(err.contains("CreateMeshes"), "{err}");
        let err = parse("x", "+++\ntitle = \"t\"\ncolor = \"blue\"\n+++\n").unwrap_err();
        assert!(err.contains("line 3") && err.contains("color"), "{err}");
        assert!(parse("x", "no front matter").is_err());
        let step = parse("x", "+++\ntitle = \"Watch\"\nkind = \"traffic\"\n+++\ntext").unwrap();
        assert_eq!(step.kind, StepKind::Traffic { requests: 200 });
    }
}
