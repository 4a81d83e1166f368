# VideoMAE's pretraining optimizer (Table 18): AdamW, base lr 1.5e-4 for 256
# clips per iteration, betas (0.9, 0.95), weight decay 0.05 except on biases,
# norms and other 1-D parameters and on the mask token.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1.5e-4, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        flat_decay_mult=0.0,
        custom_keys={'mask_token': dict(decay_mult=0.0)}))

# The lr is for 256 clips per iteration. train_dataloader.batch_size counts
# videos; with 2 clips per video, 128 videos are 256 clips.
auto_scale_lr = dict(enable=False, base_batch_size=128)

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300, val_interval=1)
val_cfg = None
test_cfg = None
