# SEVERE, action granularity (Table 14): UB-S1, the Gym99 classes 74-88 (15
# classes, relabelled from 0), scored by mean per-class accuracy:
#   python tools/severe_subsets.py classes data/gym/gym99_train.txt \
#       data/gym/ub_s1_train.txt --first 74 --last 88   (and gym99_val.txt)
_base_ = ['../finetune/smile_vit-b_16x4x1_gym99-ft.py']

num_classes = 15
ann_file_train = 'data/gym/ub_s1_train.txt'
ann_file_val = 'data/gym/ub_s1_val.txt'
val_evaluator = dict(metric_list=('mean_class_accuracy', 'top_k_accuracy'))
test_evaluator = val_evaluator
