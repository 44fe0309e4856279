#!/usr/bin/env python3
"""Generate meshwalk's wire-shape types from the botocore service models.

    python3 tools/gen_model.py [MODELS_DIR]     # default: ../shared/aws-models

Writes src/model/appmesh.rs (and src/model/ecs.rs for the ECS operations the emulator serves).
The output is committed: a build never needs the models or Python. Run it again when the models
change, then `cargo fmt`.

Every structure becomes a serde struct (wire names kept with `rename`, unknown fields rejected,
required members non-optional), every operation an entry in OPERATIONS and a variant of
`Request`, and each shape's constraints (lengths, ranges, enums, patterns, unions) become a
`Validate` impl, so the emulator and the walkthrough validate exactly what the model says.
"""
import json
import os
import re
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
    "CreateCluster", "DescribeClusters", "ListClusters", "DeleteCluster",
    "RegisterTaskDefinition", "DescribeTaskDefinition", "ListTaskDefinitions",
    "ListTaskDefinitionFamilies", "DeregisterTaskDefinition",
    "CreateService", "UpdateService", "DescribeServices", "ListServices", "DeleteService",
    "RunTask", "StopTask", "ListTasks", "DescribeTasks",
    "TagResource", "UntagResource", "ListTagsForResource",
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
                 "pub const OPERATIONS: &[Operation] = &["]
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
            lines.append("    Operation { name: %s, method: %s, uri: %s, status: %d, payload: %s, params: &[%s] }," % (
                rust_str(n), rust_str(http.get("method", "POST")), rust_str(http.get("requestUri", "/")),
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
            "use super::protocol::{decode_value, DecodeError, Location, Operation, OutputBody, Param, ParamKind};",
            "use super::validate::{Validate, Violations};",
            "",
        ]
        for n in sorted(self.used):
            if self.shapes[n]["type"] == "structure":
                lines.extend(self.struct(n))
        lines.extend(self.operations())
        return "\n".join(lines) + "\n"


def opt(x):
    return "None" if x is None else "Some(%d)" % x


def first_sentence(html):
    text = re.sub(r"<[^>]+>", "", html).strip()
    text = re.sub(r"\s+", " ", text)
    m = re.match(r"(.+?\.)(\s|$)", text)
    s = m.group(1) if m else text
    return s[:200]


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    models = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "aws-models")
    jobs = [
        ("appmesh-2019-01-25.service-2.json", "appmesh.rs", None),
        ("ecs-2014-11-13.service-2.json", "ecs.rs", ECS_OPERATIONS),
    ]
    for src, dst, ops in jobs:
        with open(os.path.join(models, src)) as f:
            model = json.load(f)
        code = Gen(model, ops).render(src)
        with open(os.path.join(root, "src", "model", dst), "w") as f:
            f.write(code)
        print("wrote src/model/%s" % dst)


if __name__ == "__main__":
    main()
