# mmaction2's runtime (its configs/_base_/default_runtime.py, written out here
# rather than inherited through `mmaction::`, which mmengine cannot resolve
# against mmaction2 1.1.0's model index), with smile_mm registered through
# custom_imports so that mmaction2's own tools/train.py and
# `mim train mmaction` find its components.
custom_imports = dict(imports=['smile_mm'], allow_failed_imports=False)
default_scope = 'mmaction'
# mmengine's Runner that resolves config references ('${size}') after child
# configs and --cfg-options, and keeps the console to the run itself
runner_type = 'SMILERunner'

# checkpoints every 10 epochs (the last 3 kept), logs every 50 iterations
default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', interval=10, max_keep_ckpts=3,
        save_best=None),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
visualizer = dict(type='ActionVisualizer',
                  vis_backends=[dict(type='LocalVisBackend')])
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, diff_rank_seed=False)
