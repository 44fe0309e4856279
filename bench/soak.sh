#!/usr/bin/env bash
# Soak of `meshwalk serve`: DURATION seconds (default 600) of mixed traffic on loopback — valid
# App Mesh and ECS calls on keep-alive connections, invalid ones (deep nesting, wrong
# Content-Type, made-up regions, garbage, oversized heads and bodies, unknown operations) on new
# connections, and 50 slow clients holding half-sent requests — sampling the server's RSS and
# the latency of the valid calls every INTERVAL seconds (default 30). Ends by checking the
# server still answers, then that SIGTERM stops it within 5 s.
# Needs python3 (standard library only). Everything talks to 127.0.0.1 and ends with the script.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-600}
INTERVAL=${INTERVAL:-30}
PORT=${PORT:-4599}
ENDPOINT="http://127.0.0.1:$PORT"
command -v python3 >/dev/null || { echo "soak.sh needs python3 (apt-get install python3)"; exit 1; }
command -v curl >/dev/null || { echo "soak.sh needs curl (apt-get install curl)"; exit 1; }
cargo build --release --quiet
STATE=$(mktemp -d)
export MESHWALK_STATE_DIR=$STATE
./target/release/meshwalk serve --port "$PORT" >/dev/null 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; rm -rf "$STATE"; }
trap cleanup EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "$ENDPOINT/v20190125/meshes" && break; sleep 0.05; done

python3 bench/soak.py "$PORT" "$SERVER" "$DURATION" "$INTERVAL"

curl -sf -o /dev/null "$ENDPOINT/v20190125/meshes" && echo "after the soak: the server still answers"
# A half-sent request held open must not delay the shutdown.
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\n' >&3
now() { python3 -c 'import time; print(time.monotonic())'; }
started=$(now)
kill -TERM "$SERVER"
wait "$SERVER" || true
python3 -c "print(f'SIGTERM with a half-sent request open: exited after {$(now) - $started:.2f} s')"
exec 3>&-
