# Shared by the benchmarks: a `meshwalk serve` on loopback with the whole walkthrough applied.
# Everything here talks to 127.0.0.1 only and ends with the script.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-4588}
ENDPOINT="http://127.0.0.1:$PORT"
# BIN=path/to/meshwalk measures another build (e.g. an older commit's) side by side.
if [ -z "${BIN:-}" ]; then
  BIN=./target/release/meshwalk
  cargo build --release --quiet
fi
STATE=$(mktemp -d)
export MESHWALK_STATE_DIR=$STATE
$BIN serve --port "$PORT" >/dev/null 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; rm -rf "$STATE"; }
trap cleanup EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "$ENDPOINT/v20190125/meshes" && break; sleep 0.05; done
# The plain tutorial mesh (up to the weight shifts): no resilience settings, no broken task.
$BIN run --endpoint-url "$ENDPOINT" --to 21 >/dev/null

# set_weights V1 V2: the route's weights, through the App Mesh API.
set_weights() {
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' "$ENDPOINT/v20190125/meshes/gophermesh/virtualRouter/distributor/routes/distributor-route" \
    -d "{\"spec\":{\"httpRoute\":{\"match\":{\"prefix\":\"/\"},\"action\":{\"weightedTargets\":[{\"virtualNode\":\"distributorV1\",\"weight\":$1},{\"virtualNode\":\"distributorV2\",\"weight\":$2}]}}}}"
}

# host_port SERVICE CONTAINER_PORT: where ECS says a service's task listens.
host_port() {
  local ecs=(-sf -X POST "$ENDPOINT/" -H 'Content-Type: application/x-amz-json-1.1')
  local task
  task=$(curl "${ecs[@]}" -H 'X-Amz-Target: AmazonEC2ContainerServiceV20141113.ListTasks' \
    -d "{\"cluster\":\"gophermesh\",\"serviceName\":\"$1\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["taskArns"][0])')
  curl "${ecs[@]}" -H 'X-Amz-Target: AmazonEC2ContainerServiceV20141113.DescribeTasks' \
    -d "{\"cluster\":\"gophermesh\",\"tasks\":[\"$task\"]}" |
    python3 -c "import json,sys; t=json.load(sys.stdin)['tasks'][0]; print([b['hostPort'] for c in t['containers'] for b in c['networkBindings'] if b['containerPort']==$2][0])"
}
