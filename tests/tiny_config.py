"""A complete SMILE training config small enough for tests on a CPU."""
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

TEMPLATE = '''
_base_ = [{runtime!r}]
model = dict(
    type='SMILERecognizer',
    backbone=dict(type='MaskedVideoViT', arch='small', img_size=64,
                  num_frames=4, embed_dims=32, depth=1, num_heads=2),
    neck=dict(type='VideoMAEDecoder', embed_dims=32, depth=1, num_heads=2),
    head=dict(type='CLIPTargetHead'),
    target_generator=dict(type='PixelTarget'))
__train_pipeline = [
    dict(type='LoadStaticClip', clip_len=4),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='SyntheticMotionOverlay', motion=dict(size_range=(8, 24))),
    dict(type='TubeTrajectoryMaskGenerator', input_size=(4, 64, 64)),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', algorithm_keys=('mask', ),
         meta_keys=('img_shape', )),
]
train_dataloader = dict(
    batch_size=2, num_workers={workers}, persistent_workers={persistent},
    sampler=dict(type='SeededSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='StaticClipDataset', background='noise',
                 num_samples=8, frame_size=(72, 80),
                 pipeline=__train_pipeline))
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.95),
                                    weight_decay=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=1, eta_min=1e-5, by_epoch=True,
         begin=1, end=2, convert_to_iter_based=True),
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=2, end=3,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=1, eta_min=1e-5, by_epoch=True,
         begin=3, end=4, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=4, val_interval=1)
val_cfg = None
test_cfg = None
custom_hooks = [dict(type='ProgressiveTrainingHook', switch_epoch=2)]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=1, save_best=None))
log_processor = dict(by_epoch=True, window_size=1)
randomness = dict(seed=0)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
'''


def write_tiny_config(folder, workers: int = 0) -> str:
    """Write the config into ``folder``; returns its path."""
    path = osp.join(str(folder), f'tiny_smile_w{workers}.py')
    with open(path, 'w') as file:
        file.write(TEMPLATE.format(
            runtime=osp.join(ROOT, 'configs', '_base_', 'default_runtime.py'),
            workers=workers, persistent=workers > 0))
    return path
