# mmaction2's runtime, with smile_mm registered through custom_imports so that
# mmaction2's own tools/train.py and `mim train mmaction` find its components.
_base_ = ['mmaction::_base_/default_runtime.py']

custom_imports = dict(imports=['smile_mm'], allow_failed_imports=False)
default_scope = 'mmaction'

# checkpoints every 10 epochs (the last 3 kept), logs every 50 iterations
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(
        type='CheckpointHook', interval=10, max_keep_ckpts=3,
        save_best=None))
log_processor = dict(by_epoch=True)
randomness = dict(seed=0, diff_rank_seed=False)
