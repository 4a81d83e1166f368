# What smile_mm.apis gives a trained encoder (tools/extract_features.py,
# feature_similarity.py, unvos_eval.py read this config by default): one
# centre clip of 16 frames every 4, the short side resized to 224 and a
# 224 px centre crop (the downstream validation view), normalised by the
# model's ActionDataPreprocessor. The tools set size, clip_len and
# frame_interval from their options; every step reads them by reference.
_base_ = ['../linear_probe/smile_vit-b_16x4x1_k400-linear.py']

test_dataloader = dict(
    dataset=dict(pipeline=_base_.val_dataloader.dataset.pipeline))
