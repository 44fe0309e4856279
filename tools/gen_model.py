#!/usr/bin/env python3
"""Generate meshwalk's wire-shape types from the botocore service models.

    python3 tools/gen_model.py [MODELS_DIR]     # default: ../shared/aws-models

Writes crates/model/src/appmesh.rs, ecs.rs and servicediscovery.rs (for the ECS and
Cloud Map operations the emulator serves), and the SDK calls src/api/calls_*.rs of each. The output is committed: a
build never needs the models or Python. Run it again when the models or the generator change,
then `cargo fmt --all`; CI (.ci/run) regenerates and fails if the committed files differ.

Every structure becomes a serde struct (wire names kept with `rename`, unknown fields rejected,
required members non-optional), every operation an entry in OPERATIONS and a variant of
`Request`, and each shape's constraints (lengths, ranges, enums, patterns, unions) become a
`Validate` impl, so the emulator and the walkthrough validate exactly what the model says.
"""
import json
import os
import re
import subprocess
import sys

RUST_KEYWORDS = {
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
}

# ECS is large; the emulator serves these operations only, so only their shapes are generated.
ECS_OPERATIONS = [
    "CreateCluster", "UpdateCluster", "DescribeClusters", "ListClusters", "DeleteCluster",
    "RegisterTaskDefinition", "DescribeTaskDefinition", "ListTaskDefinitions",
    "ListTaskDefinitionFamilies", "DeregisterTaskDefinition",
    "CreateService", "UpdateService", "DescribeServices", "ListServices", "DeleteService",
    "RunTask", "StopTask", "ListTasks", "DescribeTasks",
    "TagResource", "UntagResource", "ListTagsForResource",
    "ListServiceDeployments", "DescribeServiceDeployments", "StopServiceDeployment",
    "DescribeServiceRevisions",
]

# Cloud Map: the operations the emulator serves (what ECS Service Connect and its teardown use).
SERVICEDISCOVERY_OPERATIONS = [
    "CreateHttpNamespace", "GetNamespace", "ListNamespaces", "DeleteNamespace", "GetOperation",
    "ListServices", "GetService", "DeleteService", "ListInstances", "DiscoverInstances",
]


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()
    return "r#" + s if s in RUST_KEYWORDS else s


def rust_str(s):
    return json.dumps(s)


