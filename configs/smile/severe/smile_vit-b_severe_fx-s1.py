# SEVERE, action granularity (Table 14): FX-S1, the Gym99 classes 6-16 (11
# classes, relabelled from 0), scored by mean per-class accuracy:
#   python tools/severe_subsets.py classes data/gym/gym99_train.txt \
#       data/gym/fx_s1_train.txt --first 6 --last 16   (and gym99_val.txt)
_base_ = ['../finetune/smile_vit-b_16x4x1_gym99-ft.py']

num_classes = 11
ann_file_train = 'data/gym/fx_s1_train.txt'
ann_file_val = 'data/gym/fx_s1_val.txt'
val_evaluator = dict(metric_list=('mean_class_accuracy', 'top_k_accuracy'))
test_evaluator = val_evaluator
