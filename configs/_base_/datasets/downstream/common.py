# Downstream clips as VideoMAE fine-tunes and tests them (paper F.3, Table 17):
# 16 frames every 4, RandAug(9, 0.5), random resized crops to 224, flip;
# validation on one centre clip; testing on 5 clips x 3 crops (K400's 5x3).
# Datasets override ann_file, data_prefix and, where they differ, pipelines.
clip_len, frame_interval, size = 16, 4, 224

decode = [dict(type='DecordInit'), dict(type='DecordDecode')]
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='VideoRandAugment', magnitude=9, magnitude_std=0.5),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(size, size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
# linear probing: the same without RandAugment (Table 16)
probe_train_pipeline = [
    step for step in train_pipeline if step['type'] != 'VideoRandAugment'
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, size)),
    dict(type='CenterCrop', crop_size=size),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=5, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, size)),
    dict(type='ThreeCrop', crop_size=size),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]

dataset_type = 'TolerantVideoDataset'
train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, pipeline=test_pipeline, test_mode=True))
# top-1, top-5 and mean per-class accuracy
val_evaluator = dict(type='AccMetric',
                     metric_list=('top_k_accuracy', 'mean_class_accuracy'))
test_evaluator = val_evaluator