class Gen:
    def __init__(self, model, operations=None):
        self.m = model
        self.shapes = model["shapes"]
        self.ops = {
            n: o for n, o in sorted(model["operations"].items())
            if operations is None or n in operations
        }
        self.protocol = model["metadata"]["protocol"]
        self.used = set()
        for o in self.ops.values():
            for k in ("input", "output"):
                if k in o:
                    self.walk(o[k]["shape"])
            for e in o.get("errors", []):
                self.walk(e["shape"])
        self.boxed = self.find_boxed()

    def walk(self, name):
        if name in self.used:
            return
        self.used.add(name)
        s = self.shapes[name]
        if s["type"] == "structure":
            for mm in s["members"].values():
                self.walk(mm["shape"])
        elif s["type"] == "list":
            self.walk(s["member"]["shape"])
        elif s["type"] == "map":
            self.walk(s["key"]["shape"])
            self.walk(s["value"]["shape"])

    def binding(self):
        """The name of protocol.rs's Operation here: Cloud Map has a shape named Operation too."""
        return "OperationBinding" if "Operation" in self.used else "Operation"

    def find_boxed(self):
        """Members that would make a struct infinitely large (direct recursion) get a Box."""
        boxed = set()

        def reaches(start, target, seen):
            s = self.shapes[start]
            if s["type"] != "structure":
                return False
            for mm in s["members"].values():
                t = mm["shape"]
                if t == target:
                    return True
                if t not in seen:
                    seen.add(t)
                    if reaches(t, target, seen):
                        return True
            return False

        for n in self.used:
            s = self.shapes[n]
            if s["type"] != "structure":
                continue
            for mn, mm in s["members"].items():
                t = mm["shape"]
                if self.shapes[t]["type"] == "structure" and (t == n or reaches(t, n, {t})):
                    boxed.add((n, mn))
        return boxed

    def rust_type(self, name):
        s = self.shapes[name]
        t = s["type"]
        if t == "structure":
            return name
        if t == "list":
            return "Vec<%s>" % self.rust_type(s["member"]["shape"])
        if t == "map":
            return "std::collections::BTreeMap<String, %s>" % self.rust_type(s["value"]["shape"])
        return {
            "string": "String", "integer": "i32", "long": "i64", "boolean": "bool",
            "double": "f64", "float": "f64", "timestamp": "f64", "blob": "String",
        }[t]

    def is_error(self, name):
        return self.shapes[name].get("exception", False)

    # ---- validation -------------------------------------------------------------------
    def check_value(self, shape_name, expr, depth):
        """Lines that validate the value `expr` (a reference) against shape_name."""
        s = self.shapes[shape_name]
        t = s["type"]
        out = []
        if t == "string":
            if "min" in s or "max" in s:
                out.append("v.length(%s.chars().count(), %s, %s);" % (
                    expr, opt(s.get("min")), opt(s.get("max"))))
            if "enum" in s:
                out.append("v.one_of(%s, &[%s]);" % (expr, ", ".join(rust_str(e) for e in s["enum"])))
            if "pattern" in s:
                out.append("v.pattern(%s, %s);" % (expr, rust_str(s["pattern"])))
        elif t in ("integer", "long"):
            if "min" in s or "max" in s:
                out.append("v.range(i64::from(*%s), %s, %s);" % (expr, opt(s.get("min")), opt(s.get("max"))))
        elif t == "list":
            if "min" in s or "max" in s:
                out.append("v.length(%s.len(), %s, %s);" % (expr, opt(s.get("min")), opt(s.get("max"))))
            inner = self.check_value(s["member"]["shape"], "item%d" % depth, depth + 1)
            if inner:
                out.append("for (i, item%d) in %s.iter().enumerate() {" % (depth, expr))
                out.append("v.at_index(i, |v| {")
                out.extend(inner)
                out.append("});")
                out.append("}")
        elif t == "map":
            if "min" in s or "max" in s:
                out.append("v.length(%s.len(), %s, %s);" % (expr, opt(s.get("min")), opt(s.get("max"))))
            inner = self.check_value(s["value"]["shape"], "item%d" % depth, depth + 1)
            if inner:
                out.append("for (k, item%d) in %s.iter() {" % (depth, expr))
                out.append("v.at(k, |v| {")
                out.extend(inner)
                out.append("});")
                out.append("}")
        elif t == "structure":
            out.append("%s.validate(v);" % expr)
        return out

    def struct(self, name):
        s = self.shapes[name]
        required = set(s.get("required", []))
        members = s["members"]
        lines = []
        doc = first_sentence(s.get("documentation", ""))
        if doc:
            lines.append("/// %s" % doc)
        lines.append("#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]")
        lines.append("#[serde(deny_unknown_fields)]")
        lines.append("pub struct %s {" % name)
        for mn, mm in sorted(members.items()):
            # HTTP-bound members keep their member name in the merged request (see protocol.rs).
            wire = mn
            if self.protocol == "rest-json" and mm.get("location") is None:
                wire = mm.get("locationName", mn)
            ty = self.rust_type(mm["shape"])
            if (name, mn) in self.boxed:
                ty = "Box<%s>" % ty
            attrs = ["rename = %s" % rust_str(wire)]
            if mn in required:
                field_ty = ty
            else:
                field_ty = "Option<%s>" % ty
                attrs += ["default", 'skip_serializing_if = "Option::is_none"']
            lines.append("    #[serde(%s)]" % ", ".join(attrs))
            lines.append("    pub %s: %s," % (snake(mn), field_ty))
        lines.append("}")
        lines.append("")
        # Validate impl
        body = []
        for mn, mm in sorted(members.items()):
            f = "self.%s" % snake(mn)
            checks = self.check_value(mm["shape"], "x", 0)
            if mn in required:
                if checks:
                    body.append("v.at(%s, |v| {" % rust_str(mn))
                    body.append("let x = &%s;" % f)
                    body.extend(checks)
                    body.append("});")
            elif checks:
                body.append("if let Some(x) = &%s {" % f)
                body.append("v.at(%s, |v| {" % rust_str(mn))
                body.extend(checks)
                body.append("});")
                body.append("}")
        if s.get("union"):
            body.append("v.exactly_one(&[%s]);" % ", ".join(
                "(%s, self.%s.is_some())" % (rust_str(mn), snake(mn)) for mn in sorted(members)))
        lines.append("impl Validate for %s {" % name)
        if body:
            lines.append("    fn validate(&self, v: &mut Violations) {")
            lines.extend("        " + b for b in body)
            lines.append("    }")
        else:
            lines.append("    fn validate(&self, _v: &mut Violations) {}")
        lines.append("}")
        lines.append("")
        return lines

    def operations(self):
        lines = ["/// Every operation of the model, with its HTTP binding.",
                 "pub const OPERATIONS: &[%s] = &[" % self.binding()]
        for n, o in self.ops.items():
            http = o.get("http", {})
            params = []
            if "input" in o:
                for mn, mm in sorted(self.shapes[o["input"]["shape"]]["members"].items()):
                    loc = mm.get("location")
                    if loc in ("uri", "querystring", "header"):
                        kind = {"integer": "Integer", "long": "Integer", "boolean": "Boolean",
                                "list": "List"}.get(self.shapes[mm["shape"]]["type"], "String")
                        params.append("Param { member: %s, location: Location::%s, name: %s, kind: ParamKind::%s }" % (
                            rust_str(mn), {"uri": "Uri", "querystring": "Query", "header": "Header"}[loc],
                            rust_str(mm.get("locationName", mn)), kind))
            payload = "None"
            if "output" in o:
                p = self.shapes[o["output"]["shape"]].get("payload")
                if p:
                    payload = "Some(%s)" % rust_str(p)
            lines.append("    %s { name: %s, method: %s, uri: %s, status: %d, payload: %s, params: &[%s] }," % (
                self.binding(), rust_str(n), rust_str(http.get("method", "POST")), rust_str(http.get("requestUri", "/")),
                http.get("responseCode", 200), payload, ", ".join(params)))
        lines.append("];")
        lines.append("")
        lines.append("/// A decoded request: one variant per operation, holding its typed input.")
        lines.append("#[derive(Debug, Clone, PartialEq)]")
        lines.append("pub enum Request {")
        for n, o in self.ops.items():
            lines.append("    %s(%s)," % (n, o["input"]["shape"]))
        lines.append("}")
        lines.append("")
        lines.append("impl Request {")
        lines.append("    /// Decodes an operation's input (body members merged with its HTTP-bound members).")
        lines.append("    pub fn decode(operation: &str, input: serde_json::Value) -> Result<Request, DecodeError> {")
        lines.append("        Ok(match operation {")
        for n, o in self.ops.items():
            lines.append("            %s => Request::%s(decode_value(input)?)," % (rust_str(n), n))
        lines.append("            other => return Err(DecodeError::UnknownOperation(other.to_string())),")
        lines.append("        })")
        lines.append("    }")
        lines.append("")
        lines.append("    /// Decodes an operation's input from JSON text (a `--cli-input-json` file), with the")
        lines.append("    /// line and column of what is wrong.")
        lines.append("    pub fn decode_text(operation: &str, text: &str) -> Result<Request, DecodeError> {")
        lines.append("        Ok(match operation {")
        for n, o in self.ops.items():
            lines.append("            %s => Request::%s(decode_str(text)?)," % (rust_str(n), n))
        lines.append("            other => return Err(DecodeError::UnknownOperation(other.to_string())),")
        lines.append("        })")
        lines.append("    }")
        lines.append("")
        lines.append("    /// The operation's name, as in the model.")
        lines.append("    pub fn operation_name(&self) -> &'static str {")
        lines.append("        match self {")
        for n in self.ops:
            lines.append("            Request::%s(_) => %s," % (n, rust_str(n)))
        lines.append("        }")
        lines.append("    }")
        lines.append("")
        lines.append("    /// The model's constraints on this request's members.")
        lines.append("    pub fn violations(&self) -> Violations {")
        lines.append("        let mut v = Violations::default();")
        lines.append("        match self {")
        for n in self.ops:
            lines.append("            Request::%s(input) => input.validate(&mut v)," % n)
        lines.append("        }")
        lines.append("        v")
        lines.append("    }")
        lines.append("}")
        lines.append("")
        outs = sorted({o["output"]["shape"] for o in self.ops.values() if "output" in o})
        for out in outs:
            p = self.shapes[out].get("payload")
            lines.append("impl OutputBody for %s {" % out)
            lines.append("    fn body(&self) -> serde_json::Result<Vec<u8>> {")
            if p:
                lines.append("        serde_json::to_vec(&self.%s)" % snake(p))
            else:
                lines.append("        serde_json::to_vec(self)")
            lines.append("    }")
            lines.append("}")
            lines.append("")
        return lines

    def render(self, source):
        lines = [
            "// @generated by tools/gen_model.py from %s. Do not edit by hand." % source,
            "//! Wire shapes of %s (API version %s), one Rust type per model structure." % (
                self.m["metadata"]["serviceFullName"], self.m["metadata"]["apiVersion"]),
            "#![allow(clippy::all, clippy::pedantic, unused_imports)]",
            "",
            "use serde::{Deserialize, Serialize};",
            "",
            "use super::protocol::{decode_str, decode_value, DecodeError, Location, %s, OutputBody, Param, ParamKind};" % (
                "Operation" if self.binding() == "Operation" else "Operation as %s" % self.binding()),
            "use super::validate::{Validate, Violations};",
            "",
        ]
        for n in sorted(self.used):
            if self.shapes[n]["type"] == "structure":
                lines.extend(self.struct(n))
        lines.extend(self.operations())
        if "smithy-rpc-v2-cbor" in self.m["metadata"].get("protocols", []):
            lines.extend(self.timestamp_members())
        return "\n".join(lines) + "\n"

    def timestamp_members(self):
        """RPC v2 CBOR sends timestamps as tag 1, so its encoder must know which members are
        timestamps; the JSON value it starts from only has numbers. Listed by member name, which
        is enough only while no member of that name is anything else: checked here."""
        kinds = {}
        for n in self.used:
            s = self.shapes[n]
            if s["type"] == "structure":
                for mn, mm in s["members"].items():
                    kinds.setdefault(mn, set()).add(self.shapes[mm["shape"]]["type"] == "timestamp")
        mixed = sorted(mn for mn, k in kinds.items() if len(k) > 1)
        if mixed:
            raise SystemExit("members that are timestamps in one shape and not in another: %s" % mixed)
        names = sorted(mn for mn, k in kinds.items() if True in k)
        return [
            "/// The members that are timestamps, wherever they occur (tag 1 in RPC v2 CBOR).",
            "pub const TIMESTAMP_MEMBERS: &[&str] = &[%s];" % ", ".join(rust_str(n) for n in names),
            "",
        ]


