# SEVERE, task shift (Table 14): Charades multi-label recognition, 157
# classes, mean average precision. Annotation lines "path label label ...".
_base_ = [
    '../../_base_/models/smile_vit-b_finetune.py',
    '../../_base_/datasets/downstream/common.py',
    '../../_base_/schedules/finetune_100e.py',
    '../../_base_/downstream_runtime.py',
]

num_classes = 157
model = dict(cls_head=dict(
    num_classes=num_classes, multi_class=True, label_smooth_eps=0.0,
    loss_cls=dict(type='BCELossWithLogits'), average_clips='score'))
dataset = dict(multi_class=True, num_classes=num_classes,
               data_prefix=dict(video='data/charades/videos'))
train_dataloader = dict(dataset=dict(
    dataset, ann_file='data/charades/charades_train.txt'))
val_dataloader = dict(dataset=dict(
    dataset, ann_file='data/charades/charades_val.txt'))
test_dataloader = dict(dataset=dict(
    dataset, ann_file='data/charades/charades_val.txt'))
val_evaluator = dict(type='AccMetric',
                     metric_list=('mean_average_precision', ))
test_evaluator = val_evaluator
