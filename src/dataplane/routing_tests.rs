//! Route matching, priority, weights, timeouts and retry bounds, tested directly.

use super::*;
use serde_json::{Value, json};

/// A route spec as the wire writes it: an HTTP route to `node` with match `m`.
fn http(priority: Option<i32>, m: Value, node: &str) -> Value {
    let mut spec = json!({
        "httpRoute": {
            "match": m,
            "action": {"weightedTargets": [{"virtualNode": node, "weight": 1}]}
        }
    });
    if let Some(p) = priority {
        spec["priority"] = json!(p);
    }
    spec
}

fn compile(routes: &[(&str, Value)]) -> Vec<CompiledRoute> {
    let specs: Vec<(&str, am::RouteSpec)> = routes
        .iter()
        .map(|(name, spec)| {
            let spec = serde_json::from_value(spec.clone())
                .unwrap_or_else(|e| panic!("route {name}: {e}"));
            (*name, spec)
        })
        .collect();
    compile_routes(specs.iter().map(|(n, s)| (*n, s)))
}

/// A request to the router's service.
#[derive(Clone, Copy)]
struct Req<'a> {
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    headers: &'a [(&'a str, &'a str)],
}

const GET: Req<'static> = Req {
    method: "GET",
    path: "/",
    query: None,
    headers: &[],
};

/// The name of the route `request` takes, or None for no route.
fn pick(routes: &[CompiledRoute], request: Req<'_>) -> Option<String> {
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_string())
    };
    let facts = RequestFacts {
        host: "svc.local",
        method: request.method,
        path: request.path,
        query: request.query,
        header: &header,
    };
    match choose(routes, &facts, &mut |_| 0) {
        Ok((route, _)) => Some(route.name.clone()),
        Err(Unroutable::NoRoute(host)) => {
            assert_eq!(host, "svc.local");
            None
        }
        Err(other) => panic!("unexpected {other:?}"),
    }
}

fn path(path: &str) -> Req<'_> {
    Req { path, ..GET }
}

#[test]
fn prefixes_match_the_longest_first_within_a_priority() {
    let routes = compile(&[
        ("root", http(None, json!({"prefix": "/"}), "a")),
        ("api", http(None, json!({"prefix": "/api"}), "b")),
        ("api-v2", http(None, json!({"prefix": "/api/v2"}), "c")),
    ]);
    assert_eq!(pick(&routes, path("/api/v2/x")).as_deref(), Some("api-v2"));
    assert_eq!(pick(&routes, path("/api/v1")).as_deref(), Some("api"));
    assert_eq!(pick(&routes, path("/other")).as_deref(), Some("root"));
}

#[test]
fn priority_comes_before_prefix_length_and_unprioritised_routes_come_last() {
    let routes = compile(&[
        ("long", http(None, json!({"prefix": "/api/v2"}), "a")),
        ("catch-all", http(Some(5), json!({"prefix": "/"}), "b")),
        ("first", http(Some(1), json!({"prefix": "/api"}), "c")),
    ]);
    assert_eq!(pick(&routes, path("/api/v2")).as_deref(), Some("first"));
    assert_eq!(pick(&routes, path("/x")).as_deref(), Some("catch-all"));
    let names: Vec<&str> = routes.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["first", "catch-all", "long"]);
}

#[test]
fn exact_paths_and_path_regexes_match_the_whole_path() {
    let routes = compile(&[
        (
            "exact",
            http(Some(1), json!({"path": {"exact": "/health"}}), "a"),
        ),
        (
            "regex",
            http(Some(2), json!({"path": {"regex": "/items/[0-9]+"}}), "b"),
        ),
    ]);
    assert_eq!(pick(&routes, path("/health")).as_deref(), Some("exact"));
    assert_eq!(pick(&routes, path("/health/x")), None);
    assert_eq!(pick(&routes, path("/items/42")).as_deref(), Some("regex"));
    // The regex is anchored at both ends.
    assert_eq!(pick(&routes, path("/items/42/x")), None);
    assert_eq!(pick(&routes, path("/v1/items/42")), None);
    assert_eq!(pick(&routes, path("/items/abc")), None);
}

#[test]
fn methods_match_case_insensitively() {
    let routes = compile(&[
        (
            "post",
            http(Some(1), json!({"prefix": "/", "method": "POST"}), "a"),
        ),
        ("any", http(Some(2), json!({"prefix": "/"}), "b")),
    ]);
    let post = |method| Req { method, ..GET };
    assert_eq!(pick(&routes, post("POST")).as_deref(), Some("post"));
    assert_eq!(pick(&routes, post("post")).as_deref(), Some("post"));
    assert_eq!(pick(&routes, post("GET")).as_deref(), Some("any"));
}

