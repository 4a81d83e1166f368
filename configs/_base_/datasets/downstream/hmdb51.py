# HMDB-51 (split 1) for fine-tuning and linear probing: 51 classes, annotation
# lines "path label" under data/hmdb51.
_base_ = ['./common.py']

num_classes = 51
data_root = 'data/hmdb51'
train_dataloader = dict(
    dataset=dict(
        ann_file='data/hmdb51/hmdb51_train_split_1_videos.txt',
        data_prefix=dict(video='data/hmdb51/videos')))
val_dataloader = dict(
    dataset=dict(
        ann_file='data/hmdb51/hmdb51_val_split_1_videos.txt',
        data_prefix=dict(video='data/hmdb51/videos')))
test_dataloader = dict(
    dataset=dict(
        ann_file='data/hmdb51/hmdb51_val_split_1_videos.txt',
        data_prefix=dict(video='data/hmdb51/videos')))
