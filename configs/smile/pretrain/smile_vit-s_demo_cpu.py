# The README's demo: SMILE pretraining in about two minutes on a laptop CPU,
# nothing to download. Procedural objects move over smooth-noise backgrounds
# (learning without natural videos, section 5); a ViT-S student on 16x112x112
# clips; tube + trajectory masking at 0.8.
#
# Target: the raw pixels of each token, whose loss visibly falls within two
# minutes (VideoMAE's per-token normalised pixels need far longer to move off
# 1.0). SMILE's own target, CLIP features of a local open_clip checkpoint
# (the 14x14 teacher grid is averaged to the student's 7x7), is one option:
#   --cfg-options 'target_generator=${clip_target}' \
#       clip_weights=/path/to/ViT-B-16.bin
_base_ = ['../../_base_/default_runtime.py']

clip_len, size = 16, 112

pixel_target = dict(type='PixelTarget', normalize=False)
clip_weights = None  # an open_clip ViT-B-16 file (or an open_clip tag)
clip_target = dict(
    type='CLIPTeacher', model_name='ViT-B-16', pretrained='${clip_weights}')
target_generator = '${pixel_target}'  # or '${clip_target}'

model = dict(
    type='SMILERecognizer',
    backbone=dict(
        type='MaskedVideoViT', arch='small', img_size=size,
        num_frames=clip_len),
    neck=dict(type='VideoMAEDecoder', embed_dims=192, depth=4, num_heads=3),
    head=dict(type='CLIPTargetHead', norm_target='auto'),
    target_generator='${target_generator}',
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))

train_pipeline = [
    dict(type='LoadStaticClip', clip_len=clip_len),
    dict(type='MultiScaleCrop', input_size=size, scales=(1, 0.875, 0.75),
         random_crop=False, max_wh_scale_gap=1),
    dict(type='Resize', scale=(size, size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    # the paper's 32-128 px objects on 224 px frames, at 112 px
    dict(type='SyntheticMotionOverlay', num_objects=2,
         motion=dict(size_range=(16, 64))),
    dict(type='TubeTrajectoryMaskGenerator',
         input_size=(clip_len, size, size), mask_ratio=0.8),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', algorithm_keys=('mask', ),
         meta_keys=('img_shape', )),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='SeededSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='StaticClipDataset',
        background='noise',
        noise_cell=28,
        num_samples=160,
        frame_size=(128, 160),
        pipeline=train_pipeline))

epochs = 4
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.95),
                   weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0,
                       flat_decay_mult=0.0),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=20),
    dict(type='CosineAnnealingLR', T_max=epochs, eta_min=1e-5,
         by_epoch=True, begin=0, end=epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=epochs,
                 val_interval=1)
val_cfg = None
test_cfg = None
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=epochs,
                    max_keep_ckpts=1, save_best=None))
log_processor = dict(by_epoch=True, window_size=10)
randomness = dict(seed=0)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
