import cv2
import numpy as np
import pytest
from mmengine.runner import set_random_seed

from smile_mm.datasets import ObjectBank, SyntheticMotionOverlay

from ...conftest import write_rgba

COLOUR = (10, 200, 60)


@pytest.fixture
def rect_bank(tmp_path):
    """One opaque 40 x 80 rectangle (h x w) of a known colour."""
    rgba = np.zeros((40, 80, 4), np.uint8)
    rgba[..., :3] = COLOUR
    rgba[..., 3] = 255
    write_rgba(str(tmp_path / 'bank' / 'rect' / 'r.png'), rgba)
    return ObjectBank('rgba', root=str(tmp_path / 'bank'), cache_dir=False)


def clip(rng, frames=16, size=224):
    return rng.integers(0, 256, (frames, size, size, 3), dtype=np.uint8)


def test_outputs_shapes_and_types(rng):
    overlay = SyntheticMotionOverlay(num_objects=3)
    frames = clip(rng)
    original = frames.copy()
    results = overlay(dict(imgs=list(frames)))
    assert isinstance(results['imgs'], list) and len(results['imgs']) == 16
    assert results['imgs'][0].shape == (224, 224, 3)
    assert results['imgs'][0].dtype == np.uint8
    np.testing.assert_array_equal(frames, original)  # input left untouched
    masks = results['object_masks']
    assert masks.shape == (3, 16, 224, 224) and masks.dtype == bool
    motion = results['object_motion']
    assert motion['centers'].shape == (3, 16, 2)
    assert motion['angles'].shape == (3, 16)
    assert motion['sizes_wh'].shape == (3, 16, 2)
    assert motion['base_sizes_wh'].shape == (3, 2)
    assert motion['boxes'].shape == (3, 16, 4)
    assert motion['object_ids'].shape == (3, )
    # an array in gives an array out
    out = overlay(dict(imgs=frames))['imgs']
    assert isinstance(out, np.ndarray) and out.shape == frames.shape


def test_geometry_matches_recorded_motion(rng, rect_bank):
    """Area, centroid and orientation of each frame's mask agree with the
    recorded size, centre and angle (independent of the warp code)."""
    overlay = SyntheticMotionOverlay(
        object_bank=rect_bank, num_objects=1,
        motion=dict(size_range=(40, 64), trajectory_span=(0.1, 0.3)))
    checked = 0
    for seed in range(12):
        results = overlay.overlay(dict(imgs=list(clip(rng))), seed)
        motion = results['object_motion']
        for t in range(16):
            mask = results['object_masks'][0, t]
            width, height = motion['sizes_wh'][0, t].astype(float)
            cx, cy = motion['centers'][0, t]
            half = np.hypot(height, width) / 2
            if not (half < cx < 224 - half and half < cy < 224 - half):
                continue  # partly outside the frame
            checked += 1
            assert mask.sum() == pytest.approx(height * width,
                                               abs=2 * (height + width))
            moments = cv2.moments(mask.astype(np.uint8), binaryImage=True)
            assert moments['m10'] / moments['m00'] == pytest.approx(cx, abs=1)
            assert moments['m01'] / moments['m00'] == pytest.approx(cy, abs=1)
            if width > 1.3 * height:  # major axis along the texture's width
                orientation = 0.5 * np.degrees(np.arctan2(
                    2 * moments['mu11'], moments['mu20'] - moments['mu02']))
                difference = (orientation - motion['angles'][0, t] + 90) % 180
                assert abs(difference - 90) < 3
    assert checked > 50


def test_compositing_inside_and_outside_the_object(rng, rect_bank):
    overlay = SyntheticMotionOverlay(object_bank=rect_bank, num_objects=1)
    frames = clip(rng)
    results = overlay.overlay(dict(imgs=list(frames)), seed=3)
    out = np.stack(results['imgs'])
    kernel = np.ones((5, 5), np.uint8)  # bilinear edges are 1-2 px wide
    for t in range(16):
        mask = results['object_masks'][0, t].astype(np.uint8)
        inside = cv2.erode(mask, kernel).astype(bool)
        outside = ~cv2.dilate(mask, kernel).astype(bool)
        assert (out[t][inside] == COLOUR).all()
        np.testing.assert_array_equal(out[t][outside], frames[t][outside])


def test_alpha_blending_of_a_translucent_object(tmp_path, rng):
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[..., :3] = (200, 100, 0)
    rgba[..., 3] = 191  # 75 % opaque
    write_rgba(str(tmp_path / 'b' / 'c' / 'x.png'), rgba)
    bank = ObjectBank('rgba', root=str(tmp_path / 'b'), cache_dir=False)
    overlay = SyntheticMotionOverlay(object_bank=bank, num_objects=1,
                                     alpha_threshold=0.5)
    frames = clip(rng)
    results = overlay.overlay(dict(imgs=list(frames)), seed=0)
    out = np.stack(results['imgs']).astype(float)
    inside = np.stack([
        cv2.erode(m.astype(np.uint8), np.ones((3, 3), np.uint8))
        for m in results['object_masks'][0]
    ]).astype(bool)
    expected = frames.astype(float) * (1 - 191 / 255) + np.array(
        (200, 100, 0)) * 191 / 255
    assert np.abs(out[inside] - expected[inside]).max() <= 1.5


