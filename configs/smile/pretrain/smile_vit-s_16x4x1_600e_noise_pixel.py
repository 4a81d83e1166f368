# Learning without natural videos (section 5, Tables 7 and 12): objects
# moving over noise images, pixel reconstruction, one stage (there are no
# original videos for a second one). The shared schedule counts 300 loader
# epochs as 600 effective ones; with 160k clips per loader epoch that is 600
# epochs of a K400m-sized set of 80k clips (Table 7).
_base_ = [
    '../../_base_/models/smile_vit-s.py',
    '../../_base_/datasets/pretrain_static.py',
    '../../_base_/schedules/smile_single_600e.py',
    '../../_base_/default_runtime.py',
]

model = dict(target_generator=dict(_delete_=True, type='PixelTarget'))
num_samples = 160000
