# SMILE pretraining clips from Something-Something V2 (section F.3, Table 18):
# temporal stride 2 and no flip (left/right matters in SSv2).
_base_ = ['./pretrain_k400.py']

# prepared by tools/prepare_videos.py as pretrain_k400.py says; as
# downloaded: data/sthv2/videos with data/sthv2/sthv2_train_list_videos.txt
data_root = 'data/sthv2/videos_320'
ann_file_train = 'data/sthv2/videos_320/videos.txt'
frame_interval = 2  # F.3: stride 2 on SSv2

train_pipeline = [
    dict(type='DecordInit'),
    dict(
        type='SampleFrames',
        clip_len={{_base_.clip_len}},
        frame_interval=frame_interval,
        num_clips=1),
    dict(type='DecordDecode'),
    {{_base_.multiscale_crop}},
    {{_base_.resize}},  # no flip: left and right matter in SSv2
    {{_base_.overlay}},
    {{_base_.masking}},
    {{_base_.format_shape}},
    {{_base_.pack}},
]

train_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
