# SEVERE, sample efficiency (Table 14): UCF-101 with 1,000 class-balanced
# training videos. Make the list once:
#   python tools/severe_subsets.py sample data/ucf101/ucf101_train_split_1_videos.txt \
#       data/ucf101/ucf101_train_split_1_1000.txt --num 1000
_base_ = ['../finetune/smile_vit-b_16x4x1_ucf101-ft.py']

ann_file_train = 'data/ucf101/ucf101_train_split_1_1000.txt'
