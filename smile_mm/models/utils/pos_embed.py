"""The token grid a video ViT's position table is made for, recorded in the
state dict's ``_metadata`` (a table's size cannot tell it: (8, 7, 7) and
(2, 14, 14) have the same rows), and resizing a table to another grid. Only
these functions read or write ``_metadata``, which stock loaders ignore."""
from __future__ import annotations

import math
from collections import OrderedDict
from typing import Callable, List, Mapping, Optional, Sequence, Tuple

import torch.nn.functional as F
from torch import Tensor

Grid = Tuple[int, int, int]

#: metadata key of the (T', h, w) grid an encoder's table is made for
GRID_KEY = 'token_grid'


def grid_candidates(num_tokens: int) -> List[Grid]:
    """Square-framed grids (T', s, s) with ``num_tokens`` tokens, s >= 2."""
    return [(num_tokens // (side * side), side, side)
            for side in range(math.isqrt(num_tokens), 1, -1)
            if num_tokens % (side * side) == 0]


def describe_grid(grid: Sequence[int], tubelet: int = 2,
                  patch: int = 16) -> str:
    """``'(8, 7, 7) = 16 frames of 112 px'``."""
    slices, rows, cols = grid
    size = (f'{rows * patch} px' if rows == cols else
            f'{rows * patch}x{cols * patch} px')
    return f'{tuple(grid)} = {slices * tubelet} frames of {size}'


class UnknownGridError(ValueError):
    """A position table whose grid is neither recorded nor the model's."""


def source_grid(num_tokens: int, recorded: Optional[Sequence[int]],
                target: Sequence[int], tubelet: int = 2,
                patch: int = 16) -> Grid:
    """The grid a checkpoint's table of ``num_tokens`` rows was made for.

    Args:
        num_tokens: Rows of the table.
        recorded: The grid the checkpoint records, if any.
        target: The loading model's grid.
        tubelet: Frames per token, for messages.
        patch: Pixels per token side, for messages.

    Raises:
        UnknownGridError: no record, and the table does not have the
            target's size: the message lists the grids it fits and the
            settings that say which.
    """
    target = tuple(int(g) for g in target)
    if recorded is not None:
        recorded = tuple(int(g) for g in recorded)
        if math.prod(recorded) != num_tokens:
            raise ValueError(
                f'the checkpoint records token grid {recorded} '
                f'({math.prod(recorded)} tokens) but its position table has '
                f'{num_tokens} rows: the file is inconsistent')
        return recorded
    if num_tokens == math.prod(target):
        return target
    candidates = grid_candidates(num_tokens)
    if len(candidates) == 1:
        return candidates[0]
    listed = '; '.join(describe_grid(g, tubelet, patch) for g in candidates)
    raise UnknownGridError(
        f'the checkpoint\'s position table has {num_tokens} rows and records '
        f'no token grid; it fits {listed or "no grid"}, and smile_mm does '
        f'not guess (the model is built for '
        f'{describe_grid(target, tubelet, patch)}). Say which clips it was '
        'trained on: build the encoder for them (num_frames and img_size in '
        'the config, --snippet and --size of tools/extract_features.py; '
        'SMILEVisionTransformer then encodes clips of other sizes with a '
        'resized table), or record the grid once with '
        'tools/convert_checkpoint.py CKPT OUT --to mmaction '
        '--src-num-frames F --src-img-size S (add --num-frames / --img-size '
        'to resize the table as well)')


def recorded_grid(state: Mapping, prefix: str) -> Optional[Grid]:
    """The grid recorded for the module at ``prefix`` (``'backbone.'``)."""
    metadata = getattr(state, '_metadata', None) or {}
    grid = metadata.get(prefix.removesuffix('.'), {}).get(GRID_KEY)
    return tuple(grid) if grid is not None else None


def record_grid(state: 'OrderedDict', prefix: str, grid: Sequence[int]
                ) -> None:
    """Record ``grid`` for the module at ``prefix`` in ``state``."""
    if not hasattr(state, '_metadata'):
        state._metadata = OrderedDict()
    name = prefix.removesuffix('.')
    state._metadata.setdefault(name, {})[GRID_KEY] = [int(g) for g in grid]


def copy_records(source: Mapping, target: 'OrderedDict',
                 rename: Callable[[str], Optional[str]]) -> None:
    """Give ``target`` the module records (metadata) of ``source``, each
    under its module's new name: ``rename(name + '.')`` gives the new
    prefix, or None to leave the record out."""
    metadata = getattr(source, '_metadata', None)
    if metadata is None:
        return
    target._metadata = OrderedDict()
    for name, value in metadata.items():
        new = rename(name + '.' if name else '')
        if new is not None:
            target._metadata[new.removesuffix('.')] = value


def resize_pos_embed(table: Tensor, source: Sequence[int],
                     target: Sequence[int]) -> Tensor:
    """Trilinearly resize a [1, N, C] position table from one (T', h, w)
    grid to another; a table already of the target grid is returned as is.
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
