# Runtime of fine-tuning, linear probing and SEVERE: checkpoints every 5 epochs
# and the best by the first validation metric.
_base_ = ['./default_runtime.py']

default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=5, max_keep_ckpts=2, save_best='auto'))
