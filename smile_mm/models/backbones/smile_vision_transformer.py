"""SMILEVisionTransformer: the pretrained encoder for downstream tasks."""
from __future__ import annotations

from typing import Optional

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

    Compared with mmaction2's ``VisionTransformer`` (same parameter names,
    so either loads the other's weights): fused attention, a ``frozen``
    mode for linear probing, checkpoints of another frame count or size
    load with a resized position table, clips of another length or size
    than it was built for are encoded with a trilinearly resized table (for
    example OpenTAD's 160 px windows; mmaction2 resizes spatially only and
    fails on other lengths), and ``init_cfg=dict(type=
    'Pretrained', checkpoint=..., prefix='backbone.')`` loads a SMILE
    checkpoint (mmaction's ``pretrained=`` is ignored silently). Its class
    name contains ``VisionTransformer``, so mmaction's
    ``LearningRateDecayOptimizerConstructor`` (and smile_mm's
    ``LayerDecayOptimWrapperConstructor`` built on it, which the fine-tuning
    configs use) applies layer-wise decay.

    Args:
        out_type: ``'fc_norm_mean'``: LayerNorm of the mean token (fresh
            ``fc_norm``; mmaction's ``use_mean_pooling``, VideoMAE's
            fine-tuning); ``'mean'``: mean of the pretrained final norm's
            tokens (linear probing); ``'featmap'``: [B, C, T', h, w] (OpenTAD,
            analysis).
        frozen: No gradients and eval mode for good (linear probing): the
            forward pass builds no autograd graph.
        **kwargs: See :class:`MaskedVideoViT`.

    Example:
        >>> vit = SMILEVisionTransformer('small', img_size=112)
        >>> vit(torch.randn(2, 3, 16, 112, 112)).shape
        torch.Size([2, 384])
    """

    def __init__(self, *args, out_type: str = 'fc_norm_mean',
                 frozen: bool = False, **kwargs) -> None:
        if out_type not in OUT_TYPES:
            raise ValueError(f'out_type {out_type!r} is unknown; choose one '
                             f'of {OUT_TYPES}')
        super().__init__(*args, **kwargs)
        self.out_type = out_type
        self.frozen = frozen
        if out_type == 'fc_norm_mean':
            self.norm = nn.Identity()
            self.fc_norm: Optional[nn.LayerNorm] = nn.LayerNorm(
                self.embed_dims, eps=1e-6)
        else:
            self.fc_norm = None
        if frozen:
            self.requires_grad_(False)
            self.eval()

    def _positions(self, video: Tensor) -> Tensor:
        grid = self.token_grid(video)
        if video.ndim != 5 or 0 in grid:
            self._check_input(video)
        return resize_pos_embed(self.pos_embed, self.grid, grid)

    def train(self, mode: bool = True) -> 'SMILEVisionTransformer':
        return super().train(False if self.frozen else mode)

    def forward(self, video: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        """[B, C, T, H, W] -> [B, C'] or, with ``out_type='featmap'``,
        [B, C', T', h, w]."""
        with torch.set_grad_enabled(torch.is_grad_enabled()
                                    and not self.frozen):
            features = super().forward(video, mask)
            if mask is not None or self.out_type == 'featmap':
                return features
            tokens = features.flatten(2).mean(dim=2)
            return self.fc_norm(tokens) if self.fc_norm is not None else tokens
