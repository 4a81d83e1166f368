"""The student decoder: predicts one target vector per masked token."""
from __future__ import annotations

from typing import Optional

import torch
from mmaction.models.backbones.vit_mae import get_sinusoid_encoding
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn

from ..layers import VIT_INIT_CFG, Block
from ..utils import on_load_state_dict, take_tokens


@MODELS.register_module()
class VideoMAEDecoder(BaseModule):
    """VideoMAE's shallow decoder on all tokens.

    Projected visible tokens and a learnable mask token at every masked
    position, plus fixed sin-cos positions, go through ``depth`` blocks and
    a linear head. :class:`SMILERecognizer` fills in ``in_channels``,
    ``num_tokens`` and ``out_channels``.

    Args:
        in_channels: Encoder width.
        num_tokens: Tokens of a clip (T/t * H/p * W/p).
        out_channels: Width of the target (768 for CLIP ViT-B/16 features,
            1536 for 2x16x16 RGB pixels).
        embed_dims: Decoder width.
        depth: Decoder blocks (4 in the paper).
        num_heads: Attention heads.
        mlp_ratio: MLP width relative to ``embed_dims``.
        drop_path_rate: Stochastic depth of the last block.
        init_cfg: mmengine initialisation config; ``None`` means VideoMAE's
            (:data:`~smile_mm.models.layers.VIT_INIT_CFG`). The mask token
            is drawn from a truncated normal (std 0.02) when the decoder is
            built, so a ``Pretrained`` init_cfg overrides it too.

    Example:
        >>> decoder = VideoMAEDecoder(384, num_tokens=392, out_channels=768,
        ...                           embed_dims=192, num_heads=3)
        >>> mask = torch.zeros(2, 392, dtype=torch.bool)
        >>> mask[:, 80:] = True                       # 312 masked
        >>> visible, masked = mask_indices(mask)
        >>> decoder(torch.randn(2, 80, 384), visible, masked).shape
        torch.Size([2, 312, 768])
    """

    def __init__(self,
                 in_channels: int,
                 num_tokens: int,
                 out_channels: int,
                 embed_dims: int = 384,
                 depth: int = 4,
                 num_heads: int = 6,
                 mlp_ratio: float = 4.0,
                 drop_path_rate: float = 0.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=VIT_INIT_CFG if init_cfg is None else
                         init_cfg)
        self.in_channels = in_channels
        self.num_tokens = num_tokens
        self.out_channels = out_channels
        self.embed_dims = embed_dims
        self.encoder_to_decoder = nn.Linear(in_channels, embed_dims,
                                            bias=False)
        # a bare parameter, not a layer's weight: init_cfg cannot reach it
        self.mask_token = nn.Parameter(
            nn.init.trunc_normal_(torch.empty(1, 1, embed_dims), std=0.02))
        self.register_buffer('pos_embed',
                             get_sinusoid_encoding(num_tokens, embed_dims))
        rates = torch.linspace(0, drop_path_rate, depth, device='cpu').tolist()
        self.blocks = nn.ModuleList([
            Block(embed_dims, num_heads, mlp_ratio, drop_path_rate=rate)
            for rate in rates
        ])
        self.norm = nn.LayerNorm(embed_dims, eps=1e-6)
        self.head = nn.Linear(embed_dims, out_channels)
        on_load_state_dict(self, self._fixed_position_table,
                           adapts=('pos_embed', ))

    def _fixed_position_table(self, module, state_dict, prefix,
                              *args) -> None:
        # the table is fixed (sin-cos): checkpoints without it get this one
        state_dict.setdefault(prefix + 'pos_embed', self.pos_embed)

    def forward(self, latent: Tensor, visible: Tensor,
                masked: Tensor) -> Tensor:
        """Predict the targets of the masked tokens.

        Args:
            latent: [B, N_visible, in_channels] encoder output.
            visible: [B, N_visible] indices of the encoded tokens.
            masked: [B, N_masked] indices of the masked tokens, in raster
                order (both from
                :func:`~smile_mm.models.utils.mask_indices`).

        Returns:
            Tensor: [B, N_masked, out_channels], in the order of ``masked``.
        """
        batch = latent.shape[0]
        if visible.shape[1] + masked.shape[1] != self.num_tokens or \
                visible.shape[1] != latent.shape[1]:
            raise ValueError(
                f'{latent.shape[1]} encoded tokens at {visible.shape[1]} '
                f'visible and {masked.shape[1]} masked positions; the '
                f'decoder is built for {self.num_tokens} tokens')
        positions = self.pos_embed.to(latent.dtype).expand(batch, -1, -1)
        visible = self.encoder_to_decoder(latent) + take_tokens(
            positions, visible)
        masked = self.mask_token.to(visible.dtype) + take_tokens(
            positions, masked)
        tokens = torch.cat([visible, masked], dim=1)
        for block in self.blocks:
            tokens = block(tokens)
        return self.head(self.norm(tokens[:, visible.shape[1]:]))
