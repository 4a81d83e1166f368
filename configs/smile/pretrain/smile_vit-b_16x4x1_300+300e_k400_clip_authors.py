# SMILE ViT-B on K400 as the authors' public code does it where it differs
# from the paper (see README, "Presets"): box-shaped object sizes, drifting
# rotation and scale, box-based object tokens with 90 % of them masked,
# ImageNet statistics for the teacher's input, and the teacher in float32.
_base_ = ['./smile_vit-b_16x4x1_300+300e_k400_clip.py']

overlay = dict(
    type='SyntheticMotionOverlay',
    object_bank={{_base_.object_bank}},
    num_objects=2,
    preset='authors')
masking = dict(
    type='TubeTrajectoryMaskGenerator',
    input_size=(16, 224, 224),
    mask_ratio=0.8,
    preset='authors')
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=16, frame_interval=4, num_clips=1),
    dict(type='DecordDecode'),
    {{_base_.multiscale_crop}},
    {{_base_.resize}},
    dict(type='Flip', flip_ratio=0.5),
    overlay,
    masking,
    {{_base_.format_shape}},
    {{_base_.pack}},
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(target_generator=dict(input_norm='imagenet', dtype='fp32'))
