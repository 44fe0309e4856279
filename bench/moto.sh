# Sourced by the benchmarks that measure moto's server beside `meshwalk serve`: moto in a venv
# of its own (installed there on first use; MOTO_VENV moves it), its version, and wait_for.
MOTO_VENV=${MOTO_VENV:-$HOME/.cache/meshwalk-bench/moto}
if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
  echo "installing moto into $MOTO_VENV" >&2
  python3 -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/pip" install --quiet 'moto[server]==5.*'
fi
MOTO_VERSION=$("$MOTO_VENV/bin/python" -c 'import moto; print(moto.__version__)')

# wait_for NAME PID URL LOG: until URL gives any HTTP answer (at most 30 s), or the server died.
wait_for() {
  for _ in $(seq 150); do
    curl -s -o /dev/null "$3" && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.2
  done
  echo "$1 did not come up on $3; its log:" >&2
  tail -20 "$4" >&2
  exit 1
}
