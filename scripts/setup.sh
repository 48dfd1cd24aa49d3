#!/usr/bin/env bash
# Idempotent setup of a development checkout: .venv with torch and advgo[dev] (editable), and GNU Go.
# A second run is quick: pip is skipped while pyproject.toml is unchanged since the last install.
# Usage: bash scripts/setup.sh        (PYTHON=python3.11 bash scripts/setup.sh to pick the interpreter)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV=.venv
STAMP=$VENV/.advgo-setup-stamp
LOG=$VENV/setup.log
TORCH_VERSION=2.13.0

say() { printf 'setup: %s\n' "$*"; }

# Run a command with its output in $LOG, saying every 15 s that it is still at work and how long it took; on
# failure show the end of the log and stop.
logged() {
  local start=$SECONDS next=15 status=0
  "$@" >>"$LOG" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if [ $((SECONDS - start)) -ge "$next" ]; then
      say "  ... still at it ($((SECONDS - start)) s)"
      next=$((next + 15))
    fi
  done
  wait "$pid" || status=$?
  if [ "$status" != 0 ]; then
    say "FAILED: $*"
    tail -n 40 "$LOG" | sed 's/^/  /'
    say "full log: $ROOT/$LOG"
    exit 1
  fi
  say "  done in $((SECONDS - start)) s"
}

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV with ${PYTHON:-python3}"
  "${PYTHON:-python3}" -m venv "$VENV"
fi

want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/advgo" ]; then
  say "$VENV up to date (pyproject.toml unchanged)"
else
  : >"$LOG"
  say "installing torch==$TORCH_VERSION into $VENV (a download of some hundred MB on a fresh clone; log: $LOG)"
  logged "$VENV/bin/python" -m pip install --disable-pip-version-check -q "torch==$TORCH_VERSION"
  say "installing advgo (editable) with the dev extra"
  logged "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e '.[dev]'
  printf '%s\n' "$want" >"$STAMP"
fi

if command -v gnugo >/dev/null 2>&1 || [ -x /usr/games/gnugo ]; then
  :
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "installing GNU Go (apt-get install gnugo)"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnugo; } >>"$LOG" 2>&1; then
    say "notice: apt-get could not install gnugo (see $LOG); GNU Go opponents will be unavailable"
  fi
else
  say "notice: GNU Go not found (on PATH or at /usr/games/gnugo); install it with 'sudo apt-get install gnugo' for GNU Go opponents"
fi
say "done"
