# SMILE with a ViT-S student (384 wide, 12 blocks, 6 heads; section 4.1) and
# VideoMAE's 4-block decoder, 192 wide (F.3). The teacher is CLIP ViT-B/16
# (Table 4b); open_clip downloads the 'openai' weights, or give a local file:
# --cfg-options model.target_generator.pretrained=/path/to/ViT-B-16.bin
# The encoder is built for the clips of the config (clip_len, size); the
# decoder's input and output widths come from the encoder and the target.
model = dict(
    type='SMILERecognizer',
    backbone=dict(
        type='MaskedVideoViT',
        arch='small',
        img_size='${size}',
        num_frames='${clip_len}'),
    neck=dict(type='VideoMAEDecoder', embed_dims=192, depth=4, num_heads=3),
    head=dict(type='CLIPTargetHead', norm_target='auto'),
    target_generator=dict(
        type='CLIPTeacher',
        model_name='ViT-B-16',
        pretrained='openai',
        with_proj=False),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))
