import numpy as np
import pytest
import torch
from mmaction.datasets.transforms import PackActionInputs
from mmengine.runner import set_random_seed

from smile_mm.datasets import (SyntheticMotionOverlay,
                               TubeTrajectoryMaskGenerator)


def frames(t=16, size=224):
    return list(np.zeros((t, size, size, 3), np.uint8))


def random_object_tokens(rng, grid, share):
    return rng.random(grid) < share


def test_exact_counts_for_every_clip(rng):
    generator = TubeTrajectoryMaskGenerator()
    assert generator.num_masked == 8 * int(0.8 * 196) == 1248
    for share in (0.0, 0.05, 0.3, 0.7, 1.0):
        for _ in range(20):
            tokens = random_object_tokens(rng, (8, 14, 14), share)
            mask = generator.sample(rng, tokens)
            assert mask.shape == (8, 14, 14) and mask.dtype == bool
            assert mask.sum() == 1248
            np.testing.assert_array_equal(mask.sum(axis=(1, 2)), 156)


def test_object_tokens_masked_at_their_own_ratio(rng):
    """Counted against the rule as the paper and README state it: every
    slice masks its quota int(m * 196); of its O object tokens, m * O
    rounded (within half a token), unless the quota or the background left
    bounds that."""
    for ratio, object_ratio in ((0.8, None), (0.9, None), (0.8, 0.5)):
        generator = TubeTrajectoryMaskGenerator(
            mask_ratio=ratio, object_mask_ratio=object_ratio)
        share = ratio if object_ratio is None else object_ratio
        quota = int(ratio * 196)
        checked = 0
        for _ in range(30):
            tokens = random_object_tokens(rng, (8, 14, 14), rng.uniform(0, .6))
            mask = generator.sample(rng, tokens)
            assert (mask.sum(axis=(1, 2)) == quota).all()
            for objects, masked in zip(tokens.sum(axis=(1, 2)),
                                       (mask & tokens).sum(axis=(1, 2))):
                background = 196 - objects
                if share * objects > quota:  # objects fill the quota
                    assert masked == quota
                elif share * objects < quota - background:  # no room
                    assert masked == quota - background
                else:
                    assert abs(masked - share * objects) <= 0.5
                    checked += 1
        assert checked > 100  # the rule itself, not only its bounds


def test_background_follows_one_tube_order(rng):
    generator = TubeTrajectoryMaskGenerator()
    tokens = random_object_tokens(rng, (8, 14, 14), 0.2)
    mask = generator.sample(rng, tokens)
    background = ~tokens.any(axis=0)  # background in every slice
    sets = [set(np.flatnonzero(mask[i] & background)) for i in range(8)]
    for a in sets:
        for b in sets:
            assert a <= b or b <= a  # nested: the same priority order
    # without objects the mask is a tube: identical in every slice
    tube = generator.sample(rng, None)
    assert (tube == tube[0]).all()
    assert tube.sum() == 1248


def test_objects_everywhere_mask_each_slice_at_random(rng):
    """Every token an object token: each slice masks its quota of them,
    drawn per slice along the trajectory, so the slices differ (plain tube
    masking would mask the same tokens in all of them)."""
    generator = TubeTrajectoryMaskGenerator()
    mask = generator.sample(rng, np.ones((8, 14, 14), bool))
    assert (mask.sum(axis=(1, 2)) == 156).all()
    assert len({mask[i].tobytes() for i in range(8)}) == 8


def test_coverage_from_masks_matches_reference(rng):
    generator = TubeTrajectoryMaskGenerator(input_size=(4, 64, 96),
                                            min_coverage=0.25)
    masks = rng.random((3, 4, 64, 96)) < 0.1
    masks[1, :2, 0:16, 0:16] = True  # one fully covered token
    tokens = generator._tokens_from_masks(masks)
    union = masks.any(axis=0).reshape(2, 2, 4, 16, 6, 16)
    reference = union.sum(axis=(1, 3, 5)) >= 0.25 * 512
    np.testing.assert_array_equal(tokens, reference)
    assert tokens[0, 0, 0]


def test_min_coverage_threshold():
    generator = TubeTrajectoryMaskGenerator(input_size=(2, 32, 32),
                                            min_coverage=0.1)
    masks = np.zeros((1, 2, 32, 32), bool)
    masks[0, 0, 0, :51] = True  # 51 pixels of token (0,0,0)... and (0,0,1)
    masks[0, 0, 0:4, 16:32] = True  # 64 pixels of token (0, 0, 1)
    tokens = generator._tokens_from_masks(masks)
    # token (0,0,0): 16 px, token (0,0,1): 64 + 16 px (cube 512, 10% = 51.2)
    assert not tokens[0, 0, 0] and tokens[0, 0, 1]


