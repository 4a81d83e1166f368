"""SyntheticMotionOverlay: paste objects moving along smooth random paths."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple, Union

import cv2
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..objects.object_bank import ObjectBank
from ..objects.object_motion import AuthorsMotion, ObjectMotion, PaperMotion

PRESETS = ('paper', 'authors')


@TRANSFORMS.register_module()
class SyntheticMotionOverlay(BaseTransform):
    """Overlay ``num_objects`` segmented objects that move, rotate and scale.

    SMILE's motion infusion (paper section 3.3): each object, drawn from an
    :class:`ObjectBank`, gets a size, a smooth random trajectory and
    keyframed rotation and scale (an :class:`ObjectMotion`) and is
    alpha-composited onto every frame; it may leave the frame partly. Its
    masks are in the coordinates of the frames it sees, so it goes after
    the last transform that moves pixels and before
    ``TubeTrajectoryMaskGenerator`` (docs/data_pipeline.md).

    Required keys: ``imgs`` (list of [H, W, 3] uint8 frames or a
    [T, H, W, 3] array; one clip, ``num_clips == 1``).

    Modified keys: ``imgs`` (same type as given, new arrays).

    Added keys:

    - ``object_masks``: bool [n, T, H, W], each object's visible pixels
      (alpha >= ``alpha_threshold``) after rotation and scaling.
    - ``object_motion``: dict of float32 :class:`ObjectMotion` fields
      (``centers`` [n, T, 2], ``angles`` [n, T], ``sizes_wh`` [n, T, 2],
      ``base_sizes_wh`` [n, 2], ``boxes`` [n, T, 4]), ``object_ids`` [n]
      bank indices and ``seed``, which reproduces this clip's overlay.

    Args:
        object_bank: An :class:`ObjectBank` or the keyword arguments of one
            (default: the procedural bank).
        num_objects: Objects per clip (Table 4f: 2 is best).
        preset: ``'paper'`` (section 3.3) or ``'authors'`` (the public
            code's box sizes, trajectories and drifting transforms).
        motion: Keyword arguments of the preset's sampler,
            :class:`PaperMotion` or :class:`AuthorsMotion`, e.g.
            ``dict(size_range=(32, 96), smoothing=4)``.
        prob: Probability of overlaying a clip at all; clips left as they
            are carry no ``object_masks`` (mixed training uses 0.5).
        alpha_threshold: Alpha (0-1) from which a pixel belongs to the
            object's mask.
    """

    def __init__(self,
                 object_bank: Union[ObjectBank, Dict, None] = None,
                 num_objects: int = 2,
                 preset: str = 'paper',
                 motion: Optional[Dict] = None,
                 prob: float = 1.0,
                 alpha_threshold: float = 0.5) -> None:
        if preset not in PRESETS:
            raise ValueError(f'preset {preset!r} is unknown; choose one of '
                             f'{PRESETS}')
        if not isinstance(num_objects, int) or num_objects < 1:
            raise ValueError(f'num_objects must be a positive int, got '
                             f'{num_objects!r}')
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must lie in [0, 1], got {prob}')
        if not 0.0 < alpha_threshold <= 1.0:
            raise ValueError(
                f'alpha_threshold must lie in (0, 1], got {alpha_threshold}')
        sampler = PaperMotion if preset == 'paper' else AuthorsMotion
        try:
            self.motion = sampler(**(motion or {}))
        except TypeError as error:
            raise TypeError(f'motion={motion} does not fit the {preset!r} '
                            f'preset ({sampler.__name__}): {error}') from None
        if object_bank is None:
            object_bank = ObjectBank()
        elif isinstance(object_bank, dict):
            object_bank = ObjectBank(**object_bank)
        self.object_bank = object_bank
        self.num_objects = num_objects
        self.preset = preset
        self.prob = prob
        self.alpha_threshold = alpha_threshold
        self._alpha_cut = int(np.ceil(alpha_threshold * 255))

    @property
    def max_object_extent(self) -> float:
        """Largest unscaled object side in pixels the sampler draws."""
        return self.motion.max_extent

    def _check_frame(self, num_frames: int, height: int, width: int) -> None:
        if num_frames < 2:
            raise ValueError(
                f'SyntheticMotionOverlay needs a clip of at least 2 frames, '
                f'got {num_frames}')
        extent = self.max_object_extent
        if extent > min(height, width):
            raise ValueError(
                f'objects up to {extent:.0f} px do not fit frames of '
                f'{height}x{width}; lower the largest object size (motion='
                f'dict(size_range=...)) or put the overlay after the resize '
                f'to the training size')

    @staticmethod
    def _clip_array(imgs) -> np.ndarray:
        if isinstance(imgs, np.ndarray):
            if imgs.ndim != 4 or imgs.shape[-1] != 3:
                raise ValueError('imgs must be [T, H, W, 3], got shape '
                                 f'{imgs.shape}')
            return imgs.astype(np.uint8, copy=True)
        return np.stack(imgs).astype(np.uint8, copy=False)

    def _texture(self, object_id: int, size_wh: np.ndarray) -> np.ndarray:
        """Bank object ``object_id`` resized to ``size_wh`` ([2] (width,
        height) pixels, rounded up), its largest size in the clip: [h, w, 4]
        uint8 premultiplied RGBA."""
        source = self.object_bank[object_id]
        size = tuple(max(1, int(np.ceil(side))) for side in size_wh)
        shrinking = size[0] * size[1] < source.shape[0] * source.shape[1]
        return cv2.resize(source, size, interpolation=cv2.INTER_AREA
                          if shrinking else cv2.INTER_LINEAR)

    @staticmethod
    def _placements(texture_wh: np.ndarray, motion: ObjectMotion,
                    height: int, width: int) -> Tuple[np.ndarray, List]:
        """Affine matrices and frame regions of every object in every frame.

        Args:
            texture_wh: [n, 2] (width, height) pixels of each object's
                texture.
            motion: Where each object is in each frame.
            height, width: Frame size in pixels.

        Returns:
            tuple: ``matrices`` [n, T, 2, 3] mapping texture pixels (x, y)
            to region pixels (x, y), and ``regions``, nested lists [n][T] of
            (x0, y0, x1, y1) pixels clipped to the frame (empty when
            x0 >= x1 or y0 >= y1).
        """
        sizes_w, sizes_h = motion.sizes_wh[..., 0], motion.sizes_wh[..., 1]
        theta = np.deg2rad(motion.angles)
        cos, sin = np.cos(theta), np.sin(theta)
        scale_x = sizes_w / texture_wh[:, :1]
        scale_y = sizes_h / texture_wh[:, 1:]
        linear = np.stack([cos * scale_x, -sin * scale_y,
                           sin * scale_x, cos * scale_y], -1)
        linear = linear.reshape(theta.shape + (2, 2))
        # half extents (x, y) of the rotated rectangle
        half = np.stack([np.abs(cos) * sizes_w + np.abs(sin) * sizes_h,
                         np.abs(sin) * sizes_w + np.abs(cos) * sizes_h],
                        -1) / 2
        centers = motion.centers
        low = np.floor(centers - half)
        high = np.ceil(centers + half) + 1
        frame = np.array([width, height])
        regions = np.concatenate([np.clip(low, 0, frame),
                                  np.clip(high, 0, frame)], -1).astype(int)
        tex_center = (texture_wh - 1) / 2  # [n, 2] (x, y)
        offsets = centers - regions[..., :2] - np.einsum(
            'ntij,nj->nti', linear, tex_center)
        matrices = np.concatenate([linear, offsets[..., None]], -1)
        return matrices, regions.tolist()

    def _paste(self, frame: np.ndarray, mask: np.ndarray, texture: np.ndarray,
               matrix: np.ndarray, region: np.ndarray) -> None:
        """Composite premultiplied RGBA ``texture`` into ``frame`` in place:
        ``frame = texture_rgb + frame * (1 - alpha)``, and mark the pixels
        with alpha >= threshold in ``mask``."""
        x0, y0, x1, y1 = region
        if x0 >= x1 or y0 >= y1:
            return
        warped = cv2.warpAffine(texture, matrix, (x1 - x0, y1 - y0),
                                flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT)
        alpha = cv2.extractChannel(warped, 3)
        keep = cv2.cvtColor(cv2.bitwise_not(alpha), cv2.COLOR_GRAY2RGB)
        background = frame[y0:y1, x0:x1]
        # cv2 rounds (x * keep / 255) and saturates the sum at 255
        cv2.add(cv2.multiply(background, keep, scale=1 / 255),
                cv2.cvtColor(warped, cv2.COLOR_RGBA2RGB), dst=background)
        np.greater_equal(alpha, self._alpha_cut, out=mask[y0:y1, x0:x1])

    def transform(self, results: Dict) -> Dict:
        """Overlay objects with a seed drawn from numpy's global generator,
        which mmengine seeds (``randomness=dict(seed=...)``) in the main
        process and in every data-loader worker."""
        return self.overlay(results, int(np.random.randint(0, 2**31 - 1)))

    def overlay(self, results: Dict, seed: int) -> Dict:
        """Overlay objects; the same ``seed`` gives the same overlay.

        Args:
            results: Pipeline results with ``imgs``.
            seed: Seed of every random choice of this clip (recorded in
                ``results['object_motion']['seed']``).

        Returns:
            dict: ``results`` with the keys listed in the class docstring.
        """
        if results.get('num_clips', 1) != 1:
            raise ValueError(
                'SyntheticMotionOverlay works on one clip per sample '
                f"(num_clips=1), got num_clips={results['num_clips']}; draw "
                'several clips per video with multiple sampling instead')
        rng = np.random.default_rng(seed)
        if self.prob < 1.0 and rng.random() >= self.prob:
            return results

        was_list = not isinstance(results['imgs'], np.ndarray)
        clip = self._clip_array(results['imgs'])
        num_frames, height, width = clip.shape[:3]
        self._check_frame(num_frames, height, width)

        count = self.num_objects
        ids = rng.choice(len(self.object_bank), size=count,
                         replace=len(self.object_bank) < count)
        bank_heights, bank_widths = self.object_bank.sizes[ids].T
        motion: ObjectMotion = self.motion.sample(
            rng, count, num_frames, height, width,
            aspects=bank_widths / bank_heights)

        masks = self.render(clip, ids, motion)
        results['imgs'] = list(clip) if was_list else clip
        results['object_masks'] = masks
        results['object_motion'] = dict(
            centers=motion.centers.astype(np.float32),
            angles=motion.angles.astype(np.float32),
            sizes_wh=motion.sizes_wh.astype(np.float32),
            base_sizes_wh=motion.base_sizes_wh.astype(np.float32),
            boxes=motion.boxes.astype(np.float32),
            object_ids=ids,
            seed=seed)
        return results

    def render(self, clip: np.ndarray, object_ids: np.ndarray,
               motion: ObjectMotion) -> np.ndarray:
        """Paste bank objects ``object_ids`` along ``motion`` into ``clip``.

        Args:
            clip: [T, H, W, 3] uint8, modified in place.
            object_ids: [n] indices into the object bank.
            motion: Where each object is in each frame.

        Returns:
            np.ndarray: bool [n, T, H, W] object masks.
        """
        num_frames, height, width = clip.shape[:3]
        count = len(object_ids)
        largest = motion.sizes_wh.max(axis=1)  # [n, 2] (w, h)
        textures = [
            self._texture(int(object_ids[k]), largest[k])
            for k in range(count)
        ]
        texture_wh = np.array([(texture.shape[1], texture.shape[0])
                               for texture in textures])
        matrices, regions = self._placements(texture_wh, motion, height,
                                             width)
        masks = np.zeros((count, num_frames, height, width), bool)
        for k in motion.paste_order:
            for t in range(num_frames):
                self._paste(clip[t], masks[k, t], textures[k], matrices[k, t],
                            regions[k][t])
        return masks

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_objects={self.num_objects}, '
                f'preset={self.preset!r}, motion={self.motion}, '
                f'prob={self.prob}, object_bank={self.object_bank})')
