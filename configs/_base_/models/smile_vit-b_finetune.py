# A SMILE ViT-B fine-tuned in mmaction2's Recognizer3D (paper Table 17):
# stochastic depth 0.1, mean pooling through a fresh fc_norm, label smoothing
# 0.1; mixup 0.8 and cutmix 1.0 are set where the number of classes is known.
# Start from a SMILE checkpoint: --cfg-options load_from=work_dirs/.../epoch_300.pth
# (the authors' checkpoints after tools/convert_checkpoint.py --to mmaction).
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='SMILEVisionTransformer',
        arch='base',
        img_size=224,
        num_frames=16,
        drop_path_rate=0.1,
        out_type='fc_norm_mean'),
    cls_head=dict(
        type='TimeSformerHead',
        num_classes=400,
        in_channels=768,
        label_smooth_eps=0.1,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))
