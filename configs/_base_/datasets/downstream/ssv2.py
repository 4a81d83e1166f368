# Something-Something V2: 174 classes; 16 frames sampled uniformly over the
# video (TSN-style segments, as VideoMAE), no flip (left and right carry the
# label), testing on 2 clips x 3 crops (Table 17).
_base_ = ['./common.py']

num_classes = 174
data_root = 'data/sthv2'
size = 224
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=16, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='VideoRandAugment', magnitude=9, magnitude_std=0.5),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(size, size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
# linear probing: the same without RandAugment (Table 16)
probe_train_pipeline = [
    step for step in train_pipeline if step['type'] != 'VideoRandAugment'
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=16, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, size)),
    dict(type='CenterCrop', crop_size=size),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=16, num_clips=2, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, size)),
    dict(type='ThreeCrop', crop_size=size),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(
    dataset=dict(
        ann_file='data/sthv2/sthv2_train_list_videos.txt',
        data_prefix=dict(video='data/sthv2/videos'),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        ann_file='data/sthv2/sthv2_val_list_videos.txt',
        data_prefix=dict(video='data/sthv2/videos'),
        pipeline=val_pipeline))
test_dataloader = dict(
    dataset=dict(
        ann_file='data/sthv2/sthv2_val_list_videos.txt',
        data_prefix=dict(video='data/sthv2/videos'),
        pipeline=test_pipeline))
