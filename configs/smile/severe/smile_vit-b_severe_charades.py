# SEVERE, task shift (Table 14): Charades multi-label recognition, 157
# classes, mean average precision. Annotation lines "path label label ...".
_base_ = [
    '../../_base_/models/smile_vit-b_finetune.py',
    '../../_base_/datasets/downstream/common.py',
    '../../_base_/schedules/finetune_100e.py',
    '../../_base_/downstream_runtime.py',
]

num_classes = 157
data_root = 'data/charades/videos'
ann_file_train = 'data/charades/charades_train.txt'
ann_file_val = 'data/charades/charades_val.txt'
model = dict(
    cls_head=dict(multi_class=True, label_smooth_eps=0.0,
                  loss_cls=dict(type='BCELossWithLogits'),
                  average_clips='score'),
    data_preprocessor=dict(blending=None))  # mixup and cutmix are single-label
# one-hot targets of the head's num_classes (common.py gives the count)
train_dataloader = dict(dataset=dict(multi_class=True))
val_dataloader = dict(dataset=dict(multi_class=True))
test_dataloader = dict(dataset=dict(multi_class=True))
val_evaluator = dict(type='AccMetric',
                     metric_list=('mean_average_precision', ))
test_evaluator = val_evaluator