#[test]
fn every_header_match_kind_and_invert() {
    let header = |name: &str, m: Option<Value>, invert: bool| {
        let mut h = json!({"name": name, "invert": invert});
        if let Some(m) = m {
            h["match"] = m;
        }
        h
    };
    let rule =
        |priority, h: Value| http(Some(priority), json!({"prefix": "/", "headers": [h]}), "n");
    let routes = compile(&[
        (
            "exact",
            rule(1, header("x-exact", Some(json!({"exact": "yes"})), false)),
        ),
        (
            "prefix",
            rule(2, header("x-prefix", Some(json!({"prefix": "be"})), false)),
        ),
        (
            "suffix",
            rule(
                3,
                header("x-suffix", Some(json!({"suffix": "-canary"})), false),
            ),
        ),
        (
            "regex",
            rule(
                4,
                header("x-regex", Some(json!({"regex": "v[0-9]"})), false),
            ),
        ),
        (
            "range",
            rule(
                5,
                header(
                    "x-range",
                    Some(json!({"range": {"start": 10, "end": 20}})),
                    false,
                ),
            ),
        ),
        ("present", rule(6, header("x-present", None, false))),
        (
            "not-blue",
            rule(7, header("x-colour", Some(json!({"exact": "blue"})), true)),
        ),
        ("fallback", http(Some(8), json!({"prefix": "/"}), "n")),
    ]);
    let with = |headers: &'static [(&'static str, &'static str)]| Req { headers, ..GET };
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("x-exact", "yes"), ("x-colour", "blue")], "exact"),
        (&[("x-exact", "yes!"), ("x-colour", "blue")], "fallback"),
        (&[("x-prefix", "beta"), ("x-colour", "blue")], "prefix"),
        (&[("x-prefix", "alpha"), ("x-colour", "blue")], "fallback"),
        (&[("x-suffix", "eu-canary"), ("x-colour", "blue")], "suffix"),
        (
            &[("x-suffix", "canary-eu"), ("x-colour", "blue")],
            "fallback",
        ),
        (&[("x-regex", "v2"), ("x-colour", "blue")], "regex"),
        // Anchored: the whole value must match.
        (&[("x-regex", "v2x"), ("x-colour", "blue")], "fallback"),
        (&[("x-range", "10"), ("x-colour", "blue")], "range"),
        (&[("x-range", "19"), ("x-colour", "blue")], "range"),
        // The end is exclusive, and a value that is no integer is out of range.
        (&[("x-range", "20"), ("x-colour", "blue")], "fallback"),
        (&[("x-range", "9"), ("x-colour", "blue")], "fallback"),
        (&[("x-range", "ten"), ("x-colour", "blue")], "fallback"),
        (&[("x-present", ""), ("x-colour", "blue")], "present"),
        // Header names match whatever their case.
        (&[("X-Present", "1"), ("x-colour", "blue")], "present"),
        // Inverted: any other value matches; a missing header matches too.
        (&[("x-colour", "green")], "not-blue"),
        (&[], "not-blue"),
        (&[("x-colour", "blue")], "fallback"),
    ];
    for (headers, want) in cases {
        assert_eq!(
            pick(&routes, with(headers)).as_deref(),
            Some(*want),
            "headers {headers:?}"
        );
    }
}

#[test]
fn query_parameters_match_by_presence_or_exact_decoded_value() {
    let routes = compile(&[
        (
            "exact",
            http(
                Some(1),
                json!({"prefix": "/", "queryParameters": [{"name": "user", "match": {"exact": "a b/c"}}]}),
                "a",
            ),
        ),
        (
            "present",
            http(
                Some(2),
                json!({"prefix": "/", "queryParameters": [{"name": "debug"}]}),
                "b",
            ),
        ),
        ("fallback", http(Some(3), json!({"prefix": "/"}), "c")),
    ]);
    let query = |query| Req {
        query: Some(query),
        ..GET
    };
    // Percent-encoded and `+`-encoded values are decoded before they are compared.
    assert_eq!(
        pick(&routes, query("user=a%20b%2Fc")).as_deref(),
        Some("exact")
    );
    assert_eq!(
        pick(&routes, query("x=1&user=a+b%2fc")).as_deref(),
        Some("exact")
    );
    assert_eq!(
        pick(&routes, query("user=a%20b")).as_deref(),
        Some("fallback")
    );
    assert_eq!(pick(&routes, query("debug")).as_deref(), Some("present"));
    assert_eq!(
        pick(&routes, query("debug=0&y")).as_deref(),
        Some("present")
    );
    assert_eq!(
        pick(&routes, query("debugging=1")).as_deref(),
        Some("fallback")
    );
    assert_eq!(pick(&routes, GET).as_deref(), Some("fallback"));
}

