# End-to-end ActionFormer on THUMOS-14 for OpenTAD: OpenTAD's BackboneWrapper
# builds SMILE's ViT-B through mmaction2's Recognizer3D from raw frames
# (768-frame windows at 160 px, 48 snippets of 16 frames); the encoder returns
# feature maps [B, C, T', h, w], pooled to [B, C, T]. The encoder is frozen;
# see ..._fullft.py for adapting it. Needs smile_mm installed in OpenTAD's
# environment (custom_imports) and a SMILE checkpoint at custom.pretrain.
custom_imports = dict(imports=['smile_mm'], allow_failed_imports=False)

annotation_path = 'data/thumos-14/annotations/thumos_14_anno.json'
class_map = 'data/thumos-14/annotations/category_idx.txt'
data_path = 'data/thumos-14/raw_data/video'
window_size = 768
chunk_num = window_size // 16  # snippets of 16 frames per window
size = 160

frames_pipeline = [
    dict(type='mmaction.DecordDecode'),
    dict(type='mmaction.Resize', scale=(-1, size)),
    dict(type='mmaction.CenterCrop', crop_size=size),
    dict(type='mmaction.FormatShape', input_format='NCTHW'),
]
dataset = dict(
    train=dict(
        type='ThumosPaddingDataset',
        ann_file=annotation_path,
        subset_name='training',
        block_list=None,
        class_map=class_map,
        data_path=data_path,
        filter_gt=False,
        feature_stride=4,
        sample_stride=1,
        pipeline=[
            dict(type='PrepareVideoInfo', format='mp4'),
            dict(type='mmaction.DecordInit', num_threads=4),
            dict(type='LoadFrames', num_clips=1, method='random_trunc',
                 trunc_len=window_size, trunc_thresh=0.75,
                 crop_ratio=[0.9, 1.0], scale_factor=1),
            *frames_pipeline,
            dict(type='ConvertToTensor',
                 keys=['imgs', 'gt_segments', 'gt_labels']),
            dict(type='Collect', inputs='imgs',
                 keys=['masks', 'gt_segments', 'gt_labels']),
        ]),
    val=dict(
        type='ThumosSlidingDataset',
        ann_file=annotation_path,
        subset_name='validation',
        block_list=None,
        class_map=class_map,
        data_path=data_path,
        filter_gt=False,
        feature_stride=4,
        sample_stride=1,
        window_size=window_size,
        window_overlap_ratio=0.25,
        pipeline=[
            dict(type='PrepareVideoInfo', format='mp4'),
            dict(type='mmaction.DecordInit', num_threads=4),
            dict(type='LoadFrames', num_clips=1, method='sliding_window',
                 scale_factor=1),
            *frames_pipeline,
            dict(type='ConvertToTensor',
                 keys=['imgs', 'gt_segments', 'gt_labels']),
            dict(type='Collect', inputs='imgs',
                 keys=['masks', 'gt_segments', 'gt_labels']),
        ]),
    test=dict(
        type='ThumosSlidingDataset',
        ann_file=annotation_path,
        subset_name='validation',
        block_list=None,
        class_map=class_map,
        data_path=data_path,
        filter_gt=False,
        test_mode=True,
        feature_stride=4,
        sample_stride=1,
        window_size=window_size,
        window_overlap_ratio=0.5,
        pipeline=[
            dict(type='PrepareVideoInfo', format='mp4'),
            dict(type='mmaction.DecordInit', num_threads=4),
            dict(type='LoadFrames', num_clips=1, method='sliding_window',
                 scale_factor=1),
            *frames_pipeline,
            dict(type='ConvertToTensor', keys=['imgs']),
            dict(type='Collect', inputs='imgs', keys=['masks']),
        ]),
)
evaluation = dict(
    type='mAP',
    subset='validation',
    tiou_thresholds=[0.3, 0.4, 0.5, 0.6, 0.7],
    ground_truth_filename=annotation_path)

