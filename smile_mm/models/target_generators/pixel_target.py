"""VideoMAE's target: the pixels of each token, normalised per token."""
from __future__ import annotations

import torch
from mmaction.registry import MODELS
from torch import Tensor

from .base import TargetGenerator


@MODELS.register_module()
class PixelTarget(TargetGenerator):
    """The pixels of each ``t x p x p`` token as one vector (VideoMAE).

    With ``normalize=True`` each token's pixels are standardised per colour
    channel (VideoMAE's ``normlize_target``), which the head then uses as
    they are (``default_norm='none'``).

    Args:
        normalize: Standardise each token per channel.
        eps: Added to the standard deviation.
        **kwargs: See :class:`TargetGenerator`.
    """

    default_norm = 'none'

    def __init__(self, normalize: bool = True, eps: float = 1e-6,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.normalize = normalize
        self.eps = eps

    @property
    def out_channels(self) -> int:
        return self.tubelet_size * self.patch_size**2 * 3

    def describe(self) -> str:
        kind = 'per-token normalised' if self.normalize else 'raw'
        return (f'{kind} pixels of each {self.tubelet_size}x{self.patch_size}'
                f'x{self.patch_size} token (VideoMAE), {self.out_channels} '
                'values per token')

    @torch.no_grad()
    def forward(self, video: Tensor) -> Tensor:
        """[B, C, T, H, W] preprocessed clips -> [B, N, t * p * p * C]."""
        pixels = self.raw_video(video) / 255.0
        batch, channels = pixels.shape[:2]
        slices, rows, cols = self.grid
        t, p = self.tubelet_size, self.patch_size
        pixels = pixels.reshape(batch, channels, slices, t, rows, p, cols, p)
        # -> [B, T', h, w, t, p, p, C] -> [B, N, t * p * p, C]
        pixels = pixels.permute(0, 2, 4, 6, 3, 5, 7, 1).reshape(
            batch, slices * rows * cols, t * p * p, channels)
        if self.normalize:
            mean = pixels.mean(dim=2, keepdim=True)
            std = pixels.var(dim=2, unbiased=True, keepdim=True).sqrt()
            pixels = (pixels - mean) / (std + self.eps)
        return pixels.flatten(2)
