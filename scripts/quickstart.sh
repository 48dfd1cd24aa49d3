#!/usr/bin/env bash
# Set up, then run the main job on its built-in default.
#   bash scripts/quickstart.sh            an adversary trained by victim-play against the bundled 9x9 victim ladder
#                                         in 12 minutes, its closing evaluation included (configs/quickstart.yaml),
#                                         into runs/adversary-<timestamp>/
#   bash scripts/quickstart.sh --katago   the pass attack on KataGo: installs KataGo (katrain wheel), trains an
#                                         adversary from scratch against KataGo's net at 1 visit in 10 minutes
#                                         (configs/attack-katago-pass-9x9.yaml), then plays it 200 games against
#                                         katanet@1, 50 against the real engine (katago:visits=1 over GTP) and a
#                                         few weaker players, and prints the table (configs/table-katago-quick.yaml)
# Other arguments go to `advgo train adversary` (e.g. --max-minutes 30, --set victimplay.amcts=R).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
KATAGO=0
ARGS=()
for arg in "$@"; do
  if [ "$arg" = "--katago" ]; then KATAGO=1; else ARGS+=("$arg"); fi
done
bash scripts/setup.sh
ADVGO=.venv/bin/advgo
if [ "$KATAGO" = 0 ]; then
  echo "quickstart: advgo train adversary --config configs/quickstart.yaml --max-minutes 12 ${ARGS[*]:-}"
  $ADVGO train adversary --config configs/quickstart.yaml --max-minutes 12 "${ARGS[@]}"
  echo "quickstart: see the curves with: .venv/bin/tensorboard --logdir runs"
  exit 0
fi
APT=()
[ "$(id -u)" = 0 ] && APT=(--apt)
echo "quickstart: advgo engines install katago ${APT[*]:-}"
$ADVGO engines install katago "${APT[@]}"
RUN=katago-pass-$(date +%Y%m%d-%H%M%S)
echo "quickstart: advgo train adversary --config configs/attack-katago-pass-9x9.yaml --max-minutes 10 --name $RUN ${ARGS[*]:-}"
$ADVGO train adversary --config configs/attack-katago-pass-9x9.yaml --max-minutes 10 --name "$RUN" "${ARGS[@]}"
echo "quickstart: advgo table --config configs/table-katago-quick.yaml --set rows[0].run=runs/$RUN --out runs/$RUN/table"
$ADVGO table --config configs/table-katago-quick.yaml --set "rows[0].run=runs/$RUN" --out "runs/$RUN/table"
echo "quickstart: every game is in runs/$RUN/table/cells/*/games; curves: .venv/bin/tensorboard --logdir runs"
