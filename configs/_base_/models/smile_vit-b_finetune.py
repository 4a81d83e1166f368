# A SMILE ViT-B fine-tuned in mmaction2's Recognizer3D (paper Table 17):
# stochastic depth 0.1, mean pooling through a fresh fc_norm, label smoothing
# 0.1, mixup 0.8 and cutmix 1.0. The encoder is built for the clips of the
# config (clip_len, size) and the head for its num_classes; the blending and
# the datasets' label checks take the class count from the head.
# Start from a SMILE checkpoint: --cfg-options load_from=work_dirs/.../epoch_300.pth
# (the authors' checkpoints after tools/convert_checkpoint.py --to mmaction).
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='SMILEVisionTransformer',
        arch='base',
        img_size='${size}',
        num_frames='${clip_len}',
        drop_path_rate=0.1,
        out_type='fc_norm_mean'),
    cls_head=dict(
        type='TimeSformerHead',
        num_classes='${num_classes}',
        in_channels=768,
        label_smooth_eps=0.1,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW',
        blending=dict(
            type='RandomBatchAugment',
            augments=[
                dict(type='MixupBlending', alpha=0.8,  # Table 17
                     num_classes='${model.cls_head.num_classes}'),
                dict(type='CutmixBlending', alpha=1.0,  # Table 17
                     num_classes='${model.cls_head.num_classes}'),
            ])))
