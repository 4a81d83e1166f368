"""SMILEVisionTransformer: the pretrained encoder for downstream tasks."""
from __future__ import annotations

import torch
from mmaction.registry import MODELS
from torch import Tensor, nn

from ..utils import resize_pos_embed
from .masked_video_vit import MaskedVideoViT

OUT_TYPES = ('fc_norm_mean', 'mean', 'featmap')


@MODELS.register_module()
class SMILEVisionTransformer(MaskedVideoViT):
    """The encoder of :class:`MaskedVideoViT` for fine-tuning, linear probing
    and feature extraction, inside mmaction2's ``Recognizer3D``.

    Unlike mmaction2's ``VisionTransformer`` (same parameter names), it
    has a ``frozen`` mode and encodes clips of any length or size with a
    trilinearly resized position table (OpenTAD's 160 px windows). Its
    class name contains ``VisionTransformer``, which mmaction's layer-decay
    constructor needs.

    Args:
        out_type: ``'fc_norm_mean'``: LayerNorm of the mean token (fresh
            ``fc_norm``; mmaction's ``use_mean_pooling``, VideoMAE's
            fine-tuning); ``'mean'``: mean of the pretrained final norm's
            tokens (linear probing); ``'featmap'``: [B, C, T', h, w] (OpenTAD,
            analysis).
        frozen: No gradients and eval mode for good (linear probing): the
            forward pass builds no autograd graph.
        **kwargs: See :class:`MaskedVideoViT`.
    """

    def __init__(self, *args, out_type: str = 'fc_norm_mean',
                 frozen: bool = False, **kwargs) -> None:
        if out_type not in OUT_TYPES:
            raise ValueError(f'out_type {out_type!r} is unknown; choose one '
                             f'of {OUT_TYPES}')
        super().__init__(*args, **kwargs)
        self.out_type = out_type
        self.frozen = frozen
        self.fc_norm: nn.LayerNorm | None = None
        if out_type == 'fc_norm_mean':
            self.norm = nn.Identity()
            self.fc_norm = nn.LayerNorm(self.embed_dims, eps=1e-6)
        if frozen:
            self.requires_grad_(False)
            self.eval()

    def _positions(self, video: Tensor) -> Tensor:
        grid = self.token_grid(video) if video.ndim == 5 else (0, )
        if 0 in grid:
            super()._positions(video)  # raises, saying why
        return resize_pos_embed(self.pos_embed, self.grid, grid)

    def train(self, mode: bool = True) -> 'SMILEVisionTransformer':
        return super().train(False if self.frozen else mode)

    def forward(self, video: Tensor) -> Tensor:
        """[B, C, T, H, W] -> [B, C'] or, with ``out_type='featmap'``,
        [B, C', T', h, w]."""
        with torch.set_grad_enabled(torch.is_grad_enabled()
                                    and not self.frozen):
            features = super().forward(video)
            if self.out_type == 'featmap':
                return features
            tokens = features.flatten(2).mean(dim=2)
            return self.fc_norm(tokens) if self.fc_norm is not None else tokens
