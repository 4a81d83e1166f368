# Linear probing of a SMILE ViT-S on k400: smile_vit-b_16x4x1_k400-linear.py
# with the small encoder (384 wide).
_base_ = ['./smile_vit-b_16x4x1_k400-linear.py']

model = dict(backbone=dict(arch='small'), cls_head=dict(in_channels=384))
