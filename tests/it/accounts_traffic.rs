//! Two accounts of one embedded cloud run the whole walkthrough at the same time, with the
//! same names, through the headless runner signed with each account's keys; each account's
//! requester reaches only its own distributors, and a fault in one account's v2 never shows
//! in the other's traffic.

use aws_sdk_appmesh::config::Credentials as SdkCredentials;
use meshwalk::api::target::{Target, TargetKind};
use meshwalk::cli::RunArgs;
use meshwalk::commands::run;
use meshwalk::dataplane::DataPlaneConfig;
use meshwalk::dataplane::faults::Fault;
use meshwalk::embedded::EmbeddedCloud;
use meshwalk::emulator::CloudConfig;
use meshwalk::emulator::accounts::Credentials;
use meshwalk::session::Session;
use meshwalk::session::connect::Connected;
use meshwalk::session::progress::Progress;
use meshwalk::walkthrough::Walkthrough;

use crate::accounts::accounts;
use crate::dataplane_support::probe::Probe;
use crate::dataplane_support::version_and_task;
use crate::support::*;

/// A session of the built-in walkthrough signed with `account`'s keys, as `meshwalk run
/// --endpoint-url` with the account's keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
pub async fn session_of(cloud: &EmbeddedCloud, account: &Credentials) -> Session {
    let credentials = SdkCredentials::new(
        &account.access_key_id,
        &account.secret_access_key,
        None,
        None,
        "test",
    );
    let target = Target::endpoint_as(
        TargetKind::Endpoint,
        &cloud.endpoint(),
        "us-east-1",
        "000000000000",
        credentials,
    );
    // As `meshwalk run` does: STS says whose the keys are.
    let target = target.identified().await.unwrap();
    assert_eq!(target.account, account.account_id);
    Session::new(Walkthrough::builtin().unwrap(), target, &[])
}

/// The whole control and data plane with these accounts, `tune`d.
pub async fn room(accounts: &[Credentials], tune: impl FnOnce(&mut CloudConfig)) -> EmbeddedCloud {
    let mut config = CloudConfig {
        accounts: Some(accounts.to_vec()),
        ..test_config()
    };
    tune(&mut config);
    EmbeddedCloud::start(
        config,
        "127.0.0.1:0".parse().unwrap(),
        DataPlaneConfig::default(),
    )
    .await
    .unwrap()
}

/// Chapter 1 up to its services (before its own traffic step, which sends 50 a second).
fn services_up() -> RunArgs {
    RunArgs {
        to: Some("17".into()),
        ..RunArgs::default()
    }
}

/// `steps` run in two sessions at the same time, each with a state directory of its own.
async fn side_by_side(a: &Session, b: &Session, steps: &RunArgs) {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    tokio::join!(
        run_steps(a, dir_a.path(), steps),
        run_steps(b, dir_b.path(), steps)
    );
}

/// Runs `steps` headless in `session`; every one must end done.
async fn run_steps(session: &Session, dir: &std::path::Path, steps: &RunArgs) {
    let connected = Connected {
        session: session.clone(),
        embedded: None,
        progress: Progress::default(),
        notice: None,
        state_dir: dir.to_path_buf(),
    };
    let mut out = Vec::new();
    let reports = run::run(connected, &Default::default(), steps, &mut out, &mut |_| {})
        .await
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(reports.iter().all(|r| r.outcome.is_done()), "{text}");
}

/// Where the account's chapter 1 requester listens.
pub async fn requester_url(session: &Session) -> String {
    let port = service_host_port(&session.target().ecs, "requester", 9080).await;
    format!("http://127.0.0.1:{port}/")
}

/// The ids of the account's RUNNING tasks.
async fn task_ids(session: &Session) -> Vec<String> {
    let listed = session
        .target()
        .ecs
        .list_tasks()
        .cluster("gophermesh")
        .send()
        .await
        .unwrap();
    listed
        .task_arns()
        .iter()
        .map(|a| a.rsplit('/').next().unwrap().to_string())
        .collect()
}

/// `n` requests through a requester: how many succeeded, and the distributor tasks that
/// answered.
pub async fn drive(url: &str, n: usize) -> (usize, Vec<String>) {
    let (ok, tasks, _) = drive_and_read(url, n).await;
    (ok, tasks)
}

