#!/usr/bin/env bash
# Train on several GPUs (or CPU processes) of one or more machines with
# torchrun and mmengine's DDP:
#   tools/dist_train.sh CONFIG GPUS [tools/train.py options]
# Several machines: set NNODES, NODE_RANK, MASTER_ADDR and PORT on each.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG GPUS [train.py options]" >&2
    exit 2
fi
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python}

PYTHONPATH="$HERE/..${PYTHONPATH:+:$PYTHONPATH}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" --master_port="$PORT" \
    --nproc_per_node="$GPUS" \
    "$HERE/train.py" "$CONFIG" --launcher pytorch "${@:3}"
