#!/usr/bin/env bash
# How soon a weight change takes effect: the time from UpdateRoute's answer to the first
# request the sidecar sends by the new weights (0/100 after 100/0), 50 times.
source "$(dirname "$0")/common.sh"
EGRESS=$(host_port requester 15001)
python3 - "$ENDPOINT" "$EGRESS" <<'PY'
import json, sys, time, urllib.request
endpoint, egress = sys.argv[1], sys.argv[2]
route = endpoint + "/v20190125/meshes/gophermesh/virtualRouter/distributor/routes/distributor-route"
def weights(v1, v2):
    body = {"spec": {"httpRoute": {"match": {"prefix": "/"}, "action": {"weightedTargets": [
        {"virtualNode": "distributorV1", "weight": v1}, {"virtualNode": "distributorV2", "weight": v2}]}}}}
    urllib.request.urlopen(urllib.request.Request(
        route, json.dumps(body).encode(), method="PUT", headers={"Content-Type": "application/json"})).read()
def version():
    req = urllib.request.Request("http://127.0.0.1:%s/" % egress, headers={"Host": "distributor.gophers.local"})
    return json.load(urllib.request.urlopen(req))["version"]
delays, stale = [], 0
for _ in range(50):
    weights(100, 0)
    weights(0, 100)
    changed = time.perf_counter()
    while version() != "v2":
        stale += 1
    delays.append((time.perf_counter() - changed) * 1000)
delays.sort()
print("requests answered by the old weights after UpdateRoute returned: %d of 50 changes" % stale)
print("UpdateRoute answer -> first request by the new weights: median %.2f ms, max %.2f ms" % (delays[25], delays[-1]))
PY
