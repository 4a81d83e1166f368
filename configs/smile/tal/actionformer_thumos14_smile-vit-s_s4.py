# actionformer_thumos14_smile-vit-b_s4.py with SMILE ViT-S features (384
# channels, from tools/extract_features.py on a ViT-S checkpoint).
_base_ = ['./actionformer_thumos14_smile-vit-b_s4.py']

data_path = 'data/thumos-14/features/smile_vit-s_s4/'
block_list = data_path + 'missing_files.txt'
feature_width = 384  # ViT-S
dataset = dict(
    train=dict(data_path=data_path, block_list=block_list),
    val=dict(data_path=data_path, block_list=block_list),
    test=dict(data_path=data_path, block_list=block_list))
model = dict(projection=dict(in_channels=feature_width))
work_dir = 'exps/thumos/actionformer_smile_vit-s_s4'
