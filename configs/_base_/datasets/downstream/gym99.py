# FineGym Gym99 for fine-tuning and linear probing: 99 classes, annotation
# lines "path label" under data/gym.
_base_ = ['./common.py']

num_classes = 99
data_root = 'data/gym'
train_dataloader = dict(
    dataset=dict(
        ann_file='data/gym/gym99_train.txt',
        data_prefix=dict(video='data/gym/subactions')))
val_dataloader = dict(
    dataset=dict(
        ann_file='data/gym/gym99_val.txt',
        data_prefix=dict(video='data/gym/subactions')))
test_dataloader = dict(
    dataset=dict(
        ann_file='data/gym/gym99_val.txt',
        data_prefix=dict(video='data/gym/subactions')))
