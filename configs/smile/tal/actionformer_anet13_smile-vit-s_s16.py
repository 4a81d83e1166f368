# actionformer_anet13_smile-vit-b_s16.py with SMILE ViT-S features (384
# channels, from tools/extract_features.py on a ViT-S checkpoint).
_base_ = ['./actionformer_anet13_smile-vit-b_s16.py']

data_path = 'data/activitynet-1.3/features/smile_vit-s_s16/'
block_list = data_path + 'missing_files.txt'
feature_width = 384  # ViT-S
dataset = dict(
    train=dict(data_path=data_path, block_list=block_list),
    val=dict(data_path=data_path, block_list=block_list),
    test=dict(data_path=data_path, block_list=block_list))
model = dict(projection=dict(in_channels=feature_width))
work_dir = 'exps/anet/actionformer_smile_vit-s_s16'
