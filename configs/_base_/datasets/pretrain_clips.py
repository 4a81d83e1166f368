# What every SMILE pretraining clip goes through once it is loaded (paper
# section F.3, Table 18): MultiScaleCrop to size x size, flip, objects
# overlaid after the last geometric transform, then tube + trajectory
# masking. The loading steps come first, from the file that inherits this
# one: pretrain_k400.py (videos) or pretrain_static.py (one background).
#
# One place per setting. The steps below and the model read these settings
# through references ('${size}'), which smile_mm's runner resolves after
# child configs and --cfg-options, so `--cfg-options size=112` reaches every
# crop, the masking grid and the encoder's position table.
clip_len = 16  # frames per clip
size = 224  # crop size in pixels, also the encoder's img_size
preset = 'paper'  # overlay and masking as the paper says, or 'authors'
# Procedural objects need no download; the paper's objects (PIN layout):
# object_bank = dict(source='rgba', root='data/objects')
object_bank = dict(source='procedural', num_objects=256, seed=0)
num_objects = 2  # objects per clip, Table 4f
motion = dict()  # the preset's sampler settings, e.g. dict(size_range=(16, 64))
overlay_prob = 1.0  # share of clips overlaid ('mixed' training: 0.5)
mask_ratio = 0.8  # Table 4e, F.3

train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='MultiScaleCrop', input_size='${size}',
             scales=(1, 0.875, 0.75, 0.66), random_crop=False,
             max_wh_scale_gap=1),  # Table 18, as VideoMAE
        dict(type='Resize', scale=('${size}', '${size}'), keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5),
        dict(type='SyntheticMotionOverlay', object_bank='${object_bank}',
             num_objects='${num_objects}', preset='${preset}',
             motion='${motion}', prob='${overlay_prob}'),
        dict(type='TubeTrajectoryMaskGenerator',
             input_size=('${clip_len}', '${size}', '${size}'),
             mask_ratio='${mask_ratio}', preset='${preset}'),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs', algorithm_keys=('mask', ),
             meta_keys=('img_shape', 'filename')),
    ]))
