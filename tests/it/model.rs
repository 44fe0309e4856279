//! The wire shapes' own pieces (crates/model): operation URI templates, decode errors with
//! line, column and member path, and the validation messages AWS words.

use meshwalk::model::appmesh::{self, CreateVirtualNodeInput};
use meshwalk::model::protocol::{DecodeError, Operation, decode_str, decode_value};
use meshwalk::model::validate::Violations;

fn op(name: &str) -> &'static Operation {
    appmesh::OPERATIONS
        .iter()
        .find(|o| o.name == name)
        .expect(name)
}

#[test]
fn uri_templates_match_labels() {
    let describe = op("DescribeRoute");
    let labels = describe
        .match_path("GET", "/v20190125/meshes/m/virtualRouter/r/routes/x")
        .expect("matches");
    assert_eq!(
        labels,
        [
            ("meshName", "m"),
            ("virtualRouterName", "r"),
            ("routeName", "x")
        ]
    );
    assert!(
        describe
            .match_path("DELETE", "/v20190125/meshes/m/virtualRouter/r/routes/x")
            .is_none()
    );
    assert!(
        op("DescribeMesh")
            .match_path("GET", "/v20190125/meshes/m/virtualNodes")
            .is_none()
    );
    assert!(
        op("DescribeMesh")
            .match_path("GET", "/v20190125/meshes/")
            .is_none()
    );
}

#[test]
fn text_errors_carry_line_column_and_member_path() {
    let text = "{\n  \"meshName\": \"m\",\n  \"virtualNodeName\": \"n\",\n  \"spec\": {\"listners\": []}\n}";
    let err = decode_str::<CreateVirtualNodeInput>(text).unwrap_err();
    let DecodeError::Invalid {
        path,
        message,
        line,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(line, &4);
    assert_eq!(path, "spec.listners");
    assert!(message.contains("unknown field `listners`"), "{message}");
    assert!(err.to_string().starts_with("line 4, column"), "{err}");
}

#[test]
fn missing_required_member_is_named() {
    let err =
        decode_value::<CreateVirtualNodeInput>(serde_json::json!({"meshName": "m"})).unwrap_err();
    assert!(err.to_string().contains("missing field `spec`"), "{err}");
}

#[test]
fn paths_and_messages_name_the_field() {
    let mut v = Violations::default();
    v.at("spec", |v| {
        v.at("listeners", |v| {
            v.at_index(0, |v| {
                v.at("port", |v| v.range(70000, Some(1), Some(65535)))
            })
        })
    });
    v.at("name", |v| v.length(0, Some(1), Some(255)));
    assert_eq!(v.list().len(), 2);
    assert_eq!(v.list()[0].field, "spec.listeners[0].port");
    assert_eq!(
        v.to_string(),
        "2 validation errors detected: Value at 'spec.listeners[0].port' failed to satisfy \
         constraint: Member must have value less than or equal to 65535; Value at 'name' \
         failed to satisfy constraint: Member must have length greater than or equal to 1"
    );
}

#[test]
fn unions_need_exactly_one_member() {
    let mut v = Violations::default();
    v.exactly_one(&[("dns", false), ("awsCloudMap", false)]);
    v.exactly_one(&[("dns", true), ("awsCloudMap", true)]);
    v.exactly_one(&[("dns", true), ("awsCloudMap", false)]);
    assert_eq!(v.list().len(), 2);
}

#[test]
fn patterns_and_enums() {
    let mut v = Violations::default();
    v.pattern("abc", "^[a-z]+$");
    v.one_of("HTTP", &["http", "tcp"]);
    v.pattern("ABC", "^[a-z]+$");
    assert_eq!(v.list().len(), 2);
}
