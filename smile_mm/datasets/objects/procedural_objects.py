"""Synthetic cut-out objects, the same for the same seed: the object bank
that needs no download. Each is one of :data:`SHAPES` at a random aspect
ratio, filled with one of :data:`TEXTURES` in random colours, with an
anti-aliased alpha edge.
"""
from __future__ import annotations

from typing import List, Tuple

import cv2
import numpy as np

from .object_images import crop_to_alpha

SHAPES = ('ellipse', 'polygon', 'star', 'blob', 'ring', 'rounded_box')
TEXTURES = ('solid', 'gradient', 'stripes', 'checker', 'radial', 'noise')

_SUPERSAMPLE = 2


def _random_colour(rng: np.random.Generator) -> np.ndarray:
    """A saturated RGB colour, float32 in [0, 255]."""
    hsv = np.array([[[rng.uniform(0, 180), rng.uniform(120, 255),
                      rng.uniform(90, 255)]]], np.float32).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)


def _shape_alpha(rng: np.random.Generator, shape: str, height: int,
                 width: int) -> np.ndarray:
    """Binary shape mask (uint8 0/255) of size height x width."""
    canvas = np.zeros((height, width), np.uint8)
    cx, cy = (width - 1) / 2, (height - 1) / 2
    rx, ry = (width - 1) / 2, (height - 1) / 2
    if shape in ('ellipse', 'ring'):
        cv2.ellipse(canvas, (round(cx), round(cy)), (round(rx), round(ry)),
                    0, 0, 360, 255, -1)
        if shape == 'ring':
            hole = rng.uniform(0.35, 0.65)
            cv2.ellipse(canvas, (round(cx), round(cy)),
                        (round(rx * hole), round(ry * hole)), 0, 0, 360, 0,
                        -1)
        return canvas
    if shape == 'rounded_box':
        radius = int(rng.uniform(0.1, 0.45) * min(width, height))
        cv2.rectangle(canvas, (radius, 0), (width - 1 - radius, height - 1),
                      255, -1)
        cv2.rectangle(canvas, (0, radius), (width - 1, height - 1 - radius),
                      255, -1)
        for x in (radius, width - 1 - radius):
            for y in (radius, height - 1 - radius):
                cv2.circle(canvas, (x, y), radius, 255, -1)
        return canvas
    if shape == 'polygon':
        count = int(rng.integers(3, 9))
        step = 2 * np.pi / count  # evenly spread vertices, jittered
        angles = np.arange(count) * step + rng.uniform(-0.3, 0.3, count) * step
        angles += rng.uniform(0, 2 * np.pi)
        radii = rng.uniform(0.7, 1.0, count)
    elif shape == 'star':
        count = 2 * int(rng.integers(4, 9))
        angles = np.linspace(0, 2 * np.pi, count, endpoint=False)
        angles += rng.uniform(0, np.pi)
        radii = np.where(np.arange(count) % 2 == 0, 1.0,
                         rng.uniform(0.35, 0.6))
    elif shape == 'blob':
        count = 96
        angles = np.linspace(0, 2 * np.pi, count, endpoint=False)
        radii = np.ones(count)
        for k in range(2, 6):
            radii += rng.uniform(0, 0.25 / k * 2) * np.sin(
                k * angles + rng.uniform(0, 2 * np.pi))
        radii /= radii.max()
    else:
        raise ValueError(f'unknown procedural shape {shape!r}; '
                         f'choose from {SHAPES}')
    points = np.stack([cx + rx * radii * np.cos(angles),
                       cy + ry * radii * np.sin(angles)], axis=1)
    cv2.fillPoly(canvas, [np.round(points).astype(np.int32)], 255)
    return canvas


def _texture(rng: np.random.Generator, texture: str, height: int,
             width: int) -> np.ndarray:
    """RGB texture, float32 [height, width, 3] in [0, 255]."""
    first, second = _random_colour(rng), _random_colour(rng)
    if texture == 'solid':
        return np.broadcast_to(first, (height, width, 3)).copy()
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    if texture == 'noise':
        noise = rng.random((max(2, height // 8), max(2, width // 8)))
        weight = cv2.resize(noise.astype(np.float32), (width, height),
                            interpolation=cv2.INTER_CUBIC)
        weight = np.clip(weight, 0, 1)
    elif texture == 'radial':
        dist = np.hypot(xx - width / 2, yy - height / 2)
        weight = dist / max(dist.max(), 1e-6)
    else:
        theta = rng.uniform(0, np.pi)
        proj = xx * np.cos(theta) + yy * np.sin(theta)
        if texture == 'gradient':
            weight = (proj - proj.min()) / max(np.ptp(proj), 1e-6)
        elif texture == 'stripes':
            period = rng.uniform(8, 32) * _SUPERSAMPLE
            weight = (np.floor(proj / (period / 2)) % 2).astype(np.float32)
        elif texture == 'checker':
            cell = rng.uniform(8, 24) * _SUPERSAMPLE
            weight = ((np.floor(xx / cell) + np.floor(yy / cell)) %
                      2).astype(np.float32)
        else:
            raise ValueError(f'unknown procedural texture {texture!r}; '
                             f'choose from {TEXTURES}')
    weight = weight[..., None]
    return first * (1 - weight) + second * weight


def make_object(rng: np.random.Generator, max_side: int,
                shape: str, texture: str) -> np.ndarray:
    """One procedural object as straight (not premultiplied) RGBA uint8.

    Args:
        rng: Source of randomness.
        max_side: Length of the longer side in pixels.
        shape: One of :data:`SHAPES`.
        texture: One of :data:`TEXTURES`.

    Returns:
        np.ndarray: [h, w, 4] uint8 with ``max(h, w) == max_side``.
    """
    aspect = float(np.exp(rng.uniform(np.log(0.5), np.log(2.0))))
    if aspect >= 1:
        width, height = max_side, max(4, round(max_side / aspect))
    else:
        width, height = max(4, round(max_side * aspect)), max_side
    big_h, big_w = height * _SUPERSAMPLE, width * _SUPERSAMPLE
    alpha = _shape_alpha(rng, shape, big_h, big_w)
    rgb = _texture(rng, texture, big_h, big_w)
    rgba = np.concatenate([rgb, alpha[..., None].astype(np.float32)], axis=2)
    rgba = crop_to_alpha(rgba)[0]
    factor = max_side / max(rgba.shape[:2])
    size = (max(1, round(rgba.shape[1] * factor)),
            max(1, round(rgba.shape[0] * factor)))
    rgba = cv2.resize(rgba, size, interpolation=cv2.INTER_AREA)
    return np.clip(np.rint(rgba), 0, 255).astype(np.uint8)


def make_objects(num_objects: int, max_side: int = 128,
                 seed: int = 0) -> Tuple[List[np.ndarray], List[str]]:
    """Generate ``num_objects`` objects; shapes cycle so every one appears.

    Returns:
        tuple: A list of straight RGBA uint8 arrays and their categories
        (``'<shape>'``).
    """
    if num_objects < 1:
        raise ValueError(f'num_objects must be at least 1, got {num_objects}')
    rng = np.random.default_rng(seed)
    objects, categories = [], []
    for index in range(num_objects):
        shape = SHAPES[index % len(SHAPES)]
        texture = TEXTURES[int(rng.integers(len(TEXTURES)))]
        objects.append(make_object(rng, max_side, shape, texture))
        categories.append(shape)
    return objects, categories
