# HMDB-51 (split 1) for fine-tuning and linear probing: 51 classes, annotation
# lines "path label" under data/hmdb51.
_base_ = ['./common.py']

num_classes = 51
data_root = 'data/hmdb51/videos'
ann_file_train = 'data/hmdb51/hmdb51_train_split_1_videos.txt'
ann_file_val = 'data/hmdb51/hmdb51_val_split_1_videos.txt'
