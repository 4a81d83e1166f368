# Linear probing of a frozen SMILE ViT-B on ssv2 (Table 16: 50 epochs, no flip).
# --cfg-options load_from=<SMILE pretraining checkpoint>
# Your own data: set num_classes, data_root, ann_file_train, ann_file_val
# (and size, clip_len) in a child config or with
# --cfg-options; each reaches every part that uses it.
# tools/probe_features.py runs this config on features cached once.
_base_ = [
    '../../_base_/models/smile_vit-b_linear_probe.py',
    '../../_base_/datasets/downstream/ssv2.py',
    '../../_base_/schedules/linear_probe_50e.py',
    '../../_base_/downstream_runtime.py',
]

train_dataloader = dict(
    batch_size=32,  # x 4 GPUs = Table 16's 128
    dataset=dict(pipeline=[  # no RandAugment (Table 16)
        step for step in _base_.train_dataloader.dataset.pipeline
        if step['type'] != 'VideoRandAugment'
    ]))
