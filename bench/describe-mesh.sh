#!/usr/bin/env bash
# DescribeMesh throughput of `meshwalk serve`, measured with wrk (apt-get install wrk).
# Loopback only; runs for a bounded 10 s.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-4577}
# BIN=path/to/meshwalk measures another build side by side, as in common.sh.
if [ -z "${BIN:-}" ]; then
  BIN=./target/release/meshwalk
  cargo build --release --quiet
fi
export MESHWALK_STATE_DIR=${MESHWALK_STATE_DIR:-$(mktemp -d)}
$BIN serve --port "$port" >/dev/null &
server=$!
trap 'kill $server' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/v20190125/meshes" && break; sleep 0.1; done
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' "http://127.0.0.1:$port/v20190125/meshes" -d '{"meshName":"gophermesh"}'
wrk -t2 -c64 -d10s "http://127.0.0.1:$port/v20190125/meshes/gophermesh"
echo "server RSS (KiB): $(ps -o rss= -p $server)"
