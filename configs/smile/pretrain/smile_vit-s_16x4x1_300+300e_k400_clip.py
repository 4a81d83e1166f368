# SMILE ViT-S on Kinetics-400: CLIP ViT-B/16 targets, 2 moving objects,
# tube + trajectory masking at 0.8, progressive training 300 + 300 epochs
# (paper section 4.1, F.3, Table 18). 8 GPUs x 16 videos x 2 clips.
_base_ = [
    '../../_base_/models/smile_vit-s.py',
    '../../_base_/datasets/pretrain_k400.py',
    '../../_base_/schedules/smile_progressive.py',
    '../../_base_/default_runtime.py',
]
