# Downstream clips as VideoMAE fine-tunes and tests them (paper F.3, Table 17):
# 16 frames every 4, RandAug(9, 0.5), random resized crops to 224, flip;
# validation on one centre clip; testing on 5 clips x 3 crops (K400's 5x3).
#
# One place per setting. The pipelines, the data loaders and the model read
# the settings below through references ('${size}'), which smile_mm's runner
# resolves after child configs and --cfg-options are merged: a child config
# that sets `size = 112`, or `--cfg-options size=112`, reaches every crop and
# the encoder's position table (smile_mm.engine.config_references).
# Each dataset config sets num_classes, data_root(_val) and ann_file_*.
# The loaders take the pipelines below when this file is parsed, as in
# mmaction2: edit a step of a run through the loader
# (train_dataloader.dataset.pipeline.N...).
clip_len = 16  # frames per clip
frame_interval = 4  # every 4th frame
size = 224  # crop size in pixels, also the encoder's img_size
data_root = None  # folder of the training videos
data_root_val = '${data_root}'  # folder of the validation and test videos
ann_file_train = None  # "path label" lines
ann_file_val = None
ann_file_test = '${ann_file_val}'

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len='${clip_len}',
         frame_interval='${frame_interval}', num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),  # RandAugment on a 256 px short side
    dict(type='VideoRandAugment', magnitude=9, magnitude_std=0.5),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=('${size}', '${size}'), keep_ratio=False),
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
    dict(type='SampleFrames', clip_len='${clip_len}',
         frame_interval='${frame_interval}', num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, '${size}')),
    dict(type='CenterCrop', crop_size='${size}'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len='${clip_len}',
         frame_interval='${frame_interval}', num_clips=5, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, '${size}')),
    dict(type='ThreeCrop', crop_size='${size}'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]

dataset_type = 'TolerantVideoDataset'
train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file='${ann_file_train}',
                 data_prefix=dict(video='${data_root}'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file='${ann_file_val}',
                 data_prefix=dict(video='${data_root_val}'),
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file='${ann_file_test}',
                 data_prefix=dict(video='${data_root_val}'),
                 pipeline=test_pipeline, test_mode=True))
# top-1, top-5 and mean per-class accuracy
val_evaluator = dict(type='AccMetric',
                     metric_list=('top_k_accuracy', 'mean_class_accuracy'))
test_evaluator = val_evaluator
