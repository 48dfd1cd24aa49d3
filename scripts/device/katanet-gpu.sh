#!/usr/bin/env bash
# KataGo's net in advgo (KataGoNet) on a GPU machine: positions/s by batch size, fp32 and bf16, 9x9 and 19x19.
#   mkdir -p runs/models && cp ~/.cache/advgo/katago/b10c384h6nbttflrs.bin.gz runs/models/   # 38 MB, git-ignored
#   device run (carry runs/models): bash scripts/device/katanet-gpu.sh "$OUT"
# The net needs only torch and the model file: no KataGo binary, no OpenCL. OUT receives the JSON and a log.
# Python there: the machine's own (torch, numba, typer, rich, pyyaml, sgfmill) with src/ on PYTHONPATH.
set -uo pipefail
out=${1:?output folder}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 COLUMNS=${COLUMNS:-150} PYTHONPATH=$PWD/src
py=${PYTHON:-python3}
model=${MODEL:-runs/models/b10c384h6nbttflrs.bin.gz}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
$py -c "import torch, numba; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'numba', numba.__version__)" || exit 1
for n in 9 19; do
    batches=$([ "$n" = 9 ] && echo "1,64,256,1024,4096" || echo "1,64,256,1024")
    $py -m advgo bench katanet --board "$n" --device cuda --dtypes fp32,bf16 --batches "$batches" --processes "" \
        --seconds "${SECONDS_PER_ROW:-6}" --model "$model" --json "$out/katanet-gpu-${n}x${n}.json" 2>&1 | tee -a "$out/katanet.log"
done
