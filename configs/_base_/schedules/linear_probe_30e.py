# Linear probing (paper Table 16): AdamW lr 1e-3 for 128 clips per iteration
# (4 GPUs x 32), weight decay 0.05, cosine decay over 30 epochs; only the
# classifier learns.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999),
                   weight_decay=0.05))
auto_scale_lr = dict(enable=False, base_batch_size=128)
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=30, eta_min=1e-6,
         by_epoch=True, begin=0, end=30, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
