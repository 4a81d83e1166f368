# Training strategy 'single' (Table 4d): overlaid clips only, one stage of
# 600 effective epochs.
_base_ = [
    '../../_base_/models/smile_vit-s.py',
    '../../_base_/datasets/pretrain_k400.py',
    '../../_base_/schedules/smile_single_600e.py',
    '../../_base_/default_runtime.py',
]
