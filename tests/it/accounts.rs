//! One embedded cloud, many accounts: every request signed with an account's own key,
//! through the real SDK clients and raw HTTP signed by aws-sigv4 (the SDK's own signer);
//! each account sees only its own resources.

use std::time::{Duration, SystemTime};

use aws_sdk_appmesh::config::Credentials as SdkCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use meshwalk::api::target::endpoint_config_as;
use meshwalk::emulator::accounts::{Accounts, Credentials};
use meshwalk::emulator::{CloudConfig, RunningCloud};

use crate::raw_http::{RawResponse, exchange};
use crate::support::*;

/// An account's clients of every service the cloud speaks.
pub struct Seat {
    pub account: Credentials,
    pub appmesh: aws_sdk_appmesh::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub cloudmap: aws_sdk_servicediscovery::Client,
    pub sts: aws_sdk_sts::Client,
}

impl Seat {
    pub fn new(cloud: &RunningCloud, account: &Credentials) -> Seat {
        Seat::with_keys(
            cloud,
            account,
            &account.access_key_id,
            &account.secret_access_key,
        )
    }

    /// The account's clients, signing with these keys (someone else's, made up, wrong...).
    pub fn with_keys(cloud: &RunningCloud, account: &Credentials, key: &str, secret: &str) -> Seat {
        let credentials = SdkCredentials::new(key, secret, None, None, "test");
        let config = endpoint_config_as(&cloud.endpoint(), "us-east-1", credentials);
        Seat {
            account: account.clone(),
            appmesh: aws_sdk_appmesh::Client::new(&config),
            ecs: aws_sdk_ecs::Client::new(&config),
            cloudmap: aws_sdk_servicediscovery::Client::new(&config),
            sts: aws_sdk_sts::Client::new(&config),
        }
    }
}

/// `names` as accounts of a new cloud on 127.0.0.1:0.
pub fn accounts(names: &[&str]) -> Vec<Credentials> {
    let registry = Accounts::verified(vec![]);
    names.iter().map(|n| registry.add(n).unwrap()).collect()
}

pub async fn start_with_accounts(accounts: &[Credentials]) -> RunningCloud {
    let config = CloudConfig {
        accounts: Some(accounts.to_vec()),
        ..test_config()
    };
    RunningCloud::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("embedded cloud starts")
}

#[tokio::test]
async fn two_accounts_build_the_same_names_and_each_sees_only_its_own() {
    let [alice, bob]: [Credentials; 2] = accounts(&["alice", "bob"]).try_into().unwrap();
    let cloud = start_with_accounts(&[alice.clone(), bob.clone()]).await;
    let (a, b) = (Seat::new(&cloud, &alice), Seat::new(&cloud, &bob));
    for seat in [&a, &b] {
        build_tutorial_mesh(&seat.appmesh).await;
        seat.ecs
            .create_cluster()
            .cluster_name("gophermesh")
            .send()
            .await
            .unwrap();
    }
    a.cloudmap
        .create_http_namespace()
        .name("gophers.local")
        .send()
        .await
        .unwrap();

    for seat in [&a, &b] {
        let me = &seat.account.account_id;
        let identity = seat.sts.get_caller_identity().send().await.unwrap();
        assert_eq!(identity.account(), Some(me.as_str()));
        assert_eq!(
            identity.arn(),
            Some(format!("arn:aws:iam::{me}:user/{}", seat.account.name).as_str())
        );
        let meshes = seat.appmesh.list_meshes().send().await.unwrap();
        assert_eq!(meshes.meshes().len(), 1);
        assert_eq!(meshes.meshes()[0].mesh_owner(), me);
        assert_eq!(
            meshes.meshes()[0].arn(),
            format!("arn:aws:appmesh:us-east-1:{me}:mesh/gophermesh")
        );
        assert_eq!(tutorial_route_version(&seat.appmesh).await, 1);
        let clusters = seat.ecs.list_clusters().send().await.unwrap();
        assert_eq!(
            clusters.cluster_arns(),
            [format!("arn:aws:ecs:us-east-1:{me}:cluster/gophermesh")]
        );
    }
    // A change in one account leaves the other's same-named route as it was.
    set_tutorial_route(&a.appmesh, http_route("/", &[("distributorV2", 1)])).await;
    assert_eq!(tutorial_route_version(&a.appmesh).await, 2);
    assert_eq!(
        tutorial_route_version(&b.appmesh).await,
        1,
        "bob's route is untouched"
    );
    let namespaces = |s: &Seat| {
        let c = s.cloudmap.clone();
        async move { c.list_namespaces().send().await.unwrap().namespaces().len() }
    };
    assert_eq!((namespaces(&a).await, namespaces(&b).await), (1, 0));
}

