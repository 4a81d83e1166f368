# ActionFormer on ActivityNet-1.3 with SMILE ViT-B features, for OpenTAD.
# Features from smile_mm's tools/extract_features.py --stride 16 --prefix v_
# (OpenTAD's ActivityNet files are named v_<id>); OpenTAD resizes every
# video to 192 steps. Class-agnostic proposals with the CUHK external video
# classifier, mAP at tIoU 0.5:0.95 (paper, Table 10).
annotation_path = 'data/activitynet-1.3/annotations/activity_net.v1-3.min.json'
class_map = 'data/activitynet-1.3/annotations/category_idx.txt'
data_path = 'data/activitynet-1.3/features/smile_vit-b_s16/'
# videos without features, written by tools/extract_features.py (OpenTAD's
# LoadFeats stops at an annotated video without its file)
block_list = data_path + 'missing_files.txt'
feature_width = 768  # ViT-B; 384 for ViT-S
resize_length = 192

anet_dataset = dict(
    type='AnetResizeDataset',
    ann_file=annotation_path,
    block_list=block_list,
    class_map=class_map,
    data_path=data_path,
    filter_gt=True,
    resize_length=resize_length,
    class_agnostic=True)
dataset = dict(
    train=dict(
        anet_dataset,
        subset_name='training',
        pipeline=[
            dict(type='LoadFeats', feat_format='npy', prefix='v_'),
            dict(type='ConvertToTensor',
                 keys=['feats', 'gt_segments', 'gt_labels']),
            dict(type='ResizeFeat', tool='torchvision_align'),
            dict(type='RandomTrunc', trunc_len=resize_length,
                 trunc_thresh=0.5, crop_ratio=[0.9, 1.0]),
            dict(type='Rearrange', keys=['feats'], ops='t c -> c t'),
            dict(type='Collect', inputs='feats',
                 keys=['masks', 'gt_segments', 'gt_labels']),
        ]),
    val=dict(
        anet_dataset,
        subset_name='validation',
        pipeline=[
            dict(type='LoadFeats', feat_format='npy', prefix='v_'),
            dict(type='ConvertToTensor',
                 keys=['feats', 'gt_segments', 'gt_labels']),
            dict(type='ResizeFeat', tool='torchvision_align'),
            dict(type='Rearrange', keys=['feats'], ops='t c -> c t'),
            dict(type='Collect', inputs='feats',
                 keys=['masks', 'gt_segments', 'gt_labels']),
        ]),
    test=dict(
        anet_dataset,
        subset_name='validation',
        filter_gt=False,
        test_mode=True,
        pipeline=[
            dict(type='LoadFeats', feat_format='npy', prefix='v_'),
            dict(type='ConvertToTensor', keys=['feats']),
            dict(type='ResizeFeat', tool='torchvision_align'),
            dict(type='Rearrange', keys=['feats'], ops='t c -> c t'),
            dict(type='Collect', inputs='feats', keys=['masks']),
        ]),
)
evaluation = dict(
    type='mAP',
    subset='validation',
    tiou_thresholds=[0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95],
    ground_truth_filename=annotation_path,
    # OpenTAD's list of validation videos left out of the protocol
    blocked_videos='data/activitynet-1.3/annotations/blocked.json')

model = dict(
    type='ActionFormer',
    projection=dict(
        type='Conv1DTransformerProj',
        in_channels=feature_width,
        out_channels=256,
        arch=(2, 2, 5),
        conv_cfg=dict(kernel_size=3, proj_pdrop=0.0),
        norm_cfg=dict(type='LN'),
        attn_cfg=dict(n_head=4, n_mha_win_size=[7, 7, 7, 7, 7, -1]),
        path_pdrop=0.1,
        use_abs_pe=True,
        max_seq_len=resize_length,
        input_pdrop=0.2),
    neck=dict(type='FPNIdentity', in_channels=256, out_channels=256,
              num_levels=6),
    rpn_head=dict(
        type='ActionFormerHead',
        num_classes=1,
        in_channels=256,
        feat_channels=256,
        num_convs=2,
        cls_prior_prob=0.01,
        prior_generator=dict(
            type='PointGenerator',
            strides=[1, 2, 4, 8, 16, 32],
            regression_range=[(0, 4), (4, 8), (8, 16), (16, 32), (32, 64),
                              (64, 10000)]),
        loss_normalizer=200,
        loss_normalizer_momentum=0.9,
        center_sample='radius',
        center_sample_radius=1.5,
        label_smoothing=0.1,
        loss_weight=2.0,
        loss=dict(cls_loss=dict(type='FocalLoss'),
                  reg_loss=dict(type='DIOULoss'))))

solver = dict(
    train=dict(batch_size=16, num_workers=4),
    val=dict(batch_size=16, num_workers=4),
    test=dict(batch_size=16, num_workers=4),
    clip_grad_norm=1,
    ema=True)
optimizer = dict(type='AdamW', lr=1e-3, weight_decay=0.05, paramwise=True)
scheduler = dict(type='LinearWarmupCosineAnnealingLR', warmup_epoch=5,
                 max_epoch=15)
inference = dict(load_from_raw_predictions=False, save_raw_prediction=False)
post_processing = dict(
    nms=dict(use_soft_nms=True, sigma=0.75, max_seg_num=100,
             iou_threshold=0, min_score=0.001, multiclass=False,
             voting_thresh=0.9),
    external_cls=dict(
        type='CUHKANETClassifier',
        path='data/activitynet-1.3/classifiers/cuhk_val_simp_7.json',
        topk=2),
    save_dict=False)
workflow = dict(logging_interval=200, checkpoint_interval=1,
                val_loss_interval=1, val_eval_interval=1, val_start_epoch=7)
work_dir = 'exps/anet/actionformer_smile_vit-b_s16'
