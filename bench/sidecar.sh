#!/usr/bin/env bash
# Requests per second and latency: straight to distributor v1, through the requester's sidecar
# (Host: distributor.gophers.local, route 90/10), and through nginx with a 9:1 weighted
# upstream over the same two distributor ports. wrk and nginx from Debian's packages.
source "$(dirname "$0")/common.sh"
set_weights 90 10
V1=$(host_port distributor-v1 9080)
V2=$(host_port distributor-v2 9080)
EGRESS=$(host_port requester 15001)
NGINX_PORT=$((PORT + 1))
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
trap 'nginx -c "$NGINX_DIR/nginx.conf" -s stop; cleanup; rm -rf "$NGINX_DIR"' EXIT
sleep 0.3
run() { echo "== $1"; shift; wrk -t2 -c32 -d10s --latency "$@" | grep -E "Requests/sec|Latency  |  50%|  99%"; }
run "direct to distributor v1" "http://127.0.0.1:$V1/"
run "through the meshwalk sidecar (90/10)" -H 'Host: distributor.gophers.local' "http://127.0.0.1:$EGRESS/"
run "through nginx (weights 9:1)" "http://127.0.0.1:$NGINX_PORT/"
echo "meshwalk serve RSS (KiB): $(ps -o rss= -p "$SERVER")"
