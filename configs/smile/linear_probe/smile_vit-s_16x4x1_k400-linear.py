# Linear probing of a frozen SMILE ViT-S on k400 (Table 16): the ViT-B
# config with the small encoder (384 wide).
# --cfg-options load_from=<SMILE pretraining checkpoint>
_base_ = ['./smile_vit-b_16x4x1_k400-linear.py']

model = dict(backbone=dict(arch='small'), cls_head=dict(in_channels=384))
