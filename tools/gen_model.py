#!/usr/bin/env python3
"""Generate meshwalk's wire-shape types from the botocore service models.

    python3 tools/gen_model.py [MODELS_DIR]     # default: ../shared/aws-models

Writes crates/model/src/appmesh.rs, ecs.rs and servicediscovery.rs (for the ECS and
Cloud Map operations the emulator serves), and the SDK calls src/api/calls_*.rs of each. The output is committed: a
build never needs the models or Python. Run it again when the models or the generator change,
then `cargo fmt --all`; CI (.ci/run) regenerates and fails if the committed files differ.

Every structure becomes a serde struct (wire names kept with `rename`, unknown fields rejected,
required members non-optional), every operation an entry in OPERATIONS, a variant of the
`Action` enum and of `Request`, and each shape's constraints (lengths, ranges, enums, patterns,
unions) become a `Validate` impl, so the emulator and the walkthrough validate exactly what the
model says. What the emulator's dispatch needs to know of an operation is decided here, from the
model, rather than by its name at run time: whether it only reads (`Action::is_read`, see
`Gen.is_read`), which member is its idempotency token (`WriteRequest::client_token`), and the
smallest request the model accepts (`Action::minimal_request`, see `Gen.minimal`).
"""
import json
import os
import re
import subprocess
import sys
import textwrap

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
    "ContinueServiceDeployment", "DescribeServiceRevisions",
]

# Cloud Map: the operations the emulator serves (what ECS Service Connect and its teardown use).
SERVICEDISCOVERY_OPERATIONS = [
    "CreateHttpNamespace", "GetNamespace", "ListNamespaces", "DeleteNamespace", "GetOperation",
    "ListServices", "GetService", "DeleteService", "ListInstances", "DiscoverInstances",
]

# The verbs AWS names its reads with: the fallback of Gen.is_read, and its cross-check.
READ_VERBS = ("Describe", "Get", "List", "Discover")

# Members the models document as idempotency tokens without the `idempotencyToken` trait (the
# SDKs' Smithy models lack it too): ECS CreateService's clientToken is "an identifier that you
# provide to ensure the idempotency of the request", as RunTask's, which has the trait.
UNMARKED_IDEMPOTENCY_TOKENS = {("CreateServiceRequest", "clientToken")}

