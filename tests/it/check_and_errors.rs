//! `meshwalk check` lists every problem of a broken walkthrough in one pass, located and
//! counted; a user's mistakes print through the real binary as a plain message with what to
//! do (exit 2), never color-eyre's report for bugs.

use std::path::Path;
use std::process::Command;

use meshwalk::cli::TargetArgs;
use meshwalk::commands::check;
use meshwalk::session::connect as target;

/// A walkthrough with one of each mistake: an unknown operation in a step's front matter
/// (twice in one step: call and verify), a missing asset, invalid JSON, an unknown ${VAR}.
fn broken_walkthrough(dir: &Path) {
    let steps = dir.join("steps");
    let meshes = dir.join("assets/Meshes");
    std::fs::create_dir_all(&steps).unwrap();
    std::fs::create_dir_all(&meshes).unwrap();
    let write = |path: &Path, text: &str| std::fs::write(path, text).unwrap();
    write(
        &steps.join("01-welcome.md"),
        "+++\ntitle = \"Welcome\"\n+++\nHello.\n",
    );
    write(
        &steps.join("02-mesh.md"),
        "+++\ntitle = \"Mesh\"\ncall = \"appmesh:CreateMeshes\"\ninput = \"Meshes/mesh.json\"\n\n[verify]\ncall = \"appmesh:DescribeMeshes\"\ninput = { meshName = \"m\" }\nexpect = { \"/mesh/status/status\" = \"ACTIVE\" }\n+++\n",
    );
    write(
        &steps.join("03-missing.md"),
        "+++\ntitle = \"Missing\"\ncall = \"appmesh:CreateMesh\"\ninput = \"Meshes/nowhere.json\"\n+++\n",
    );
    write(
        &steps.join("04-bad-json.md"),
        "+++\ntitle = \"Bad JSON\"\ncall = \"appmesh:CreateMesh\"\ninput = \"Meshes/bad.json\"\n+++\n",
    );
    write(
        &steps.join("05-unknown-var.md"),
        "+++\ntitle = \"Var\"\ncall = \"appmesh:CreateMesh\"\ninput = \"Meshes/var.json\"\n+++\n",
    );
    write(&meshes.join("mesh.json"), "{\"meshName\": \"m\"}");
    write(&meshes.join("bad.json"), "{\n  \"meshName\": \"m\",\n}\n");
    write(
        &meshes.join("var.json"),
        "{\n  \"meshName\": \"${MESHY}\"\n}\n",
    );
}

#[test]
fn check_lists_every_problem_with_file_line_and_column_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    broken_walkthrough(dir.path());
    let args = TargetArgs {
        walkthrough: Some(dir.path().to_path_buf()),
        ..TargetArgs::default()
    };
    let read = target::read_walkthrough(&args).unwrap();
    let mut out = Vec::new();
    let count = check::run(&read, &[], &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "✗ steps/02-mesh.md:3:8: call 'appmesh:CreateMeshes': CreateMeshes is not an operation meshwalk can send",
            "✗ steps/02-mesh.md:7:8: call 'appmesh:DescribeMeshes': DescribeMeshes is not an operation meshwalk can send",
            "✗ steps/03-missing.md:4:9: input 'Meshes/nowhere.json': there is no assets/Meshes/nowhere.json",
            "✗ assets/Meshes/bad.json:3:1: trailing comma",
            "✗ assets/Meshes/var.json:2:16: unknown variable ${MESHY} (known: ACCOUNT_ID, CLUSTER_NAME, MESH_NAME, REGION, SECURITY_GROUP_ID, SUBNET_IDS; set it with --var MESHY=VALUE)",
            "5 problems",
        ],
        "{out}"
    );
    assert_eq!(count, 5);
}

#[test]
fn one_problem_is_counted_in_good_english() {
    let dir = tempfile::tempdir().unwrap();
    broken_walkthrough(dir.path());
    for broken in ["02-mesh.md", "03-missing.md", "04-bad-json.md"] {
        std::fs::remove_file(dir.path().join("steps").join(broken)).unwrap();
    }
    let args = TargetArgs {
        walkthrough: Some(dir.path().to_path_buf()),
        ..TargetArgs::default()
    };
    let read = target::read_walkthrough(&args).unwrap();
    let mut out = Vec::new();
    // mesh.json and bad.json are now unused; --var fills the unknown variable.
    let vars = [("MESHY".to_string(), "m".to_string())];
    check::run(&read, &vars, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.ends_with("\n2 problems\n"), "{out}");
    std::fs::remove_file(dir.path().join("assets/Meshes/mesh.json")).unwrap();
    std::fs::remove_file(dir.path().join("assets/Meshes/bad.json")).unwrap();
    std::fs::write(dir.path().join("assets/Meshes/extra.json"), "{}").unwrap();
    let read = target::read_walkthrough(&args).unwrap();
    let mut out = Vec::new();
    assert_eq!(check::run(&read, &vars, &mut out).unwrap(), 1);
    let out = String::from_utf8(out).unwrap();
    assert_eq!(
        out,
        "✗ assets/Meshes/extra.json: no step uses it\n1 problem\n"
    );
}

