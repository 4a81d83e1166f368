"""VideoMAE's target: the pixels of each token, normalised per token."""
from __future__ import annotations

import torch
from einops import rearrange
from mmaction.registry import MODELS
from torch import Tensor

from .base import TargetGenerator


@MODELS.register_module()
class PixelTarget(TargetGenerator):
    """The pixels of each ``t x p x p`` token as one vector (VideoMAE).

    Args:
        normalize: Standardise each token per colour channel (VideoMAE's
            ``normlize_target``; the head then adds none,
            ``default_norm='none'``).
        eps: Added to the standard deviation.
        **kwargs: See :class:`TargetGenerator`.
    """

    @property
    def default_norm(self) -> str:
        """Per-token normalised already: none more."""
        return 'none'

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
        """Per-token pixel vectors of preprocessed clips.

        Args:
            video: [B, C, T, H, W] clips as the data preprocessor gives them,
                with T = T' * t, H = h * p, W = w * p for the grid (T', h, w).

        Returns:
            Tensor: [B, N, t * p * p * C] with N = T' * h * w tokens in raster
            order (time, rows, columns); within a token the values run over
            frames, rows, columns, then colour channels.
        """
        pixels = rearrange(self.raw_video(video) / 255.0,
                           'b c (n t) (h p) (w q) -> b (n h w) (t p q) c',
                           n=self.grid[0], h=self.grid[1], w=self.grid[2],
                           t=self.tubelet_size, p=self.patch_size,
                           q=self.patch_size)
        if self.normalize:
            mean = pixels.mean(dim=2, keepdim=True)
            std = pixels.var(dim=2, unbiased=True, keepdim=True).sqrt()
            pixels = (pixels - mean) / (std + self.eps)
        return pixels.flatten(2)
