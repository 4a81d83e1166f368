# SMILE ViT-S on Something-Something V2: stride 2, no flip, progressive
# training 400 + 400 epochs (F.3, Table 18).
_base_ = [
    '../../_base_/models/smile_vit-s.py',
    '../../_base_/datasets/pretrain_ssv2.py',
    '../../_base_/schedules/smile_progressive.py',
    '../../_base_/default_runtime.py',
]
# 400 + 400 effective epochs (F.3, Table 18): 200 + 200 loader epochs with 2
# clips per video
stage_epochs = 200