/// …and the bodies of the answers that were not a success.
async fn drive_and_read(url: &str, n: usize) -> (usize, Vec<String>, Vec<String>) {
    let probe = Probe::new();
    let (mut ok, mut tasks, mut failures) = (0, Vec::new(), Vec::new());
    for _ in 0..n {
        let (status, body) = probe.get(url, None).await;
        if status == 200 {
            ok += 1;
        } else {
            failures.push(body.clone());
        }
        if let (_, Some(task)) = version_and_task(&body) {
            tasks.push(task);
        }
    }
    (ok, tasks, failures)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_accounts_run_the_whole_walkthrough_at_once_and_their_traffic_stays_apart() {
    let [alice, bob]: [Credentials; 2] = accounts(&["alice", "bob"]).try_into().unwrap();
    // Chapter 2's bakes are API minutes: at ×60 they pass in seconds.
    let cloud = room(&[alice.clone(), bob.clone()], |c| c.clock_scale = 60.0).await;
    let (a, b) = (
        session_of(&cloud, &alice).await,
        session_of(&cloud, &bob).await,
    );
    let all = RunArgs {
        all: true,
        approve: true,
        ..RunArgs::default()
    };
    side_by_side(&a, &b, &all).await;

    // Chapter 1's mesh is still up in both (chapter 2 runs beside it): each requester reaches
    // its own account's distributors only.
    let (url_a, url_b) = (requester_url(&a).await, requester_url(&b).await);
    assert_ne!(url_a, url_b);
    let (tasks_a, tasks_b) = (task_ids(&a).await, task_ids(&b).await);
    for (url, own, other) in [(&url_a, &tasks_a, &tasks_b), (&url_b, &tasks_b, &tasks_a)] {
        let (ok, answered) = drive(url, 40).await;
        assert_eq!(ok, 40);
        assert!(answered.iter().all(|t| own.contains(t)), "{answered:?}");
        assert!(!answered.iter().any(|t| other.contains(t)));
    }

    // Everything to v2 in both accounts; then v2 fails every request, in bob's account only.
    for session in [&a, &b] {
        set_tutorial_route(
            &session.target().appmesh,
            http_route("/", &[("distributorV2", 1)]),
        )
        .await;
    }
    cloud.faults().for_account(&bob.account_id).set(
        "v2",
        Some(Fault {
            error_rate: 1.0,
            ..Fault::NONE
        }),
    );
    let (ok_a, _) = drive(&url_a, 40).await;
    let (ok_b, _) = drive(&url_b, 40).await;
    assert_eq!(ok_a, 40, "alice's v2 is not bob's");
    assert_eq!(ok_b, 0, "bob's v2 fails every request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accounts_data_plane_requests_are_capped_and_another_account_is_not_held_back() {
    let [alice, bob]: [Credentials; 2] = accounts(&["alice", "bob"]).try_into().unwrap();
    let cloud = room(&[alice.clone(), bob.clone()], |c| {
        c.caps.data_plane_per_second = 20;
    })
    .await;
    let (a, b) = (
        session_of(&cloud, &alice).await,
        session_of(&cloud, &bob).await,
    );
    side_by_side(&a, &b, &services_up()).await;
    let (url_a, url_b) = (requester_url(&a).await, requester_url(&b).await);

    // Alice sends faster than 20 a second: her sidecar answers the rest as Envoy's local
    // rate limit does, and the requester says so.
    let (ok, _, failures) = drive_and_read(&url_a, 80).await;
    assert!(ok >= 20, "the burst goes through: {ok}");
    assert!(
        !failures.is_empty(),
        "80 requests at once are more than 20 a second"
    );
    assert!(failures.iter().all(|f| f.contains("429")), "{failures:#?}");
    // Bob's bucket is his own.
    let (ok, _) = drive(&url_b, 15).await;
    assert_eq!(ok, 15);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_added_while_the_cloud_runs_works_and_once_removed_leaves_nothing_running() {
    let [alice]: [Credentials; 1] = accounts(&["alice"]).try_into().unwrap();
    let cloud = room(std::slice::from_ref(&alice), |_| {}).await;
    let carol = cloud.control.cloud.add_account("carol").unwrap();
    assert!(
        cloud.control.cloud.add_account("carol").is_err(),
        "names are unique"
    );
    let (a, c) = (
        session_of(&cloud, &alice).await,
        session_of(&cloud, &carol).await,
    );
    side_by_side(&a, &c, &services_up()).await;
    let (url_a, url_c) = (requester_url(&a).await, requester_url(&c).await);
    assert_eq!(drive(&url_c, 5).await.0, 5, "carol's requester answers");

    cloud.control.cloud.remove_account("carol").unwrap();
    let refused = c.target().appmesh.list_meshes().send().await.unwrap_err();
    assert_eq!(
        aws_sdk_appmesh::error::ProvideErrorMetadata::code(&refused),
        Some("UnrecognizedClientException")
    );
    let snapshot = cloud.control.cloud.snapshot();
    assert!(
        snapshot
            .ecs
            .scopes
            .keys()
            .chain(snapshot.appmesh.scopes.keys())
            .all(|scope| scope.account != carol.account_id),
        "nothing of carol's is left"
    );
    // Her tasks stop: her requester's port stops answering.
    let client = meshwalk::http_client::http_client();
    eventually("carol's requester stops", || {
        let client = client.clone();
        let url = url_c.clone();
        async move {
            let request = axum::http::Request::get(&url)
                .body(meshwalk::http_client::full(Vec::new()))
                .unwrap();
            client.request(request).await.is_err().then_some(())
        }
    })
    .await;
    assert_eq!(
        drive(&url_a, 5).await.0,
        5,
        "alice's requester still answers"
    );
}
