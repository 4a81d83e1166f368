import math

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter1d

from smile_mm.datasets import AuthorsMotion, PaperMotion
from smile_mm.datasets.objects.object_motion import keyframe_values


def test_paper_ranges_over_many_draws(rng):
    motion = PaperMotion().sample(rng, 500, 16, 224, 224)
    base = motion.base_sizes_wh
    assert base.min() >= 32 and base.max() <= 128
    assert motion.angles.min() >= -90 and motion.angles.max() <= 90
    scales = motion.scales
    np.testing.assert_allclose(scales[..., 0], scales[..., 1])  # one scale
    assert scales.min() >= 0.5 and scales.max() <= 1.5
    # the draws fill their ranges
    assert base.min() < 36 and base.max() > 124
    assert motion.angles.min() < -85 and motion.angles.max() > 85
    centers = motion.centers
    assert centers[..., 0].min() >= 0 and centers[..., 0].max() <= 224
    assert centers[..., 1].min() >= 0 and centers[..., 1].max() <= 224
    np.testing.assert_array_equal(motion.paste_order, np.arange(500))


def test_paper_keyframes_are_first_middle_last(rng):
    motion = PaperMotion().sample(rng, 200, 16, 224, 224)
    for series in (motion.angles, motion.scales[..., 0]):
        bends = np.abs(np.diff(series, n=2, axis=1)) > 1e-9
        # piecewise linear with one bend at an inner frame (or none)
        assert bends.sum(axis=1).max() <= 1
        assert bends.any(axis=1).mean() > 0.9


def middle_keyframes(series):
    """[num] frame of the one bend of each piecewise-linear row of the
    [num, T] ``series``: its middle keyframe."""
    bends = np.abs(np.diff(series, n=2, axis=1)) > 1e-9
    assert (bends.sum(axis=1) == 1).all()
    return bends.argmax(axis=1) + 1


@pytest.mark.parametrize('num_frames', [3, 8, 16, 32])
def test_default_middle_keyframe_spreads_every_change(rng, num_frames):
    """Both segments span at least k = ceil((T - 1) / 4) frame steps, so one
    step changes the angle by at most 180 / k degrees and the scale by at
    most 1 / k (45 degrees and 0.25 at T = 16, against 180 and 1)."""
    motion = PaperMotion().sample(rng, 2000, num_frames, 224, 224)
    shortest = math.ceil((num_frames - 1) / 4)
    angle_step = np.abs(np.diff(motion.angles, axis=1)).max()
    scale_step = np.abs(np.diff(motion.scales, axis=1)).max()
    assert angle_step <= 180 / shortest + 1e-9
    assert scale_step <= 1 / shortest + 1e-9
    for series in (motion.angles, motion.scales[..., 0]):
        np.testing.assert_array_equal(
            np.unique(middle_keyframes(series)),
            np.arange(shortest, num_frames - shortest))


def test_literal_middle_keyframe_may_sit_next_to_an_end(rng):
    motion = PaperMotion(middle_keyframe='anywhere').sample(
        rng, 2000, 16, 224, 224)
    for series in (motion.angles, motion.scales[..., 0]):
        np.testing.assert_array_equal(np.unique(middle_keyframes(series)),
                                      np.arange(1, 15))
    # then a single frame step carries a whole keyframe change
    assert np.abs(np.diff(motion.angles, axis=1)).max() > 180 / 4
    assert np.abs(np.diff(motion.scales, axis=1)).max() > 1 / 4


def test_bad_middle_keyframe_names_the_value_and_the_choices():
    message = r"one of \('inner', 'anywhere'\), got 'middle'"
    with pytest.raises(ValueError, match=message):
        PaperMotion(middle_keyframe='middle')
    with pytest.raises(ValueError, match=message):
        keyframe_values(np.random.default_rng(0), 2, 16, (0, 1), 'middle')


