#!/usr/bin/env bash
# How the App Mesh control plane's write cost grows with what the cloud already holds, for
# `meshwalk serve` and for moto's server side by side in one run (bench/control-plane-scale.py):
# SigV4-signed calls; virtual nodes filled 200 per mesh and 15 meshes per Region (then the next
# Region) up to each level N by FILL_WORKERS processes at once (each with its own keep-alive
# connection and its own meshes), then at each level 300 UpdateRoute calls on a small mesh, one
# at a time on one keep-alive connection, timed one by one; the aggregate creates/s of the fill
# and the server's RSS beside them.
#
#   LEVELS=0,1000,5000,20000   meshwalk's levels (the default)
#   MOTO_LEVELS                moto's levels (default: LEVELS if given, else 0,5000), none above
#   MOTO_MAX_LEVEL=5000        moto at 20,000 takes long
#   CALLS=300                  UpdateRoute calls per level
#   FILL_WORKERS=4             processes that fill (1: the old fill on the one connection,
#                              whose rate the single Python client's own time per call bounds)
#   BIN=path/to/meshwalk       measures another build, as in common.sh (else a release build)
#   MOTO_VENV                  where moto is installed (default ~/.cache/meshwalk-bench/moto)
#   MOTO_CHECK_SIGNATURES=1    moto verifies every signature: an IAM user is made first and its
#                              key signs the rest (moto's policy checks then add to its figures)
#   ACCOUNT_CREDENTIALS=FILE   JSON lines {"name","accountId","accessKeyId","secretAccessKey"}:
#                              meshwalk's calls are signed with the first account's keys
#   PORT=4593 MOTO_PORT=4594
# Needs python3 and curl. Everything listens on and talks to 127.0.0.1, and ends with the script.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-4593}
MOTO_PORT=${MOTO_PORT:-4594}
CALLS=${CALLS:-300}
FILL_WORKERS=${FILL_WORKERS:-4}
if [ -n "${LEVELS:-}" ]; then
  MOTO_LEVELS=${MOTO_LEVELS:-$LEVELS}
else
  LEVELS=0,1000,5000,20000
  MOTO_LEVELS=${MOTO_LEVELS:-0,5000}
fi
MOTO_MAX_LEVEL=${MOTO_MAX_LEVEL:-5000}
command -v python3 >/dev/null || { echo "control-plane-scale.sh needs python3 (apt-get install python3)"; exit 1; }
command -v curl >/dev/null || { echo "control-plane-scale.sh needs curl (apt-get install curl)"; exit 1; }
python3 bench/control-plane-scale.py --self-test >/dev/null || {
  echo "the SigV4 signer fails AWS's test vectors:"; python3 bench/control-plane-scale.py --self-test; exit 1; }

# BIN=path/to/meshwalk measures another build side by side, as in common.sh.
if [ -z "${BIN:-}" ]; then
  BIN=./target/release/meshwalk
  cargo build --release --quiet
fi
source bench/moto.sh

WORK=$(mktemp -d)
MESHWALK=""
MOTO=""
cleanup() {
  for pid in $MESHWALK $MOTO; do kill "$pid" 2>/dev/null || true; done
  for pid in $MESHWALK $MOTO; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- 2>/dev/null || commit="$commit (+ uncommitted changes)"
echo "## App Mesh control plane: UpdateRoute as the cloud fills"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit, $(nproc) cores."
echo "SigV4-signed calls; N = virtual nodes already in the cloud, filled 200 per mesh and 15 meshes"
echo "per Region (Regions in turn) by $FILL_WORKERS client processes at once, each with its own keep-alive"
echo "connection and its own meshes (mesh k is worker k mod $FILL_WORKERS's); then, at each N and with no"
echo "fill running, $CALLS UpdateRoute calls on a small mesh (2 virtual nodes, 1 router, 1 route),"
echo "alternating weights, one at a time on one keep-alive connection, each timed from sending to"
echo "the answer's last byte. Creates/s: all the creates (meshes and virtual nodes, all workers) that"
echo "filled up to N, over the segment's wall time. RSS: the server's VmRSS (MiB) after the N row's"
echo "calls. Client and server share the machine's cores."

echo
echo "### meshwalk ($BIN serve)"
echo
mkdir "$WORK/state"
MESHWALK_STATE_DIR="$WORK/state" $BIN serve --port "$PORT" >"$WORK/meshwalk.log" 2>&1 &
MESHWALK=$!
wait_for meshwalk "$MESHWALK" "http://127.0.0.1:$PORT/v20190125/meshes" "$WORK/meshwalk.log"
python3 bench/control-plane-scale.py --endpoint "http://127.0.0.1:$PORT" --pid "$MESHWALK" \
  --levels "$LEVELS" --calls "$CALLS" --fill-workers "$FILL_WORKERS" \
  ${ACCOUNT_CREDENTIALS:+--account-credentials "$ACCOUNT_CREDENTIALS"}
kill "$MESHWALK"
wait "$MESHWALK" 2>/dev/null || true
MESHWALK=""

echo
echo "### moto $MOTO_VERSION (moto_server; its werkzeug server closes the connection after every answer)"
echo
moto_env=()
moto_auth=()
if [ "${MOTO_CHECK_SIGNATURES:-}" = 1 ]; then
  # The IAM user's three calls go unchecked; every call after them has its signature verified.
  moto_env=(INITIAL_NO_AUTH_ACTION_COUNT=3)
  moto_auth=(--account-credentials "$WORK/moto-account.jsonl")
  echo "(moto verifies every signature here, and evaluates the IAM user's policy on every call)"
  echo
fi
env "${moto_env[@]}" "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
MOTO=$!
# /moto-api/ does not count as an action, so it leaves INITIAL_NO_AUTH_ACTION_COUNT alone.
wait_for moto "$MOTO" "http://127.0.0.1:$MOTO_PORT/moto-api/data.json" "$WORK/moto.log"
if [ "${MOTO_CHECK_SIGNATURES:-}" = 1 ]; then
  python3 bench/control-plane-scale.py --endpoint "http://127.0.0.1:$MOTO_PORT" --iam-setup "$WORK/moto-account.jsonl"
fi
python3 bench/control-plane-scale.py --endpoint "http://127.0.0.1:$MOTO_PORT" --pid "$MOTO" \
  --levels "$MOTO_LEVELS" --max-level "$MOTO_MAX_LEVEL" --calls "$CALLS" --fill-workers "$FILL_WORKERS" \
  "${moto_auth[@]}"
