# Fine-tune a SMILE ViT-B on ssv2 (Table 17, SSv2: no flip, 2x3 test views).
# --cfg-options load_from=<SMILE pretraining checkpoint>
# Your own data: set num_classes, data_root, ann_file_train, ann_file_val
# (and size, clip_len) in a child config or with
# --cfg-options; each reaches every part that uses it.
_base_ = [
    '../../_base_/models/smile_vit-b_finetune.py',
    '../../_base_/datasets/downstream/ssv2.py',
    '../../_base_/schedules/finetune_40e.py',
    '../../_base_/downstream_runtime.py',
]

train_dataloader = dict(batch_size=32)  # Table 17: 32 per GPU on SSv2
