#!/usr/bin/env bash
# The scale-out figures of a GPU machine (16 cores, one NVIDIA GPU), in one of two parts:
#   bash scripts/device/gpu-scale.sh bench OUT   # raw net throughput and games/s with 1, 2, 4, 8, 16 actors
#   bash scripts/device/gpu-scale.sh pipeline OUT  # one process: threaded search, game groups, CUDA graphs,
#                                                # end to end against the raw forward (4x32 and 6x64, 9x9 and 19x19)
#   bash scripts/device/gpu-scale.sh train OUT MINUTES9 MINUTES19
#                                                # victim training on 9x9 then 19x19 (actors + GPU server)
# OUT receives the logs, the benchmark JSON and the runs (tarred in 15 MB parts, replay buffers left out;
# cat OUT/gpu-9x9.tgz.part-* | tar -xz).
#
# Python there: the machine's own (torch, numba, tensorboard, typer, rich, pyyaml, matplotlib) plus, when
# .whl/site312.tar.xz exists, the packages it lacks unpacked from it (ray, sgfmill, gymnasium, pettingzoo):
# a machine without a package index. With `pip install -e '.[ray]'` done, neither is needed. The archive was made
# from `pip download --no-deps --only-binary=:all: --python-version 3.12 --platform manylinux2014_x86_64` wheels
# of ray 2.60.0, jsonschema and its needs, sgfmill, gymnasium, farama-notifications and pettingzoo, unzipped into
# one folder without ray's jars/, rllib/, tune/, train/, serve/, data/ and dashboard source maps (ray core only:
# 29 MB as tar.xz, under the device tool's 64 MiB).
set -uo pipefail
part=${1:?bench, pipeline or train}
out=${2:?output folder}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 RAY_AUTH_MODE=disabled COLUMNS=${COLUMNS:-150}
if [ -f .whl/site312.tar.xz ]; then
    mkdir -p /tmp/site && tar -xJf .whl/site312.tar.xz -C /tmp/site
    export PYTHONPATH=/tmp/site:$PWD/src
fi
py=${PYTHON:-python3}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
$py -c "import torch, numba, ray; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), \
'numba', numba.__version__, 'ray', ray.__version__, 'cores', __import__('os').cpu_count())" || exit 1

case $part in
bench)
    # 1024 games per actor: enough positions per request that 16 actors fill GPU-sized batches
    $py -m advgo bench actors --config configs/victim-9x9.yaml --actors "${ACTORS:-1,2,4,8,16}" \
        --seconds "${SECONDS_PER_ROW:-12}" --set scale.inference=server --set selfplay.games=1024 \
        --json "$out/bench-9x9-1024.json" 2>&1 | tee "$out/bench.log"
    # the ladder config's own 64 games per actor, 16 actors: small requests
    $py -m advgo bench actors --config configs/victim-9x9.yaml --actors 16 --seconds "${SECONDS_PER_ROW:-12}" \
        --set scale.inference=server --json "$out/bench-9x9-64.json" 2>&1 | tee -a "$out/bench.log"
    ;;
pipeline)
    # one process drives 4096 games: 16 search threads, 1 or 2 groups, eager bf16 vs CUDA graphs
    for spec in "9 4 32 configs/victim-9x9.yaml" "9 6 64 configs/victim-9x9.yaml" "19 6 64 configs/victim-19x19-gpu.yaml"; do
        set -- $spec
        for p in eager graph; do
            $py -m advgo bench selfplay --config "$4" --seconds "${SECONDS_PER_ROW:-20}" --threads 16 --groups 1,2 \
                --path $p --set device=cuda --set selfplay.games="${GAMES:-4096}" --set net.blocks=$2 --set net.channels=$3 \
                --json "$out/pipeline-$1x$1-$2x$3-$p.json" 2>&1 | tee -a "$out/pipeline.log"
        done
    done
    ;;
train)
    m9=${3:-3.5}
    m19=${4:-2}
    for size in 9 19; do
        minutes=$m9
        [ $size = 19 ] && minutes=$m19
        $py -m advgo train victim --config "configs/victim-${size}x${size}-gpu.yaml" --max-minutes "$minutes" \
            --name "gpu-${size}x${size}" --runs "$out/runs" ${TRAIN_SETS:-} 2>&1 | tee "$out/train-${size}.log"
        # parts of at most 15 MB (the device tool brings back files of up to 16 MiB)
        tar -czf - -C "$out/runs" --exclude=replay.npz "gpu-${size}x${size}" \
            | split -b 15M - "$out/gpu-${size}x${size}.tgz.part-"
    done
    rm -rf "$out/runs"
    ;;
*)
    echo "unknown part $part (bench, pipeline or train)" >&2
    exit 2
    ;;
esac