def pascal(name):
    return name[0].upper() + name[1:]


def sdk_type(name):
    """aws-sdk-rust's name for a shape: acronyms lose their capitals (EBSResourceType ->
    EbsResourceType), as smithy-rs writes them."""
    return "".join(part.capitalize() for part in snake(name).replace("r#", "").split("_"))


class SdkGen:
    """Converts the model's input types into aws-sdk-rust types and calls, one function per
    structure and one match arm per operation."""

    def __init__(self, gen, crate, sdk_src):
        self.g = gen
        self.crate = crate
        self.sdk_src = sdk_src
        self.files = {}
        self.used = set()
        for o in gen.ops.values():
            self.walk(o["input"]["shape"], top=True)

    def walk(self, name, top=False):
        if name in self.used:
            return
        s = self.g.shapes[name]
        if not top:
            self.used.add(name)
        if s["type"] == "structure":
            for mm in s["members"].values():
                self.walk(mm["shape"])
        elif s["type"] == "list":
            self.walk(s["member"]["shape"])
        elif s["type"] == "map":
            self.walk(s["value"]["shape"])

    def conv(self, shape, expr, depth=0):
        s = self.g.shapes[shape]
        t = s["type"]
        if t == "string" and "enum" in s:
            return "%s::types::%s::from(%s.as_str())" % (self.crate, self.rust_name(shape), expr)
        if t in ("string", "integer", "long", "boolean", "double", "float"):
            return expr
        if t == "timestamp":
            return "%s::primitives::DateTime::from_secs_f64(%s)" % (self.crate, expr)
        if t == "blob":
            return "%s::primitives::Blob::new(%s.into_bytes())" % (self.crate, expr)
        if t == "list":
            v = "e%d" % depth
            inner = self.conv(s["member"]["shape"], v, depth + 1)
            return "%s.into_iter().map(|%s| Ok(%s)).collect::<Result<Vec<_>, BuildError>>()?" % (expr, v, inner)
        if t == "map":
            v = "e%d" % depth
            inner = self.conv(s["value"]["shape"], v, depth + 1)
            return "%s.into_iter().map(|(k, %s)| Ok((k, %s))).collect::<Result<std::collections::HashMap<_, _>, BuildError>>()?" % (expr, v, inner)
        if t == "structure":
            return "sdk_%s(%s)?" % (snake(shape).replace("r#", ""), expr)
        raise Exception(t)

    def setter(self, member, rel=None):
        """The SDK builder's setter for a member, found in its source (smithy-rs spells some
        names its own way: sizeInGiB -> set_size_in_gib)."""
        text = self.source(rel) if rel else None
        if text:
            want = member.lower()
            for name in re.findall(r"pub fn set_(\w+)\(", text):
                if name.replace("_", "") == want:
                    return "set_" + name
        return "set_" + snake(member).replace("r#", "")

    def source(self, rel):
        if rel is None:
            return None
        if rel not in self.files:
            path = os.path.join(self.sdk_src, rel)
            self.files[rel] = open(path).read() if os.path.exists(path) else None
        return self.files[rel]

    def type_file(self, shape):
        """types/_x.rs of a shape, matched without underscores (EBSResourceType ->
        _ebs_resource_type.rs)."""
        if not hasattr(self, "type_files"):
            self.type_files = {f[1:-3].replace("_", ""): f for f in os.listdir(os.path.join(self.sdk_src, "types")) if f.startswith("_")}
        f = self.type_files.get(shape.lower())
        return "types/" + f if f else None

    def rust_name(self, shape):
        rel = self.type_file(shape)
        text = self.source(rel) if rel else None
        m = text and re.search(r"pub (?:struct|enum) (\w+)", text)
        return m.group(1) if m else sdk_type(shape)

    def type_exists(self, shape):
        s = self.g.shapes[shape]
        if s["type"] in ("list",):
            return self.type_exists(s["member"]["shape"])
        if s["type"] == "map":
            return self.type_exists(s["value"]["shape"])
        if s["type"] == "structure" or (s["type"] == "string" and "enum" in s):
            return self.type_file(shape) is not None
        return True

    def supported(self, rel, member, shape):
        """Whether the SDK's builder in `rel` has this member (the model may be newer)."""
        text = self.source(rel)
        return text is not None and ("pub fn %s(" % self.setter(member, rel)) in text and self.type_exists(shape)

    def unsupported(self, owner, member):
        return '    if v.%s.is_some() { return Err(BuildError::other("%s.%s is newer than %s: not sent")); }' % (
            snake(member), owner, member, self.crate)

    def struct_fn(self, name):
        s = self.g.shapes[name]
        req = set(s.get("required", []))
        fname = "sdk_%s" % snake(name).replace("r#", "")
        lines = ["fn %s(v: M::%s) -> Result<%s::types::%s, BuildError> {" % (fname, name, self.crate, self.rust_name(name))]
        if s.get("union"):
            for mn, mm in sorted(s["members"].items()):
                lines.append("    if let Some(x) = v.%s {" % snake(mn))
                lines.append("        return Ok(%s::types::%s::%s(%s));" % (self.crate, self.rust_name(name), pascal(mn), self.conv(mm["shape"], "x")))
                lines.append("    }")
            lines.append('    Err(BuildError::other("%s: exactly one member must be set"))' % name)
            lines.append("}")
            return lines
        lines.append("    #[allow(unused_mut)]")
        lines.append("    let mut b = %s::types::%s::builder();" % (self.crate, self.rust_name(name)))
        rel = self.type_file(name)
        for mn, mm in sorted(s["members"].items()):
            f = "v.%s" % snake(mn)
            if not self.supported(rel, mn, mm["shape"]):
                if mn in req:
                    raise Exception("required member %s.%s missing from the SDK" % (name, mn))
                lines.append(self.unsupported(name, mn))
                continue
            if mn in req:
                lines.append("    b = b.%s(Some(%s));" % (self.setter(mn, rel), self.conv(mm["shape"], f)))
            else:
                lines.append("    b = b.%s(match %s { Some(x) => Some(%s), None => None });" % (self.setter(mn, rel), f, self.conv(mm["shape"], "x")))
        fallible = re.search(r"pub fn build\(\s*self,?\s*\)\s*->\s*::std::result::Result<", self.source(rel) or "") is not None
        lines.append("    b.build()" if fallible else "    Ok(b.build())")
        lines.append("}")
        return lines

    def render(self, source, module):
        lines = [
            "// @generated by tools/gen_model.py from %s. Do not edit by hand." % source,
            "//! Typed %s calls from the model's input types: each structure converted to its" % self.crate,
            "//! aws-sdk-rust type, each operation sent through the SDK's fluent builder.",
            "#![allow(clippy::all, clippy::pedantic, unused_variables, unused_mut, non_snake_case, deprecated)]",
            "",
            "use aws_smithy_types::error::operation::BuildError;",
            "",
            "use super::capture::Capture;",
            "use super::error::CallError;",
            "use crate::model::%s as M;" % module,
            "",
        ]
        for n in sorted(self.used):
            if self.g.shapes[n]["type"] == "structure" and self.type_file(n):
                lines.extend(self.struct_fn(n))
                lines.append("")
        lines.append("/// Sends `request` through `client`, the raw exchange recorded by `capture`.")
        lines.append("pub async fn send(client: &%s::Client, request: M::Request, capture: &Capture) -> Result<(), CallError> {" % self.crate)
        lines.append("    match request {")
        for n, o in self.g.ops.items():
            shape = self.g.shapes[o["input"]["shape"]]
            lines.append("        M::Request::%s(v) => {" % n)
            rel = "operation/%s/builders.rs" % snake(n).replace("r#", "")
            for mn, mm in sorted(shape["members"].items()):
                if not self.supported(rel, mn, mm["shape"]):
                    lines.append("    " + self.unsupported(o["input"]["shape"], mn).replace("BuildError::other", "CallError::input"))
            lines.append("            let call = client.%s()" % snake(n))
            for mn, mm in sorted(shape["members"].items()):
                f = "v.%s" % snake(mn)
                if not self.supported(rel, mn, mm["shape"]):
                    continue
                if mn in set(shape.get("required", [])):
                    lines.append("                .%s(Some(%s))" % (self.setter(mn, rel), self.conv(mm["shape"], f)))
                else:
                    lines.append("                .%s(match %s { Some(x) => Some(%s), None => None })" % (self.setter(mn, rel), f, self.conv(mm["shape"], "x")))
            lines.append("                ;")
            lines.append("            call.customize().interceptor(capture.clone()).send().await.map(|_| ()).map_err(|e| CallError::from_sdk(&e))")
            lines.append("        }")
        lines.append("    }")
        lines.append("}")
        return "\n".join(lines) + "\n"


