# Linear probing of a SMILE ViT-B (paper Table 16): the encoder is frozen (no
# gradients, eval mode, no autograd graph) and a linear classifier reads the
# mean of its tokens after the pretrained final norm. The encoder is built for
# the clips of the config (clip_len, size), the head for its num_classes.
# Start from a SMILE checkpoint: --cfg-options load_from=work_dirs/.../epoch_300.pth
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='SMILEVisionTransformer',
        arch='base',
        img_size='${size}',
        num_frames='${clip_len}',
        out_type='mean',
        frozen=True),
    cls_head=dict(
        type='TimeSformerHead',
        num_classes='${num_classes}',
        in_channels=768,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))
