# Training strategy 'mixed' (Table 4d): original and overlaid clips in the
# same run; every clip is overlaid with probability 0.5.
_base_ = ['./smile_vit-s_16x4x1_600e_k400_clip_single.py']

overlay_prob = 0.5
