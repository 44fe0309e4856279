"""How the App Mesh control plane's write cost grows with what the cloud already holds.

Load for bench/control-plane-scale.sh, and usable on its own against any App Mesh endpoint
on loopback (`meshwalk serve`, moto_server): every request SigV4-signed (service `appmesh`,
the scope's region being the region the mesh it writes to lives in).

Procedure: a small mesh "bench" (virtual nodes a and b, router r, route rt) in the first
region; then, for each level N of --levels, virtual nodes are filled up to N (200 per mesh,
15 meshes per Region, then the next Region: App Mesh's per-Region mesh quota), timing the
creates of that fill segment, and --calls UpdateRoute calls on the bench route, alternating
weights, are timed one by one (send to last byte of the answer; signing is outside the
timer). One markdown row per level:

    | N | UpdateRoute median ms | p99 ms | creates/s while filling | server RSS MB |

The fill is made by --fill-workers worker processes (default 4), each with its own keep-alive
connection and its own meshes: filler mesh k (in filling order) and its virtual nodes belong
to worker k mod W, so no two workers write to the same mesh. A single Python client's own time
per call (building, signing, parsing) would bound the fill rate rather than the server's.
The UpdateRoute calls are made afterwards, one at a time, on one keep-alive connection of the
main process (the one that also made the bench mesh), with no fill running beside them.

N counts the filler virtual nodes in the cloud (the bench mesh's resources and the filler
meshes themselves are not counted); "creates/s" counts every create of the segment (meshes
and virtual nodes, all workers together) over the segment's wall time (from handing the
segment to the workers to the last worker's last answer); RSS is VmRSS of --pid, in MiB.

Standard library only; use it against 127.0.0.1 only. `--self-test` checks the signer against
the AWS SigV4 test suite's published signatures and exits.
"""

import argparse
import datetime
import hashlib
import hmac
import http.client
import json
import multiprocessing
import statistics
import sys
import time
import urllib.parse

# Real AWS Regions, in the order meshes fill them (the first one also holds the bench mesh).
REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
    "eu-west-3", "eu-central-1", "eu-north-1", "ap-southeast-1", "ap-southeast-2",
    "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ca-central-1", "sa-east-1",
]

# --- SigV4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) ---

UNRESERVED = "-_.~"  # with ALPHA and DIGIT, the characters SigV4 leaves unencoded


def uri_encode(s):
    return urllib.parse.quote(s, safe=UNRESERVED)


def canonical_uri(path):
    """The path as sent, dot segments and empty segments removed (RFC 3986 normalization,
    as for every service but S3), then each segment URI-encoded: a path sent
    percent-encoded is thus encoded twice, as the spec says for non-S3 services."""
    segments = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if segments:
                segments.pop()
            continue
        segments.append(uri_encode(seg))
    out = "/" + "/".join(segments)
    if path.endswith("/") and out != "/":
        out += "/"
    return out


def canonical_query(query):
    """Each name and value URI-encoded, sorted by name then value; `a` alone means `a=`."""
    pairs = []
    for part in query.split("&") if query else []:
        name, _, value = part.partition("=")
        name, value = urllib.parse.unquote(name), urllib.parse.unquote(value)
        pairs.append((uri_encode(name), uri_encode(value)))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def sign(method, path_and_query, headers, payload_hash, access_key, secret_key, region,
         service, amz_date):
    """The Authorization header for a request whose every header in `headers` is signed
    (`headers` must hold host and x-amz-date). `payload_hash` is hex SHA-256 of the body."""
    path, _, query = path_and_query.partition("?")
    canon = {}
    for name, value in headers.items():
        name = name.lower().strip()
        value = " ".join(str(value).split())  # trimmed, runs of spaces made one
        canon[name] = f"{canon[name]},{value}" if name in canon else value
    signed = ";".join(sorted(canon))
    creq = "\n".join([
        method.upper(),
        canonical_uri(path),
        canonical_query(query),
        "".join(f"{n}:{canon[n]}\n" for n in sorted(canon)),
        signed,
        payload_hash,
    ])
    date = amz_date[:8]
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join([
        "AWS4-HMAC-SHA256", amz_date, scope,
        hashlib.sha256(creq.encode("utf-8")).hexdigest(),
    ])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret_key).encode("utf-8"), date), region),
                      service), "aws4_request")
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return (f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
            f"SignedHeaders={signed}, Signature={signature}")


