#!/usr/bin/env bash
# The scheduler under a big service (issue 12's first reproducer): a cluster, a task
# definition whose image cannot start, and a service of 4,000 tasks. Over DURATION seconds
# (default 25) it samples ListClusters every 0.1 s and reports the server's CPU time and the
# slowest and median ListClusters answers.
#
#   bench/scheduler.sh                          # this tree's release build
#   BIN=/path/to/other/meshwalk bench/scheduler.sh   # another build, for a side-by-side run
#
# Loopback only; bounded by DURATION. Needs curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-./target/release/meshwalk}
PORT=${PORT:-4599}
DURATION=${DURATION:-25}
if [ "$BIN" = ./target/release/meshwalk ]; then cargo build --release --quiet; fi
ENDPOINT="http://127.0.0.1:$PORT"
STATE=$(mktemp -d)
export MESHWALK_STATE_DIR=$STATE
"$BIN" serve --port "$PORT" >/dev/null 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; rm -rf "$STATE"; }
trap cleanup EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "$ENDPOINT/v20190125/meshes" && break; sleep 0.05; done

ecs() {
  curl -s -o /dev/null -w '%{http_code}\n' -X POST "$ENDPOINT/" \
    -H 'Content-Type: application/x-amz-json-1.1' \
    -H "X-Amz-Target: AmazonEC2ContainerServiceV20141113.$1" -d "$2"
}
ecs RegisterTaskDefinition '{"family":"dc","containerDefinitions":[{"name":"c","image":"x/nope","memory":16}]}' >/dev/null
ecs CreateCluster '{"clusterName":"dc"}' >/dev/null
ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
before=$(ticks)
echo "CreateService desiredCount 4000: HTTP $(ecs CreateService '{"cluster":"dc","serviceName":"s","taskDefinition":"dc","desiredCount":4000}')"
python3 - "$ENDPOINT" "$DURATION" <<'EOF'
import statistics, sys, time, urllib.request
endpoint, duration = sys.argv[1], float(sys.argv[2])
took = []
end = time.monotonic() + duration
while time.monotonic() < end:
    req = urllib.request.Request(endpoint + "/", data=b"{}", method="POST", headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters"})
    t = time.monotonic()
    urllib.request.urlopen(req, timeout=30).read()
    took.append((time.monotonic() - t) * 1000)
    time.sleep(0.1)
print(f"ListClusters: {len(took)} calls, median {statistics.median(took):.2f} ms, max {max(took):.1f} ms")
EOF
after=$(ticks)
hz=$(getconf CLK_TCK)
python3 -c "print(f'server CPU: {($after - $before) / $hz:.2f} s in ${DURATION} s')"
echo "server RSS (KiB): $(ps -o rss= -p "$SERVER")"
