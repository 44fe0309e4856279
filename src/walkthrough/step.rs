//! One step of a walkthrough: a Markdown file whose TOML front matter (between `+++` lines)
//! says what the step does. The format is documented in steps/README.md.

use aws_sdk_ecs::types::ServiceDeploymentStatus;

use super::operation::Operation;
use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::problem::{Problem, position};

/// The AWS service a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsService {
    AppMesh,
    Ecs,
    /// Cloud Map, where ECS Service Connect keeps its namespaces (chapter 2).
    ServiceDiscovery,
}

impl AwsService {
    /// The aws CLI's name for it.
    pub fn cli_name(self) -> &'static str {
        match self {
            AwsService::AppMesh => "appmesh",
            AwsService::Ecs => "ecs",
            AwsService::ServiceDiscovery => "servicediscovery",
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
    pub operation: Operation,
    pub input: InputSource,
    /// Line and column of `input` in the step file, where problems with the input are shown.
    pub input_position: (usize, usize),
}

impl Call {
    pub fn service(&self) -> AwsService {
        self.operation.service()
    }
}

/// A call made after the step's own, and what its answer must hold (JSON pointer → value).
#[derive(Debug, Clone, PartialEq)]
pub struct Verify {
    pub call: Call,
    pub expect: Vec<(String, serde_json::Value)>,
}

/// The requester a traffic step sends through: an ECS service's running task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequesterRef {
    /// The cluster (`${VAR}`s allowed); `${CLUSTER_NAME}` unless the step says otherwise.
    pub cluster: String,
    pub service: String,
}

impl Default for RequesterRef {
    fn default() -> Self {
        RequesterRef {
            cluster: "${CLUSTER_NAME}".into(),
            service: "requester".into(),
        }
    }
}

/// How a deployment a step watches must end for the step to be done.
/// The statuses a deployment step may expect its deployment to end in.
pub const DEPLOYMENT_STATUSES: [ServiceDeploymentStatus; 3] = [
    ServiceDeploymentStatus::Successful,
    ServiceDeploymentStatus::RollbackSuccessful,
    ServiceDeploymentStatus::Stopped,
];

#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// Narrative only.
    Info,
    /// One API call (and optionally a verification).
    Api { call: Call, verify: Option<Verify> },
    /// Send traffic through the requester and watch the split.
    Traffic {
        requests: u32,
        requester: RequesterRef,
        /// The ECS service whose revisions the terminal UI's traffic pane shows (chapter 2);
        /// none: the route's targets (chapter 1).
        service: Option<String>,
    },
    /// Follow an ECS service's current deployment to its end while traffic flows through the
    /// requester: the split observed at each stage beside the one the deployment configures.
    Deployment {
        /// The deployed service, in the requester's cluster.
        service: String,
        requester: RequesterRef,
        /// The status the deployment must end in (one of [`DEPLOYMENT_STATUSES`]).
        expect: ServiceDeploymentStatus,
        /// `NAME:VALUE`: the deployment pauses at a PAUSE hook with test traffic flowing; the
        /// step shows where requests with this header go and where the others go, then has
        /// the pause answered (a rollback then is what the step expects instead).
        test_header: Option<String>,
    },
    /// Delete everything the walkthrough created.
    Teardown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The file name without `.md` (e.g. `03-virtual-node-requester`).
    pub id: String,
    pub title: String,
    pub kind: StepKind,
    /// The Markdown after the front matter, without the presenter's notes.
    pub narrative: String,
    /// For the presenter only (`meshwalk notes`): never on the main screen nor in handouts.
    pub notes: String,
    /// The title of the chapter this step opens, if it opens one.
    pub chapter: Option<String>,
    /// What the chapter this step opens costs on AWS while it runs, said before it starts.
    pub aws_cost: Option<String>,
    /// A RegisterTaskDefinition step's `${NAME}` for the revision it registers
    /// (`family:revision`), which later steps deploy by: revision numbers differ between
    /// targets and runs, so assets cannot write them.
    pub revision_var: Option<String>,
    /// `${NAME}`s later steps use, read from this step's answer by JSON pointer (the ARN of
    /// the deployment an UpdateService started, for StopServiceDeployment).
    pub learn: Vec<(String, String)>,
}