#[tokio::test]
async fn keys_that_are_not_an_accounts_are_refused_in_every_service() {
    let [alice]: [Credentials; 1] = accounts(&["alice"]).try_into().unwrap();
    let cloud = start_with_accounts(std::slice::from_ref(&alice)).await;
    let unknown = "The security token included in the request is invalid.";
    let cases = [
        ("test", "test", "UnrecognizedClientException", unknown),
        (
            alice.account_id.as_str(),
            alice.secret_access_key.as_str(),
            "UnrecognizedClientException",
            unknown,
        ),
        (
            alice.access_key_id.as_str(),
            "not-alices-secret",
            "InvalidSignatureException",
            meshwalk::emulator::sigv4::SIGNATURE_MISMATCH,
        ),
    ];
    for (key, secret, code, message) in cases {
        let seat = Seat::with_keys(&cloud, &alice, key, secret);
        let results = [
            error_of(seat.appmesh.create_mesh().mesh_name("m").send().await),
            error_of(seat.ecs.create_cluster().cluster_name("c").send().await),
            error_of(
                seat.cloudmap
                    .create_http_namespace()
                    .name("n.local")
                    .send()
                    .await,
            ),
            error_of(seat.sts.get_caller_identity().send().await),
        ];
        for (i, (got_code, got_message)) in results.into_iter().enumerate() {
            // STS speaks AWS Query, whose services name these two refusals their own way.
            let code = match (i, code) {
                (3, "UnrecognizedClientException") => "InvalidClientTokenId",
                (3, "InvalidSignatureException") => "SignatureDoesNotMatch",
                _ => code,
            };
            assert_eq!(
                (got_code.as_str(), got_message.as_str()),
                (code, message),
                "service {i} with key {key}"
            );
        }
    }
    let seat = Seat::new(&cloud, &alice);
    assert!(
        seat.appmesh
            .list_meshes()
            .send()
            .await
            .unwrap()
            .meshes()
            .is_empty()
    );
    assert!(
        seat.ecs
            .list_clusters()
            .send()
            .await
            .unwrap()
            .cluster_arns()
            .is_empty()
    );
}

/// A raw request: what is signed and sent.
pub struct Raw<'a> {
    /// The signing name: `appmesh`, `ecs`, `servicediscovery`, `sts`.
    pub service: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: String,
}

/// `raw`, signed by aws-sigv4 as the SDKs sign (with `account`'s keys, at `at`), then changed
/// by `tamper` before it is sent.
pub async fn signed(
    cloud: &RunningCloud,
    account: &Credentials,
    raw: Raw<'_>,
    at: SystemTime,
    tamper: impl FnOnce(&mut axum::http::Request<String>),
) -> RawResponse {
    let host = cloud.addr.to_string();
    let mut request = axum::http::Request::builder()
        .method(raw.method)
        .uri(format!("http://{host}{}", raw.path))
        .header("host", &host);
    for (name, value) in raw.headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(raw.body).unwrap();
    let identity = SdkCredentials::new(
        &account.access_key_id,
        &account.secret_access_key,
        None,
        None,
        "test",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(raw.service)
        .time(at)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        raw.method,
        request.uri().to_string(),
        request
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_str().unwrap())),
        SignableBody::Bytes(request.body().as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    instructions.apply_to_request_http1x(&mut request);
    tamper(&mut request);
    let mut text = format!("{} {} HTTP/1.1\r\n", raw.method, raw.path);
    for (name, value) in request.headers() {
        text.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    let body = request.body();
    text.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ));
    exchange(cloud.addr, text.as_bytes())
        .await
        .expect("an answer")
}

/// A raw App Mesh CreateMesh of the mesh `signed`.
async fn signed_create_mesh(
    cloud: &RunningCloud,
    account: &Credentials,
    at: SystemTime,
    tamper: impl FnOnce(&mut axum::http::Request<String>),
) -> RawResponse {
    let raw = Raw {
        service: "appmesh",
        method: "PUT",
        path: "/v20190125/meshes",
        headers: &[("content-type", "application/json")],
        body: r#"{"meshName":"signed"}"#.to_string(),
    };
    signed(cloud, account, raw, at, tamper).await
}

