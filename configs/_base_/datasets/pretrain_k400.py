# SMILE pretraining clips from Kinetics-400 (paper section F.3, Table 18):
# 16 frames at 224x224, temporal stride 4, MultiScaleCrop and flip; objects are
# overlaid after the last geometric transform, then tube + trajectory masking.
# Videos prepared for random access by tools/prepare_videos.py (320 px short
# side, a keyframe every 16 frames; README "Preparing videos for random
# access"), with the list it writes. The downloaded videos work as they are,
# at several times the loading cost per clip (benchmarks/RESULTS.md,
# data_throughput):
#   data_root = 'data/kinetics400/videos_train'
#   ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
data_root = 'data/kinetics400/videos_train_320'
ann_file_train = 'data/kinetics400/videos_train_320/videos.txt'

clip_len = 16
frame_interval = 4  # F.3: stride 4 on K400
input_size = 224

# Procedural objects need no download; the paper's objects (PIN layout):
# object_bank = dict(source='rgba', root='data/objects')
object_bank = dict(source='procedural', num_objects=256, seed=0)
overlay = dict(
    type='SyntheticMotionOverlay',
    object_bank=object_bank,
    num_objects=2,  # Table 4f
    preset='paper')
masking = dict(
    type='TubeTrajectoryMaskGenerator',
    input_size=(clip_len, input_size, input_size),
    mask_ratio=0.8,  # Table 4e, F.3
    preset='paper')

# Table 18: MultiScaleCrop, as VideoMAE
multiscale_crop = dict(
    type='MultiScaleCrop',
    input_size=input_size,
    scales=(1, 0.875, 0.75, 0.66),
    random_crop=False,
    max_wh_scale_gap=1)
resize = dict(type='Resize', scale=(input_size, input_size), keep_ratio=False)
format_shape = dict(type='FormatShape', input_format='NCTHW')
pack = dict(
    type='PackActionInputs',
    algorithm_keys=('mask', ),
    meta_keys=('img_shape', 'filename'))

train_pipeline = [
    dict(type='DecordInit'),
    dict(
        type='SampleFrames',
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=1),
    dict(type='DecordDecode'),
    multiscale_crop,
    resize,
    dict(type='Flip', flip_ratio=0.5),  # Table 18: flip on K400
    overlay,
    masking,
    format_shape,
    pack,
]

# Multiple sampling (F.3): 2 clips from each decoded video, each with its own
# crop, overlay and mask. SeededSampler makes every sample's random choices a
# function of (seed, epoch, index): resumed runs repeat uninterrupted ones.
# 16 videos = 32 clips per GPU; 8 GPUs make Table 18's batch of 256 clips. Schedules count effective epochs (2 per loader epoch).
clips_per_video = 2
train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,  # page-locked batches copy to the GPU asynchronously
    sampler=dict(type='SeededSampler', shuffle=True),
    collate_fn=dict(type='repeat_pseudo_collate'),
    dataset=dict(
        type='TolerantVideoDataset',
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline,
        clips_per_video=clips_per_video,
        max_failure_ratio=0.05))
