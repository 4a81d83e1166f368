# SEVERE, task shift (Table 14): repetition counting on UCFRep (UCF-RC).
# Annotation lines "path count"; 16 frames spread over the whole video; a
# linear count regressor on the mean-pooled encoder; mean error (|pred - true|
# / true, lower is better) and off-by-one accuracy.
_base_ = [
    '../../_base_/models/smile_vit-b_finetune.py',
    '../../_base_/schedules/finetune_100e.py',
    '../../_base_/downstream_runtime.py',
]

# one place per setting (see configs/_base_/datasets/downstream/common.py)
clip_len = 16  # frames spread over the whole video
size = 224
data_root = 'data/ucfrep/videos'
data_root_val = '${data_root}'
ann_file_train = 'data/ucfrep/ucfrep_train.txt'
ann_file_val = 'data/ucfrep/ucfrep_val.txt'
ann_file_test = '${ann_file_val}'

model = dict(
    cls_head=dict(_delete_=True, type='RepetitionCountHead',
                  in_channels=768, dropout_ratio=0.5),
    data_preprocessor=dict(blending=None))  # counts are not mixed
__test_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len='${clip_len}', num_clips=1,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, '${size}')),
    dict(type='ThreeCrop', crop_size='${size}'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', algorithm_keys=('count', )),
]
train_dataloader = dict(
    batch_size=16, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='RepetitionCountDataset', ann_file='${ann_file_train}',
        data_prefix=dict(video='${data_root}'),
        pipeline=[
            dict(type='DecordInit'),
            dict(type='UniformSample', clip_len='${clip_len}', num_clips=1),
            dict(type='DecordDecode'),
            dict(type='Resize', scale=(-1, 256)),
            dict(type='RandomResizedCrop', area_range=(0.3, 1.0)),
            dict(type='Resize', scale=('${size}', '${size}'),
                 keep_ratio=False),
            dict(type='Flip', flip_ratio=0.5),
            dict(type='FormatShape', input_format='NCTHW'),
            dict(type='PackActionInputs', algorithm_keys=('count', )),
        ]))
val_dataloader = dict(
    batch_size=1, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='RepetitionCountDataset', ann_file='${ann_file_val}',
                 data_prefix=dict(video='${data_root_val}'),
                 pipeline=__test_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=1, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='RepetitionCountDataset', ann_file='${ann_file_test}',
                 data_prefix=dict(video='${data_root_val}'),
                 pipeline=__test_pipeline, test_mode=True))
test_pipeline = '${test_dataloader.dataset.pipeline}'  # inference_recognizer
val_evaluator = dict(type='RepetitionCountMetric')
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='count/mean_error',
                                     rule='less'))
