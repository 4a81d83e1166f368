# Linear probing of a SMILE ViT-S on epic_verbs: smile_vit-b_16x4x1_epic_verbs-linear.py
# with the small encoder (384 wide).
_base_ = ['./smile_vit-b_16x4x1_epic_verbs-linear.py']

model = dict(backbone=dict(arch='small'), cls_head=dict(in_channels=384))
