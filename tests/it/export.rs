//! `meshwalk export`: the script passes `bash -n` and its calls, parsed back from the script
//! and replayed through the SDK (the aws CLI is not needed; the values the script reads into
//! shell variables are read from the answers the same way), build the walkthrough on an
//! embedded cloud; the handout shows the session's recorded results, and says "not run yet"
//! where there is none.

use meshwalk::api::call::{CallRequest, send};
use meshwalk::api::target::TargetKind;
use meshwalk::cli::{ExportArgs, ExportFormat, RunArgs};
use meshwalk::commands::{export, run};
use meshwalk::embedded::EmbeddedCloud;
use meshwalk::model::{appmesh, ecs};
use meshwalk::session::Session;
use meshwalk::session::connect::Connected;
use meshwalk::session::progress::Progress;
use meshwalk::session::recorded::Results;
use meshwalk::walkthrough::cli_render::kebab;

use crate::support::{route_targets, walkthrough_session};

async fn cloud_session() -> (EmbeddedCloud, Session) {
    walkthrough_session(TargetKind::Endpoint).await
}

fn exported(
    session: &Session,
    format: ExportFormat,
    to: Option<&str>,
    results: &Results,
) -> String {
    let args = ExportArgs {
        format,
        chapter: 1,
        to: to.map(str::to_string),
        ..ExportArgs::default()
    };
    let mut out = Vec::new();
    export::export(session, &args, results, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// A `NAME=$(COMMAND --query 'QUERY' --output text)` line: (NAME, COMMAND, QUERY).
fn captured(line: &str) -> Option<(&str, &str, &str)> {
    let (name, rest) = line.split_once("=$(")?;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        return None;
    }
    let (command, query) = rest
        .strip_suffix(" --output text)")?
        .rsplit_once(" --query ")?;
    Some((name, command, query.trim_matches(|c| c == '\'' || c == '"')))
}

/// What the aws CLI's `--query QUERY --output text` prints for `answer`: the JMESPath query's
/// result, a string as it is (the script asks for one value each time).
fn query_answer(answer: &serde_json::Value, query: &str) -> String {
    let expression = jmespath::compile(query).unwrap_or_else(|e| panic!("{query}: {e}"));
    let data = jmespath::Variable::from_json(&answer.to_string()).unwrap();
    let result = expression
        .search(data)
        .unwrap_or_else(|e| panic!("{query}: {e}"));
    result
        .as_string()
        .cloned()
        .unwrap_or_else(|| panic!("{query} in {answer} is {result}, not a string"))
}

/// One `aws [flags] SERVICE OPERATION --cli-input-json '...'` line, back into a typed request.
fn parse_call(line: &str) -> (String, CallRequest) {
    let (head, quoted) = line
        .split_once(" --cli-input-json '")
        .unwrap_or_else(|| panic!("no --cli-input-json in {line}"));
    let json = quoted
        .strip_suffix('\'')
        .unwrap_or_else(|| panic!("unquoted JSON in {line}"))
        .replace(r"'\''", "'");
    let words: Vec<&str> = head.split(' ').collect();
    let [.., service, operation] = words[..] else {
        panic!("no service and operation in {line}")
    };
    let request = match service {
        "appmesh" => {
            let op = appmesh::OPERATIONS
                .iter()
                .find(|o| kebab(o.name) == operation)
                .unwrap_or_else(|| panic!("unknown {operation}"));
            CallRequest::AppMesh(appmesh::Request::decode_text(op.name, &json).unwrap())
        }
        "ecs" => {
            let op = ecs::OPERATIONS
                .iter()
                .find(|o| kebab(o.name) == operation)
                .unwrap_or_else(|| panic!("unknown {operation}"));
            CallRequest::Ecs(ecs::Request::decode_text(op.name, &json).unwrap())
        }
        other => panic!("unknown service {other} in {line}"),
    };
    (format!("{service} {operation}"), request)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_script_is_valid_bash_and_its_calls_build_the_walkthrough() {
    let (cloud, session) = cloud_session().await;
    let script = exported(&session, ExportFormat::Sh, None, &Results::default());
    assert!(script.starts_with("#!/usr/bin/env bash\n"), "{script}");
    assert!(script.contains("\nset -euo pipefail\n"), "{script}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("walkthrough.sh");
    std::fs::write(&path, &script).unwrap();
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );

    let calls: Vec<&str> = script
        .lines()
        .filter(|l| l.starts_with("aws ") || captured(l).is_some())
        .collect();
    // The default chapter is chapter 1.
    let chapter = session.walkthrough().chapters()[0].steps.clone();
    let api_steps = session.walkthrough().steps[chapter]
        .iter()
        .filter(|s| matches!(s.kind, meshwalk::walkthrough::StepKind::Api { .. }))
        .count();
    assert_eq!(calls.len(), api_steps, "one call per API step");
    let flags = format!(
        "aws --endpoint-url {} --region us-east-1 ",
        cloud.endpoint()
    );
    // What bash would do: run each call, keep what a `NAME=$(aws ... --query ...)` line reads
    // from its answer, and splice it into the later calls that use `$NAME`.
    let mut shell_vars: Vec<(String, String)> = Vec::new();
    for line in &calls {
        let mut line = line.to_string();
        for (name, value) in &shell_vars {
            line = line.replace(&format!("'\"${name}\"'"), value);
        }
        let (command, capture) = match captured(&line) {
            Some((var, command, query)) => (command.to_string(), Some((var.to_string(), query))),
            None => (line.clone(), None),
        };
        assert!(
            command.starts_with(&flags),
            "the target is filled in: {command}"
        );
        let (name, request) = parse_call(&command);
        let (result, exchange) = send(session.target(), request).await;
        assert!(
            result.is_ok(),
            "{name}: {result:?}\n{}",
            exchange.response_body
        );
        if let Some((var, query)) = capture {
            let answer: serde_json::Value = serde_json::from_str(&exchange.response_body).unwrap();
            shell_vars.push((var, query_answer(&answer, query)));
        }
    }
    // What the script built is the walkthrough's mesh, routed as its last shift says.
    let weights: Vec<i32> = route_targets(&session.target().appmesh)
        .await
        .into_iter()
        .map(|(_, w)| w)
        .collect();
    assert_eq!(weights, [0, 100]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handout_shows_recorded_results_and_says_what_has_not_run() {
    let (_cloud, session) = cloud_session().await;
    let state = tempfile::tempdir().unwrap();
    let connected = Connected {
        session: session.clone(),
        embedded: None,
        progress: Progress::default(),
        notice: None,
        state_dir: state.path().to_path_buf(),
    };
    let args = RunArgs {
        to: Some("2".into()),
        ..RunArgs::default()
    };
    run::run(
        connected,
        &Default::default(),
        &args,
        &mut Vec::new(),
        &mut |_| {},
    )
    .await
    .unwrap();

    let results = Results::load(state.path());
    let handout = exported(&session, ExportFormat::Md, Some("3"), &results);
    let mesh = handout
        .split("\n## ")
        .find(|s| s.starts_with("2. Create the mesh"))
        .expect("step 2's section");
    assert!(mesh.contains("A **mesh** is the boundary"), "{mesh}");
    assert!(
        mesh.contains("```sh\naws --endpoint-url http://127.0.0.1:"),
        "{mesh}"
    );
    assert!(mesh.contains("**Result** (your session, "), "{mesh}");
    assert!(mesh.contains("HTTP 200): done"), "{mesh}");
    assert!(
        mesh.contains("\"meshName\": \"gophermesh\""),
        "the response: {mesh}"
    );
    assert!(!mesh.contains("SigV4"), "presenter notes stay out: {mesh}");
    let node = handout
        .split("\n## ")
        .find(|s| s.starts_with("3. "))
        .expect("step 3's section");
    assert!(node.contains("**Result:** not run yet."), "{node}");
    assert!(!handout.contains("\n## 4. "), "--to 3 stops at step 3");
}

#[tokio::test]
async fn chapter_2_exports_with_shell_variables_for_what_its_steps_learn() {
    let (_cloud, session) = cloud_session().await;
    let args = ExportArgs {
        chapter: 3,
        ..ExportArgs::default()
    };
    let err = export::export(&session, &args, &Results::default(), &mut Vec::new()).unwrap_err();
    assert!(err.to_string().contains("there is no chapter 3"), "{err}");
    let args = ExportArgs {
        chapter: 2,
        ..ExportArgs::default()
    };
    let mut out = Vec::new();
    export::export(&session, &args, &Results::default(), &mut out).unwrap();
    let script = String::from_utf8(out).unwrap();
    assert!(!script.contains("create-mesh"), "chapter 2 only: {script}");
    // The revision a step registers is read into a variable that later calls splice in.
    assert!(script.contains("\nSC_DISTRIBUTOR_V1=$(aws "), "{script}");
    assert!(
        script.contains(r#""taskDefinition":"'"$SC_DISTRIBUTOR_V1"'""#),
        "{script}"
    );
    assert!(script.contains("\nSC_V3_DEPLOYMENT=$(aws "), "{script}");
    assert!(
        script.contains("--query 'service.currentServiceDeployment' --output text)"),
        "{script}"
    );
    // A deployment step waits for the deployment to end.
    assert!(script.contains("describe-service-deployments"), "{script}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chapter2.sh");
    std::fs::write(&path, &script).unwrap();
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
}
