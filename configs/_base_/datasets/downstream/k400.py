# Kinetics-400 for fine-tuning and linear probing: 400 classes, annotation
# lines "path label" under data/kinetics400.
_base_ = ['./common.py']

num_classes = 400
data_root = 'data/kinetics400/videos_train'
data_root_val = 'data/kinetics400/videos_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_videos.txt'
