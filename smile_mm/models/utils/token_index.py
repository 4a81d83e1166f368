"""A batch's token mask turned into indices once, on the CPU: picking tokens
by index, not ``tokens[mask]``, never asks the GPU how many a mask selects
(no step waits, no ``torch.compile`` graph break)."""
from __future__ import annotations

from typing import Tuple

import torch
from torch import Tensor


def mask_indices(mask: Tensor) -> Tuple[Tensor, Tensor]:
    """The indices of the visible [B, N_visible] and of the masked
    [B, N_masked] tokens of a bool mask [B, ...] (True: masked), each in
    raster order.

    Raises:
        ValueError: the clips mask different numbers of tokens (a batch
            needs one count; TubeTrajectoryMaskGenerator fixes it).
    """
    mask = mask.flatten(1)
    visible = (~mask).sum(dim=1)
    if bool((visible != visible[0]).any()):
        raise ValueError(
            'every clip of a batch must have the same number of visible '
            f'tokens, got {visible.tolist()}; use '
            'TubeTrajectoryMaskGenerator, which fixes the count')
    order = torch.argsort(mask.to(torch.int32), dim=1, stable=True)
    split = int(visible[0])
    return order[:, :split], order[:, split:]


def take_tokens(tokens: Tensor, index: Tensor) -> Tensor:
    """``tokens`` [B, N, C] at ``index`` [B, K] -> [B, K, C]."""
    return tokens.gather(
        1, index.unsqueeze(-1).expand(-1, -1, tokens.shape[-1]))