#[tokio::test]
async fn tampered_replayed_and_half_signed_requests_are_refused() {
    let [alice]: [Credentials; 1] = accounts(&["alice"]).try_into().unwrap();
    let cloud = start_with_accounts(std::slice::from_ref(&alice)).await;
    let now = SystemTime::now();
    let refused = |r: RawResponse, code: &str, says: &str| {
        assert_eq!(r.status, 403, "{r:?}");
        assert_eq!(r.header("x-amzn-errortype"), Some(code), "{r:?}");
        let message = r.json()["message"].as_str().unwrap_or_default().to_string();
        assert!(message.contains(says), "{message}");
    };

    let body_changed = signed_create_mesh(&cloud, &alice, now, |r| {
        *r.body_mut() = r#"{"meshName":"forged"}"#.into();
    })
    .await;
    refused(body_changed, "InvalidSignatureException", "does not match");
    let header_added = signed_create_mesh(&cloud, &alice, now, |r| {
        r.headers_mut()
            .insert("x-amz-meta-injected", "1".parse().unwrap());
    })
    .await;
    refused(
        header_added,
        "InvalidSignatureException",
        "'x-amz-meta-injected' is present but not among the SignedHeaders",
    );
    let replayed =
        signed_create_mesh(&cloud, &alice, now - Duration::from_secs(20 * 60), |_| {}).await;
    refused(replayed, "InvalidSignatureException", "Signature expired: ");
    let unsigned = signed_create_mesh(&cloud, &alice, now, |r| {
        r.headers_mut().remove("authorization");
    })
    .await;
    refused(
        unsigned,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    );
    let host_unsigned = signed_create_mesh(&cloud, &alice, now, |r| {
        let auth = r.headers()["authorization"].to_str().unwrap().to_string();
        let auth = auth.replace(
            "SignedHeaders=content-type;host;",
            "SignedHeaders=content-type;",
        );
        r.headers_mut()
            .insert("authorization", auth.parse().unwrap());
    })
    .await;
    refused(host_unsigned, "InvalidSignatureException", "'host' must be");

    // The same request, untouched, is accepted: the refusals above are the tampering's.
    let honest = signed_create_mesh(&cloud, &alice, now, |_| {}).await;
    assert_eq!(honest.status, 200, "{honest:?}");
    let seat = Seat::new(&cloud, &alice);
    let meshes = seat.appmesh.list_meshes().send().await.unwrap();
    let names: Vec<&str> = meshes.meshes().iter().map(|m| m.mesh_name()).collect();
    assert_eq!(names, ["signed"], "nothing else was created");
}

#[tokio::test]
async fn without_accounts_any_credentials_act_in_the_one_account() {
    let cloud = start().await;
    let config = endpoint_config_as(
        &cloud.running.endpoint(),
        "us-east-1",
        SdkCredentials::new("test", "test", None, None, "test"),
    );
    let identity = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(identity.account(), Some(ACCOUNT));
    aws_sdk_appmesh::Client::new(&config)
        .create_mesh()
        .mesh_name("m")
        .send()
        .await
        .unwrap();
    let meshes = cloud.appmesh.list_meshes().send().await.unwrap();
    assert_eq!(meshes.meshes()[0].mesh_owner(), ACCOUNT);
}

