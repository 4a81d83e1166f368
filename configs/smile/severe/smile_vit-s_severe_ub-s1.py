# SEVERE with a SMILE ViT-S: smile_vit-b_severe_ub-s1.py with the small encoder
# (384 wide).
_base_ = ['./smile_vit-b_severe_ub-s1.py']

model = dict(backbone=dict(arch='small'), cls_head=dict(in_channels=384))
