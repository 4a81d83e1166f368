# SEVERE, sample efficiency (Table 14): Gym99 with 1,000 class-balanced
# training videos:
#   python tools/severe_subsets.py sample data/gym/gym99_train.txt \
#       data/gym/gym99_train_1000.txt --num 1000
_base_ = ['../finetune/smile_vit-b_16x4x1_gym99-ft.py']

ann_file_train = 'data/gym/gym99_train_1000.txt'
