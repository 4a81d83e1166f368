"""One object decoded from its files into the form the object bank stores:
checked, cropped to its visible box, premultiplied by alpha and shrunk to
``max_side``. Readers return ``(rgba, '')`` or ``(None, reason)`` instead of
raising, so that :func:`.object_folders.read_objects` can name every bad
file of a folder in one error.
"""
from __future__ import annotations

import os.path as osp
from typing import Optional, Tuple

import cv2
import numpy as np
from PIL import Image

#: ``(rgba, '')`` with rgba [h, w, 4] uint8, or ``(None, reason)``
Decoded = Tuple[Optional[np.ndarray], str]

_ALPHA_MODES = ('RGBA', 'LA', 'PA', 'RGBa', 'La')


def crop_to_alpha(rgba: np.ndarray, min_alpha_pixels: int = 1) -> Decoded:
    """Crop straight RGBA to the bounding box of its visible pixels.

    Args:
        rgba: [H, W, 4] uint8, straight (not premultiplied) alpha.
        min_alpha_pixels: Fewer pixels with non-zero alpha are an error.

    Returns:
        tuple: :data:`Decoded`, ``(None, reason)`` when fewer than
        ``min_alpha_pixels`` pixels are visible.
    """
    visible = rgba[..., 3] > 0
    count = int(visible.sum())
    if count < min_alpha_pixels:
        return None, (f'alpha is empty ({count} visible pixels, at least '
                      f'{min_alpha_pixels} needed)')
    rows = np.flatnonzero(visible.any(axis=1))
    cols = np.flatnonzero(visible.any(axis=0))
    return rgba[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1], ''


def premultiply(rgba: np.ndarray) -> np.ndarray:
    """[H, W, 4] uint8 straight RGBA with its colour multiplied by alpha,
    rounded to nearest."""
    alpha = rgba[..., 3:4].astype(np.uint16)
    out = rgba.copy()
    out[..., :3] = ((rgba[..., :3].astype(np.uint16) * alpha + 127) //
                    255).astype(np.uint8)
    return out


def fit_object(rgba: np.ndarray, max_side: int) -> np.ndarray:
    """Premultiply, then shrink so that the longer side is at most max_side.

    Args:
        rgba: [H, W, 4] uint8, straight alpha.
        max_side: Longest side in pixels; smaller objects keep their size.

    Returns:
        np.ndarray: [h, w, 4] uint8 premultiplied, ``max(h, w) <= max_side``.
    """
    rgba = premultiply(rgba)
    height, width = rgba.shape[:2]
    factor = max_side / max(height, width)
    if factor < 1:
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        rgba = cv2.resize(rgba, size, interpolation=cv2.INTER_AREA)
    return rgba


def _crop_and_fit(rgba: np.ndarray, max_side: int,
                  min_alpha_pixels: int) -> Decoded:
    cropped, reason = crop_to_alpha(rgba, min_alpha_pixels)
    if cropped is None:
        return None, reason
    return fit_object(cropped, max_side), ''


def read_rgba_png(path: str, max_side: int, min_alpha_pixels: int) -> Decoded:
    """An RGBA cut-out (any image with an alpha channel or transparency).

    Args:
        path: The image file.
        max_side: See :func:`fit_object`.
        min_alpha_pixels: See :func:`crop_to_alpha`.

    Returns:
        tuple: :data:`Decoded`; the reason says whether the file cannot be
        read, has no alpha or shows too few pixels.
    """
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode not in _ALPHA_MODES and \
                    'transparency' not in image.info:
                return None, (f'has no alpha channel (mode {image.mode}); '
                              'objects must be RGBA cut-outs')
            rgba = np.asarray(image.convert('RGBA'))
    except (OSError, ValueError) as error:
        return None, f'cannot be read ({error})'
    return _crop_and_fit(rgba, max_side, min_alpha_pixels)


def read_image_mask(image_path: str, mask_path: str, max_side: int,
                    min_alpha_pixels: int) -> Decoded:
    """An image cut out by its mask; the mask becomes the alpha.

    Args:
        image_path: Any image PIL reads; converted to RGB.
        mask_path: Its mask, same size: binary 0/1 or 0/255, or a soft
            8-bit matte.
        max_side: See :func:`fit_object`.
        min_alpha_pixels: See :func:`crop_to_alpha`.

    Returns:
        tuple: :data:`Decoded`; the reason names the mask when the mask is
        missing, unreadable or of another size than the image.
    """
    if not osp.isfile(mask_path):
        return None, f'has no mask {mask_path}'
    try:
        with Image.open(image_path) as image:
            rgb = np.asarray(image.convert('RGB'))
    except (OSError, ValueError) as error:
        return None, f'cannot be read ({error})'
    try:
        with Image.open(mask_path) as mask_image:
            mask = np.asarray(mask_image.convert('L'))
    except (OSError, ValueError) as error:
        return None, f'mask {mask_path} cannot be read ({error})'
    if mask.shape != rgb.shape[:2]:
        return None, (f'mask {mask_path} is {mask.shape[1]}x{mask.shape[0]} '
                      f'but the image is {rgb.shape[1]}x{rgb.shape[0]}')
    if mask.max() <= 1:
        mask = mask * np.uint8(255)
    rgba = np.concatenate([rgb, mask[..., None]], axis=2)
    return _crop_and_fit(rgba, max_side, min_alpha_pixels)
