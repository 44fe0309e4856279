#!/usr/bin/env bash
# Requests per second and latency: straight to distributor v1, through the requester's sidecar
# (Host: distributor.gophers.local, route 90/10), and through nginx with a 9:1 weighted
# upstream over the same two distributor ports, and through bench/hyper-proxy (the least a
# hyper proxy does, 9:1 at random: what the same HTTP crates allow). wrk and nginx from
# Debian's packages. ROUNDS=N (default 3) alternates the three proxies N times.
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
# run NAME WRK-ARGS...: prints the run and sets RPS and P50_US.
run() {
  local name=$1 out
  shift
  out=$(wrk -t2 -c32 -d10s --latency "$@")
  echo "== $name"
  grep -E "Requests/sec|Latency  |  50%|  99%" <<<"$out"
  RPS=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  P50_US=$(awk '$1 == "50%" {v=$2; if (v ~ /ms$/) v*=1000; else if (v ~ /us$/) v+=0; else v*=1000000; print v}' <<<"$out")
}
run "direct to distributor v1" "http://127.0.0.1:$V1/"
ratios=()
for round in $(seq "${ROUNDS:-3}"); do
  echo "#### round $round"
  run "through the meshwalk sidecar (90/10)" -H 'Host: distributor.gophers.local' "http://127.0.0.1:$EGRESS/"
  sidecar=("$RPS" "$P50_US")
  run "through bench/hyper-proxy (9:1)" "http://127.0.0.1:$HYPER_PORT/"
  hyper=("$RPS" "$P50_US")
  run "through nginx (weights 9:1)" "http://127.0.0.1:$NGINX_PORT/"
  ratios+=("$(awk -v s="${sidecar[0]}" -v sp="${sidecar[1]}" -v h="${hyper[0]}" -v hp="${hyper[1]}" -v n="$RPS" -v np="$P50_US" -v r="$round" \
    'BEGIN {printf "round %d: sidecar %.2fx nginx req/s (p50 %.2fx); hyper-proxy %.2fx (p50 %.2fx); sidecar %.2fx hyper-proxy", r, s/n, sp/np, h/n, hp/np, s/h}')")
done
printf '%s\n' "${ratios[@]}"
echo "meshwalk serve RSS (KiB): $(ps -o rss= -p "$SERVER")"