def opt(x):
    return "None" if x is None else "Some(%d)" % x


def first_sentence(html):
    text = re.sub(r"<[^>]+>", "", html).strip()
    text = re.sub(r"\s+", " ", text)
    m = re.match(r"(.+?\.)(\s|$)", text)
    s = m.group(1) if m else text
    return s[:200]


def sdk_source(root, package):
    """The source of the SDK crate version in Cargo.lock, wherever cargo keeps it (asked of
    `cargo metadata`, which fetches it if need be): the generated calls only use members that
    version has."""
    rustc = subprocess.run(["rustc", "-vV"], check=True, stdout=subprocess.PIPE, text=True).stdout
    host = re.search(r"^host: (\S+)$", rustc, re.M).group(1)
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--filter-platform", host],
        cwd=root, check=True, stdout=subprocess.PIPE,
    ).stdout
    for p in json.loads(out)["packages"]:
        if p["name"] == package and p["source"] and p["source"].startswith("registry+"):
            return os.path.join(os.path.dirname(p["manifest_path"]), "src")
    raise SystemExit("%s is not a dependency in Cargo.lock" % package)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    models = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "aws-models")
    jobs = [
        ("appmesh-2019-01-25.service-2.json", "appmesh.rs", None),
        ("ecs-2014-11-13.service-2.json", "ecs.rs", ECS_OPERATIONS),
        ("servicediscovery-2017-03-14.service-2.json", "servicediscovery.rs",
         SERVICEDISCOVERY_OPERATIONS),
    ]
    for src, dst, ops in jobs:
        with open(os.path.join(models, src)) as f:
            model = json.load(f)
        code = Gen(model, ops).render(src)
        with open(os.path.join(root, "crates", "model", "src", dst), "w") as f:
            f.write(code)
        print("wrote crates/model/src/%s" % dst)
        module = dst[:-3]
        crate = {
            "appmesh": "aws_sdk_appmesh",
            "ecs": "aws_sdk_ecs",
            "servicediscovery": "aws_sdk_servicediscovery",
        }[module]
        gen = Gen(model, ops)
        calls = SdkGen(gen, crate, sdk_source(root, crate.replace("_", "-"))).render(src, module)
        with open(os.path.join(root, "src", "api", "calls_%s.rs" % module), "w") as f:
            f.write(calls)
        print("wrote src/api/calls_%s.rs" % module)


if __name__ == "__main__":
    main()
