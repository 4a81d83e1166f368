# One stage of 600 effective epochs (300 loader epochs with 2 clips per
# video), the first stage of smile_progressive.py alone: the 'single'
# (overlaid clips only) and 'mixed' strategies of Table 4d, and learning
# without natural videos (Tables 7 and 12). The one setting is stage_epochs.
_base_ = ['./smile_progressive.py']

stage_epochs = 300
param_scheduler = '${stage_one}'
train_cfg = dict(max_epochs='${stage_epochs}')
custom_hooks = []
