# Fine-tune a SMILE ViT-B on hmdb51 (the SEVERE column of Table 17).
# --cfg-options load_from=<SMILE pretraining checkpoint>
# Your own data: set num_classes, data_root, ann_file_train, ann_file_val
# (and size, clip_len, frame_interval) in a child config or with
# --cfg-options; each reaches every part that uses it.
_base_ = [
    '../../_base_/models/smile_vit-b_finetune.py',
    '../../_base_/datasets/downstream/hmdb51.py',
    '../../_base_/schedules/finetune_100e.py',
    '../../_base_/downstream_runtime.py',
]
