# SEVERE, sample efficiency (Table 14): UCF-101 with 1,000 class-balanced
# training videos. Make the list once:
#   python tools/severe_subsets.py sample data/ucf101/ucf101_train_split_1_videos.txt \
#       data/ucf101/ucf101_train_split_1_1000.txt --num 1000
_base_ = ['../finetune/smile_vit-b_16x4x1_ucf101-ft.py']

train_dataloader = dict(
    dataset=dict(ann_file='data/ucf101/ucf101_train_split_1_1000.txt'))
