# End-to-end ActionFormer on THUMOS-14 for OpenTAD with SMILE's ViT-B adapted:
# trained with the detector (lr 1e-5, gradient checkpointing on), its norms
# kept in eval mode; everything else as the frozen config beside this file.
_base_ = ['./e2e_actionformer_thumos14_smile-vit-b_frozen.py']

model = dict(
    backbone=dict(
        backbone=dict(with_cp=True),
        custom=dict(freeze_backbone=False)))
optimizer = dict(backbone=dict(lr=1e-5, weight_decay=0.05))
work_dir = 'exps/thumos/e2e_actionformer_smile_vit-b_fullft'
