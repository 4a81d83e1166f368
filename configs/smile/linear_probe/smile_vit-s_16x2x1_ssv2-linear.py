# Linear probing of a SMILE ViT-S on ssv2: smile_vit-b_16x2x1_ssv2-linear.py
# with the small encoder (384 wide).
_base_ = ['./smile_vit-b_16x2x1_ssv2-linear.py']

model = dict(backbone=dict(arch='small'), cls_head=dict(in_channels=384))
