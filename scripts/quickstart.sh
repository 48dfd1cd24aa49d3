#!/usr/bin/env bash
# Set up, then run the main job on its built-in default: an adversary trained by victim-play against the bundled
# 9x9 victim ladder for 12 minutes (configs/quickstart.yaml), into runs/adversary-<timestamp>/.
# Extra arguments go to `advgo train adversary` (e.g. --max-minutes 30, --set victimplay.amcts=R).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
echo "quickstart: advgo train adversary --config configs/quickstart.yaml --max-minutes 12 $*"
.venv/bin/advgo train adversary --config configs/quickstart.yaml --max-minutes 12 "$@"
echo "quickstart: see the curves with: .venv/bin/tensorboard --logdir runs"