def test_box_coverage_adds_one_token_row_and_column():
    generator = TubeTrajectoryMaskGenerator(input_size=(2, 64, 64),
                                            coverage='box')
    boxes = np.array([[[20, 20, 40, 40], [22, 18, 41, 39]]], np.float32)
    tokens = generator._tokens_from_boxes(boxes)
    expected = np.zeros((1, 4, 4), bool)
    expected[0, 1:4, 1:4] = True  # floor(18/16)=1 .. ceil(41/16)+1=4
    np.testing.assert_array_equal(tokens, expected)


def test_transform_with_overlay_and_packing():
    overlay = SyntheticMotionOverlay()
    generator = TubeTrajectoryMaskGenerator()
    set_random_seed(0)
    results = generator(overlay(dict(imgs=frames())))
    mask = results['mask']
    assert isinstance(mask, torch.Tensor) and mask.dtype == torch.bool
    assert mask.shape == (8, 14, 14) and int(mask.sum()) == 1248
    objects = results['object_tokens']
    assert objects.any()
    share = (mask.numpy() & objects).sum() / objects.sum()
    assert share == pytest.approx(0.8, abs=0.05)
    results['imgs'] = np.stack(results['imgs'])[None].transpose(0, 4, 1, 2, 3)
    packed = PackActionInputs(algorithm_keys=('mask', ))(results)
    assert torch.equal(packed['data_samples'].mask, mask)


def test_clips_without_objects_get_tube_masking():
    generator = TubeTrajectoryMaskGenerator()
    set_random_seed(1)
    results = generator(dict(imgs=frames()))
    mask = results['mask']
    assert int(mask.sum()) == 1248 and bool((mask == mask[0]).all())
    assert not results['object_tokens'].any()


def test_authors_preset_uses_boxes_and_90_percent():
    generator = TubeTrajectoryMaskGenerator(preset='authors')
    assert generator.coverage == 'box' and generator.object_mask_ratio == 0.9
    overlay = SyntheticMotionOverlay(preset='authors')
    set_random_seed(2)
    results = generator(overlay(dict(imgs=frames())))
    assert int(results['mask'].sum()) == 1248


def test_deterministic_under_seed():
    generator = TubeTrajectoryMaskGenerator()
    set_random_seed(5)
    first = generator(dict(imgs=frames()))['mask']
    set_random_seed(5)
    second = generator(dict(imgs=frames()))['mask']
    assert torch.equal(first, second)


@pytest.mark.parametrize('kwargs, match', [
    (dict(mask_ratio=0.0), 'mask_ratio must lie strictly between 0 and 1'),
    (dict(mask_ratio=1.0), 'mask_ratio'),
    (dict(mask_ratio=1.5), 'got 1.5'),
    (dict(object_mask_ratio=-0.1), 'object_mask_ratio'),
    (dict(input_size=(15, 224, 224)), 'T=15 is not a multiple of the tubelet'
     ' size 2; sample clip_len=14'),
    (dict(input_size=(16, 200, 224)), '200x224 is not a multiple of the patch'
     ' size 16'),
    (dict(min_coverage=0), 'min_coverage'),
    (dict(coverage='pixels'), 'coverage'),
    (dict(preset='mgmae'), 'preset'),
    (dict(mask_ratio=0.001), 'at least one token must be masked'),
])
def test_bad_settings_fail_at_build(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TubeTrajectoryMaskGenerator(**kwargs)


def test_clip_of_another_size_is_an_error():
    generator = TubeTrajectoryMaskGenerator(input_size=(16, 224, 224))
    with pytest.raises(ValueError, match='clip is 16x256x224'):
        generator(dict(imgs=list(np.zeros((16, 256, 224, 3), np.uint8))))
    masks = np.zeros((2, 16, 112, 112), bool)
    with pytest.raises(ValueError, match='must come after'):
        generator(dict(imgs=frames(), object_masks=masks))


def test_trajectory_masking_can_be_switched_off():
    overlay = SyntheticMotionOverlay()
    generator = TubeTrajectoryMaskGenerator(trajectory_masking=False)
    set_random_seed(3)
    results = generator(overlay(dict(imgs=frames())))
    mask = results['mask']
    assert bool((mask == mask[0]).all())  # plain tubes despite the objects
    assert int(mask.sum()) == 1248
