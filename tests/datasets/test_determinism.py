"""The whole SMILE data pipeline repeats itself under mmengine's seed, in
data-loader workers too."""
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner


def loader_cfg():
    return dict(
        batch_size=2,
        num_workers=2,
        sampler=dict(type='DefaultSampler', shuffle=True),
        collate_fn=dict(type='pseudo_collate'),
        dataset=dict(
            type='StaticClipDataset', background='noise', num_samples=6,
            frame_size=(72, 80),
            pipeline=[
                dict(type='LoadStaticClip', clip_len=4),
                dict(type='MultiScaleCrop', input_size=64,
                     scales=(1, 0.875, 0.75), random_crop=False,
                     max_wh_scale_gap=1),
                dict(type='Resize', scale=(64, 64), keep_ratio=False),
                dict(type='Flip', flip_ratio=0.5),
                dict(type='SyntheticMotionOverlay',
                     motion=dict(size_range=(8, 32))),
                dict(type='TubeTrajectoryMaskGenerator',
                     input_size=(4, 64, 64)),
                dict(type='FormatShape', input_format='NCTHW'),
                dict(type='PackActionInputs', algorithm_keys=('mask', )),
            ]))


def first_epoch(seed):
    init_default_scope('mmaction')
    loader = Runner.build_dataloader(loader_cfg(), seed=seed)
    inputs, masks = [], []
    for batch in loader:
        inputs += batch['inputs']
        masks += [sample.mask for sample in batch['data_samples']]
    return torch.stack(inputs), torch.stack(masks)


def test_same_seed_same_clips_and_masks():
    inputs, masks = first_epoch(7)
    again_inputs, again_masks = first_epoch(7)
    assert inputs.shape == (6, 1, 3, 4, 64, 64)
    assert torch.equal(inputs, again_inputs)
    assert torch.equal(masks, again_masks)
    other_inputs, other_masks = first_epoch(8)
    assert not torch.equal(inputs, other_inputs)
    assert not torch.equal(masks, other_masks)
