# Linear probing of a frozen SMILE ViT-B on k400 (Table 16).
# --cfg-options load_from=<SMILE pretraining checkpoint>
_base_ = [
    '../../_base_/models/smile_vit-b_linear_probe.py',
    '../../_base_/datasets/downstream/k400.py',
    '../../_base_/schedules/linear_probe_30e.py',
    '../../_base_/downstream_runtime.py',
]

model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
train_dataloader = dict(
    batch_size=32,  # x 4 GPUs = Table 16's 128
    dataset=dict(pipeline={{_base_.probe_train_pipeline}}))
