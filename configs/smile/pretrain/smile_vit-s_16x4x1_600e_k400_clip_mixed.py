# Training strategy 'mixed' (Table 4d): original and overlaid clips in the
# same run; every clip is overlaid with probability 0.5.
_base_ = ['./smile_vit-s_16x4x1_600e_k400_clip_single.py']

overlay = dict(
    type='SyntheticMotionOverlay',
    object_bank={{_base_.object_bank}},
    num_objects=2,
    preset='paper',
    prob=0.5)
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=16, frame_interval=4, num_clips=1),
    dict(type='DecordDecode'),
    {{_base_.multiscale_crop}},
    {{_base_.resize}},
    dict(type='Flip', flip_ratio=0.5),
    overlay,
    {{_base_.masking}},
    {{_base_.format_shape}},
    {{_base_.pack}},
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
