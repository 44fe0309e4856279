#!/usr/bin/env bash
# CPU per request, per proxy: the sidecar, nginx (9:1 weighted upstream) and bench/hyper-proxy
# in turn (wrk, 2 threads, 32 connections, 6 s each; ROUNDS=N rounds, default 3), counting
# the proxy's own threads and, apart, the threads that run the apps behind it (the main
# runtime of `meshwalk serve`). From utime+stime and the context-switch counts in
# /proc/PID/task/*; `BIN=` another build. Talks to 127.0.0.1 only.
source "$(dirname "$0")/common.sh"
set_weights 90 10
V1=$(host_port distributor-v1 9080)
V2=$(host_port distributor-v2 9080)
EGRESS=$(host_port requester 15001)
NGINX_PORT=$((PORT + 1))
HYPER_PORT=$((PORT + 2))
cargo build --release --quiet --manifest-path bench/hyper-proxy/Cargo.toml --target-dir target/hyper-proxy
NGINX_DIR=$(mktemp -d)
cat > "$NGINX_DIR/nginx.conf" <<CONF
worker_processes 2;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  upstream distributor { server 127.0.0.1:$V1 weight=9; server 127.0.0.1:$V2 weight=1; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { proxy_pass http://distributor; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
nginx -c "$NGINX_DIR/nginx.conf"
target/hyper-proxy/release/hyper-proxy "$HYPER_PORT" "127.0.0.1:$V1" "127.0.0.1:$V2" &
HYPER_PROXY=$!
trap 'kill $HYPER_PROXY; nginx -c "$NGINX_DIR/nginx.conf" -s stop; cleanup; rm -rf "$NGINX_DIR"' EXIT
sleep 0.3
# threads PID COMM: the /proc directories of PID's threads whose name contains COMM.
threads() { for t in /proc/$1/task/*; do if grep -q "$2" "$t/comm"; then echo "$t"; fi; done; }
# ticks DIR...: their utime+stime, summed. switches DIR...: their context switches, summed.
ticks() { for t in "$@"; do awk '{print $14 + $15}' "$t/stat"; done | awk '{s += $1} END {print s}'; }
switches() { cat "${@/%//status}" | awk '/ctxt_switches/ {s += $2} END {print s}'; }
apps=$(threads "$SERVER" tokio-rt)
hz=$(getconf CLK_TCK)
for round in $(seq "${ROUNDS:-3}"); do
  for proxy in sidecar nginx hyper-proxy; do
    case $proxy in
      sidecar) url="http://127.0.0.1:$EGRESS/"; own=$(threads "$SERVER" meshwalk-worker) ;;
      nginx) url="http://127.0.0.1:$NGINX_PORT/"; own=$(for p in $(pgrep -f "nginx: worker"); do threads "$p" nginx; done) ;;
      hyper-proxy) url="http://127.0.0.1:$HYPER_PORT/"; own=$(threads "$HYPER_PROXY" .) ;;
    esac
    # shellcheck disable=SC2086 # word splitting wanted: one argument per thread
    before=("$(ticks $own)" "$(ticks $apps)" "$(switches $own)" "$(switches $apps)")
    out=$(wrk -t2 -c32 -d6s -H 'Host: distributor.gophers.local' "$url")
    # shellcheck disable=SC2086
    after=("$(ticks $own)" "$(ticks $apps)" "$(switches $own)" "$(switches $apps)")
    awk -v r="$round" -v p="$proxy" -v hz="$hz" \
      -v n="$(awk '/requests in/ {print $1}' <<<"$out")" -v rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
      -v own=$((after[0] - before[0])) -v apps=$((after[1] - before[1])) \
      -v own_cs=$((after[2] - before[2])) -v apps_cs=$((after[3] - before[3])) \
      'BEGIN {printf "round %d %-12s %8.0f req/s  CPU/request: proxy %.1f us, apps %.1f us  switches/request: proxy %.2f, apps %.2f\n",
        r, p, rps, own * 1e6 / hz / n, apps * 1e6 / hz / n, own_cs / n, apps_cs / n}'
  done
done
