"""Load for bench/soak.sh: a mix of valid and invalid App Mesh and ECS traffic against one
`meshwalk serve` on loopback, with the server's RSS and the latency of valid calls sampled.

Usage: soak.py ENDPOINT_PORT SERVER_PID DURATION_S INTERVAL_S
Prints one line per interval, then a summary. Standard library only; 127.0.0.1 only.
"""

import http.client
import json
import random
import socket
import sys
import threading
import time

PORT, PID, DURATION, INTERVAL = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
HOST = "127.0.0.1"
WORKERS = 4
HELD_CONNECTIONS = 50  # slow clients holding half-sent requests at all times
ECS = "AmazonEC2ContainerServiceV20141113."

lock = threading.Lock()
latencies = []  # valid calls of the current interval, ms
counts = {"2xx": 0, "4xx": 0, "5xx": 0, "closed": 0, "conn_errors": 0}
stop = threading.Event()


def count(key):
    with lock:
        counts[key] += 1


def rss_kib():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def valid_call(conn, rng):
    """One valid call on a keep-alive connection; its status and latency."""
    mesh = f"soak{rng.randrange(10)}"
    node = f"n{rng.randrange(50)}"
    choice = rng.randrange(8)
    json_h = {"Content-Type": "application/json"}
    ecs_h = lambda op: {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": ECS + op}
    if choice == 0:
        req = ("PUT", "/v20190125/meshes", json.dumps({"meshName": mesh}), json_h)
    elif choice == 1:
        req = ("DELETE", f"/v20190125/meshes/{mesh}", None, {})
    elif choice == 2:
        spec = {"listeners": [{"portMapping": {"port": 9080, "protocol": "http"}}],
                "serviceDiscovery": {"dns": {"hostname": f"{node}.local"}}}
        req = ("PUT", f"/v20190125/meshes/{mesh}/virtualNodes",
               json.dumps({"virtualNodeName": node, "spec": spec}), json_h)
    elif choice == 3:
        req = ("DELETE", f"/v20190125/meshes/{mesh}/virtualNodes/{node}", None, {})
    elif choice == 4:
        req = ("GET", f"/v20190125/meshes/{mesh}/virtualNodes?limit=10", None, {})
    elif choice == 5:
        req = ("GET", "/v20190125/meshes", None, {})
    elif choice == 6:
        req = ("POST", "/", json.dumps({"clusterName": mesh}), ecs_h("CreateCluster"))
    else:
        req = ("POST", "/", "{}", ecs_h("ListClusters"))
    method, path, body, headers = req
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    resp.read()
    return resp.status, (time.perf_counter() - started) * 1000


def invalid_bytes(rng):
    """A request the server must refuse (or answer as an error) without harm."""
    choice = rng.randrange(8)
    if choice == 0:
        body = '{"meshName": "x", ' + "[" * rng.randrange(1, 5000)
        return f"PUT /v20190125/meshes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()
    if choice == 1:
        return b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nX-Amz-Target: " + ECS.encode() + b"ListClusters\r\nContent-Length: 2\r\n\r\n{}"
    if choice == 2:
        region = f"fake-region-{rng.randrange(100)}"
        return (f"PUT /v20190125/meshes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Authorization: AWS4-HMAC-SHA256 Credential=AK/20260101/{region}/appmesh/aws4_request, SignedHeaders=host, Signature=0\r\n"
                f"Content-Length: 17\r\n\r\n{{\"meshName\":\"f\"}}").encode()
    if choice == 3:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))) + b"\r\n\r\n"
    if choice == 4:
        return b"GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"
    if choice == 5:
        return b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: " + ECS.encode() + b"NoSuchThing\r\nContent-Length: 2\r\n\r\n{}"
    if choice == 6:
        return f"GET /v20190125/{'z' * rng.randrange(1, 3000)} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    return b"PUT /v20190125/meshes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 3000000\r\n\r\n{"


def invalid_call(rng):
    with socket.create_connection((HOST, PORT), timeout=10) as s:
        try:
            s.sendall(invalid_bytes(rng))
        except OSError:
            pass  # answered and closed before all was sent
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
    if not data.startswith(b"HTTP/1.1 "):
        count("closed")
        return
    status = int(data[9:12])
    count("5xx" if status >= 500 else "4xx" if status >= 400 else "2xx")


def worker(seed):
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    while not stop.is_set():
        try:
            if rng.random() < 0.6:
                status, ms = valid_call(conn, rng)
                count("5xx" if status >= 500 else "4xx" if status >= 400 else "2xx")
                with lock:
                    latencies.append(ms)
            else:
                invalid_call(rng)
        except (OSError, http.client.HTTPException):
            count("conn_errors")
            conn.close()
            conn = http.client.HTTPConnection(HOST, PORT, timeout=10)


def slow_clients():
    """Keeps HELD_CONNECTIONS half-sent requests open; the server's head timeout closes them."""
    held = []
    while not stop.is_set():
        while len(held) < HELD_CONNECTIONS:
            try:
                s = socket.create_connection((HOST, PORT), timeout=5)
                s.sendall(b"GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\n")
                s.setblocking(False)
                held.append(s)
            except OSError:
                break
        still = []
        for s in held:
            try:
                if s.recv(1) == b"":
                    s.close()  # closed by the server
                    continue
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                continue
            still.append(s)
        held = still
        stop.wait(1)
    for s in held:
        s.close()


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def main():
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(WORKERS)]
    threads.append(threading.Thread(target=slow_clients, daemon=True))
    for t in threads:
        t.start()
    start = time.time()
    samples = []
    print("   t_s  rss_mib  valid_calls  p50_ms  p99_ms  max_ms   2xx+4xx  5xx")
    while time.time() - start < DURATION:
        time.sleep(min(INTERVAL, max(0.0, DURATION - (time.time() - start))))
        with lock:
            window, latencies[:] = latencies[:], []
            answered, errors = counts["2xx"] + counts["4xx"], counts["5xx"]
        rss = rss_kib() / 1024
        sample = (time.time() - start, rss, len(window), pct(window, 50), pct(window, 99), max(window, default=float("nan")))
        samples.append(sample)
        print(f"{sample[0]:6.0f}  {rss:7.1f}  {len(window):11d}  {sample[3]:6.2f}  {sample[4]:6.2f}  {sample[5]:6.1f}  {answered:8d}  {errors:3d}", flush=True)
    stop.set()
    for t in threads:
        t.join(timeout=15)
    rss = [s[1] for s in samples]
    total_valid = sum(s[2] for s in samples)
    print("summary:", json.dumps({
        "duration_s": round(time.time() - start),
        "valid_calls": total_valid,
        "responses": {k: v for k, v in counts.items()},
        "rss_mib": {"first": round(rss[0], 1), "max": round(max(rss), 1), "last": round(rss[-1], 1)},
        "valid_p50_ms": {"first": round(samples[0][3], 2), "last": round(samples[-1][3], 2)},
        "valid_p99_ms": {"first": round(samples[0][4], 2), "last": round(samples[-1][4], 2),
                         "worst_interval": round(max(s[4] for s in samples), 2)},
    }))


main()
