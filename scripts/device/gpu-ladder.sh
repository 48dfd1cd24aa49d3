#!/usr/bin/env bash
# One lease of a GPU machine (16 cores, one NVIDIA GPU) for the one-process pipeline, in one call:
#   device run (carry .whl runs/models): bash scripts/device/gpu-ladder.sh "$OUT" SECONDS
# SECONDS (default 540) is the whole call's budget; each part gets a share and is cut by `timeout`, so a slow part
# costs the later ones, never the files already written. In order:
#   1. the CUDA tests (graphs against eager in fp32 and bf16, the learner's CUDA step, KataGoNet CUDA against CPU)
#   2. bench selfplay, one process, 16 search threads, 1 and 2 game groups, 4096 games: 4x32 eager and graph,
#      6x64 graph on 9x9, 6x64 graph on 19x19; each row beside the bare forward measured in the same run
#   3. a 9x9 victim (6x64) trained in the one-process pipeline until the budget is spent; the run comes back
#      as OUT/gpu-ladder-9x9.tgz.part-* without its replay buffer (cat OUT/gpu-ladder-9x9.tgz.part-* | tar -xz)
#   4. KataGoNet positions/s on the GPU (when runs/models holds the KataGo model and time is left)
# Logs and JSON come back in OUT/results.tgz, packed again after each part.
# Python there: the machine's own (torch, numba, tensorboard, typer, rich, pyyaml, matplotlib, hypothesis,
# pytest) plus the wheels in .whl (sgfmill; `pip download --no-deps sgfmill==1.1.1 -d .whl`). Ray, gymnasium and
# pettingzoo are not needed: nothing here plays on Ray or builds an env.
set -uo pipefail
dest=${1:?output folder}
budget=${2:-540}
out=/tmp/gpu-ladder  # logs and JSON, packed into DEST/results.tgz after each part (the tool brings back 8 files)
mkdir -p "$dest" "$out"
pack() { tar -czf "$dest/results.tgz" -C "$out" .; }
start=$(date +%s)
left() { echo $((budget - ($(date +%s) - start))); }
export PYTHONUNBUFFERED=1 COLUMNS=${COLUMNS:-150}
py=${PYTHON:-python3}
if ls .whl/*.whl >/dev/null 2>&1; then
    $py -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        || exit 1
    export PYTHONPATH=/tmp/site:$PWD/src
else
    export PYTHONPATH=$PWD/src
fi
device=${DEVICE:-cuda}
{
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    $py -c "import torch, numba, sgfmill, advgo.cli; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), \
'numba', numba.__version__, 'cores', __import__('os').cpu_count())"
} 2>&1 | tee "$out/env.log"
[ "${PIPESTATUS[0]}" = 0 ] || { pack; exit 1; }

# 1. CUDA tests (skipped where there is no CUDA)
timeout $((budget / 9)) $py -m pytest -q -p no:cacheprovider tests/test_graphs.py tests/test_learner.py \
    tests/test_katago_net.py -k "cuda or graph" 2>&1 | tail -25 | tee "$out/tests.log"
pack

# 2. the pipeline against the bare forward
path9=${PATHS9:-eager graph}
for spec in ${BENCH:-"9:4:32:$path9" "9:6:64:graph" "19:6:64:graph"}; do
    IFS=: read -r n b c paths <<<"$spec"
    for p in $paths; do
        [ "$(left)" -gt $((budget / 2)) ] || { echo "bench $spec $p: skipped (time)" | tee -a "$out/pipeline.log"; continue; }
        timeout 90 $py -m advgo bench selfplay --config "configs/victim-${n}x${n}$([ "$n" = 19 ] && echo -gpu).yaml" \
            --seconds "${SECONDS_PER_ROW:-10}" --threads "${THREADS:-16}" --groups 1,2 --path "$p" --set device=$device \
            --set selfplay.games="${GAMES:-4096}" --set net.blocks=$b --set net.channels=$c \
            --json "$out/pipeline-${n}x${n}-${b}x${c}-$p.json" 2>&1 | tail -12 | tee -a "$out/pipeline.log"
        pack
    done
done

# 3. the ladder: whatever time is left but the KataGoNet bench's and the packing's
katanet=${KATANET:-runs/models/b10c384h6nbttflrs.bin.gz}
reserve=20
[ -f "$katanet" ] && reserve=70
minutes=$(python3 -c "print(max(0.5, ($(left) - $reserve) / 60))")
echo "ladder: $minutes minutes" | tee "$out/train.log"
timeout $(( $(left) - reserve / 2 )) $py -m advgo train victim --config configs/victim-9x9-gpu.yaml --device $device \
    --max-minutes "$minutes" --name gpu-ladder-9x9 --runs /tmp/runs --seed "${SEED:-1}" \
    --set scale.workers=1 --set net.blocks=6 --set net.channels=64 --set selfplay.games=${LADDER_GAMES:-1024} \
    --set search.threads=${THREADS:-16} --set search.groups=2 --set learner.bf16=true \
    --set schedule.games_per_iteration=256 --set schedule.steps_per_iteration=240 --set schedule.total_steps=500000 \
    --set schedule.checkpoint_every=1000 --set schedule.milestone_every=${MILESTONE:-2000} \
    --set schedule.eval_every=1000000 --set replay.capacity=300000 --set replay.min_samples=20000 \
    ${TRAIN_SETS:-} 2>&1 | tail -40 >>"$out/train.log"
if [ -d /tmp/runs/gpu-ladder-9x9 ]; then
    tar -czf - -C /tmp/runs --exclude=replay.npz gpu-ladder-9x9 | split -b 15M - "$dest/gpu-ladder-9x9.tgz.part-"
fi
pack

# 4. KataGoNet on the GPU
if [ -f "$katanet" ] && [ "$(left)" -gt 25 ]; then
    timeout $(( $(left) - 5 )) $py -m advgo bench katanet --board 9 --device $device --dtypes fp32,bf16 \
        --batches 256,1024,4096 --processes "" --seconds 3 --model "$katanet" --json "$out/katanet-9x9.json" \
        2>&1 | tail -15 | tee "$out/katanet.log"
fi
echo "done in $(( $(date +%s) - start )) s" | tee -a "$out/env.log"
pack