model = dict(
    type='ActionFormer',
    backbone=dict(
        type='mmaction.Recognizer3D',
        backbone=dict(
            type='SMILEVisionTransformer',
            arch='base',
            img_size=224,  # 160 px windows use a resized position table
            num_frames=16,
            # the feature map after the pretrained final LayerNorm (SMILE's
            # decoder was trained on normed tokens); OpenTAD's VideoMAE
            # wrapper leaves that norm out
            out_type='featmap',
            with_cp=False),
        data_preprocessor=dict(
            type='mmaction.ActionDataPreprocessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            format_shape='NCTHW'),
        custom=dict(
            pretrain='pretrained/smile_vit-b_k400.pth',
            pre_processing_pipeline=[
                dict(type='Rearrange', keys=['frames'],
                     ops='b n c (t1 t) h w -> (b t1) n c t h w',
                     t1=chunk_num),
            ],
            post_processing_pipeline=[
                dict(type='Reduce', keys=['feats'],
                     ops='b n c t h w -> b c t', reduction='mean'),
                dict(type='Rearrange', keys=['feats'],
                     ops='(b t1) c t -> b c (t1 t)', t1=chunk_num),
                dict(type='Interpolate', keys=['feats'], size=window_size),
            ],
            norm_eval=True,
            freeze_backbone=True)),
    projection=dict(
        type='Conv1DTransformerProj',
        in_channels=768,
        out_channels=512,
        arch=(2, 2, 5),
        conv_cfg=dict(kernel_size=3, proj_pdrop=0.0),
        norm_cfg=dict(type='LN'),
        attn_cfg=dict(n_head=4, n_mha_win_size=-1),
        path_pdrop=0.1,
        use_abs_pe=False,
        max_seq_len=window_size,
        input_pdrop=0.2),
    neck=dict(type='FPNIdentity', in_channels=512, out_channels=512,
              num_levels=6),
    rpn_head=dict(
        type='ActionFormerHead',
        num_classes=20,
        in_channels=512,
        feat_channels=512,
        num_convs=2,
        cls_prior_prob=0.01,
        prior_generator=dict(
            type='PointGenerator',
            strides=[1, 2, 4, 8, 16, 32],
            regression_range=[(0, 4), (4, 8), (8, 16), (16, 32), (32, 64),
                              (64, 10000)]),
        loss_normalizer=100,
        loss_normalizer_momentum=0.9,
        center_sample='radius',
        center_sample_radius=1.5,
        label_smoothing=0.0,
        loss=dict(cls_loss=dict(type='FocalLoss'),
                  reg_loss=dict(type='DIOULoss'))))

solver = dict(
    train=dict(batch_size=2, num_workers=2),
    val=dict(batch_size=2, num_workers=2),
    test=dict(batch_size=2, num_workers=2),
    clip_grad_norm=1,
    amp=True,
    fp16_compress=True,
    ema=True)
optimizer = dict(type='AdamW', lr=1e-4, weight_decay=0.05, paramwise=True)
# OpenTAD's recipe: a cosine over 100 epochs, stopped at epoch 60
# (workflow.end_epoch), where the lr is still about 0.4x the base
scheduler = dict(type='LinearWarmupCosineAnnealingLR', warmup_epoch=5,
                 max_epoch=100)
inference = dict(load_from_raw_predictions=False, save_raw_prediction=False)
post_processing = dict(
    nms=dict(use_soft_nms=True, sigma=0.5, max_seg_num=2000,
             min_score=0.001, multiclass=True, voting_thresh=0.7),
    save_dict=False)
workflow = dict(logging_interval=50, checkpoint_interval=5,
                val_loss_interval=-1, val_eval_interval=5,
                val_start_epoch=39, end_epoch=60)
work_dir = 'exps/thumos/e2e_actionformer_smile_vit-b_frozen'
