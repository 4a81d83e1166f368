# FineGym Gym99 for fine-tuning and linear probing: 99 classes, annotation
# lines "path label" under data/gym.
_base_ = ['./common.py']

num_classes = 99
data_root = 'data/gym/subactions'
ann_file_train = 'data/gym/gym99_train.txt'
ann_file_val = 'data/gym/gym99_val.txt'
