# ActionFormer on THUMOS-14 with SMILE ViT-B features, for OpenTAD (run from
# an OpenTAD checkout: torchrun tools/train.py <this file>). Features come
# from smile_mm's tools/extract_features.py with its defaults: 16-frame
# snippets every 4 frames, so feature_stride=4 and the first snippet's centre
# is frame 8 (offset_frames=8); 768 channels for ViT-B. Evaluation: mAP at
# tIoU 0.3:0.7 (paper, Table 10).
annotation_path = 'data/thumos-14/annotations/thumos_14_anno.json'
class_map = 'data/thumos-14/annotations/category_idx.txt'
data_path = 'data/thumos-14/features/smile_vit-b_s4/'
# videos without features, written by tools/extract_features.py (OpenTAD's
# LoadFeats stops at an annotated video without its file)
block_list = data_path + 'missing_files.txt'
feature_width = 768  # ViT-B; 384 for ViT-S
trunc_len = 2304

thumos_dataset = dict(
    type='ThumosPaddingDataset',
    ann_file=annotation_path,
    block_list=block_list,
    class_map=class_map,
    data_path=data_path,
    filter_gt=False,
    feature_stride=4,
    sample_stride=1,
    offset_frames=8)
dataset = dict(
    train=dict(
        thumos_dataset,
        subset_name='training',
        pipeline=[
            dict(type='LoadFeats', feat_format='npy'),
            dict(type='ConvertToTensor',
                 keys=['feats', 'gt_segments', 'gt_labels']),
            dict(type='RandomTrunc', trunc_len=trunc_len, trunc_thresh=0.5,
                 crop_ratio=[0.9, 1.0]),
            dict(type='Rearrange', keys=['feats'], ops='t c -> c t'),
            dict(type='Collect', inputs='feats',
                 keys=['masks', 'gt_segments', 'gt_labels']),
        ]),
    val=dict(
        thumos_dataset,
        subset_name='validation',
        pipeline=[
            dict(type='LoadFeats', feat_format='npy'),
            dict(type='ConvertToTensor',
                 keys=['feats', 'gt_segments', 'gt_labels']),
            dict(type='Rearrange', keys=['feats'], ops='t c -> c t'),
            dict(type='Collect', inputs='feats',
                 keys=['masks', 'gt_segments', 'gt_labels']),
        ]),
    test=dict(
        thumos_dataset,
        subset_name='validation',
        test_mode=True,
        pipeline=[
            dict(type='LoadFeats', feat_format='npy'),
            dict(type='ConvertToTensor', keys=['feats']),
            dict(type='Rearrange', keys=['feats'], ops='t c -> c t'),
            dict(type='Collect', inputs='feats', keys=['masks']),
        ]),
)
evaluation = dict(
    type='mAP',
    subset='validation',
    tiou_thresholds=[0.3, 0.4, 0.5, 0.6, 0.7],
    ground_truth_filename=annotation_path)

model = dict(
    type='ActionFormer',
    projection=dict(
        type='Conv1DTransformerProj',
        in_channels=feature_width,
        out_channels=512,
        arch=(2, 2, 5),
        conv_cfg=dict(kernel_size=3, proj_pdrop=0.0),
        norm_cfg=dict(type='LN'),
        attn_cfg=dict(n_head=4, n_mha_win_size=19),
        path_pdrop=0.1,
        use_abs_pe=False,
        max_seq_len=trunc_len,
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
    val=dict(batch_size=1, num_workers=1),
    test=dict(batch_size=1, num_workers=1),
    clip_grad_norm=1,
    ema=True)
optimizer = dict(type='AdamW', lr=1e-4, weight_decay=0.05, paramwise=True)
scheduler = dict(type='LinearWarmupCosineAnnealingLR', warmup_epoch=5,
                 max_epoch=35)
inference = dict(load_from_raw_predictions=False, save_raw_prediction=False)
post_processing = dict(
    nms=dict(use_soft_nms=True, sigma=0.5, max_seg_num=2000,
             iou_threshold=0.1, min_score=0.001, multiclass=True,
             voting_thresh=0.7),
    save_dict=False)
workflow = dict(logging_interval=20, checkpoint_interval=1,
                val_loss_interval=1, val_eval_interval=1, val_start_epoch=30)
work_dir = 'exps/thumos/actionformer_smile_vit-b_s4'
