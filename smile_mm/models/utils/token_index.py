"""Visible and masked tokens picked by index instead of a boolean mask.

``tokens[mask]`` asks the GPU how many tokens the mask selects before it can
size its output: a host synchronisation in every training step, and a graph
break for ``torch.compile``. When the count per clip is known on the host,
the same tokens, in the same raster order, come from a stable sort of the
mask and a gather, with no synchronisation.
"""
from __future__ import annotations

from typing import Tuple

import torch
from torch import Tensor


def split_by_mask(mask: Tensor, num_masked: int) -> Tuple[Tensor, Tensor]:
    """Token indices [B, N - num_masked] (visible) and [B, num_masked]
    (masked) of a bool mask [B, N], each in raster order.

    Every row of ``mask`` must hold exactly ``num_masked`` True values (the
    caller knows the count: the mask generator fixes it, or the shape of a
    tensor carries it). A mask on the CPU is checked here; one on a GPU is
    not (reading the count back would stall the step): ``SMILERecognizer``
    checks its masks on the CPU before they move.
    """
    if mask.device.type == 'cpu':
        counts = mask.sum(dim=1)
        if bool((counts != num_masked).any()):
            raise ValueError(f'{num_masked} masked tokens expected in every '
                             f'clip, the mask has {counts.tolist()}')
    order = torch.argsort(mask.to(torch.int32), dim=1, stable=True)
    split = mask.shape[1] - num_masked
    return order[:, :split], order[:, split:]


def take_tokens(tokens: Tensor, index: Tensor) -> Tensor:
    """``tokens`` [B, N, C] at ``index`` [B, K] -> [B, K, C]."""
    return tokens.gather(
        1, index.unsqueeze(-1).expand(-1, -1, tokens.shape[-1]))
