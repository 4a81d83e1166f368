# Progressive training (section 3.4; F.3: 300 + 300 epochs on K400): stage 1
# on overlaid clips, stage 2 on the original clips from stage 1's weights with
# a fresh schedule, each with 40 warm-up epochs from lr 1e-6 and a cosine
# decay to 1e-5 (Table 18). Epochs here are effective epochs (F.3): with
# multiple sampling of 2 clips per video a loader epoch counts two, so a
# stage is 150 loader epochs and a warm-up 20.
_base_ = ['./smile_pretrain_adamw.py']

loader_epoch = 2  # effective epochs per loader epoch: 2 clips per video
stage = 300 // loader_epoch
warmup = 40 // loader_epoch
warmup_factor = 1e-6 / 1.5e-4  # warm-up lr / base lr
min_lr = 1e-5

param_scheduler = [
    # stage 1: overlaid clips
    dict(type='LinearLR', start_factor=warmup_factor, by_epoch=True,
         begin=0, end=warmup, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=stage - warmup, eta_min=min_lr,
         by_epoch=True, begin=warmup, end=stage, convert_to_iter_based=True),
    # stage 2: original clips, the schedule again
    dict(type='LinearLR', start_factor=warmup_factor, by_epoch=True,
         begin=stage, end=stage + warmup, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=stage - warmup, eta_min=min_lr,
         by_epoch=True, begin=stage + warmup, end=2 * stage,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=2 * stage)
custom_hooks = [dict(type='ProgressiveTrainingHook', switch_epoch=stage)]