/// The line that starts a step's presenter notes; they run to the end of the file.
pub const NOTES_MARKER: &str = "<!-- notes -->";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    kind: Option<String>,
    call: Option<Spanned<String>>,
    input: Option<Spanned<toml::Value>>,
    verify: Option<Spanned<VerifyMatter>>,
    requests: Option<u32>,
    notes: Option<String>,
    chapter: Option<String>,
    aws_cost: Option<String>,
    revision_var: Option<String>,
    learn: Option<BTreeMap<String, String>>,
    cluster: Option<String>,
    requester: Option<String>,
    service: Option<String>,
    expect_status: Option<String>,
    test_header: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyMatter {
    call: Spanned<String>,
    input: Spanned<toml::Value>,
    expect: BTreeMap<String, toml::Value>,
}

/// Where a step file's front matter starts, to turn offsets in it into file positions.
struct Located<'a> {
    file: String,
    matter: &'a str,
    /// Lines before the front matter (the `+++` line).
    lines_before: usize,
}

impl Located<'_> {
    fn at(&self, offset: usize, message: impl Into<String>) -> Problem {
        let (line, column) = self.position(offset);
        Problem::new(&self.file, line, column, message)
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let (line, column) = position(self.matter, offset);
        (line + self.lines_before, column)
    }
}

fn call(
    at: &Located<'_>,
    spec: &Spanned<String>,
    input: &Spanned<toml::Value>,
) -> Result<Call, Problem> {
    let start = spec.span().start;
    let spec = spec.get_ref();
    let (service, operation) = spec.split_once(':').ok_or_else(|| {
        at.at(
            start,
            format!("call '{spec}' must be service:Operation, e.g. appmesh:CreateMesh"),
        )
    })?;
    let service = match service {
        "appmesh" => AwsService::AppMesh,
        "ecs" => AwsService::Ecs,
        "servicediscovery" => AwsService::ServiceDiscovery,
        other => {
            return Err(at.at(
                start,
                format!(
                    "call '{spec}': unknown service '{other}' (appmesh, ecs or servicediscovery)"
                ),
            ));
        }
    };
    let Some(operation) = Operation::of(service, operation) else {
        return Err(at.at(
            start,
            format!("call '{spec}': {operation} is not an operation meshwalk can send"),
        ));
    };
    let input_start = input.span().start;
    let input = match input.get_ref() {
        toml::Value::String(path) => InputSource::Asset(path.clone()),
        toml::Value::Table(table) => InputSource::Inline(
            serde_json::to_value(table)
                .map_err(|e| at.at(input_start, format!("input of {spec}: {e}")))?,
        ),
        other => {
            return Err(at.at(
                input_start,
                format!("input of {spec} must be an asset path or a table, got {other}"),
            ));
        }
    };
    Ok(Call {
        operation,
        input,
        input_position: at.position(input_start),
    })
}

/// The narrative and the presenter's notes of a step's Markdown.
fn split_notes(body: &str) -> (String, String) {
    let marker = body
        .match_indices(NOTES_MARKER)
        .find(|(i, _)| *i == 0 || body[..*i].ends_with('\n'))
        .map(|(i, _)| i);
    match marker {
        Some(i) => (
            body[..i].trim_end().to_string(),
            body[i + NOTES_MARKER.len()..].trim().to_string(),
        ),
        None => (body.trim_end().to_string(), String::new()),
    }
}

