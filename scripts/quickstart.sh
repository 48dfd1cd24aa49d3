#!/usr/bin/env bash
# Set up, then run the main job on its built-in default: for now the engine benchmark on 9x9
# (writes runs/bench/engine-9x9.json). Extra arguments go to `advgo bench engine`.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
echo "quickstart: advgo bench engine --board 9 $*"
.venv/bin/advgo bench engine --board 9 "$@"
