# SMILE ViT-B on Something-Something V2 (72.5 SSv2 fine-tuning; Table 18).
_base_ = [
    '../../_base_/models/smile_vit-b.py',
    '../../_base_/datasets/pretrain_ssv2.py',
    '../../_base_/schedules/smile_progressive_400+400e.py',
    '../../_base_/default_runtime.py',
]