/// Parses one step file (`steps/{id}.md`). Every problem found is returned, each with the
/// line and column in the file where it is.
pub fn parse(id: &str, text: &str) -> Result<Step, Vec<Problem>> {
    let file = format!("steps/{id}.md");
    let (matter, body) = split_front_matter(&file, text)?;
    let at = Located {
        file,
        matter,
        lines_before: 1,
    };
    let fm = front_matter(&at)?;
    let (narrative, body_notes) = split_notes(body.trim_start_matches(['\r', '\n']));
    let notes = [fm.notes.as_deref().unwrap_or_default().trim(), &body_notes]
        .into_iter()
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    let mut problems = Vec::new();
    let kind = kind_of(&at, &fm, &mut problems);
    check_revision_var(&at, &fm, &kind, &mut problems);
    if fm.test_header.is_some() && !matches!(kind, StepKind::Deployment { .. }) {
        problems.push(at.at(
            key_start(at.matter, "test_header"),
            "test_header is for a deployment step (kind = \"deployment\")",
        ));
    }
    let learn: Vec<(String, String)> = fm.learn.clone().unwrap_or_default().into_iter().collect();
    check_learn(&at, &learn, &kind, &mut problems);
    if fm.aws_cost.is_some() && fm.chapter.is_none() {
        problems.push(at.at(
            key_start(matter, "aws_cost"),
            "aws_cost belongs on the step that opens a chapter (with chapter = \"...\")",
        ));
    }
    if !problems.is_empty() {
        problems.sort();
        return Err(problems);
    }
    Ok(Step {
        id: id.to_string(),
        title: fm.title,
        kind,
        narrative,
        notes,
        chapter: fm.chapter.filter(|c| !c.trim().is_empty()),
        aws_cost: fm.aws_cost,
        revision_var: fm.revision_var,
        learn,
    })
}

/// The front matter between the `+++` lines, and the Markdown after it.
fn split_front_matter<'t>(file: &str, text: &'t str) -> Result<(&'t str, &'t str), Vec<Problem>> {
    let text = text.trim_start_matches('\u{feff}');
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
        .ok_or_else(|| {
            vec![Problem::new(
                file,
                1,
                1,
                "a step starts with a '+++' line, then TOML front matter, then '+++'",
            )]
        })?;
    let end = rest.find("\n+++").ok_or_else(|| {
        vec![Problem::new(
            file,
            1,
            1,
            "the front matter has no closing '+++' line",
        )]
    })?;
    Ok((&rest[..end], &rest[end + 4..]))
}

fn front_matter(at: &Located<'_>) -> Result<FrontMatter, Vec<Problem>> {
    toml::from_str(at.matter).map_err(|e| {
        let problem = match e.span() {
            Some(span) => at.at(span.start, e.message()),
            None => Problem::new(&at.file, 2, 0, e.message()),
        };
        vec![problem]
    })
}

/// What the step does, by its `kind` and `call`; a step in error is an info step.
fn kind_of(at: &Located<'_>, fm: &FrontMatter, problems: &mut Vec<Problem>) -> StepKind {
    let kind_start = key_start(at.matter, "kind");
    match (fm.kind.as_deref(), &fm.call) {
        (None | Some("api"), Some(spec)) => api_kind(at, fm, spec, problems),
        (Some("api"), None) => {
            problems.push(at.at(kind_start, "an api step needs call = \"service:Operation\""));
            StepKind::Info
        }
        (None | Some("info"), None) => StepKind::Info,
        (Some("traffic"), None) => StepKind::Traffic {
            requests: fm.requests.unwrap_or(200),
            requester: requester_ref(fm),
            service: fm.service.clone(),
        },
        (Some("deployment"), None) => deployment_kind(at, fm, problems),
        (Some("teardown"), None) => StepKind::Teardown,
        (Some(kind), Some(_)) if kind != "api" => {
            problems.push(at.at(
                kind_start,
                format!("a '{kind}' step has no call; use kind = \"api\" for calls"),
            ));
            StepKind::Info
        }
        (Some(other), _) => {
            problems.push(at.at(
                kind_start,
                format!("unknown kind '{other}' (api, info, traffic, deployment or teardown)"),
            ));
            StepKind::Info
        }
    }
}

/// A step with a call, and the call that verifies it.
fn api_kind(
    at: &Located<'_>,
    fm: &FrontMatter,
    spec: &Spanned<String>,
    problems: &mut Vec<Problem>,
) -> StepKind {
    let verify = fm.verify.as_ref().and_then(|v| verify_of(at, v, problems));
    let call = match &fm.input {
        Some(input) => call(at, spec, input).map_err(|p| problems.push(p)).ok(),
        None => {
            problems.push(at.at(
                spec.span().start,
                format!("call {} needs an input", spec.get_ref()),
            ));
            None
        }
    };
    match call {
        Some(call) => StepKind::Api { call, verify },
        None => StepKind::Info,
    }
}