/// A headless run's stderr is for what went wrong with the run: chapter 2's v4 tasks fail to
/// start on purpose, and the run's report says so; the embedded cloud's INFO event for each of
/// them stays off stderr. (`--approve` answers the blue/green pause: without a terminal,
/// nobody else can.)
#[test]
fn a_headless_run_leaves_the_embedded_clouds_info_events_off_stderr() {
    let state = tempfile::tempdir().unwrap();
    let (code, stderr) = meshwalk(
        state.path(),
        &[
            "run",
            "--chapter",
            "2",
            "--clock-scale",
            "3600",
            "--approve",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

/// The real binary, its state kept in `state` (never the user's).
fn meshwalk(state: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_meshwalk"))
        .args(args)
        .env("MESHWALK_STATE_DIR", state)
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_for_people(stderr: &str) {
    assert!(
        !stderr.contains("Location:") && !stderr.contains("src/") && !stderr.contains("BACKTRACE"),
        "no report meant for bugs: {stderr}"
    );
    assert_eq!(
        stderr.lines().count(),
        2,
        "the message and what to do: {stderr}"
    );
}

#[test]
fn a_missing_walkthrough_folder_is_told_plainly() {
    let state = tempfile::tempdir().unwrap();
    let missing = state.path().join("no-such-walkthrough");
    let (code, stderr) = meshwalk(
        state.path(),
        &["check", "--walkthrough", missing.to_str().unwrap()],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.starts_with("meshwalk: the walkthrough in "),
        "{stderr}"
    );
    assert!(
        stderr.contains("\n  --walkthrough takes a folder holding steps/"),
        "{stderr}"
    );
    assert_for_people(&stderr);
}

#[test]
fn a_broken_walkthrough_points_to_check() {
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    broken_walkthrough(dir.path());
    let (code, stderr) = meshwalk(
        state.path(),
        &["run", "--walkthrough", dir.path().to_str().unwrap()],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("2 problems, the first: steps/02-mesh.md:3:8:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\n  run `meshwalk check --walkthrough "),
        "{stderr}"
    );
    assert_for_people(&stderr);
}

#[test]
fn an_unreachable_endpoint_is_told_plainly() {
    let state = tempfile::tempdir().unwrap();
    let (code, stderr) = meshwalk(
        state.path(),
        &["run", "--endpoint-url", "http://127.0.0.1:1", "--to", "2"],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.starts_with("meshwalk: cannot reach http://127.0.0.1:1: "),
        "{stderr}"
    );
    assert!(stderr.contains("\n  is `meshwalk serve`"), "{stderr}");
    assert_for_people(&stderr);
}

/// `meshwalk run | head -1`: once the reader has gone, the run ends quietly and successfully,
/// with no report of a broken pipe.
#[test]
fn a_run_whose_reader_goes_away_ends_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let state = tempfile::tempdir().unwrap();
    let mut run = Command::new(env!("CARGO_BIN_EXE_meshwalk"))
        .args(["run", "--chapter", "1"])
        .env("MESHWALK_STATE_DIR", state.path())
        .env_remove("MESHWALK_DEBUG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(run.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("Welcome"), "{first}");
    // The reader is dropped here: the run's next line finds the pipe closed.
    let output = run.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(stderr.is_empty(), "{stderr}");
}

/// `meshwalk teardown` on its own embedded cloud: nothing there to delete, said once, instead of
/// an "already gone" for every resource as if something had been cleaned.
#[test]
fn a_teardown_of_a_fresh_embedded_cloud_says_there_is_nothing_to_tear_down() {
    let state = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_meshwalk"))
        .arg("teardown")
        .env("MESHWALK_STATE_DIR", state.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.starts_with("nothing to tear down"), "{stdout}");
    assert!(!stdout.contains("already gone"), "{stdout}");
}

/// Without a terminal and without --approve or --reject, nobody can answer chapter 2's
/// blue/green pause: the run stops there and says which flag to pass.
#[test]
fn a_headless_run_without_a_terminal_says_how_to_answer_the_blue_green_pause() {
    let state = tempfile::tempdir().unwrap();
    let (code, stderr) = meshwalk(
        state.path(),
        &["run", "--chapter", "2", "--clock-scale", "3600"],
    );
    assert_ne!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("PAUSE hook")
            && stderr.contains("--approve")
            && stderr.contains("--reject"),
        "{stderr}"
    );
}