def test_literal_trajectory_matches_reference_formula():
    sampler = PaperMotion(trajectory_span=None, points_per_frame=5,
                          smoothing=3.0)
    centers = sampler.trajectories(np.random.default_rng(7), 3, 16, 120, 200)
    reference_rng = np.random.default_rng(7)
    points = reference_rng.uniform(size=(3, 80, 2)) * (200, 120)
    smoothed = np.stack([
        np.stack([gaussian_filter1d(p[:, 0], 3.0),
                  gaussian_filter1d(p[:, 1], 3.0)], 1) for p in points])
    picks = np.round(np.linspace(0, 79, 16)).astype(int)
    np.testing.assert_allclose(centers, smoothed[:, picks])


def test_trajectories_are_smooth_and_spread(rng):
    sampler = PaperMotion()
    centers = sampler.trajectories(rng, 300, 16, 224, 224)
    rough = PaperMotion(smoothing=0).trajectories(rng, 300, 16, 224, 224)
    jerk = np.abs(np.diff(centers, n=2, axis=1)).mean()
    assert jerk < 0.2 * np.abs(np.diff(rough, n=2, axis=1)).mean()
    extent = centers.max(axis=1) - centers.min(axis=1)
    assert extent.min() >= 0.2 * 224 - 1e-6 and extent.max() <= 0.9 * 224
    literal = PaperMotion(trajectory_span=None).trajectories(
        rng, 300, 16, 224, 224)
    # the literal formula collapses towards the centre
    assert np.abs(literal - 112).max() < 60


def test_keep_aspect_follows_the_object(rng):
    motion = PaperMotion(keep_aspect=True).sample(
        rng, 50, 8, 224, 224, aspects=np.full(50, 2.0))
    width, height = motion.base_sizes_wh.T
    np.testing.assert_allclose(width, 2 * height)


@pytest.mark.parametrize('kwargs, match', [
    (dict(size_range=(64, 32)), 'size_range'),
    (dict(scale_range=(0, 1)), 'scale_range'),
    (dict(trajectory_span=(0.5, 1.5)), 'trajectory_span'),
    (dict(points_per_frame=1), 'points_per_frame'),
    (dict(smoothing=-1), 'smoothing'),
])
def test_paper_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PaperMotion(**kwargs)


def test_authors_motion(rng):
    sampler = AuthorsMotion()
    motion = sampler.sample(rng, 300, 16, 224, 224)
    sides = np.sqrt(motion.base_sizes_wh.prod(axis=1))  # side * jitter
    jitter = np.exp(0.18)
    assert sides.min() >= 32 / jitter - 1e-6
    assert sides.max() <= 128 * jitter + 1e-6
    # centres: integers on the frame
    np.testing.assert_array_equal(motion.centers, np.round(motion.centers))
    assert motion.centers.min() >= 0 and motion.centers.max() <= 223
    # integer degrees drifting from 0 by at most 6 per frame on average
    np.testing.assert_array_equal(motion.angles, np.trunc(motion.angles))
    assert (motion.angles[:, 0] == 0).all()
    assert np.abs(motion.angles).max() <= 6 * 15
    # sizes drift by at most 2.5 % per frame, compounded
    ratio = motion.sizes_wh / motion.base_sizes_wh[:, None]
    assert ratio.min() >= np.exp(-0.025 * 15) - 1e-6
    assert ratio.max() <= np.exp(0.025 * 15) + 1e-6
    # larger objects are pasted first
    area = motion.sizes_wh.prod(axis=2).mean(axis=1)
    first, second = motion.paste_order[0], motion.paste_order[1]
    assert area[first] >= area[second]
    # trajectories span a 40..180 px square
    extent = (motion.centers.max(axis=1) - motion.centers.min(axis=1)).max(1)
    assert extent.max() <= 180 and np.median(extent) > 40


def test_samplers_are_reproducible():
    for sampler in (PaperMotion(), AuthorsMotion()):
        a = sampler.sample(np.random.default_rng(5), 2, 16, 224, 224)
        b = sampler.sample(np.random.default_rng(5), 2, 16, 224, 224)
        np.testing.assert_array_equal(a.centers, b.centers)
        np.testing.assert_array_equal(a.sizes_wh, b.sizes_wh)
        np.testing.assert_array_equal(a.angles, b.angles)