def test_recorded_ranges_and_paper_preset(rng):
    overlay = SyntheticMotionOverlay()
    for seed in range(20):
        motion = overlay.overlay(dict(imgs=list(clip(rng, 8, 224))),
                                 seed)['object_motion']
        assert motion['base_sizes_wh'].min() >= 32
        assert motion['base_sizes_wh'].max() <= 128
        assert np.abs(motion['angles']).max() <= 90
        scale = motion['sizes_wh'] / motion['base_sizes_wh'][:, None]
        assert 0.5 - 1e-5 <= scale.min() and scale.max() <= 1.5 + 1e-5


def clips_with_cut_objects(overlay, frames, seeds=40):
    """How many of ``seeds`` clips show an object less than 90 % visible."""
    cut = 0
    for seed in range(seeds):
        results = overlay.overlay(dict(imgs=list(frames)), seed)
        sizes = results['object_motion']['sizes_wh'][0]
        visible = results['object_masks'][0].sum(axis=(1, 2))
        cut += int((visible < 0.9 * sizes.prod(axis=1)).any())
    return cut


def test_objects_may_leave_the_frame(rect_bank, rng):
    frames = clip(rng)
    # literal paths stay central: nothing is cut
    central = SyntheticMotionOverlay(object_bank=rect_bank, num_objects=1,
                                     motion=dict(trajectory_span=None))
    assert clips_with_cut_objects(central, frames) == 0
    # paths over the whole frame put centres on the border
    wide = SyntheticMotionOverlay(object_bank=rect_bank, num_objects=1,
                                  motion=dict(trajectory_span=(1.0, 1.0)))
    assert clips_with_cut_objects(wide, frames) > 10


def test_deterministic_under_mmengine_seed(rng):
    overlay = SyntheticMotionOverlay()
    frames = clip(rng)
    set_random_seed(42)
    first = overlay(dict(imgs=list(frames)))
    set_random_seed(42)
    second = overlay(dict(imgs=list(frames)))
    third = overlay(dict(imgs=list(frames)))
    np.testing.assert_array_equal(np.stack(first['imgs']),
                                  np.stack(second['imgs']))
    np.testing.assert_array_equal(first['object_masks'],
                                  second['object_masks'])
    assert not np.array_equal(first['object_masks'], third['object_masks'])
    replay = overlay.overlay(dict(imgs=list(frames)),
                             first['object_motion']['seed'])
    np.testing.assert_array_equal(np.stack(replay['imgs']),
                                  np.stack(first['imgs']))


def test_authors_preset_runs_and_pastes_larger_first(rng):
    overlay = SyntheticMotionOverlay(preset='authors')
    results = overlay.overlay(dict(imgs=list(clip(rng))), seed=1)
    motion = results['object_motion']
    np.testing.assert_array_equal(motion['angles'],
                                  np.trunc(motion['angles']))
    assert results['object_masks'].any(axis=(1, 2, 3)).all()


def test_prob_leaves_some_clips_untouched(rng):
    overlay = SyntheticMotionOverlay(prob=0.5)
    frames = clip(rng, 4, 160)
    touched = 0
    for seed in range(40):
        results = overlay.overlay(dict(imgs=list(frames)), seed)
        if 'object_masks' in results:
            touched += 1
        else:
            np.testing.assert_array_equal(np.stack(results['imgs']), frames)
    assert 10 < touched < 30


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(num_objects=0), ValueError, 'num_objects'),
    (dict(preset='videomae'), ValueError, 'preset'),
    (dict(prob=1.5), ValueError, 'prob'),
    (dict(alpha_threshold=0), ValueError, 'alpha_threshold'),
    (dict(motion=dict(box_sides=(32, ))), TypeError, 'paper'),
    (dict(motion=dict(size_range=(10, 5))), ValueError, 'size_range'),
    (dict(motion=dict(middle_keyframe='end')), ValueError, 'middle_keyframe'),
])
def test_bad_settings_fail_at_build(kwargs, error, match):
    with pytest.raises(error, match=match):
        SyntheticMotionOverlay(**kwargs)


def test_bad_inputs(rng):
    overlay = SyntheticMotionOverlay()
    with pytest.raises(ValueError, match='do not fit frames of 112x112'):
        overlay(dict(imgs=list(clip(rng, 16, 112))))
    small = SyntheticMotionOverlay(motion=dict(size_range=(16, 48)))
    assert small(dict(imgs=list(clip(rng, 16, 112))))['object_masks'].any()
    with pytest.raises(ValueError, match='num_clips=2'):
        overlay(dict(imgs=list(clip(rng, 32)), num_clips=2))
    with pytest.raises(ValueError, match='at least 2 frames'):
        overlay(dict(imgs=list(clip(rng, 1))))
