# e2e_actionformer_thumos14_smile-vit-b_fullft.py with SMILE's ViT-S (384
# channels) and a ViT-S checkpoint at custom.pretrain.
_base_ = ['./e2e_actionformer_thumos14_smile-vit-b_fullft.py']

model = dict(
    backbone=dict(backbone=dict(arch='small'),
                  custom=dict(pretrain='pretrained/smile_vit-s_k400.pth')),
    projection=dict(in_channels=384))
work_dir = 'exps/thumos/e2e_actionformer_smile_vit-s_fullft'
