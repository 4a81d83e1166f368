# SMILE pretraining clips from Kinetics-400 (paper section F.3, Table 18):
# 16 frames with a temporal stride of 4, then pretrain_clips.py.
# Videos prepared for random access by tools/prepare_videos.py (320 px short
# side, a keyframe every 16 frames; docs/data_pipeline.md, "Preparing videos
# for random access"), with the list it writes. The downloaded videos work as they are,
# at several times the loading cost per clip (benchmarks/RESULTS.md,
# data_throughput):
#   data_root = 'data/kinetics400/videos_train'
#   ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
_base_ = ['./pretrain_clips.py']

data_root = 'data/kinetics400/videos_train_320'  # folder of the videos
ann_file_train = '${data_root}/videos.txt'  # "path label" lines
frame_interval = 4  # F.3: stride 4 on K400

# Multiple sampling (F.3): 2 clips from each decoded video, each with its own
# crop, overlay and mask. SeededSampler makes every sample's random choices a
# function of (seed, epoch, index): resumed runs repeat uninterrupted ones.
# 16 videos = 32 clips per GPU; 8 GPUs make Table 18's batch of 256 clips.
# Schedules count effective epochs (2 per loader epoch).
train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,  # page-locked batches copy to the GPU asynchronously
    sampler=dict(type='SeededSampler', shuffle=True),
    collate_fn=dict(type='repeat_pseudo_collate'),
    dataset=dict(
        type='TolerantVideoDataset',
        ann_file='${ann_file_train}',
        data_prefix=dict(video='${data_root}'),
        clips_per_video=2,
        max_failure_ratio=0.05,
        pipeline=[
            dict(type='DecordInit'),
            dict(type='SampleFrames', clip_len='${clip_len}',
                 frame_interval='${frame_interval}', num_clips=1),
            dict(type='DecordDecode'),
        ] + _base_.train_dataloader.dataset.pipeline))
