#!/usr/bin/env bash
# A newcomer's first build, timed: a fresh clone of this repository's HEAD with an empty cargo
# cache (a CARGO_HOME of its own, so every crate is downloaded too), then the README's two
# set-up commands one after the other: `cargo build` (what `cargo run` builds before its first
# frame) and `cargo test` (the tests' build and their run). Then, in a second fresh clone, the
# optimized build (`cargo build --release`, for benchmarks and hosting a classroom) and the
# size of its stripped binary. Takes 10 to 15 minutes on 2 cores; everything it made is
# removed at the end.
#   KEEP_CARGO_HOME=1   use ~/.cargo's downloaded crates instead of an empty cache
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "${KEEP_CARGO_HOME:-}" ]; then
  export CARGO_HOME="$work/cargo-home"
  mkdir -p "$CARGO_HOME"
fi
git clone -q "$repo" "$work/newcomer"
git clone -q "$repo" "$work/release"
# timed COMMAND...: runs it quietly in the current clone and says how long it took.
timed() {
  local started=$SECONDS
  "$@" >/dev/null 2>&1
  local took=$((SECONDS - started))
  echo "$(date +%H:%M:%S) $*: $((took / 60)) min $((took % 60)) s"
}
echo "commit $(git -C "$repo" rev-parse --short HEAD), ${CARGO_HOME:+empty cargo cache, }$(nproc) cores"
cd "$work/newcomer"
started=$SECONDS
timed cargo build
timed cargo test
both=$((SECONDS - started))
echo "both README commands: $((both / 60)) min $((both % 60)) s"
cd "$work/release"
timed cargo build --release
echo "stripped release binary: $(stat -c %s target/release/meshwalk) bytes"
