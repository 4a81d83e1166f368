# Kinetics-400 for fine-tuning and linear probing: 400 classes, annotation
# lines "path label" under data/kinetics400.
_base_ = ['./common.py']

num_classes = 400
data_root = 'data/kinetics400'
train_dataloader = dict(
    dataset=dict(
        ann_file='data/kinetics400/kinetics400_train_list_videos.txt',
        data_prefix=dict(video='data/kinetics400/videos_train')))
val_dataloader = dict(
    dataset=dict(
        ann_file='data/kinetics400/kinetics400_val_list_videos.txt',
        data_prefix=dict(video='data/kinetics400/videos_val')))
test_dataloader = dict(
    dataset=dict(
        ann_file='data/kinetics400/kinetics400_val_list_videos.txt',
        data_prefix=dict(video='data/kinetics400/videos_val')))
