# Ablation: VideoMAE's pixel target instead of CLIP features (Table 4h,
# Table 13), everything else as smile_vit-s_16x4x1_300+300e_k400_clip.py.
_base_ = ['./smile_vit-s_16x4x1_300+300e_k400_clip.py']

model = dict(target_generator=dict(_delete_=True, type='PixelTarget'))
