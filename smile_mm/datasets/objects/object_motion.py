"""How pasted objects move: sizes, trajectories, rotations and scales.

Two samplers produce the same :class:`ObjectMotion`: :class:`PaperMotion`
follows section 3.3 of the paper, :class:`AuthorsMotion` the authors' public
code where it differs (docs/data_pipeline.md, "Presets", compares them).
All draws come from the ``numpy.random.Generator`` passed in, so a clip is
reproduced exactly from its seed.

Coordinates: every point is (x, y) and every extent (width, height), in
frame pixels, as OpenCV's warps take them; y runs down a column, so angles
turn clockwise on screen.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

import numpy as np
from scipy.ndimage import gaussian_filter1d


MIDDLE_KEYFRAMES = ('inner', 'anywhere')


@dataclass
class ObjectMotion:
    """Per-frame placement of ``n`` objects over ``T`` frames.

    Attributes:
        base_sizes_wh: [n, 2] float, (width, height) pixels unscaled.
        sizes_wh: [n, T, 2] float, (width, height) of the unrotated object.
        centers: [n, T, 2] float, (x, y) pixels of the object centre.
        angles: [n, T] float, degrees clockwise on screen (the texture's x
            axis turns towards +y).
        paste_order: [n] int, compositing order (later covers earlier).
    """

    base_sizes_wh: np.ndarray
    sizes_wh: np.ndarray
    centers: np.ndarray
    angles: np.ndarray
    paste_order: np.ndarray

    @property
    def scales(self) -> np.ndarray:
        """[n, T, 2] (width, height) relative to the base size."""
        return self.sizes_wh / self.base_sizes_wh[:, None, :]

    @property
    def boxes(self) -> np.ndarray:
        """[n, T, 4] unrotated (x1, y1, x2, y2) pixel boxes."""
        half = self.sizes_wh / 2
        return np.concatenate([self.centers - half, self.centers + half], -1)


def _check_range(name: str, value: Sequence[float], low: float = -np.inf,
                 high: float = np.inf) -> Tuple[float, float]:
    if len(value) != 2 or value[0] > value[1]:
        raise ValueError(f'{name} must be a (min, max) pair with min <= max, '
                         f'got {value}')
    if value[0] < low or value[1] > high:
        raise ValueError(f'{name} must lie within [{low}, {high}], got '
                         f'{value}')
    return float(value[0]), float(value[1])


def _check_middle_keyframe(rule: str) -> None:
    if rule not in MIDDLE_KEYFRAMES:
        raise ValueError(f'middle_keyframe must be one of {MIDDLE_KEYFRAMES}, '
                         f'got {rule!r}')


def keyframe_values(rng: np.random.Generator, num: int, num_frames: int,
                    value_range: Tuple[float, float],
                    middle_keyframe: str = 'inner') -> np.ndarray:
    """Values at the first, a random middle and the last frame, interpolated
    linearly in between.

    Args:
        rng: Source of every draw.
        num: Number of series (objects).
        num_frames: T, frames per series.
        value_range: (min, max) of the uniform values at the keyframes.
        middle_keyframe: ``'anywhere'`` draws the middle keyframe m from
            [1, T - 2], the paper's literal rule, which can put the whole
            change into one frame step; ``'inner'`` from [k, T - 1 - k]
            with k = ceil((T - 1) / 4), so no step changes the value by more
            than (max - min) / k (docs/data_pipeline.md, "Presets").

    Returns:
        np.ndarray: [num, num_frames] float.
    """
    _check_middle_keyframe(middle_keyframe)
    values = rng.uniform(*value_range, size=(num, 3))
    last = num_frames - 1
    if num_frames < 3:
        frames = np.arange(num_frames) / max(last, 1)
        return values[:, :1] + (values[:, 2:] - values[:, :1]) * frames
    margin = math.ceil(last / 4) if middle_keyframe == 'inner' else 1
    middle = rng.integers(margin, last - margin + 1, size=(num, 1))
    frames = np.arange(num_frames)[None, :]
    first_half = values[:, :1] + (values[:, 1:2] - values[:, :1]) * (
        frames / middle)
    second_half = values[:, 1:2] + (values[:, 2:] - values[:, 1:2]) * (
        (frames - middle) / (last - middle))
    return np.where(frames <= middle, first_half, second_half)


@dataclass
class PaperMotion:
    """Motion as the paper describes it (section 3.3).

    Args:
        size_range: Range of P and Q in pixels, each drawn uniformly.
        keep_aspect: If True, draw the longer side only and keep the
            object's own aspect ratio (the paper draws P and Q independently).
        points_per_frame: M = points_per_frame * T random points (M >> T).
        smoothing: kappa, the standard deviation of the Gaussian filter, in
            trajectory points.
        trajectory_span: (min, max) fraction of the frame of the random
            box the smoothed path is min-max rescaled into (smoothing pulls
            it towards the centre; the paper leaves its spread open); None
            keeps the literal formula.
        angle_range: Rotation range at the keyframes, in degrees.
        scale_range: Scale range at the keyframes.
        middle_keyframe: ``'inner'`` (default, the middle half of the
            clip) or ``'anywhere'`` (the paper's literal [1, T - 2]); see
            :func:`keyframe_values`.
    """

    size_range: Tuple[float, float] = (32, 128)
    keep_aspect: bool = False
    points_per_frame: int = 4
    smoothing: float = 8.0
    trajectory_span: Optional[Tuple[float, float]] = (0.2, 0.9)
    angle_range: Tuple[float, float] = (-90.0, 90.0)
    scale_range: Tuple[float, float] = (0.5, 1.5)
    middle_keyframe: str = 'inner'

    def __post_init__(self) -> None:
        self.size_range = _check_range('size_range', self.size_range, 1)
        self.angle_range = _check_range('angle_range', self.angle_range,
                                        -360, 360)
        self.scale_range = _check_range('scale_range', self.scale_range, 1e-3)
        if self.trajectory_span is not None:
            self.trajectory_span = _check_range('trajectory_span',
                                                self.trajectory_span, 0, 1)
        if self.points_per_frame < 2:
            raise ValueError('points_per_frame must be at least 2 (M >> T), '
                             f'got {self.points_per_frame}')
        if self.smoothing < 0:
            raise ValueError(f'smoothing must be >= 0, got {self.smoothing}')
        _check_middle_keyframe(self.middle_keyframe)

    @property
    def max_extent(self) -> float:
        """Largest object side in pixels before scaling."""
        return self.size_range[1]

    def trajectories(self, rng: np.random.Generator, num: int,
                     num_frames: int, height: int, width: int) -> np.ndarray:
        """[num, T, 2] (x, y) pixels of the centres: random points,
        smoothed, downsampled."""
        num_points = self.points_per_frame * num_frames
        points = rng.uniform(size=(num, num_points, 2)) * (width, height)
        if self.smoothing > 0:
            points = gaussian_filter1d(points, self.smoothing, axis=1,
                                       mode='reflect')
        picks = np.round(np.linspace(0, num_points - 1, num_frames))
        centers = points[:, picks.astype(int)]
        if self.trajectory_span is None:
            return centers
        low = centers.min(axis=1, keepdims=True)
        extent = centers.max(axis=1, keepdims=True) - low
        unit = np.divide(centers - low, extent,
                         out=np.full_like(centers, 0.5), where=extent > 0)
        frame = np.array([width, height], dtype=float)
        span = rng.uniform(*self.trajectory_span, size=(num, 1, 2)) * frame
        offset = rng.uniform(size=(num, 1, 2)) * (frame - span)
        return offset + unit * span

    def sample(self, rng: np.random.Generator, num: int, num_frames: int,
               height: int, width: int,
               aspects: Optional[np.ndarray] = None) -> ObjectMotion:
        """Draw the motion of ``num`` objects.

        Args:
            rng: Source of every draw.
            num: Number of objects.
            num_frames: T.
            height, width: Frame size in pixels.
            aspects: [num] width / height of the chosen objects, used when
                ``keep_aspect`` is True.

        Returns:
            ObjectMotion: ``num`` objects over ``num_frames`` frames.
        """
        low, high = self.size_range
        if self.keep_aspect and aspects is not None:
            longer = rng.uniform(low, high, size=num)
            aspects = np.asarray(aspects, float)
            base = np.where(aspects[:, None] >= 1,
                            np.stack([longer, longer / aspects], 1),
                            np.stack([longer * aspects, longer], 1))
        else:
            # each object draws P (its height) before Q (its width)
            sides_p, sides_q = rng.uniform(low, high, size=(num, 2)).T
            base = np.stack([sides_q, sides_p], 1)
        centers = self.trajectories(rng, num, num_frames, height, width)
        angles = keyframe_values(rng, num, num_frames, self.angle_range,
                                 self.middle_keyframe)
        scales = keyframe_values(rng, num, num_frames, self.scale_range,
                                 self.middle_keyframe)
        return ObjectMotion(base_sizes_wh=base,
                            sizes_wh=base[:, None, :] * scales[..., None],
                            centers=centers, angles=angles,
                            paste_order=np.arange(num))


def _authors_keyframes(rng: np.random.Generator, num_frames: int,
                       probs: Sequence[float]) -> np.ndarray:
    """0, 1 or 2 evenly spaced inner keyframes with jitter, plus both ends."""
    inner = int(rng.choice(len(probs), p=probs))
    if inner == 0:
        return np.array([0, num_frames - 1])
    step = num_frames / (inner + 1)
    ticks = np.array([int(step * i) for i in range(1, inner + 1)])
    jitter = int(step / 3)
    if jitter > 0:
        ticks = ticks + rng.integers(-jitter, jitter, size=inner)
    return np.unique(np.concatenate([ticks, [0, num_frames - 1]]))


def _authors_interpolate(rng: np.random.Generator, keys: np.ndarray,
                         values: np.ndarray, interp_probs: Sequence[float]
                         ) -> np.ndarray:
    """Values at keyframes -> every frame; each segment uniform, accelerating
    or decelerating at random."""
    out = np.zeros((keys[-1] + 1, ) + values.shape[1:])
    for index in range(len(keys) - 1):
        start, end = keys[index], keys[index + 1]
        delta = end - start
        if delta <= 0:
            continue
        steps = np.arange(delta + 1).reshape((-1, ) + (1, ) *
                                             (values.ndim - 1))
        first, last = values[index], values[index + 1]
        kind = int(rng.choice(3, p=interp_probs))
        if kind == 0:
            segment = first + (last - first) * steps / delta
        elif kind == 1:
            segment = first + (last - first) * (steps / delta)**2
        else:
            segment = last + (first - last) * ((delta - steps) / delta)**2
        out[start:end + 1] = segment
    return out


@dataclass
class AuthorsMotion:
    """Motion as the authors' public code draws it: box sides times an
    aspect ratio with jitter, a min-max normalised trajectory, rotation and
    size drifting between 0-2 inner keyframes, larger objects pasted first.

    Args:
        box_sides: Candidate box sides in pixels.
        aspect_ratios: Candidate width / height ratios.
        side_jitter: Each side is multiplied by exp(U(-j, j)).
        trajectory_points: Random points of a trajectory.
        smoothing: Gaussian sigma, in trajectory points.
        trajectory_extent: Side range, in pixels, of the square the
            normalised trajectory is scaled to (upper bound exclusive).
        keyframe_probs: Probabilities of 0, 1 or 2 inner keyframes.
        rotation_speed: Maximum rotation change per frame, in degrees.
        size_speed: Maximum log-size change per frame.
        interpolation_probs: Probabilities of uniform, accelerating and
            decelerating interpolation between keyframes.
    """

    box_sides: Tuple[float, ...] = (32, 48, 56, 64, 96, 128)
    aspect_ratios: Tuple[float, ...] = (0.5, 0.67, 0.75, 1.0, 1.33, 1.5, 2.0)
    side_jitter: float = 0.18
    trajectory_points: int = 48
    smoothing: float = 8.0
    trajectory_extent: Tuple[int, int] = (40, 180)
    keyframe_probs: Tuple[float, ...] = (0.5, 0.3, 0.2)
    rotation_speed: float = 6.0
    size_speed: float = 0.025
    interpolation_probs: Tuple[float, float, float] = (0.7, 0.15, 0.15)

    @property
    def max_extent(self) -> float:
        """Largest object side in pixels before scaling."""
        return max(self.box_sides) * np.sqrt(max(self.aspect_ratios)) * \
            np.exp(self.side_jitter)

    def _box_sizes(self, rng: np.random.Generator, num: int, height: int,
                   width: int) -> np.ndarray:
        """[num, 2] (width, height) pixels of the boxes, inside the frame."""
        sides = rng.choice(self.box_sides, size=num)
        ratios = rng.choice(self.aspect_ratios, size=num)
        sizes = np.stack([sides * np.sqrt(ratios), sides / np.sqrt(ratios)],
                         axis=1)
        sizes *= np.exp(rng.uniform(-self.side_jitter, self.side_jitter,
                                    size=(num, 2)))
        return np.clip(sizes, 1, [width - 1, height - 1])

    def _trajectory(self, rng: np.random.Generator, size_wh: np.ndarray,
                    num_frames: int, height: int, width: int) -> np.ndarray:
        """[T, 2] (x, y) integer pixels of the centres of a box of
        ``size_wh`` ([2] (width, height) pixels)."""
        box_w, box_h = size_wh
        x = rng.uniform(1 + box_w / 2, max(width - 1 - box_w / 2,
                                           1 + box_w / 2),
                        self.trajectory_points)
        y = rng.uniform(1 + box_h / 2, max(height - 1 - box_h / 2,
                                           1 + box_h / 2),
                        self.trajectory_points)
        path = gaussian_filter1d(np.stack([x, y], 1), self.smoothing, axis=0,
                                 mode='reflect')
        path = path - path.min(axis=0)
        extent = path.max(axis=0)
        path = np.divide(path, extent, out=np.zeros_like(path),
                         where=extent > 0)
        low, high = self.trajectory_extent
        side = int(rng.integers(low, min(high, min(height, width))))
        path *= side
        path[:, 0] += rng.integers(0, width - side)
        path[:, 1] += rng.integers(0, height - side)
        path = np.clip(path, 0, [width - 1, height - 1])
        picks = np.round(np.linspace(0, len(path) - 1, num_frames))
        return path[picks.astype(int)].astype(int).astype(float)

    def _drift(self, rng: np.random.Generator, num_frames: int,
               start: Union[float, np.ndarray], speed: float,
               multiplicative: bool) -> np.ndarray:
        """[T, ...] values drifting from ``start`` (of any shape) by at most
        ``speed`` per frame between random keyframes."""
        keys = _authors_keyframes(rng, num_frames, self.keyframe_probs)
        values = [np.asarray(start, float)]
        for delta in np.diff(keys):
            shift = rng.uniform(-speed * delta, speed * delta,
                                size=values[-1].shape)
            values.append(values[-1] * np.exp(shift) if multiplicative else
                          values[-1] + shift)
        return _authors_interpolate(rng, keys, np.stack(values),
                                    self.interpolation_probs)

    def sample(self, rng: np.random.Generator, num: int, num_frames: int,
               height: int, width: int,
               aspects: Optional[np.ndarray] = None) -> ObjectMotion:
        """Draw the motion of ``num`` objects, with the arguments of
        :meth:`PaperMotion.sample`; ``aspects`` is unused, the boxes take
        their own aspect ratios."""
        base = self._box_sizes(rng, num, height, width)
        centers = np.stack([
            self._trajectory(rng, size, num_frames, height, width)
            for size in base
        ])
        sizes = np.stack([
            self._drift(rng, num_frames, size, self.size_speed, True)
            for size in base
        ])
        angles = np.stack([
            np.trunc(self._drift(rng, num_frames, 0.0, self.rotation_speed,
                                 False)) for _ in range(num)
        ])
        area = sizes.prod(axis=2).mean(axis=1)
        return ObjectMotion(base_sizes_wh=base, sizes_wh=sizes,
                            centers=centers, angles=angles,
                            paste_order=np.argsort(-area, kind='stable'))
