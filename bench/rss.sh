#!/usr/bin/env bash
# Memory of `meshwalk serve` (control plane + data plane) while 2,000 req/s go through the
# requester and its sidecar for 10 s: the peak RSS, sampled every 0.5 s.
source "$(dirname "$0")/common.sh"
set_weights 50 50
peak=0
( $BIN traffic --endpoint-url "$ENDPOINT" --rps 2000 --duration 10 --json | tail -n 1 > "$STATE/summary.json" ) &
TRAFFIC=$!
while kill -0 "$TRAFFIC" 2>/dev/null; do
  rss=$(ps -o rss= -p "$SERVER" | tr -d ' ')
  [ "$rss" -gt "$peak" ] && peak=$rss
  sleep 0.5
done
echo "traffic summary: $(cat "$STATE/summary.json")"
echo "meshwalk serve peak RSS at 2000 req/s: $((peak / 1024)) MiB"
