//! The whole tutorial running on the embedded cloud: App Mesh resources, ECS services, and the
//! data plane serving real HTTP on loopback.

use aws_sdk_appmesh::types::{HttpRetryPolicy, RouteSpec};
use aws_sdk_ecs::types::DesiredStatus;
use meshwalk::api::target::endpoint_config;
use meshwalk::dataplane::DataPlaneConfig;
use meshwalk::embedded::EmbeddedCloud;

/// How much faster than App Mesh spells them the tests' resilience intervals run (a 5 s
/// health check interval is 200 ms).
pub const SPEEDUP: u32 = 25;

use crate::ecs_support::*;
use crate::support::*;

pub struct Tutorial {
    pub cloud: EmbeddedCloud,
    pub appmesh: aws_sdk_appmesh::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub http: probe::Probe,
}

/// Real HTTP on loopback with the data plane's own client.
pub mod probe {
    use axum::http::{HeaderMap, HeaderValue, Method, Request, header};
    use http_body_util::BodyExt;
    use meshwalk::http_client::{HttpClient, full, http_client};

    #[derive(Clone)]
    pub struct Probe(HttpClient);

    impl Probe {
        pub fn new() -> Probe {
            Probe(http_client())
        }

        /// GET `url` (with `host` as the Host header if given): (status, body).
        pub async fn get(&self, url: &str, host: Option<&str>) -> (u16, String) {
            let (status, _headers, body) = self.send(Method::GET, url, host, Vec::new()).await;
            (status, body)
        }

        /// GET `url` with one more header: (status, body).
        pub async fn get_with(&self, url: &str, name: &str, value: &str) -> (u16, String) {
            let request = Request::get(url)
                .header(name, HeaderValue::from_str(value).unwrap())
                .body(full(Vec::new()))
                .unwrap();
            let response = self.0.request(request).await.unwrap();
            let (parts, body) = response.into_parts();
            let body = body.collect().await.unwrap().to_bytes();
            (
                parts.status.as_u16(),
                String::from_utf8_lossy(&body).into_owned(),
            )
        }

        /// Sends `body` to `url` (with `host` as the Host header if given): (status, headers,
        /// body).
        pub async fn send(
            &self,
            method: Method,
            url: &str,
            host: Option<&str>,
            body: Vec<u8>,
        ) -> (u16, HeaderMap, String) {
            let mut request = Request::builder().method(method).uri(url);
            if let Some(host) = host {
                request = request.header(header::HOST, HeaderValue::from_str(host).unwrap());
            }
            let response = self
                .0
                .request(request.body(full(body)).unwrap())
                .await
                .unwrap();
            let (parts, body) = response.into_parts();
            let body = body.collect().await.unwrap().to_bytes();
            let body = String::from_utf8_lossy(&body).into_owned();
            (parts.status.as_u16(), parts.headers, body)
        }
    }
}

pub async fn start_tutorial() -> Tutorial {
    let cloud = EmbeddedCloud::start(
        test_config(),
        "127.0.0.1:0".parse().unwrap(),
        DataPlaneConfig {
            seed: 7,
            speedup: SPEEDUP,
        },
    )
    .await
    .unwrap();
    let config = endpoint_config(&cloud.endpoint(), "us-east-1");
    let appmesh = aws_sdk_appmesh::Client::new(&config);
    let ecs = aws_sdk_ecs::Client::new(&config);
    build_tutorial_mesh(&appmesh).await;
    ecs.create_cluster()
        .cluster_name("gophermesh")
        .send()
        .await
        .unwrap();
    register_tutorial_task_definitions(&ecs).await;
    for (service, td) in [
        ("requester", "gopher-requester:1"),
        ("distributor-v1", "gopher-distributor:1"),
        ("distributor-v2", "gopher-distributor:2"),
    ] {
        ecs.create_service()
            .cluster("gophermesh")
            .service_name(service)
            .task_definition(td)
            .desired_count(1)
            .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
            .network_configuration(awsvpc())
            .send()
            .await
            .unwrap();
    }
    let tutorial = Tutorial {
        cloud,
        appmesh,
        ecs,
        http: probe::Probe::new(),
    };
    for service in ["requester", "distributor-v1", "distributor-v2"] {
        tutorial.wait_running(service, 1).await;
    }
    tutorial
}

impl Tutorial {
    /// Waits until `service` has exactly `n` RUNNING tasks; returns their ARNs.
    pub async fn wait_running(&self, service: &str, n: usize) -> Vec<String> {
        eventually(&format!("{service} running {n} tasks"), || async {
            let listed = self
                .ecs
                .list_tasks()
                .cluster("gophermesh")
                .service_name(service)
                .desired_status(DesiredStatus::Running)
                .send()
                .await
                .unwrap();
            if listed.task_arns().len() != n {
                return None;
            }
            if n == 0 {
                return Some(vec![]);
            }
            let mut d = self.ecs.describe_tasks().cluster("gophermesh");
            for arn in listed.task_arns() {
                d = d.tasks(arn);
            }
            let tasks = d.send().await.unwrap();
            tasks
                .tasks()
                .iter()
                .all(|t| t.last_status() == Some("RUNNING"))
                .then(|| listed.task_arns().to_vec())
        })
        .await
    }

    /// The host port of a container port of the first RUNNING task of `service`.
    pub async fn host_port(&self, service: &str, container: &str, container_port: i32) -> u16 {
        let arns = self.wait_running(service, 1).await;
        let tasks = self
            .ecs
            .describe_tasks()
            .cluster("gophermesh")
            .tasks(&arns[0])
            .send()
            .await
            .unwrap();
        let c = tasks.tasks()[0]
            .containers()
            .iter()
            .find(|c| c.name() == Some(container))
            .unwrap();
        let b = c
            .network_bindings()
            .iter()
            .find(|b| b.container_port() == Some(container_port))
            .unwrap();
        assert_eq!(b.bind_ip(), Some("127.0.0.1"));
        u16::try_from(b.host_port().unwrap()).unwrap()
    }

    pub async fn requester_url(&self) -> String {
        format!(
            "http://127.0.0.1:{}/",
            self.host_port("requester", "requester", 9080).await
        )
    }

    pub async fn set_route(&self, spec: RouteSpec) {
        set_tutorial_route(&self.appmesh, spec).await;
    }

    pub async fn set_weights(&self, v1: i32, v2: i32) {
        self.set_route(http_route(
            "/",
            &[("distributorV1", v1), ("distributorV2", v2)],
        ))
        .await;
    }
}

/// An HTTP route with a retry policy on server errors.
pub fn retrying_route(v1: i32, v2: i32, retries: i64) -> RouteSpec {
    let mut spec = http_route("/", &[("distributorV1", v1), ("distributorV2", v2)]);
    let route = spec.http_route.as_mut().unwrap();
    route.retry_policy = Some(
        HttpRetryPolicy::builder()
            .max_retries(retries)
            .per_retry_timeout(
                aws_sdk_appmesh::types::Duration::builder()
                    .unit(aws_sdk_appmesh::types::DurationUnit::Ms)
                    .value(2000)
                    .build(),
            )
            .http_retry_events("server-error")
            .build()
            .unwrap(),
    );
    spec
}

/// The distributor version and task in a requester's answer.
pub fn version_and_task(body: &str) -> (Option<String>, Option<String>) {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let get = |p: &str| json.pointer(p).and_then(|v| v.as_str()).map(str::to_string);
    (get("/distributor/version"), get("/distributor/task"))
}
