# Full fine-tuning (paper Table 17): AdamW, base lr 1e-3 per 256 clips, weight
# decay 0.05, layer-wise lr decay 0.75 over the
# backbone's blocks (mmaction2's, logging the classifier's lr), 5 warm-up
# epochs, cosine decay, 40 epochs. The paper fine-tunes on 4 GPUs: 32 clips
# per GPU make 128 clips per iteration and lr 0.0005.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=0.0005, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(decay_rate=0.75, decay_type='layer_wise'))
auto_scale_lr = dict(enable=False, base_batch_size=128)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=35, eta_min=1e-6,
         by_epoch=True, begin=5, end=40, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=40, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
