# EPIC-Kitchens-100 verbs for fine-tuning and linear probing: 97 classes,
# annotation lines "path label" under data/epic-kitchens-100.
_base_ = ['./common.py']

num_classes = 97
data_root = 'data/epic-kitchens-100/clips'
ann_file_train = 'data/epic-kitchens-100/epic100_verb_train.txt'
ann_file_val = 'data/epic-kitchens-100/epic100_verb_val.txt'
