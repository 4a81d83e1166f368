# End-to-end ActionFormer on THUMOS-14 for OpenTAD with SMILE's ViT-B adapted,
# as OpenTAD's full fine-tuning recipe (adatad/thumos/e2e_thumos_videomae_*_
# 768x1_160_fullft.py): the encoder trains with the detector at lr 1e-5, its
# norms too, with drop path 0.1 and gradient checkpointing (hence DDP's
# static_graph); training windows are augmented (random resized crop, flip,
# ImgAug, colour jitter); no input dropout before the projection; soft-NMS
# sigma 0.7. Everything else as the frozen config beside this file.
_base_ = ['./e2e_actionformer_thumos14_smile-vit-b_frozen.py']

train_frames_pipeline = [
    dict(type='mmaction.DecordDecode'),
    dict(type='mmaction.Resize', scale=(-1, 182)),
    dict(type='mmaction.RandomResizedCrop'),
    dict(type='mmaction.Resize', scale=(160, 160), keep_ratio=False),
    dict(type='mmaction.Flip', flip_ratio=0.5),
    dict(type='mmaction.ImgAug', transforms='default'),
    dict(type='mmaction.ColorJitter'),
    dict(type='mmaction.FormatShape', input_format='NCTHW'),
]
dataset = dict(
    train=dict(pipeline=[
        dict(type='PrepareVideoInfo', format='mp4'),
        dict(type='mmaction.DecordInit', num_threads=4),
        dict(type='LoadFrames', num_clips=1, method='random_trunc',
             trunc_len={{_base_.window_size}}, trunc_thresh=0.75,
             crop_ratio=[0.9, 1.0], scale_factor=1),
        *train_frames_pipeline,
        dict(type='ConvertToTensor',
             keys=['imgs', 'gt_segments', 'gt_labels']),
        dict(type='Collect', inputs='imgs',
             keys=['masks', 'gt_segments', 'gt_labels']),
    ]))
model = dict(
    backbone=dict(
        backbone=dict(with_cp=True, drop_path_rate=0.1),
        custom=dict(norm_eval=False, freeze_backbone=False)),
    projection=dict(input_pdrop=0.0))
solver = dict(static_graph=True)
optimizer = dict(backbone=dict(lr=1e-5, weight_decay=0.05))
post_processing = dict(
    nms=dict(use_soft_nms=True, sigma=0.7, max_seg_num=2000, min_score=0.0,
             multiclass=True, voting_thresh=0.7))
work_dir = 'exps/thumos/e2e_actionformer_smile_vit-b_fullft'
