//! meshwalk's one integration-test binary (each extra binary would re-link the AWS SDK).

mod appmesh_api;
mod appmesh_errors;
mod appmesh_store_props;
mod appmesh_tutorial;
mod bounds;
mod check_and_errors;
mod cloudmap_api;
mod cloudmap_cbor;
mod dataplane;
mod dataplane_resilience;
mod dataplane_support;
mod ecs_api;
mod ecs_errors;
mod ecs_fidelity;
mod ecs_support;
mod export;
mod fuzz;
mod handler_coverage;
mod hardening_front;
mod notes;
mod raw_http;
mod resume;
mod support;
mod traffic_command;
mod tui_snapshots;
mod walkthrough;
