#!/usr/bin/env bash
# CPU of an idle `meshwalk serve` with the tutorial's tasks running (their sidecars and apps
# listening, health checks on): utime+stime over 30 s with no request. `BIN=` another build.
source "$(dirname "$0")/common.sh"
sleep 2
before=$(awk '{print $14+$15}' "/proc/$SERVER/stat")
sleep 30
after=$(awk '{print $14+$15}' "/proc/$SERVER/stat")
ticks=$((after - before))
echo "meshwalk serve, idle for 30 s: $ticks CPU ticks ($(awk -v t="$ticks" 'BEGIN {printf "%.2f", t / 30}')% of one core)"
