#!/usr/bin/env bash
# DescribeMesh throughput of `meshwalk serve` and of moto's server, one after the other in one
# run, with the same wrk settings (wrk -t2 -c16 -d10s: 2 threads, 16 connections, 10 s, GET of
# one mesh), and the ratio meshwalk ÷ moto.
#
#   BIN=path/to/meshwalk   measures another build, as in common.sh (else a release build)
#   MOTO_VENV              where moto is installed (default ~/.cache/meshwalk-bench/moto, as for
#                          control-plane-scale.sh; installed there if missing)
#   PORT=4577 MOTO_PORT=4578
#
# meshwalk's requests go unsigned (`meshwalk serve` without --accounts takes them). moto's server
# picks the service a request is for from its Authorization header's credential scope, so moto's
# requests carry a fixed SigV4-shaped header for service appmesh; moto does not verify signatures
# unless told to. Needs wrk, curl and python3. Loopback only; each side runs for a bounded 10 s.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-4577}
moto_port=${MOTO_PORT:-4578}
WRK=(wrk -t2 -c16 -d10s)
command -v wrk >/dev/null || {
  echo "describe-mesh.sh needs wrk: apt-get update && apt-get install -y wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "describe-mesh.sh needs curl (apt-get install curl)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "describe-mesh.sh needs python3 (apt-get install python3)" >&2; exit 1; }
# BIN=path/to/meshwalk measures another build side by side, as in common.sh.
if [ -z "${BIN:-}" ]; then
  BIN=./target/release/meshwalk
  cargo build --release --quiet
fi
source bench/moto.sh

WORK=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# bench NAME URL [wrk -H args...]: runs wrk, shows its output, and sets $rps (Requests/sec) and
# $bad (non-2xx/3xx answers plus socket errors other than connects, which moto's closing causes).
bench() {
  local name=$1 url=$2
  shift 2
  "${WRK[@]}" "$@" "$url" | tee "$WORK/$name.wrk"
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/$name.wrk")
  bad=$(awk '/Non-2xx or 3xx responses:/ {n += $NF}
             /Socket errors:/ {gsub(",", ""); for (i = 1; i <= NF; i++) if ($i == "read" || $i == "write" || $i == "timeout") n += $(i + 1)}
             END {print n + 0}' "$WORK/$name.wrk")
  [ -n "$rps" ] || { echo "wrk printed no Requests/sec for $name" >&2; exit 1; }
}

commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- 2>/dev/null || commit="$commit (+ uncommitted changes)"
echo "## DescribeMesh: ${WRK[*]}"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit, $(nproc) cores."

echo
echo "### meshwalk ($BIN serve)"
echo
mkdir "$WORK/state"
MESHWALK_STATE_DIR="$WORK/state" $BIN serve --port "$port" >"$WORK/meshwalk.log" 2>&1 &
server=$!
wait_for meshwalk "$server" "http://127.0.0.1:$port/v20190125/meshes" "$WORK/meshwalk.log"
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' "http://127.0.0.1:$port/v20190125/meshes" -d '{"meshName":"gophermesh"}'
curl -sf -o /dev/null "http://127.0.0.1:$port/v20190125/meshes/gophermesh"
bench meshwalk "http://127.0.0.1:$port/v20190125/meshes/gophermesh"
meshwalk_rps=$rps meshwalk_bad=$bad
meshwalk_rss=$(ps -o rss= -p "$server" | tr -d ' ')
echo "server RSS (KiB): $meshwalk_rss"
kill "$server"; wait "$server" 2>/dev/null || true; server=""

echo
echo "### moto $MOTO_VERSION (moto_server; its werkzeug server closes the connection after every answer)"
echo
day=$(date -u +%Y%m%d)
auth=(-H "Authorization: AWS4-HMAC-SHA256 Credential=test/$day/us-east-1/appmesh/aws4_request, SignedHeaders=host;x-amz-date, Signature=$(printf '0%.0s' $(seq 64))"
      -H "X-Amz-Date: ${day}T000000Z")
"$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$WORK/moto.log" 2>&1 &
server=$!
wait_for moto "$server" "http://127.0.0.1:$moto_port/moto-api/data.json" "$WORK/moto.log"
curl -sf -o /dev/null -X PUT "${auth[@]}" -H 'Content-Type: application/json' "http://127.0.0.1:$moto_port/v20190125/meshes" -d '{"meshName":"gophermesh"}'
curl -sf "${auth[@]}" "http://127.0.0.1:$moto_port/v20190125/meshes/gophermesh" | grep -q '"meshName": *"gophermesh"' || {
  echo "moto's DescribeMesh did not answer the mesh; its log:" >&2; tail -20 "$WORK/moto.log" >&2; exit 1; }
bench moto "http://127.0.0.1:$moto_port/v20190125/meshes/gophermesh" "${auth[@]}"
moto_rps=$rps moto_bad=$bad
echo "server RSS (KiB): $(ps -o rss= -p "$server" | tr -d ' ')"
kill "$server"; wait "$server" 2>/dev/null || true; server=""

echo
echo "### DescribeMesh, ${WRK[*]}"
echo
echo "| server | requests/s |"
echo "|---|---:|"
printf '| meshwalk | %s |\n| moto %s | %s |\n' \
  "$(python3 -c "print(f'{$meshwalk_rps:,.0f}')")" "$MOTO_VERSION" "$(python3 -c "print(f'{$moto_rps:,.0f}')")"
echo
echo "meshwalk ÷ moto: $(python3 -c "print(f'{$meshwalk_rps / $moto_rps:,.1f}')")×"
status=0
if [ "$meshwalk_bad" != 0 ]; then echo "meshwalk: $meshwalk_bad failed answers or socket errors: not a clean measurement" >&2; status=1; fi
if [ "$moto_bad" != 0 ]; then echo "moto: $moto_bad failed answers or socket errors: not a clean measurement" >&2; status=1; fi
exit $status