# What Gen.minimal tries, in order, for a string the model constrains by a pattern: each
# character repeated to the least length allowed, the first the pattern accepts (Python's `re`
# reads the models' patterns, lookaheads included).
MINIMAL_STRING_CHARACTERS = "a1A-_."


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
        self.marks_readonly = any(o.get("readonly") for o in model["operations"].values())
        self.check_reads()
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
        lines = ["/// Every operation of the model, with its HTTP binding (in `Action::ALL`'s order).",
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
        lines.extend(self.actions())
        lines.extend(self.requests())
        lines.extend(self.read_or_write())
        lines.extend(self.minimal_requests())
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

    # ---- actions: what the dispatch knows of each operation, decided here ---------------
    def is_read(self, name):
        """Whether an operation only reads, decided by the model where it says so:

        1. botocore carries Smithy's `readonly` trait as `"readonly": true`: in a model that
           marks any operation so (ECS), an operation without it is a write;
        2. else, in a REST protocol, the HTTP method: GET and HEAD are the safe methods
           (RFC 9110, 9.2.1) (App Mesh, whose model has no `readonly`);
        3. else (Cloud Map: every operation a POST, no trait) the verb the name starts with,
           READ_VERBS, as AWS names its reads.

        __init__ checks that rule 3 agrees with rules 1 and 2 wherever they decide."""
        o = self.m["operations"][name]
        if self.marks_readonly:
            return bool(o.get("readonly"))
        if self.protocol.startswith("rest-"):
            return o.get("http", {}).get("method", "POST") in ("GET", "HEAD")
        return name.startswith(READ_VERBS)

    def read_rule(self):
        """How is_read decides for this model, for the generated documentation."""
        if self.marks_readonly:
            return "the model marks it with Smithy's `readonly` trait"
        if self.protocol.startswith("rest-"):
            return ("its HTTP binding is a GET (a safe method; the model marks no operation "
                    "`readonly`)")
        return ("its name starts with %s (every operation of the model is a POST and none is "
                "marked `readonly`)" % ", ".join(READ_VERBS))

    def check_reads(self):
        wrong = [n for n in self.ops if self.is_read(n) != n.startswith(READ_VERBS)]
        if wrong:
            raise SystemExit("the model's reads are not the operations named %s: %s"
                             % ("/".join(READ_VERBS), wrong))

    def client_token(self, name):
        """The input member that is the operation's idempotency token, if it has one: the
        model's `idempotencyToken` trait, or UNMARKED_IDEMPOTENCY_TOKENS."""
        shape = self.ops[name]["input"]["shape"]
        tokens = [mn for mn, mm in sorted(self.shapes[shape]["members"].items())
                  if mm.get("idempotencyToken") or (shape, mn) in UNMARKED_IDEMPOTENCY_TOKENS]
        if len(tokens) > 1:
            raise SystemExit("%s has more than one idempotency token: %s" % (name, tokens))
        if tokens and self.is_read(name):
            raise SystemExit("%s is a read with an idempotency token" % name)
        return tokens[0] if tokens else None

    def actions(self):
        names = list(self.ops)
        binding = self.binding()
        lines = [
            "/// The operations served, as a type (the API reference's actions, IAM's action names):",
            "/// once a name is an `Action`, nothing downstream can meet an operation it does not know.",
            "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]",
            "pub enum Action {",
        ]
        lines += ["    %s," % n for n in names]
        lines += ["}", "", "impl Action {",
                  "    /// Every action, in the order of OPERATIONS.",
                  "    pub const ALL: &'static [Action] = &[%s];" % ", ".join("Action::%s" % n for n in names),
                  "",
                  "    /// The operation's name, as in the model and on the wire.",
                  "    pub fn name(self) -> &'static str {",
                  "        match self {"]
        lines += ["            Action::%s => %s," % (n, rust_str(n)) for n in names]
        lines += ["        }", "    }", "",
                  "    /// The action named `name`; `None` for an operation not served here.",
                  "    pub fn from_name(name: &str) -> Option<Action> {",
                  "        Some(match name {"]
        lines += ["            %s => Action::%s," % (rust_str(n), n) for n in names]
        lines += ["            _ => return None,", "        })", "    }", "",
                  ]
        lines += doc_comment("Whether the operation only reads the service's state: %s." % self.read_rule(), "    ")
        lines += ["    pub fn is_read(self) -> bool {"]
        reads = [n for n in names if self.is_read(n)]
        lines.append("        matches!(self, %s)" % " | ".join("Action::%s" % n for n in reads) if reads else "        false")
        lines += ["    }", "",
                  "    /// The operation's HTTP binding (its entry in OPERATIONS).",
                  "    pub fn binding(self) -> &'static %s {" % binding,
                  "        &OPERATIONS[self as usize]",
                  "    }", "",
                  "    /// The error shapes the model lists for the operation.",
                  "    pub fn errors(self) -> &'static [&'static str] {",
                  "        match self {"]
        for n, o in self.ops.items():
            errors = sorted(e["shape"] for e in o.get("errors", []))
            lines.append("            Action::%s => &[%s]," % (n, ", ".join(rust_str(e) for e in errors)))
        lines += ["        }", "    }", "",
                  "    /// Decodes the operation's input (body members merged with its HTTP-bound members).",
                  "    pub fn decode(self, input: serde_json::Value) -> Result<Request, DecodeError> {",
                  "        Ok(match self {"]
        lines += ["            Action::%s => Request::%s(decode_value(input)?)," % (n, n) for n in names]
        lines += ["        })", "    }", "",
                  "    /// Decodes the operation's input from JSON text (a `--cli-input-json` file), with the",
                  "    /// line and column of what is wrong.",
                  "    pub fn decode_text(self, text: &str) -> Result<Request, DecodeError> {",
                  "        Ok(match self {"]
        lines += ["            Action::%s => Request::%s(decode_str(text)?)," % (n, n) for n in names]
        lines += ["        })", "    }", "}", "",
                  "impl ModelAction for Action {",
                  "    type Request = Request;",
                  "    const ALL: &'static [Action] = Action::ALL;",
                  "",
                  "    fn name(self) -> &'static str {",
                  "        Action::name(self)",
                  "    }",
                  "",
                  "    fn from_name(name: &str) -> Option<Action> {",
                  "        Action::from_name(name)",
                  "    }",
                  "",
                  "    fn is_read(self) -> bool {",
                  "        Action::is_read(self)",
                  "    }",
                  "",
                  "    fn binding(self) -> &'static %s {" % binding,
                  "        Action::binding(self)",
                  "    }",
                  "",
                  "    fn errors(self) -> &'static [&'static str] {",
                  "        Action::errors(self)",
                  "    }",
                  "",
                  "    fn decode(self, input: serde_json::Value) -> Result<Request, DecodeError> {",
                  "        Action::decode(self, input)",
                  "    }",
                  "",
                  "    fn minimal_request(self) -> Request {",
                  "        Action::minimal_request(self)",
                  "    }",
                  "}", ""]
        return lines

    def requests(self):
        names = list(self.ops)
        lines = [
            "/// A decoded request: one variant per operation, holding its typed input (serialized as",
            "/// that input alone).",
            "#[derive(Debug, Clone, PartialEq, Serialize)]",
            "#[serde(untagged)]",
            "pub enum Request {",
        ]
        lines += ["    %s(%s)," % (n, o["input"]["shape"]) for n, o in self.ops.items()]
        lines += ["}", "", "impl Request {",
                  "    /// Decodes the input of the operation named `operation` (see `Action::decode`).",
                  "    pub fn decode(operation: &str, input: serde_json::Value) -> Result<Request, DecodeError> {",
                  "        Action::named(operation)?.decode(input)",
                  "    }", "",
                  "    /// Decodes the input of the operation named `operation` from JSON text (see",
                  "    /// `Action::decode_text`).",
                  "    pub fn decode_text(operation: &str, text: &str) -> Result<Request, DecodeError> {",
                  "        Action::named(operation)?.decode_text(text)",
                  "    }", "",
                  "    /// The request's action.",
                  "    pub fn action(&self) -> Action {",
                  "        match self {"]
        lines += ["            Request::%s(_) => Action::%s," % (n, n) for n in names]
        lines += ["        }", "    }", "",
                  "    /// The operation's name, as in the model.",
                  "    pub fn operation_name(&self) -> &'static str {",
                  "        self.action().name()",
                  "    }", "",
                  "    /// The model's constraints on this request's members.",
                  "    pub fn violations(&self) -> Violations {",
                  "        let mut v = Violations::default();",
                  "        self.validate(&mut v);",
                  "        v",
                  "    }", "}", "",
                  "impl Validate for Request {",
                  "    fn validate(&self, v: &mut Violations) {",
                  "        match self {"]
        lines += ["            Request::%s(input) => input.validate(v)," % n for n in names]
        lines += ["        }", "    }", "}", ""]
        return lines

    def read_or_write(self):
        names = list(self.ops)
        reads = [n for n in names if self.is_read(n)]
        writes = [n for n in names if not self.is_read(n)]
        inputs = {n: o["input"]["shape"] for n, o in self.ops.items()}
        lines = []

        def kind(enum, members, doc):
            lines.extend(doc)
            lines.extend(["#[derive(Debug, Clone, PartialEq)]", "pub enum %s {" % enum])
            lines.extend("    %s(%s)," % (n, inputs[n]) for n in members)
            lines.extend(["}", "", "impl %s {" % enum,
                          "    /// The request's action.",
                          "    pub fn action(&self) -> Action {"])
            if members:
                lines.append("        match self {")
                lines.extend("            %s::%s(_) => Action::%s," % (enum, n, n) for n in members)
                lines.append("        }")
            else:
                lines.append("        match *self {}")
            lines.append("    }")

        kind("ReadRequest", reads, ["/// A request of an action that only reads (`Action::is_read`)."])
        lines.extend(["}", ""])
        kind("WriteRequest", writes, ["/// A request of an action that changes the service's state."])
        lines.extend(["",
                      "    /// The idempotency token the caller gave, for an action whose input has one (the",
                      "    /// member the model marks `idempotencyToken`): a retry with the same token is the",
                      "    /// same request.",
                      "    pub fn client_token(&self) -> Option<&str> {"])
        tokens = {n: self.client_token(n) for n in names}
        for n in reads:
            if tokens[n]:
                raise SystemExit("%s is a read with an idempotency token" % n)
        if writes:
            lines.append("        match self {")
            for n in writes:
                member = tokens[n]
                if member is None:
                    continue
                field = snake(member)
                required = member in self.shapes[inputs[n]].get("required", [])
                lines.append("            WriteRequest::%s(input) => %s," % (
                    n, "Some(input.%s.as_str())" % field if required else "input.%s.as_deref()" % field))
            untokened = [n for n in writes if tokens[n] is None]
            if untokened:
                lines.append("            %s => None," % " | ".join("WriteRequest::%s(_)" % n for n in untokened))
            lines.append("        }")
        else:
            lines.append("        match *self {}")
        lines.extend(["    }", "}", "",
                      "/// A request sorted by what it does to the service's state: reads and writes are",
                      "/// served by functions that take only their own kind.",
                      "#[derive(Debug, Clone, PartialEq)]",
                      "pub enum ReadOrWrite {",
                      "    Read(ReadRequest),",
                      "    Write(WriteRequest),",
                      "}", "",
                      "impl Request {",
                      "    /// The request as a read or a write (see `Action::is_read`).",
                      "    pub fn into_read_or_write(self) -> ReadOrWrite {",
                      "        match self {"])
        for n in names:
            k = "Read" if self.is_read(n) else "Write"
            lines.append("            Request::%s(input) => ReadOrWrite::%s(%sRequest::%s(input))," % (n, k, k, n))
        lines.extend(["        }", "    }", "}", ""])
        return lines

    # ---- minimal requests ----------------------------------------------------------------
    def minimal(self, name, stack=()):
        """A Rust expression for the least value of shape `name` the model accepts: a structure
        with its required members only (and the first member of a union), the least length and
        value the constraints allow (a string at least one character, a list or map at least
        one element, since services refuse empty ones beyond what their models say), an enum's
        first value, a pattern's first match among MINIMAL_STRING_CHARACTERS."""
        if name in stack:
            raise SystemExit("the required members of %s loop: %s" % (name, " > ".join(stack)))
        s = self.shapes[name]
        t = s["type"]
        if t == "structure":
            required = set(s.get("required", []))
            chosen = sorted(required)
            if s.get("union") and not chosen:
                chosen = sorted(s["members"])[:1]
            fields = []
            for mn in chosen:
                value = self.minimal(s["members"][mn]["shape"], stack + (name,))
                if (name, mn) in self.boxed:
                    value = "Box::new(%s)" % value
                if mn not in required:
                    value = "Some(%s)" % value
                fields.append("%s: %s" % (snake(mn), value))
            if not fields:
                return "%s::default()" % name
            if len(chosen) < len(s["members"]):
                fields.append("..Default::default()")
            return "%s { %s }" % (name, ", ".join(fields))
        if t in ("list", "map"):
            count = max(s.get("min", 0), 1)
            if "max" in s:
                count = min(count, s["max"])
            if t == "list":
                if count == 0:
                    return "Vec::new()"
                element = self.minimal(s["member"]["shape"], stack)
                return "vec![%s]" % element if count == 1 else "vec![%s; %d]" % (element, count)
            if count == 0:
                return "std::collections::BTreeMap::new()"
            if count > 1:
                raise SystemExit("%s: a map of at least %d entries needs distinct keys" % (name, count))
            key = rust_str(self.minimal_string(s["key"]["shape"]))
            return "std::collections::BTreeMap::from([(%s.to_string(), %s)])" % (
                key, self.minimal(s["value"]["shape"], stack))
        if t in ("string", "blob"):
            return "%s.to_string()" % rust_str(self.minimal_string(name))
        if t in ("integer", "long"):
            value = s.get("min", 0)
            if "max" in s:
                value = min(value, s["max"])
            return str(value)
        if t in ("double", "float", "timestamp"):
            return "%s_f64" % float(s.get("min", 0))
        if t == "boolean":
            return "false"
        raise SystemExit("%s: no minimal value of type %s" % (name, t))

    def minimal_string(self, name):
        s = self.shapes[name]
        if "enum" in s:
            return s["enum"][0]
        length = max(s.get("min", 1), 1)
        if "max" in s:
            length = min(length, s["max"])
        pattern = s.get("pattern")
        for c in MINIMAL_STRING_CHARACTERS:
            # Smithy patterns are not anchored unless they say so: a search, as model::validate.
            if pattern is None or re.search(ascii_pattern(pattern), c * length):
                return c * length
        raise SystemExit("no minimal value for %s: its pattern %r accepts none of %r"
                         % (name, pattern, MINIMAL_STRING_CHARACTERS))

    def minimal_requests(self):
        lines = ["impl Action {",
                 "    /// The smallest request the model accepts for the action: the input's required",
                 "    /// members (and one member of each union on the way), each the least value its",
                 "    /// constraints allow, lists and maps one element long. What the handler-coverage",
                 "    /// test sends.",
                 "    pub fn minimal_request(self) -> Request {",
                 "        match self {"]
        for n, o in self.ops.items():
            lines.append("            Action::%s => Request::%s(%s)," % (n, n, self.minimal(o["input"]["shape"])))
        lines.extend(["        }", "    }", "}", ""])
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
            "use super::protocol::{decode_str, decode_value, DecodeError, Location, ModelAction, %s, OutputBody, Param, ParamKind};" % (
                "Operation" if self.binding() == "Operation" else "Operation as %s" % self.binding()),
            "use super::validate::{Validate, Violations};",
            "",
        ]
        if "targetPrefix" in self.m["metadata"]:
            lines.extend([
                "/// The `X-Amz-Target` prefix of the service's JSON protocol (`PREFIX.Operation`).",
                "pub const TARGET_PREFIX: &str = %s;" % rust_str(self.m["metadata"]["targetPrefix"]),
                "",
            ])
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


