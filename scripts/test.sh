#!/usr/bin/env bash
# Set up, lint, run the default test suite, then the engine tests again with Numba's JIT off (so coverage and
# tracebacks see inside the kernels). Extra arguments are passed to both pytest runs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
echo "test: ruff check (pyproject.toml [tool.ruff])"
.venv/bin/ruff check
echo "test: pytest (default suite)"
.venv/bin/python -m pytest "$@"
echo "test: pytest -m engine with NUMBA_DISABLE_JIT=1"
rc=0
NUMBA_DISABLE_JIT=1 HYPOTHESIS_PROFILE=nojit .venv/bin/python -m pytest -m "engine and not slow" "$@" || rc=$?
if [ "$rc" = 5 ]; then
  echo "test: WARNING: no engine-marked tests were collected for the NUMBA_DISABLE_JIT=1 run"
elif [ "$rc" != 0 ]; then
  exit "$rc"
fi
echo "test: all passed"
