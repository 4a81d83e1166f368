"""Resizing the position table of a video ViT to another token grid."""
from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import torch.nn.functional as F
from torch import Tensor

Grid = Tuple[int, int, int]


def infer_grid(num_tokens: int, target: Sequence[int]) -> Optional[Grid]:
    """The (T', h, w) grid a table of ``num_tokens`` rows was made for.

    Tried in order: the target's spatial grid (another frame count), the
    target's time slices with a square spatial grid (another resolution),
    then 8 slices (16 frames) with a square grid. None if none fits.
    """
    slices, rows, cols = target
    if num_tokens % (rows * cols) == 0:
        return num_tokens // (rows * cols), rows, cols
    for guess in (slices, 8):
        if num_tokens % guess == 0:
            side = math.isqrt(num_tokens // guess)
            if side * side * guess == num_tokens:
                return guess, side, side
    return None


def resize_pos_embed(table: Tensor, source: Sequence[int],
                     target: Sequence[int]) -> Tensor:
    """Trilinearly resize a [1, N, C] position table from one (T', h, w)
    grid to another; a table already of the target size is returned as is.
    """
    source, target = tuple(source), tuple(target)
    if source == target:
        return table
    channels = table.shape[-1]
    grid = table.reshape(1, *source, channels).permute(0, 4, 1, 2, 3)
    grid = F.interpolate(grid.float(), size=target, mode='trilinear',
                         align_corners=False)
    return grid.permute(0, 2, 3, 4, 1).reshape(1, -1, channels).to(
        table.dtype)
