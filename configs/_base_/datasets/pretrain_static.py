# Learning without natural videos (section 5, Tables 7 and 12): one background
# repeated over the clip with objects moving on top, then pretrain_clips.py.
# 'noise' and 'black' need no files; 'image' reads scene images (Places) and
# 'video_frame' one frame of each video (K400-1frm) from data_root, listed in
# ann_file_train or, without a list, every such file under data_root.
_base_ = ['./pretrain_clips.py']

background = 'noise'  # 'noise', 'black', 'image' or 'video_frame'
num_samples = 80000  # K400m-sized epochs, as in Table 7
data_root = None  # folder of the images or videos ('image', 'video_frame')
ann_file_train = ''  # list of files under data_root; '': all of them

# one clip per background (nothing to gain from multiple sampling)
train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='SeededSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='StaticClipDataset',
        background='${background}',
        num_samples='${num_samples}',
        frame_size=(256, 320),
        ann_file='${ann_file_train}',
        data_prefix=dict(img='${data_root}', video='${data_root}'),
        pipeline=[dict(type='LoadStaticClip', clip_len='${clip_len}')] +
        _base_.train_dataloader.dataset.pipeline))
