"""Transformer block of VideoMAE's ViT with fused attention
(``F.scaled_dot_product_attention``), under the parameter names of
mmaction2's ``VisionTransformer`` so that weights move between the two."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmcv.cnn.bricks import DropPath
from mmcv.cnn.bricks.transformer import FFN
from torch import Tensor, nn


class Attention(nn.Module):
    """Multi-head self-attention with q and v biases (no k bias).

    Args:
        embed_dims: Token width.
        num_heads: Attention heads.
        qkv_bias: Learn biases for q and v.
    """

    def __init__(self, embed_dims: int, num_heads: int,
                 qkv_bias: bool = True) -> None:
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims {embed_dims} is not divisible by '
                             f'num_heads {num_heads}')
        self.num_heads = num_heads
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=False)
        if qkv_bias:
            self.q_bias = nn.Parameter(torch.zeros(embed_dims))
            self.v_bias = nn.Parameter(torch.zeros(embed_dims))
        else:
            self.q_bias = self.v_bias = None
        self.proj = nn.Linear(embed_dims, embed_dims)

    def forward(self, x: Tensor) -> Tensor:
        """[B, N, C] -> [B, N, C]."""
        batch, tokens, channels = x.shape
        qkv = self.qkv(x)  # through the module: safe when FSDP shards it
        if self.q_bias is not None:
            qkv = qkv + torch.cat([self.q_bias, torch.zeros_like(self.v_bias),
                                   self.v_bias])
        qkv = qkv.reshape(batch, tokens, 3, self.num_heads, -1)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        x = F.scaled_dot_product_attention(q, k, v)
        x = x.transpose(1, 2).reshape(batch, tokens, channels)
        return self.proj(x)


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(norm1(x)), then x + mlp(norm2(x)).

    Args:
        embed_dims: Token width.
        num_heads: Attention heads.
        mlp_ratio: Hidden width of the MLP relative to ``embed_dims``.
        qkv_bias: Learn biases for q and v.
        drop_path_rate: Stochastic depth of both residual branches.
        init_values: If > 0, learnable per-channel scales of the residual
            branches (``gamma_1``, ``gamma_2``), initialised to this value.
    """

    def __init__(self, embed_dims: int, num_heads: int,
                 mlp_ratio: float = 4.0, qkv_bias: bool = True,
                 drop_path_rate: float = 0.0,
                 init_values: float = 0.0) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(embed_dims, eps=1e-6)
        self.attn = Attention(embed_dims, num_heads, qkv_bias)
        self.drop_path = (DropPath(drop_path_rate) if drop_path_rate > 0 else
                          nn.Identity())
        self.norm2 = nn.LayerNorm(embed_dims, eps=1e-6)
        self.mlp = FFN(embed_dims=embed_dims,
                       feedforward_channels=int(embed_dims * mlp_ratio),
                       act_cfg=dict(type='GELU'), add_identity=False)
        if init_values > 0:
            self.gamma_1 = nn.Parameter(init_values * torch.ones(embed_dims))
            self.gamma_2 = nn.Parameter(init_values * torch.ones(embed_dims))
        else:
            self.gamma_1 = self.gamma_2 = None

    def forward(self, x: Tensor) -> Tensor:
        """[B, N, C] -> [B, N, C]."""
        attn = self.attn(self.norm1(x))
        if self.gamma_1 is not None:
            attn = self.gamma_1 * attn
        x = x + self.drop_path(attn)
        mlp = self.mlp(self.norm2(x))
        if self.gamma_2 is not None:
            mlp = self.gamma_2 * mlp
        return x + self.drop_path(mlp)


#: VideoMAE's initialisation as an mmengine ``init_cfg``: Xavier-uniform
#: linears, unit LayerNorms, zero biases (convolutions keep torch's default).
VIT_INIT_CFG = [
    dict(type='Xavier', layer='Linear', distribution='uniform', bias=0),
    dict(type='Constant', layer='LayerNorm', val=1, bias=0),
]