fn verify_of(
    at: &Located<'_>,
    v: &Spanned<VerifyMatter>,
    problems: &mut Vec<Problem>,
) -> Option<Verify> {
    let verify_start = v.span().start;
    let v = v.get_ref();
    let call = call(at, &v.call, &v.input)
        .map_err(|p| problems.push(p))
        .ok();
    let mut expect = Vec::new();
    for (pointer, value) in &v.expect {
        if !pointer.starts_with('/') {
            let offset = at.matter[verify_start..]
                .find(pointer.as_str())
                .map_or(verify_start, |i| verify_start + i);
            problems.push(at.at(
                offset,
                format!("verify.expect key '{pointer}' must be a JSON pointer (start with '/')"),
            ));
            continue;
        }
        match serde_json::to_value(value) {
            Ok(value) => expect.push((pointer.clone(), value)),
            Err(e) => problems.push(at.at(verify_start, e.to_string())),
        }
    }
    Some(Verify {
        call: call?,
        expect,
    })
}

/// A step that watches an ECS service's deployment end in the status it expects.
fn deployment_kind(at: &Located<'_>, fm: &FrontMatter, problems: &mut Vec<Problem>) -> StepKind {
    let expect = fm.expect_status.as_deref().map_or(
        ServiceDeploymentStatus::Successful,
        ServiceDeploymentStatus::from,
    );
    if !DEPLOYMENT_STATUSES.contains(&expect) {
        let statuses: Vec<&str> = DEPLOYMENT_STATUSES.iter().map(|s| s.as_str()).collect();
        problems.push(at.at(
            key_start(at.matter, "expect_status"),
            format!(
                "expect_status '{expect}' is not a status a deployment ends in ({})",
                statuses.join(", ")
            ),
        ));
    }
    if let Some(header) = &fm.test_header
        && let Err(e) = crate::load::traffic::parse_header(header)
    {
        problems.push(at.at(
            key_start(at.matter, "test_header"),
            format!("test_header: {e}"),
        ));
    }
    match &fm.service {
        Some(service) => StepKind::Deployment {
            service: service.clone(),
            requester: requester_ref(fm),
            expect,
            test_header: fm.test_header.clone(),
        },
        None => {
            problems.push(at.at(
                key_start(at.matter, "kind"),
                "a deployment step needs service = \"the ECS service it watches\"",
            ));
            StepKind::Info
        }
    }
}

fn check_revision_var(
    at: &Located<'_>,
    fm: &FrontMatter,
    kind: &StepKind,
    problems: &mut Vec<Problem>,
) {
    let registers = matches!(kind, StepKind::Api { call, .. } if call.operation == Operation::Ecs(crate::model::ecs::Action::RegisterTaskDefinition));
    if fm.revision_var.is_some() && !registers {
        problems.push(at.at(
            key_start(at.matter, "revision_var"),
            "revision_var belongs on an ecs:RegisterTaskDefinition step",
        ));
    }
    if let Some(name) = &fm.revision_var
        && !is_var_name(name)
    {
        problems.push(at.at(
            key_start(at.matter, "revision_var"),
            format!("revision_var '{name}' must be a NAME in capitals, digits and '_'"),
        ));
    }
}

fn check_learn(
    at: &Located<'_>,
    learn: &[(String, String)],
    kind: &StepKind,
    problems: &mut Vec<Problem>,
) {
    for (name, pointer) in learn {
        if !is_var_name(name) || !pointer.starts_with('/') {
            problems.push(at.at(
                key_start(at.matter, "learn"),
                format!(
                    "learn: '{name}' must be a NAME in capitals and '{pointer}' a JSON pointer"
                ),
            ));
        }
    }
    if !learn.is_empty() && !matches!(kind, StepKind::Api { .. }) {
        problems.push(at.at(
            key_start(at.matter, "learn"),
            "learn belongs on a step with a call",
        ));
    }
}

fn is_var_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Where a top-level key of the front matter starts (0 when it is not there).
fn key_start(matter: &str, key: &str) -> usize {
    matter
        .match_indices(key)
        .find(|(i, _)| *i == 0 || matter[..*i].ends_with('\n'))
        .map_or(0, |(i, _)| i)
}

