# Something-Something V2: 174 classes; 16 frames sampled uniformly over the
# video (TSN-style segments, as VideoMAE), so no frame interval; no flip (left
# and right carry the label); testing on 2 clips x 3 crops (Table 17).
_base_ = ['./common.py']

num_classes = 174
frame_interval = None  # UniformSample spreads clip_len frames over the video
data_root = 'data/sthv2/videos'
ann_file_train = 'data/sthv2/sthv2_train_list_videos.txt'
ann_file_val = 'data/sthv2/sthv2_val_list_videos.txt'
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len='${clip_len}', num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),  # RandAugment on a 256 px short side
    dict(type='VideoRandAugment', magnitude=9, magnitude_std=0.5),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=('${size}', '${size}'), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
# linear probing: the same without RandAugment (Table 16)
probe_train_pipeline = [
    step for step in train_pipeline if step['type'] != 'VideoRandAugment'
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len='${clip_len}', num_clips=1,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, '${size}')),
    dict(type='CenterCrop', crop_size='${size}'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len='${clip_len}', num_clips=2,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, '${size}')),
    dict(type='ThreeCrop', crop_size='${size}'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
