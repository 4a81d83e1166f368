# Ablation: VideoMAE's pixel target instead of CLIP features (Table 4h,
# Table 13), everything else as smile_vit-b_16x2x1_400+400e_ssv2_clip.py.
_base_ = ['./smile_vit-b_16x2x1_400+400e_ssv2_clip.py']

model = dict(target_generator=dict(_delete_=True, type='PixelTarget'))