fn requester_ref(fm: &FrontMatter) -> RequesterRef {
    let default = RequesterRef::default();
    RequesterRef {
        cluster: fm.cluster.clone().unwrap_or(default.cluster),
        service: fm.requester.clone().unwrap_or(default.service),
    }
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
            call.operation,
            Operation::AppMesh(crate::model::appmesh::Action::CreateMesh)
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
    fn mistakes_are_named_with_line_and_column() {
        let err = parse(
            "x",
            "+++\ntitle = \"t\"\ncall = \"appmesh:CreateMeshes\"\ninput = \"a.json\"\n+++\n",
        )
        .unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(err[0].message.contains("CreateMeshes"), "{err:?}");
        assert_eq!(
            (err[0].file.as_str(), err[0].line, err[0].column),
            ("steps/x.md", 3, 8)
        );
        let err = parse("x", "+++\ntitle = \"t\"\ncolor = \"blue\"\n+++\n").unwrap_err();
        assert!(
            err[0].line == 3 && err[0].message.contains("color"),
            "{err:?}"
        );
        assert!(parse("x", "no front matter").is_err());
        let step = parse("x", "+++\ntitle = \"Watch\"\nkind = \"traffic\"\n+++\ntext").unwrap();
        assert_eq!(
            step.kind,
            StepKind::Traffic {
                requests: 200,
                requester: RequesterRef::default(),
                service: None,
            }
        );
    }

    #[test]
    fn a_test_header_is_name_colon_value_on_a_deployment_step() {
        let watch = |header: &str, kind: &str| {
            format!(
                "+++\ntitle = \"t\"\nkind = \"{kind}\"\nservice = \"s\"\ntest_header = \"{header}\"\n+++\n"
            )
        };
        let step = parse("x", &watch("x-test:green", "deployment")).unwrap();
        let StepKind::Deployment { test_header, .. } = step.kind else {
            panic!("{:?}", step.kind)
        };
        assert_eq!(test_header.as_deref(), Some("x-test:green"));
        let err = parse("x", &watch("no colon", "deployment")).unwrap_err();
        assert!(err[0].message.contains("test_header"), "{err:?}");
        assert_eq!(err[0].line, 5, "{err:?}");
        let err = parse("x", &watch("x-test:green", "traffic")).unwrap_err();
        assert!(err[0].message.contains("deployment step"), "{err:?}");
    }

    #[test]
    fn every_unknown_operation_of_a_step_is_reported() {
        let text = "+++\ntitle = \"t\"\ncall = \"appmesh:CreateMeshes\"\ninput = \"a.json\"\n[verify]\ncall = \"appmesh:DescribeMeshes\"\ninput = { meshName = \"m\" }\nexpect = { \"status\" = 1 }\n+++\n";
        let err = parse("x", text).unwrap_err();
        let shown: Vec<String> = err.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 3, "{shown:#?}");
        assert!(
            shown[0].starts_with("steps/x.md:3:8: call 'appmesh:CreateMeshes'"),
            "{shown:#?}"
        );
        assert!(
            shown[1].starts_with("steps/x.md:6:8: call 'appmesh:DescribeMeshes'"),
            "{shown:#?}"
        );
        assert!(
            shown[2].starts_with("steps/x.md:8:13: verify.expect key 'status'"),
            "{shown:#?}"
        );
    }

    #[test]
    fn presenter_notes_come_from_the_front_matter_and_the_marked_section() {
        let text = "+++\ntitle = \"t\"\nnotes = \"Pause here.\"\n+++\n\nFor everyone.\n\n<!-- notes -->\nAsk who has used Envoy.\n";
        let step = parse("x", text).unwrap();
        assert_eq!(step.narrative, "For everyone.");
        assert_eq!(step.notes, "Pause here.\n\nAsk who has used Envoy.");
        let plain = parse(
            "x",
            "+++\ntitle = \"t\"\n+++\nJust text; <!-- notes --> inline is text.",
        )
        .unwrap();
        assert_eq!(plain.notes, "");
        assert!(plain.narrative.ends_with("inline is text."));
    }
}
