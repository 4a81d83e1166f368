"""TubeTrajectoryMaskGenerator: tube masking plus masking along paths."""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import cv2
import numpy as np
import torch
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

PRESETS = ('paper', 'authors')


def _check_ratio(name: str, value: float) -> float:
    if not 0.0 < float(value) < 1.0:
        raise ValueError(f'{name} must lie strictly between 0 and 1, got '
                         f'{value}; the paper uses 0.8 (Table 4e)')
    return float(value)


@TRANSFORMS.register_module()
class TubeTrajectoryMaskGenerator(BaseTransform):
    """Mask 2x16x16 space-time tokens: tubes over the video, and along the
    trajectories of the objects that :class:`SyntheticMotionOverlay` pasted.

    True in the mask (the token grid ``[T / t, H / p, W / p]``, ``t`` the
    tubelet size, ``p`` the patch size) hides a token from the encoder.
    Every time slice of ``S`` tokens masks exactly ``K = int(mask_ratio *
    S)``, as VideoMAE's tube masking does, so every clip has the same number
    of visible tokens. Of a slice's ``O_i`` object tokens,
    ``round(object_mask_ratio * O_i)`` (at most ``K``) are masked at random
    (trajectory masking); background tokens fill the rest of the quota in
    one random order of positions shared by all slices (tubes), then object
    tokens left unmasked if the background runs short. Objects and the
    whole video are thus both masked at the paper's ratio ``m``, and the
    number of visible tokens gives no object away (docs/data_pipeline.md).
    Clips without ``object_masks`` (no overlay) get plain tube masking.

    Required keys: ``imgs`` ([T, H, W, 3] frames, as list or array);
    ``object_masks`` (bool [n, T, H, W]) or ``object_motion['boxes']``
    ([n, T, 4]) when objects were pasted.

    Added keys: ``mask`` (bool tensor [T/t, H/p, W/p]) and ``object_tokens``
    (bool ndarray, same shape, the tokens counted as object tokens).

    Args:
        input_size: (T, H, W) of the clips; every clip must have it.
        mask_ratio: Share of all tokens masked (0.8 in the paper's recipes;
            0.9 in its early ablations).
        object_mask_ratio: Share of object tokens masked; None means
            ``mask_ratio`` (paper) or 0.9 (``preset='authors'``).
        tubelet_size: Frames per token.
        patch_size: Pixels per token side.
        min_coverage: Share of a token's ``t x p x p`` cube the objects'
            masks must cover to make it an object token (``coverage='mask'``).
        coverage: ``'mask'`` (object pixels) or ``'box'`` (tokens that meet
            the objects' unrotated boxes in the tubelet's frames, as the
            authors' code); None picks the preset's.
        box_margin: Token rows and columns that widen ``coverage='box'`` to
            the right and below.
        preset: ``'paper'`` or ``'authors'`` (box coverage with one extra
            row and column, 90 % of object tokens masked).
        trajectory_masking: False ignores the objects and masks plain tubes
            (the "w/o trajectory masking" ablation of Table 4g).
    """

    def __init__(self,
                 input_size: Sequence[int] = (16, 224, 224),
                 mask_ratio: float = 0.8,
                 object_mask_ratio: Optional[float] = None,
                 tubelet_size: int = 2,
                 patch_size: int = 16,
                 min_coverage: float = 0.1,
                 coverage: Optional[str] = None,
                 box_margin: int = 1,
                 preset: str = 'paper',
                 trajectory_masking: bool = True) -> None:
        if preset not in PRESETS:
            raise ValueError(f'preset {preset!r} is unknown; choose one of '
                             f'{PRESETS}')
        if len(input_size) != 3:
            raise ValueError('input_size must be (T, H, W), got '
                             f'{input_size}')
        frames, height, width = (int(v) for v in input_size)
        if frames % tubelet_size:
            nearest = max(tubelet_size, frames // tubelet_size * tubelet_size)
            raise ValueError(
                f'clip length T={frames} is not a multiple of the tubelet '
                f'size {tubelet_size}; sample clip_len={nearest} frames or '
                'change tubelet_size')
        if height % patch_size or width % patch_size:
            raise ValueError(
                f'frame size {height}x{width} is not a multiple of the patch '
                f'size {patch_size}; crop or resize to a multiple, e.g. '
                f'{height // patch_size * patch_size}x'
                f'{width // patch_size * patch_size}')
        self.mask_ratio = _check_ratio('mask_ratio', mask_ratio)
        if object_mask_ratio is None:
            object_mask_ratio = 0.9 if preset == 'authors' else mask_ratio
        self.object_mask_ratio = _check_ratio('object_mask_ratio',
                                              object_mask_ratio)
        if coverage is None:
            coverage = 'box' if preset == 'authors' else 'mask'
        if coverage not in ('mask', 'box'):
            raise ValueError(f"coverage must be 'mask' or 'box', got "
                             f'{coverage!r}')
        if not 0.0 < min_coverage <= 1.0:
            raise ValueError(
                f'min_coverage must lie in (0, 1], got {min_coverage}')
        if box_margin < 0:
            raise ValueError(f'box_margin must be >= 0, got {box_margin}')
        self.input_size = (frames, height, width)
        self.tubelet_size = tubelet_size
        self.patch_size = patch_size
        self.grid = (frames // tubelet_size, height // patch_size,
                     width // patch_size)
        self.tokens_per_slice = self.grid[1] * self.grid[2]
        self.masked_per_slice = int(self.mask_ratio * self.tokens_per_slice)
        if not 0 < self.masked_per_slice < self.tokens_per_slice:
            raise ValueError(
                f'mask_ratio {mask_ratio} masks {self.masked_per_slice} of '
                f'{self.tokens_per_slice} tokens per slice; at least one '
                'token must be masked and one visible')
        self.min_coverage = float(min_coverage)
        self.coverage = coverage
        self.box_margin = int(box_margin)
        self.preset = preset
        self.trajectory_masking = trajectory_masking

    @property
    def num_masked(self) -> int:
        """Masked tokens in every clip."""
        return self.grid[0] * self.masked_per_slice

    def _tokens_from_masks(self, masks: np.ndarray) -> np.ndarray:
        """bool [n, T, H, W] -> bool [T', h, w], cube coverage >= threshold."""
        slices, rows, cols = self.grid
        t, p = self.tubelet_size, self.patch_size
        union = masks[0].view(np.uint8)
        for other in masks[1:]:
            union = union | other.view(np.uint8)
        per_slice = union.reshape(slices, t, -1).sum(axis=1, dtype=np.uint8)
        # sums of p consecutive pixels of a row, then of p rows
        row_sums = cv2.reduce(per_slice.reshape(-1, p), 1, cv2.REDUCE_SUM,
                              dtype=cv2.CV_32S)
        counts = row_sums.reshape(slices, rows, p, cols).sum(axis=2)
        return counts >= self.min_coverage * (t * p * p)

    def _tokens_from_boxes(self, boxes: np.ndarray) -> np.ndarray:
        """float [n, T, 4] unrotated boxes -> bool [T', h, w]."""
        slices, rows, cols = self.grid
        t, p = self.tubelet_size, self.patch_size
        tokens = np.zeros(self.grid, bool)
        grouped = boxes.reshape(len(boxes), slices, t, 4)
        low = np.floor(grouped[..., :2].min(axis=2) / p).astype(int)
        high = np.ceil(grouped[..., 2:].max(axis=2) / p).astype(int)
        high += self.box_margin
        low = np.maximum(low, 0)
        high = np.minimum(high, [cols, rows])
        for k in range(len(boxes)):
            for i in range(slices):
                (x0, y0), (x1, y1) = low[k, i], high[k, i]
                tokens[i, y0:y1, x0:x1] = True
        return tokens

    def _object_tokens(self, results: Dict) -> Optional[np.ndarray]:
        masks = results.get('object_masks')
        if masks is None or not self.trajectory_masking:
            return None
        frames, height, width = self.input_size
        if masks.ndim != 4 or masks.shape[1:] != (frames, height, width):
            raise ValueError(
                f'object_masks have shape {masks.shape} but clips are '
                f'{self.input_size}; SyntheticMotionOverlay must come after '
                'every transform that resizes, crops or flips')
        if self.coverage == 'box':
            return self._tokens_from_boxes(results['object_motion']['boxes'])
        return self._tokens_from_masks(masks)

    def sample(self, rng: np.random.Generator,
               object_tokens: Optional[np.ndarray] = None) -> np.ndarray:
        """Draw one mask.

        Args:
            rng: Source of randomness.
            object_tokens: bool [T', h, w] object tokens, or None.

        Returns:
            np.ndarray: bool [T', h, w] with exactly :attr:`num_masked` True.
        """
        slices, size = self.grid[0], self.tokens_per_slice
        quota = self.masked_per_slice
        priority = rng.permutation(size)  # shared order: background tubes
        if object_tokens is None or not object_tokens.any():
            tube = priority < quota
            return np.broadcast_to(tube, (slices, size)).reshape(self.grid)

        objects = object_tokens.reshape(slices, size)
        count = objects.sum(axis=1)
        take = np.minimum(np.floor(self.object_mask_ratio * count + 0.5),
                          quota).astype(int)
        # Trajectory masking: random object tokens, `take` per slice.
        score = np.where(objects, rng.random((slices, size)), np.inf)
        rank = np.argsort(np.argsort(score, axis=1), axis=1)
        masked = rank < take[:, None]
        # Tube masking fills the quota: background by tube order, then the
        # object tokens left unmasked.
        key = np.where(objects, size + rank, priority[None, :])
        key = np.where(masked, 3 * size, key)
        fill = np.argsort(np.argsort(key, axis=1), axis=1)
        masked |= fill < (quota - take)[:, None]
        return masked.reshape(self.grid)

    def transform(self, results: Dict) -> Dict:
        imgs = results['imgs']
        shape = (len(imgs), ) + tuple(np.shape(imgs[0])[:2])
        if shape != self.input_size:
            raise ValueError(
                f'clip is {shape[0]}x{shape[1]}x{shape[2]} (T x H x W) but '
                f'TubeTrajectoryMaskGenerator has input_size='
                f'{self.input_size}; set input_size to the training clip size'
                ' or resize and crop to it before this transform')
        object_tokens = self._object_tokens(results)
        rng = np.random.default_rng(np.random.randint(0, 2**31 - 1))
        mask = self.sample(rng, object_tokens)
        results['mask'] = torch.from_numpy(np.ascontiguousarray(mask))
        results['object_tokens'] = (object_tokens if object_tokens is not None
                                    else np.zeros(self.grid, bool))
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={self.input_size}, '
                f'mask_ratio={self.mask_ratio}, object_mask_ratio='
                f'{self.object_mask_ratio}, coverage={self.coverage!r}, '
                f'min_coverage={self.min_coverage}, preset={self.preset!r}, '
                f'trajectory_masking={self.trajectory_masking})')