# The Unicode classes the models' patterns use, as far as ASCII goes (the only characters
# minimal_string tries): Python's `re` has no `\p{...}`.
ASCII_CLASSES = {"L": "A-Za-z", "N": "0-9", "Z": " "}


def ascii_pattern(pattern):
    r"""`pattern` with its `\p{L}`-style classes replaced by their ASCII members: the same
    verdict on ASCII text, in a form Python's `re` reads."""
    out, in_class, i = [], False, 0
    while i < len(pattern):
        m = re.match(r"\\p\{(\w+)\}", pattern[i:])
        if m:
            if m.group(1) not in ASCII_CLASSES:
                raise SystemExit("pattern %r: no ASCII form of \\p{%s}" % (pattern, m.group(1)))
            members = ASCII_CLASSES[m.group(1)]
            out.append(members if in_class else "[%s]" % members)
            i += m.end()
            continue
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class:
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


def doc_comment(text, indent=""):
    """`text` as `///` lines that rustfmt leaves alone (it does not wrap comments)."""
    return [indent + "/// " + line for line in textwrap.wrap(text, 96 - len(indent) - 4)]


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
    unmarked = set(UNMARKED_IDEMPOTENCY_TOKENS)
    for src, dst, ops in jobs:
        with open(os.path.join(models, src)) as f:
            model = json.load(f)
        unmarked -= {(shape, member) for shape, member in unmarked
                     if member in model["shapes"].get(shape, {}).get("members", {})}
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
    if unmarked:
        raise SystemExit("UNMARKED_IDEMPOTENCY_TOKENS names members no model has: %s" % sorted(unmarked))


if __name__ == "__main__":
    main()
