# SMILE ViT-B on Kinetics-400 (the paper's main model: 83.1 K400 fine-tuning,
# 56.2 K400 linear probing after 600 epochs; Tables 1, 3, 18).
_base_ = [
    '../../_base_/models/smile_vit-b.py',
    '../../_base_/datasets/pretrain_k400.py',
    '../../_base_/schedules/smile_progressive.py',
    '../../_base_/default_runtime.py',
]
