# Learning without natural videos (section 5, Tables 7 and 12): one background
# repeated over 16 frames with objects moving on top. The background is
# 'noise' here; 'black' needs no files either, 'image' reads scene images
# (data_prefix=dict(img=...)) and 'video_frame' one frame per video
# (data_prefix=dict(video=...)).
_base_ = ['./pretrain_k400.py']

background = 'noise'
num_samples = 80000  # K400m-sized epochs, as in Table 7

train_pipeline = [
    dict(type='LoadStaticClip', clip_len={{_base_.clip_len}}),
    {{_base_.multiscale_crop}},
    {{_base_.resize}},
    dict(type='Flip', flip_ratio=0.5),
    {{_base_.overlay}},
    {{_base_.masking}},
    {{_base_.format_shape}},
    {{_base_.pack}},
]

# one clip per background image (nothing to gain from multiple sampling)
train_dataloader = dict(
    batch_size=32,
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        _delete_=True,
        type='StaticClipDataset',
        background=background,
        num_samples=num_samples,
        frame_size=(256, 320),
        pipeline=train_pipeline))
