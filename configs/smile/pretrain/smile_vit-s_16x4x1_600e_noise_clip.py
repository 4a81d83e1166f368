# Learning without natural videos with CLIP targets (Table 12, "Noise +
# Motion, Features").
_base_ = ['./smile_vit-s_16x4x1_600e_noise_pixel.py']

model = dict(
    target_generator=dict(
        _delete_=True,
        type='CLIPTeacher',
        model_name='ViT-B-16',
        pretrained='openai'))
