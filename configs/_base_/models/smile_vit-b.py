# SMILE with a ViT-B student (768 wide, 12 blocks, 12 heads) and VideoMAE's
# 4-block decoder, 384 wide (section 4.1, F.3); teacher CLIP ViT-B/16.
_base_ = ['./smile_vit-s.py']

model = dict(
    backbone=dict(arch='base'),
    neck=dict(embed_dims=384, num_heads=6))
