#!/usr/bin/env bash
# A newcomer's first build, timed: two fresh clones of this repository's HEAD, one after the
# other, with the crates already downloaded (`~/.cargo`). First `cargo build` then `cargo test`
# (they share one build), then the README's `cargo build --release` (what `cargo run --release`
# builds before its first frame) then `cargo test`. Takes 10 to 15 minutes on 2 cores; the
# clones are removed at the end.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/debug"
git clone -q "$repo" "$work/release"
# timed COMMAND...: runs it quietly in the current clone and says how long it took.
timed() {
  local started=$SECONDS
  "$@" >/dev/null 2>&1
  echo "$(date +%H:%M:%S) $*: $((SECONDS - started)) s"
}
cd "$work/debug" && timed cargo build && timed cargo test
cd "$work/release" && timed cargo build --release && timed cargo test