#[test]
fn every_condition_of_a_route_must_hold() {
    let routes = compile(&[(
        "all",
        http(
            None,
            json!({
                "prefix": "/api",
                "method": "PUT",
                "headers": [{"name": "x-team", "match": {"exact": "red"}}],
                "queryParameters": [{"name": "v", "match": {"exact": "2"}}]
            }),
            "a",
        ),
    )]);
    let full = Req {
        method: "PUT",
        path: "/api/x",
        query: Some("v=2"),
        headers: &[("x-team", "red")],
    };
    assert_eq!(pick(&routes, full).as_deref(), Some("all"));
    assert_eq!(
        pick(
            &routes,
            Req {
                method: "GET",
                ..full
            }
        ),
        None
    );
    assert_eq!(
        pick(
            &routes,
            Req {
                path: "/apx",
                ..full
            }
        ),
        None
    );
    assert_eq!(
        pick(
            &routes,
            Req {
                query: Some("v=3"),
                ..full
            }
        ),
        None
    );
    assert_eq!(
        pick(
            &routes,
            Req {
                headers: &[],
                ..full
            }
        ),
        None
    );
}

#[test]
fn weighted_targets_split_by_the_draw() {
    let spec = json!({"httpRoute": {
        "match": {"prefix": "/"},
        "action": {"weightedTargets": [
            {"virtualNode": "v1", "weight": 3},
            {"virtualNode": "v2", "weight": 0},
            {"virtualNode": "v3", "weight": 1}
        ]}
    }});
    let routes = compile(&[("split", spec)]);
    let header = |_: &str| None;
    let facts = RequestFacts {
        host: "svc.local",
        method: "GET",
        path: "/",
        query: None,
        header: &header,
    };
    let node_for = |draw: u32| {
        let mut total = 0;
        let (route, index) = choose(&routes, &facts, &mut |t| {
            total = t;
            draw
        })
        .unwrap();
        assert_eq!(total, 4);
        route.targets[index].0.clone()
    };
    assert_eq!(
        (0..4).map(node_for).collect::<Vec<_>>(),
        ["v1", "v1", "v1", "v3"]
    );
    let zero = json!({"httpRoute": {
        "match": {"prefix": "/"},
        "action": {"weightedTargets": [{"virtualNode": "v1", "weight": 0}]}
    }});
    let routes = compile(&[("zero", zero)]);
    assert!(matches!(
        choose(&routes, &facts, &mut |_| 0),
        Err(Unroutable::NoHealthyUpstream(_))
    ));
}

#[test]
fn timeouts_and_retry_policies_are_compiled_within_bounds() {
    let with = |extra: Value| {
        let mut spec = http(None, json!({"prefix": "/"}), "a");
        for (k, v) in extra.as_object().unwrap() {
            spec["httpRoute"][k] = v.clone();
        }
        compile(&[("r", spec)]).remove(0)
    };
    let plain = with(json!({}));
    assert_eq!((plain.timeout, plain.retry), (None, None));

    let route = with(json!({
        "timeout": {"perRequest": {"unit": "ms", "value": 250}},
        "retryPolicy": {
            "maxRetries": 3,
            "perRetryTimeout": {"unit": "s", "value": 2},
            "httpRetryEvents": ["gateway-error"],
            "tcpRetryEvents": ["connection-error"]
        }
    }));
    assert_eq!(route.timeout, Some(Duration::from_millis(250)));
    assert_eq!(
        route.retry,
        Some(Retry {
            max_retries: 3,
            per_try_timeout: Duration::from_secs(2),
            server_error: false,
            gateway_error: true,
            connection_error: true,
        })
    );

    // Whatever the route says, a sidecar retries at most MAX_RETRIES times and waits at
    // most MAX_TIMEOUT; a negative count retries never.
    let huge = with(json!({
        "timeout": {"perRequest": {"unit": "s", "value": 10_000_000}},
        "retryPolicy": {
            "maxRetries": 1_000_000,
            "perRetryTimeout": {"unit": "ms", "value": i64::MAX},
            "httpRetryEvents": ["server-error"]
        }
    }));
    assert_eq!(huge.timeout, Some(MAX_TIMEOUT));
    let retry = huge.retry.unwrap();
    assert_eq!(retry.max_retries, MAX_RETRIES);
    assert_eq!(retry.per_try_timeout, MAX_TIMEOUT);
    assert!(retry.server_error && !retry.gateway_error && !retry.connection_error);
    let negative = with(json!({"retryPolicy": {
        "maxRetries": -1,
        "perRetryTimeout": {"unit": "ms", "value": 100}
    }}));
    assert_eq!(negative.retry.unwrap().max_retries, 0);

    // The http2Route's timeout counts the same way.
    let http2: am::RouteSpec = serde_json::from_value(json!({"http2Route": {
        "match": {"prefix": "/"},
        "action": {"weightedTargets": [{"virtualNode": "a", "weight": 1}]},
        "timeout": {"perRequest": {"unit": "s", "value": 3}}
    }}))
    .unwrap();
    let compiled = compile_routes([("h2", &http2)].into_iter());
    assert_eq!(compiled[0].timeout, Some(Duration::from_secs(3)));
}
