# A SMILE ViT-S fine-tuned as smile_vit-b_finetune.py (the ablations' model).
_base_ = ['./smile_vit-b_finetune.py']

model = dict(backbone=dict(arch='small'), cls_head=dict(in_channels=384))
