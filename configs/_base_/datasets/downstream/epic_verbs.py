# EPIC-Kitchens-100 verbs for fine-tuning and linear probing: 97 classes, annotation
# lines "path label" under data/epic-kitchens-100.
_base_ = ['./common.py']

num_classes = 97
data_root = 'data/epic-kitchens-100'
train_dataloader = dict(
    dataset=dict(
        ann_file='data/epic-kitchens-100/epic100_verb_train.txt',
        data_prefix=dict(video='data/epic-kitchens-100/clips')))
val_dataloader = dict(
    dataset=dict(
        ann_file='data/epic-kitchens-100/epic100_verb_val.txt',
        data_prefix=dict(video='data/epic-kitchens-100/clips')))
test_dataloader = dict(
    dataset=dict(
        ann_file='data/epic-kitchens-100/epic100_verb_val.txt',
        data_prefix=dict(video='data/epic-kitchens-100/clips')))
