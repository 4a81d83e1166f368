# Progressive training (section 3.4): stage 1 on overlaid clips, stage 2 on
# the original clips from stage 1's weights with a fresh schedule, each with
# 40 warm-up epochs from lr 1e-6 and a cosine decay to 1e-5 (Table 18).
#
# The one setting is stage_epochs, the loader epochs of each stage; every
# epoch below is derived from it when the runner is built, so a child config
# or --cfg-options stage_epochs=N changes the whole schedule. Epochs here are
# loader epochs: with multiple sampling of 2 clips per video one counts as
# two effective epochs (F.3), so K400's 300 + 300 effective epochs are
# stage_epochs=150 and SSv2's 400 + 400 are 200; a warm-up is 20.
_base_ = ['./smile_pretrain_adamw.py']

stage_epochs = 150
warmup_epochs = 20  # Table 18: 40 effective epochs
warmup_factor = 1e-6 / 1.5e-4  # warm-up start lr / base lr (Table 18)
min_lr = 1e-5  # Table 18

# one stage: warm-up, then cosine
stage_one = [
    dict(type='LinearLR', start_factor='${warmup_factor}', by_epoch=True,
         begin=0, end='${warmup_epochs}', convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min='${min_lr}', by_epoch=True,
         begin='${warmup_epochs}', end='${stage_epochs}',
         convert_to_iter_based=True),
]
param_scheduler = [
    # stage 1: overlaid clips
    '${stage_one.0}',
    '${stage_one.1}',
    # stage 2: original clips, the schedule again
    dict(type='LinearLR', start_factor='${warmup_factor}', by_epoch=True,
         begin='${stage_epochs}', end='${stage_epochs} + ${warmup_epochs}',
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min='${min_lr}', by_epoch=True,
         begin='${stage_epochs} + ${warmup_epochs}',
         end='2 * ${stage_epochs}', convert_to_iter_based=True),
]
train_cfg = dict(max_epochs='2 * ${stage_epochs}')
# stage 2's pipeline is the training pipeline without SyntheticMotionOverlay;
# declare another with stage2_pipeline=[...]
custom_hooks = [
    dict(type='ProgressiveTrainingHook', switch_epoch='${stage_epochs}')
]
