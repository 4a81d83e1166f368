# SMILE ViT-B on K400 as the authors' public code does it where it differs
# from the paper (docs/data_pipeline.md, "Presets"): box-shaped object sizes,
# drifting rotation and scale, box-based object tokens with 90 % of them masked,
# ImageNet statistics for the teacher's input, and the teacher in float32.
_base_ = ['./smile_vit-b_16x4x1_300+300e_k400_clip.py']

preset = 'authors'
model = dict(target_generator=dict(input_norm='imagenet', dtype='fp32'))
