# Downstream clips as VideoMAE fine-tunes and tests them (paper F.3, Table 17):
# clip_len frames every frame_interval, RandAug(9, 0.5), random resized crops
# to size, flip; validation on one centre clip; testing on 5 clips x 3 crops
# (K400's 5x3).
#
# One place per setting. The pipelines, the datasets and the model read the
# settings below through references ('${size}'), which smile_mm's runner
# resolves after child configs and --cfg-options are merged: a child config
# that sets `size = 112`, or `--cfg-options size=112`, reaches every crop and
# the encoder's position table (smile_mm.engine.config_references). Each
# dataset config sets num_classes, data_root and ann_file_*; every dataset
# checks its labels against the head's class count.
# A step of a pipeline is edited through its loader
# (--cfg-options train_dataloader.dataset.pipeline.4.magnitude=7).
clip_len = 16  # frames per clip
frame_interval = 4  # every 4th frame (Table 17)
size = 224  # crop size in pixels, also the encoder's img_size
data_root_val = '${data_root}'  # folder of the validation and test videos
ann_file_test = '${ann_file_val}'  # "path label" lines

train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='TolerantVideoDataset',
        ann_file='${ann_file_train}',
        data_prefix=dict(video='${data_root}'),
        num_classes='${model.cls_head.num_classes}',
        pipeline=[
            dict(type='DecordInit'),
            dict(type='SampleFrames', clip_len='${clip_len}',
                 frame_interval='${frame_interval}', num_clips=1),
            dict(type='DecordDecode'),
            dict(type='Resize', scale=(-1, 256)),  # RandAugment at 256 px
            dict(type='VideoRandAugment', magnitude=9, magnitude_std=0.5),
            dict(type='RandomResizedCrop'),
            dict(type='Resize', scale=('${size}', '${size}'),
                 keep_ratio=False),
            dict(type='Flip', flip_ratio=0.5),
            dict(type='FormatShape', input_format='NCTHW'),
            dict(type='PackActionInputs'),
        ]))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='TolerantVideoDataset',
        ann_file='${ann_file_val}',
        data_prefix=dict(video='${data_root_val}'),
        num_classes='${model.cls_head.num_classes}',
        test_mode=True,
        pipeline=[
            dict(type='DecordInit'),
            dict(type='SampleFrames', clip_len='${clip_len}',
                 frame_interval='${frame_interval}', num_clips=1,
                 test_mode=True),
            dict(type='DecordDecode'),
            dict(type='Resize', scale=(-1, '${size}')),
            dict(type='CenterCrop', crop_size='${size}'),
            dict(type='FormatShape', input_format='NCTHW'),
            dict(type='PackActionInputs'),
        ]))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='TolerantVideoDataset',
        ann_file='${ann_file_test}',
        data_prefix=dict(video='${data_root_val}'),
        num_classes='${model.cls_head.num_classes}',
        test_mode=True,
        pipeline=[
            dict(type='DecordInit'),
            dict(type='SampleFrames', clip_len='${clip_len}',
                 frame_interval='${frame_interval}', num_clips=5,
                 test_mode=True),
            dict(type='DecordDecode'),
            dict(type='Resize', scale=(-1, '${size}')),
            dict(type='ThreeCrop', crop_size='${size}'),
            dict(type='FormatShape', input_format='NCTHW'),
            dict(type='PackActionInputs'),
        ]))
# what mmaction2's inference_recognizer runs (the test loader's pipeline)
test_pipeline = '${test_dataloader.dataset.pipeline}'
# top-1, top-5 and mean per-class accuracy
val_evaluator = dict(type='AccMetric',
                     metric_list=('top_k_accuracy', 'mean_class_accuracy'))
test_evaluator = val_evaluator