def self_test():
    """Published signatures of the aws-sig-v4-test-suite (AKIDEXAMPLE, 20150830T123600Z,
    us-east-1, service `service`, host example.amazonaws.com, headers host;x-amz-date)."""
    empty = hashlib.sha256(b"").hexdigest()
    cases = [
        ("get-vanilla", "/",
         "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("get-vanilla-query-order-key-case", "/?Param2=value2&Param1=value1",
         "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        ("get-utf8", "/\u1234",
         "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
    ]
    failed = 0
    for name, path, want in cases:
        auth = sign("GET", path, {"Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z"},
                    empty, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                    "us-east-1", "service", "20150830T123600Z")
        want_auth = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                     f"aws4_request, SignedHeaders=host;x-amz-date, Signature={want}")
        ok = auth == want_auth
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f"\n  got  {auth}\n  want {want_auth}"))
    print(f"{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


# --- the client ---


class CountingConnection(http.client.HTTPConnection):
    """An HTTPConnection that counts the TCP connections it opens (one, if keep-alive holds)."""

    opened = 0

    def connect(self):
        super().connect()
        self.opened += 1


class Client:
    """One keep-alive connection; every request signed for the region it is told."""

    def __init__(self, endpoint, access_key, secret_key):
        u = urllib.parse.urlsplit(endpoint)
        if u.scheme != "http" or not u.hostname:
            sys.exit(f"--endpoint must be http://HOST:PORT, got {endpoint!r}")
        self.host_header = u.netloc
        self.conn = CountingConnection(u.hostname, u.port or 80, timeout=120)
        self.access_key, self.secret_key = access_key, secret_key
        self.calls = 0

    def call(self, method, path, region, service="appmesh", body=None,
             content_type="application/json", expect=200):
        """Sends one signed request; its answer's body (parsed JSON when it is JSON) and the
        seconds from sending to the last byte of the answer. Aborts on any other status."""
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        payload_hash = hashlib.sha256(data).hexdigest()
        amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        headers = {
            "Host": self.host_header,
            "X-Amz-Date": amz_date,
            "X-Amz-Content-Sha256": payload_hash,
            "Content-Type": content_type,
        }
        headers["Authorization"] = sign(method, path, headers, payload_hash, self.access_key,
                                        self.secret_key, region, service, amz_date)
        try:
            t0 = time.perf_counter()
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            raw = resp.read()
            elapsed = time.perf_counter() - t0
        except (OSError, http.client.HTTPException) as e:
            sys.exit(f"{method} {path} (region {region}): {e!r}")
        self.calls += 1
        if resp.status != expect:
            sys.exit(f"{method} {path} (region {region}): HTTP {resp.status}, expected {expect}\n"
                     f"{raw.decode('utf-8', 'replace')[:2000]}")
        ctype = resp.getheader("Content-Type", "")
        return (json.loads(raw) if raw and "json" in ctype else raw), elapsed


def route_spec(w_a, w_b):
    return {"httpRoute": {"match": {"prefix": "/"}, "action": {"weightedTargets": [
        {"virtualNode": "a", "weight": w_a}, {"virtualNode": "b", "weight": w_b}]}}}


def q(name):
    return urllib.parse.quote(name, safe="")


def create_mesh(c, region, mesh):
    c.call("PUT", "/v20190125/meshes", region, body={"meshName": mesh})


def create_node(c, region, mesh, node):
    c.call("PUT", f"/v20190125/meshes/{q(mesh)}/virtualNodes", region,
           body={"virtualNodeName": node, "spec": {}})


def filler_slots(regions, meshes_per_region, bench_region):
    """(region, mesh name) of every filler mesh, in filling order: `meshes_per_region` meshes to
    a Region (counting the bench mesh in its Region), Region after Region."""
    slots = []
    for region in regions:
        room = meshes_per_region - (1 if region == bench_region else 0)
        slots += [(region, f"fill-{region}-{i:02d}") for i in range(room)]
    return slots


def fill_segment(c, slots, per_mesh, start, end, worker=0, workers=1):
    """Creates filler virtual nodes start..end-1 (numbered in filling order, `per_mesh` to a
    mesh) that lie in this worker's meshes (mesh k is worker k mod `workers`'s), and each such
    mesh when its first node is among them. The number of create calls made."""
    creates = 0
    if end <= start:
        return 0
    for slot in range(start // per_mesh, (end - 1) // per_mesh + 1):
        if slot % workers != worker:
            continue
        region, mesh = slots[slot]
        first = slot * per_mesh
        lo, hi = max(start, first), min(end, first + per_mesh)
        if lo == first:
            create_mesh(c, region, mesh)
            creates += 1
        for k in range(lo, hi):
            create_node(c, region, mesh, f"n{k - first:03d}")
            creates += 1
    return creates


class Filler:
    """Fills virtual nodes in filling order on the caller's own connection (--fill-workers 1)."""

    def __init__(self, c, slots, per_mesh):
        self.c, self.slots, self.per_mesh = c, slots, per_mesh
        self.nodes = 0  # filler virtual nodes created so far

    def fill_to(self, level):
        """Creates virtual nodes (and the meshes they need) up to `level`; the number of
        create calls made and their wall time in seconds."""
        t0 = time.perf_counter()
        creates = fill_segment(self.c, self.slots, self.per_mesh, self.nodes, level)
        self.nodes = max(self.nodes, level)
        return creates, time.perf_counter() - t0

    def totals(self):
        return 0, 0  # its calls and connections are the caller's

    def close(self):
        pass


def fill_worker(pipe, endpoint, access_key, secret_key, slots, per_mesh, worker, workers):
    """A fill worker process: its own keep-alive connection; for each (start, end) it is sent,
    fills its share of that segment and answers ("done", creates, calls, connections opened);
    None ends it. Any failure is answered ("error", message)."""
    try:
        c = Client(endpoint, access_key, secret_key)
        c.conn.connect()  # before any segment is timed
        pipe.send(("ready",))
        while True:
            msg = pipe.recv()
            if msg is None:
                return
            start, end = msg
            n = fill_segment(c, slots, per_mesh, start, end, worker, workers)
            pipe.send(("done", n, c.calls, c.conn.opened))
    except SystemExit as e:
        pipe.send(("error", f"fill worker {worker}: {e.code}"))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which stops the run
        pipe.send(("error", f"fill worker {worker}: {e!r}"))


class ParallelFiller:
    """Fills virtual nodes with `workers` processes, each with its own connection and meshes."""

    def __init__(self, endpoint, access_key, secret_key, slots, per_mesh, workers):
        ctx = multiprocessing.get_context("spawn")
        self.nodes, self.pipes, self.procs = 0, [], []
        self.calls, self.opened = [0] * workers, [0] * workers
        for i in range(workers):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=fill_worker, daemon=True, name=f"fill-worker-{i}",
                               args=(child, endpoint, access_key, secret_key, slots, per_mesh, i, workers))
            proc.start()
            child.close()
            self.pipes.append(parent)
            self.procs.append(proc)
        for i in range(workers):
            self._answer(i, "ready")

    def _answer(self, i, want):
        try:
            msg = self.pipes[i].recv()
        except EOFError:
            self.close()
            sys.exit(f"fill worker {i} ended without answering (exit code {self.procs[i].exitcode})")
        if msg[0] == "error":
            self.close()
            sys.exit(msg[1])
        if msg[0] != want:
            self.close()
            sys.exit(f"fill worker {i}: unexpected answer {msg!r}")
        return msg

    def fill_to(self, level):
        """Creates virtual nodes (and the meshes they need) up to `level`, all workers at once;
        the number of create calls made and the segment's wall time in seconds."""
        start = self.nodes
        t0 = time.perf_counter()
        for pipe in self.pipes:
            pipe.send((start, level))
        creates = 0
        for i in range(len(self.pipes)):
            _, n, self.calls[i], self.opened[i] = self._answer(i, "done")
            creates += n
        elapsed = time.perf_counter() - t0
        self.nodes = max(self.nodes, level)
        return creates, elapsed

    def totals(self):
        """Calls made and TCP connections opened by all workers so far."""
        return sum(self.calls), sum(self.opened)

    def close(self):
        for pipe in self.pipes:
            try:
                pipe.send(None)
            except OSError:
                pass
        for proc in self.procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
        self.pipes, self.procs = [], []


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError as e:
        sys.exit(f"--pid {pid}: {e}")
    return None


def read_account_credentials(path):
    """The first account of a JSON-lines file of {"name","accountId","accessKeyId","secretAccessKey"}."""
    with open(path) as f:
        for line in f:
            if line.strip():
                acct = json.loads(line)
                return acct["accessKeyId"], acct["secretAccessKey"], acct.get("name"), acct.get("accountId")
    sys.exit(f"--account-credentials {path}: no account in it")


def iam_setup(c, region, out_path):
    """Creates an IAM user allowed everything and an access key for it, through the signed IAM
    Query API (moto's, started with INITIAL_NO_AUTH_ACTION_COUNT so that it verifies every later
    request's signature), and writes them as one --account-credentials line to out_path."""
    def iam(params):
        body = urllib.parse.urlencode({**params, "Version": "2010-05-08"}).encode()
        answer, _ = c.call("POST", "/", region, service="iam", body=body,
                           content_type="application/x-www-form-urlencoded; charset=utf-8")
        return answer.decode() if isinstance(answer, bytes) else json.dumps(answer)

    def between(text, tag):
        return text.split(f"<{tag}>", 1)[1].split(f"</{tag}>", 1)[0]

    user = "meshwalk-bench"
    arn = between(iam({"Action": "CreateUser", "UserName": user}), "Arn")
    iam({"Action": "PutUserPolicy", "UserName": user, "PolicyName": "all",
         "PolicyDocument": json.dumps({"Version": "2012-10-17", "Statement": [
             {"Effect": "Allow", "Action": "*", "Resource": "*"}]})})
    key = iam({"Action": "CreateAccessKey", "UserName": user})
    line = {"name": user, "accountId": arn.split(":")[4],
            "accessKeyId": between(key, "AccessKeyId"), "secretAccessKey": between(key, "SecretAccessKey")}
    with open(out_path, "w") as f:
        f.write(json.dumps(line) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", help="http://127.0.0.1:PORT")
    p.add_argument("--region", default="us-east-1", help="the bench mesh's Region (default us-east-1)")
    p.add_argument("--regions", default=",".join(REGIONS),
                   help="Regions the filler meshes spread over, in order (default: %(default)s)")
    p.add_argument("--access-key", default="test")
    p.add_argument("--secret-key", default="test")
    p.add_argument("--account-credentials", metavar="FILE",
                   help='JSON lines {"name","accountId","accessKeyId","secretAccessKey"}: sign with the first one')
    p.add_argument("--levels", default="0,1000,5000,20000",
                   help="filler virtual nodes in the cloud at each measurement (default %(default)s)")
    p.add_argument("--max-level", type=int, help="skip levels above this")
    p.add_argument("--calls", type=int, default=300, help="UpdateRoute calls per level (default %(default)s)")
    p.add_argument("--nodes-per-mesh", type=int, default=200)
    p.add_argument("--meshes-per-region", type=int, default=15, help="App Mesh's quota (default %(default)s)")
    p.add_argument("--fill-workers", type=int, default=4,
                   help="worker processes that fill, each with its own connection and meshes "
                        "(default %(default)s; 1 fills on the main connection)")
    p.add_argument("--pid", type=int, help="the server's PID, for its RSS")
    p.add_argument("--label", default="", help="a name for the JSON lines (e.g. meshwalk, moto)")
    p.add_argument("--json", action="store_true", help="JSON lines instead of markdown rows")
    p.add_argument("--no-header", action="store_true", help="markdown rows without the table's header")
    p.add_argument("--iam-setup", metavar="FILE",
                   help="only create an IAM user and key (moto with INITIAL_NO_AUTH_ACTION_COUNT) and write "
                        "them to FILE for --account-credentials")
    p.add_argument("--self-test", action="store_true", help="check the signer against AWS's test vectors")
    a = p.parse_args()

    if a.self_test:
        return self_test()
    if not a.endpoint:
        p.error("--endpoint is required")
    host = urllib.parse.urlsplit(a.endpoint).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        p.error(f"--endpoint must be on loopback, got {host!r}")
    access_key, secret_key = a.access_key, a.secret_key
    if a.account_credentials:
        access_key, secret_key, name, account = read_account_credentials(a.account_credentials)
        print(f"signing as account {name} ({account})", file=sys.stderr)
    c = Client(a.endpoint, access_key, secret_key)
    if a.iam_setup:
        iam_setup(c, a.region, a.iam_setup)
        return 0

    levels = sorted({int(x) for x in a.levels.split(",") if x.strip()})
    if a.max_level is not None:
        levels = [n for n in levels if n <= a.max_level]
    regions = [r.strip() for r in a.regions.split(",") if r.strip()]
    slots = filler_slots(regions, a.meshes_per_region, a.region)
    capacity = len(slots) * a.nodes_per_mesh
    if levels and levels[-1] > capacity:
        p.error(f"level {levels[-1]} needs more room than {len(regions)} Regions give "
                f"({capacity} virtual nodes): pass more --regions")
    if a.fill_workers < 1:
        p.error("--fill-workers must be at least 1")

    # The bench mesh: small, and the one UpdateRoute writes to at every level.
    create_mesh(c, a.region, "bench")
    for node in ("a", "b"):
        create_node(c, a.region, "bench", node)
    c.call("PUT", "/v20190125/meshes/bench/virtualRouters", a.region, body={
        "virtualRouterName": "r",
        "spec": {"listeners": [{"portMapping": {"port": 9080, "protocol": "http"}}]}})
    c.call("PUT", "/v20190125/meshes/bench/virtualRouter/r/routes", a.region,
           body={"routeName": "rt", "spec": route_spec(1, 0)})

    if a.fill_workers == 1:
        filler = Filler(c, slots, a.nodes_per_mesh)
    else:
        filler = ParallelFiller(a.endpoint, access_key, secret_key, slots, a.nodes_per_mesh,
                                a.fill_workers)
    try:
        return measure(a, c, filler, levels)
    finally:
        filler.close()


def measure(a, c, filler, levels):
    """Fills to each level and times UpdateRoute there; prints a row per level."""
    if not a.json and not a.no_header:
        print("| N | UpdateRoute median ms | p99 ms | creates/s while filling | server RSS MB |")
        print("|---:|---:|---:|---:|---:|")
    for level in levels:
        creates, fill_s = filler.fill_to(level)
        samples = []
        for i in range(a.calls):
            spec = route_spec(90, 10) if i % 2 else route_spec(10, 90)
            _, s = c.call("PUT", "/v20190125/meshes/bench/virtualRouter/r/routes/rt", a.region,
                          body={"spec": spec})
            samples.append(s * 1000)
        median = statistics.median(samples)
        p99 = statistics.quantiles(samples, n=100)[98] if len(samples) >= 2 else samples[0]
        rate = creates / fill_s if creates else None
        rss = rss_mib(a.pid) if a.pid else None
        if a.json:
            print(json.dumps({"label": a.label, "level": level, "calls": a.calls, "fill_workers": a.fill_workers,
                              "update_route_median_ms": round(median, 3), "update_route_p99_ms": round(p99, 3),
                              "creates": creates, "fill_seconds": round(fill_s, 3),
                              "creates_per_s": round(rate, 1) if rate else None,
                              "rss_mib": round(rss, 1) if rss is not None else None}), flush=True)
        else:
            print(f"| {level:,} | {median:.2f} | {p99:.2f} | "
                  f"{f'{rate:,.0f}' if rate else '—'} | {f'{rss:.0f}' if rss is not None else '—'} |",
                  flush=True)
    w_calls, w_opened = filler.totals()
    calls, opened = c.calls + w_calls, c.conn.opened + w_opened
    by = f" ({a.fill_workers} fill workers)" if a.fill_workers > 1 else ""
    print(f"\n{calls:,} calls over {opened:,} TCP connection{'s' if opened != 1 else ''}{by}.",
          file=sys.stderr if a.json else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
