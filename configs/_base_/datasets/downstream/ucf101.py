# UCF-101 (split 1) for fine-tuning and linear probing: 101 classes, annotation
# lines "path label" under data/ucf101.
_base_ = ['./common.py']

num_classes = 101
data_root = 'data/ucf101/videos'
ann_file_train = 'data/ucf101/ucf101_train_split_1_videos.txt'
ann_file_val = 'data/ucf101/ucf101_val_split_1_videos.txt'
