# Fine-tune a SMILE ViT-B on ssv2 (Table 17 SSv2 (no flip, 2x3 test views); linear probe 50 epochs).
# --cfg-options load_from=<SMILE pretraining checkpoint>
_base_ = [
    '../../_base_/models/smile_vit-b_finetune.py',
    '../../_base_/datasets/downstream/ssv2.py',
    '../../_base_/schedules/finetune_40e.py',
    '../../_base_/downstream_runtime.py',
]

model = dict(
    cls_head=dict(num_classes={{_base_.num_classes}}),
    data_preprocessor=dict(
        blending=dict(
            type='RandomBatchAugment',
            augments=[
                dict(type='MixupBlending', alpha=0.8,  # Table 17
                     num_classes={{_base_.num_classes}}),
                dict(type='CutmixBlending', alpha=1.0,
                     num_classes={{_base_.num_classes}}),
            ])))
train_dataloader = dict(batch_size=32)  # Table 17: 32 per GPU on SSv2