#[tokio::test]
async fn an_accounts_api_calls_are_capped_and_another_account_is_not_held_back() {
    let [alice, bob]: [Credentials; 2] = accounts(&["alice", "bob"]).try_into().unwrap();
    let config = CloudConfig {
        accounts: Some(vec![alice.clone(), bob.clone()]),
        caps: meshwalk::emulator::caps::AccountCaps {
            api_per_second: 1,
            api_burst: 4,
            live_tasks: 2,
            ..Default::default()
        },
        ..test_config()
    };
    let cloud = RunningCloud::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    // No retries: the throttling answer itself is what is checked.
    let appmesh = |account: &Credentials| {
        let credentials = SdkCredentials::new(
            &account.access_key_id,
            &account.secret_access_key,
            None,
            None,
            "test",
        );
        let config = endpoint_config_as(&cloud.endpoint(), "us-east-1", credentials);
        let config = aws_sdk_appmesh::config::Builder::from(&config)
            .retry_config(aws_sdk_appmesh::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_appmesh::Client::from_conf(config)
    };
    let (a, b) = (appmesh(&alice), appmesh(&bob));
    for _ in 0..4 {
        a.list_meshes().send().await.unwrap();
    }
    let (code, message) = error_of(a.list_meshes().send().await);
    assert_eq!(code, "TooManyRequestsException");
    assert!(
        message.contains("1 requests a second (bursts of 4)"),
        "{message}"
    );
    b.list_meshes()
        .send()
        .await
        .expect("bob has his own bucket");
}

#[tokio::test]
async fn an_accounts_live_tasks_are_capped() {
    let [alice]: [Credentials; 1] = accounts(&["alice"]).try_into().unwrap();
    let config = CloudConfig {
        accounts: Some(vec![alice.clone()]),
        caps: meshwalk::emulator::caps::AccountCaps {
            live_tasks: 2,
            ..Default::default()
        },
        ..test_config()
    };
    let cloud = RunningCloud::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let ecs = Seat::new(&cloud, &alice).ecs;
    ecs.create_cluster().cluster_name("c").send().await.unwrap();
    crate::ecs_support::register_tutorial_task_definitions(&ecs).await;
    let run = || {
        ecs.run_task()
            .cluster("c")
            .task_definition("gopher-requester")
            .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
            .network_configuration(crate::ecs_support::awsvpc())
    };
    run().count(2).send().await.unwrap();
    let (code, message) = error_of(run().send().await);
    assert_eq!(code, "LimitExceededException");
    assert!(
        message.contains("(2 in this account and Region)"),
        "{message}"
    );
    // A service wanting more says why it cannot place them.
    ecs.create_service()
        .cluster("c")
        .service_name("s")
        .task_definition("gopher-requester")
        .desired_count(1)
        .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
        .network_configuration(crate::ecs_support::awsvpc())
        .send()
        .await
        .unwrap();
    let said = eventually("the service says it cannot place a task", || async {
        let services = ecs
            .describe_services()
            .cluster("c")
            .services("s")
            .send()
            .await
            .unwrap();
        let events = services.services()[0].events().to_vec();
        events
            .iter()
            .find_map(|e| e.message().filter(|m| m.contains("unable to place a task")))
            .map(str::to_string)
    })
    .await;
    assert!(
        said.contains("limit on the number of tasks you can run concurrently (2 in"),
        "{said}"
    );
}

/// `meshwalk serve --accounts alice,bob --credentials FILE`, the process: the file is written
/// once the cloud listens, readable by its owner only, and its keys work; others do not.
#[tokio::test]
async fn meshwalk_serve_with_accounts_writes_keys_that_work() {
    use std::os::unix::fs::PermissionsExt;
    use tokio::io::{AsyncBufReadExt, BufReader};

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("room.jsonl");
    let mut serve = tokio::process::Command::new(env!("CARGO_BIN_EXE_meshwalk"))
        .args([
            "serve",
            "--port",
            "0",
            "--accounts",
            "alice,bob",
            "--credentials",
        ])
        .arg(&file)
        .env("MESHWALK_STATE_DIR", dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let endpoint = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no endpoint in {first:?}"))
        .to_string();
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let written = meshwalk::emulator::accounts::read_credentials_file(&file).unwrap();
    let names: Vec<&str> = written.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["alice", "bob"]);

    let sts = |key: &str, secret: &str| {
        let credentials = SdkCredentials::new(key, secret, None, None, "test");
        aws_sdk_sts::Client::new(&endpoint_config_as(&endpoint, "us-east-1", credentials))
    };
    for account in &written {
        let identity = sts(&account.access_key_id, &account.secret_access_key)
            .get_caller_identity()
            .send()
            .await
            .unwrap();
        assert_eq!(identity.account(), Some(account.account_id.as_str()));
    }
    let (code, _) = error_of(sts("test", "test").get_caller_identity().send().await);
    assert_eq!(code, "InvalidClientTokenId");
}

#[tokio::test]
async fn a_target_learns_its_account_from_sts_and_says_when_its_keys_are_refused() {
    use meshwalk::api::target::{Target, TargetKind};
    let [alice]: [Credentials; 1] = accounts(&["alice"]).try_into().unwrap();
    let cloud = start_with_accounts(std::slice::from_ref(&alice)).await;
    let target = |key: &str, secret: &str| {
        Target::endpoint_as(
            TargetKind::Endpoint,
            &cloud.endpoint(),
            "us-east-1",
            "000000000000",
            SdkCredentials::new(key, secret, None, None, "test"),
        )
    };
    let known = target(&alice.access_key_id, &alice.secret_access_key)
        .identified()
        .await
        .unwrap();
    assert_eq!(known.account, alice.account_id);
    let refused = target("test", "test").identified().await.unwrap_err();
    assert!(
        refused.contains("refused the credentials") && refused.contains("InvalidClientTokenId"),
        "{refused}"
    );
}

#[tokio::test]
async fn sts_offers_get_caller_identity_only() {
    let cloud = start().await;
    let form = |body: &str| {
        format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    for (body, code) in [
        ("Action=AssumeRole&Version=2011-06-15", "InvalidAction"),
        ("Version=2011-06-15", "MissingAction"),
    ] {
        let answer = exchange(cloud.running.addr, form(body).as_bytes())
            .await
            .unwrap();
        assert_eq!(answer.status, 400, "{answer:?}");
        let text = String::from_utf8_lossy(&answer.body).into_owned();
        assert!(text.contains(&format!("<Code>{code}</Code>")), "{text}");
    }
    let identity = exchange(
        cloud.running.addr,
        form("Action=GetCallerIdentity&Version=2011-06-15").as_bytes(),
    )
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&identity.body).into_owned();
    assert!(
        text.contains(&format!("<Account>{ACCOUNT}</Account>")),
        "{text}"
    );
}
