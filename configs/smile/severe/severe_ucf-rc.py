# SEVERE, task shift (Table 14): repetition counting on UCFRep (UCF-RC).
# Annotation lines "path count"; 16 frames spread over the whole video; a
# linear count regressor on the mean-pooled encoder; mean error (|pred - true|
# / true, lower is better) and off-by-one accuracy.
_base_ = [
    '../../_base_/models/smile_vit-b_finetune.py',
    '../../_base_/schedules/finetune_100e.py',
    '../../_base_/downstream_runtime.py',
]

size = 224
model = dict(cls_head=dict(_delete_=True, type='RepetitionCountHead',
                           in_channels=768, dropout_ratio=0.5))
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=16, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop', area_range=(0.3, 1.0)),
    dict(type='Resize', scale=(size, size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', algorithm_keys=('count', )),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=16, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, size)),
    dict(type='ThreeCrop', crop_size=size),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', algorithm_keys=('count', )),
]
dataset = dict(type='RepetitionCountDataset',
               data_prefix=dict(video='data/ucfrep/videos'))
train_dataloader = dict(
    batch_size=16, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(dataset, ann_file='data/ucfrep/ucfrep_train.txt',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(dataset, ann_file='data/ucfrep/ucfrep_val.txt',
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='RepetitionCountMetric')
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='count/mean_error',
                                     rule='less'))
