# The README's demo: SMILE pretraining in about two minutes on a laptop CPU,
# nothing to download. Procedural objects move over smooth-noise backgrounds
# (learning without natural videos, section 5); a ViT-S student on 16x112x112
# clips; tube + trajectory masking at 0.8.
#
# Target: the raw pixels of each token, whose loss visibly falls within two
# minutes (VideoMAE's per-token normalised pixels need far longer to move off
# 1.0). SMILE's own target, CLIP features, is smile_vit-s_demo_cpu_clip.py.
_base_ = [
    '../../_base_/models/smile_vit-s.py',
    '../../_base_/datasets/pretrain_static.py',
    '../../_base_/default_runtime.py',
]

size = 112
motion = dict(size_range=(16, 64))  # the paper's 32-128 px at 224 px
num_samples = 160  # clips per epoch
epochs = 4

model = dict(
    target_generator=dict(_delete_=True, type='PixelTarget', normalize=False))
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(frame_size=(128, 160), noise_cell=28))

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.95),
                   weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0,
                       flat_decay_mult=0.0),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=20),
    dict(type='CosineAnnealingLR', T_max='${epochs}', eta_min=1e-5,
         by_epoch=True, begin=0, end='${epochs}',
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs='${epochs}',
                 val_interval=1)
val_cfg = None
test_cfg = None
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval='${epochs}',
                    max_keep_ckpts=1, save_best=None))
log_processor = dict(by_epoch=True, window_size=10)
randomness = dict(seed=0)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
