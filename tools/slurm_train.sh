#!/usr/bin/env bash
# Train on a slurm cluster, one task per GPU:
#   GPUS=16 tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py options]
# GPUS (total, default 8), GPUS_PER_NODE (8), CPUS_PER_TASK (8) and SRUN_ARGS
# set the allocation.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG [train.py options]" >&2
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-8}
SRUN_ARGS=${SRUN_ARGS:-""}
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python}

PYTHONPATH="$HERE/..${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    $SRUN_ARGS \
    "$PYTHON" -u "$HERE/train.py" "$CONFIG" --launcher slurm "${@:4}"
