# One stage of 600 effective epochs (300 loader epochs with 2 clips per
# video): the 'single' (overlaid clips only) and 'mixed' strategies of
# Table 4d, and learning without natural videos (Tables 7 and 12).
_base_ = ['./smile_pretrain_adamw.py']

loader_epoch = 2  # effective epochs per loader epoch: 2 clips per video
epochs = 600 // loader_epoch
warmup = 40 // loader_epoch

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 1.5e-4, by_epoch=True,
         begin=0, end=warmup, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=epochs - warmup, eta_min=1e-5,
         by_epoch=True, begin=warmup, end=epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=epochs)
