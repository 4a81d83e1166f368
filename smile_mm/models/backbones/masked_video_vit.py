"""The student encoder: a video ViT that runs on the visible tokens only."""
from __future__ import annotations

import re
from typing import Dict, Optional, Tuple

import torch
from mmaction.models.backbones.vit_mae import get_sinusoid_encoding
from mmaction.registry import MODELS
from mmcv.cnn.bricks.transformer import PatchEmbed
from mmengine.logging import print_log
from mmengine.model import BaseModule
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

from ..layers import VIT_INIT_CFG, Block
from ..utils import (GRID_KEY, on_load_state_dict, on_state_dict,
                     record_grid, resize_pos_embed, source_grid, take_tokens)

#: names torch's wrappers put into module paths (FSDP, checkpointing, compile)
_WRAPPER_NAMES = re.compile(
    r'_fsdp_wrapped_module\.|_checkpoint_wrapped_module\.|_orig_mod\.')

#: Widths, depths and heads of VideoMAE's encoders.
ARCHS: Dict[str, Dict[str, int]] = {
    'tiny': dict(embed_dims=192, depth=12, num_heads=3),
    'small': dict(embed_dims=384, depth=12, num_heads=6),
    'base': dict(embed_dims=768, depth=12, num_heads=12),
    'large': dict(embed_dims=1024, depth=24, num_heads=16),
}


@MODELS.register_module()
class MaskedVideoViT(BaseModule):
    """VideoMAE's encoder with 2x16x16 tubelets and fixed sin-cos positions.

    With visible-token indices it encodes only those; without, all tokens
    into a feature map. Parameter names and the position table are those of
    mmaction2's ``VisionTransformer``, so its weights load into a stock
    ``Recognizer3D`` (``tests/models/test_mmaction_interop.py``).

    Args:
        arch: ``'tiny'``, ``'small'``, ``'base'`` or ``'large'``; explicit
            ``embed_dims``, ``depth`` or ``num_heads`` override it.
        img_size: Frame side the position table is made for.
        num_frames: Clip length the position table is made for.
        patch_size: Spatial token size.
        tubelet_size: Frames per token.
        in_channels: Input channels.
        mlp_ratio: MLP width relative to the token width.
        qkv_bias: Learn q and v biases.
        drop_path_rate: Stochastic depth of the last block (linear from 0).
        init_values: Layer-scale initial value (0 disables it).
        with_cp: Recompute each block in the backward pass (gradient
            checkpointing) to save memory.
        init_cfg: mmengine initialisation config; ``None`` means VideoMAE's
            (:data:`~smile_mm.models.layers.VIT_INIT_CFG`).

    Example:
        >>> vit = MaskedVideoViT('small', img_size=112)
        >>> video = torch.randn(2, 3, 16, 112, 112)
        >>> mask = torch.zeros(2, 8, 7, 7, dtype=torch.bool)
        >>> mask[:, :, :, :5] = True                  # 35 of 49 per slice
        >>> visible, _ = mask_indices(mask)
        >>> vit(video, visible).shape                 # visible tokens
        torch.Size([2, 112, 384])
        >>> vit(video).shape                          # feature map
        torch.Size([2, 384, 8, 7, 7])
    """

    def __init__(self,
                 arch: str = 'base',
                 img_size: int = 224,
                 num_frames: int = 16,
                 patch_size: int = 16,
                 tubelet_size: int = 2,
                 in_channels: int = 3,
                 embed_dims: Optional[int] = None,
                 depth: Optional[int] = None,
                 num_heads: Optional[int] = None,
                 mlp_ratio: float = 4.0,
                 qkv_bias: bool = True,
                 drop_path_rate: float = 0.0,
                 init_values: float = 0.0,
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=VIT_INIT_CFG if init_cfg is None else
                         init_cfg)
        if arch not in ARCHS:
            raise ValueError(f'arch {arch!r} is unknown; choose one of '
                             f'{sorted(ARCHS)}')
        for name, value in (('img_size', img_size),
                            ('num_frames', num_frames)):
            if not isinstance(value, int) or isinstance(value, bool):
                hint = (': a ${...} config reference, which the config '
                        'resolves before models are built (smile_mm.engine.'
                        'resolve_references, SMILERunner)'
                        if isinstance(value, str) and '${' in value else '')
                raise TypeError(f'{name} must be an int, got {value!r}{hint}')
        if img_size % patch_size or num_frames % tubelet_size:
            raise ValueError(
                f'img_size {img_size} must be a multiple of patch_size '
                f'{patch_size} and num_frames {num_frames} of tubelet_size '
                f'{tubelet_size}')
        given = dict(embed_dims=embed_dims, depth=depth, num_heads=num_heads)
        settings = {key: ARCHS[arch][key] if value is None else value
                    for key, value in given.items()}
        self.arch = arch
        self.embed_dims = settings['embed_dims']
        self.depth = settings['depth']
        self.num_heads = settings['num_heads']
        self.patch_size = patch_size
        self.tubelet_size = tubelet_size
        self.grid: Tuple[int, int, int] = (num_frames // tubelet_size,
                                           img_size // patch_size,
                                           img_size // patch_size)
        self.num_tokens = self.grid[0] * self.grid[1] * self.grid[2]
        self.with_cp = with_cp

        self.patch_embed = PatchEmbed(
            in_channels=in_channels, embed_dims=self.embed_dims,
            conv_type='Conv3d',
            kernel_size=(tubelet_size, patch_size, patch_size),
            stride=(tubelet_size, patch_size, patch_size),
            padding=(0, 0, 0), dilation=(1, 1, 1))
        self.register_buffer(
            'pos_embed', get_sinusoid_encoding(self.num_tokens,
                                               self.embed_dims))
        rates = torch.linspace(0, drop_path_rate, self.depth,
                               device='cpu').tolist()
        self.blocks = nn.ModuleList([
            Block(self.embed_dims, self.num_heads, mlp_ratio, qkv_bias,
                  drop_path_rate=rate, init_values=init_values)
            for rate in rates
        ])
        self.norm = nn.LayerNorm(self.embed_dims, eps=1e-6)
        on_state_dict(self, self._record_grid)
        on_load_state_dict(self, self._fit_position_table,
                           adapts=('pos_embed', ))

    @staticmethod
    def _record_grid(module, state_dict, prefix, local_metadata) -> None:
        """Checkpoints say which token grid their position table is for;
        under the wrappers' clean name too (FSDP, checkpointing and compile
        clean their names out of the keys but not out of the metadata)."""
        local_metadata[GRID_KEY] = list(module.grid)
        clean = _WRAPPER_NAMES.sub('', prefix)
        if clean != prefix:
            record_grid(state_dict, clean, module.grid)

    def _fit_position_table(self, module, state_dict, prefix, local_metadata,
                            *args) -> None:
        """Resize a checkpoint's position table from the grid it records to
        this encoder's; a checkpoint without one (VideoMAE's) gets this
        encoder's fixed sin-cos table."""
        key = prefix + 'pos_embed'
        table = state_dict.setdefault(key, self.pos_embed)
        if table is not self.pos_embed:
            if table.ndim != 3 or table.shape[-1] != self.embed_dims:
                raise ValueError(
                    f'position table {tuple(table.shape)} in the checkpoint '
                    f'does not fit this encoder ({self.embed_dims} '
                    'channels)')
            source = source_grid(table.shape[1],
                                 local_metadata.get(GRID_KEY), self.grid,
                                 self.tubelet_size, self.patch_size)
            if source != self.grid:
                state_dict[key] = resize_pos_embed(table, source, self.grid)
                print_log(f'position embedding resized from token grid '
                          f'{source} to {self.grid} (trilinear)',
                          logger='current')

    def token_grid(self, video: Tensor) -> Tuple[int, int, int]:
        """The token grid (T/t, H/p, W/p) of a clip [B, C, T, H, W]."""
        return (video.shape[2] // self.tubelet_size,
                video.shape[3] // self.patch_size,
                video.shape[4] // self.patch_size)

    def _positions(self, video: Tensor) -> Tensor:
        """The position table for this clip (the built grid only)."""
        grid = self.token_grid(video) if video.ndim == 5 else None
        if grid != self.grid:
            raise ValueError(
                f'video of shape {tuple(video.shape)} gives a token grid '
                f'{grid}, but the encoder is built for {self.grid} (frames '
                f'{self.grid[0] * self.tubelet_size}, size '
                f'{self.grid[1] * self.patch_size}); set num_frames and '
                'img_size to the clips')
        return self.pos_embed

    def embed(self, video: Tensor) -> Tensor:
        """Tubelet embedding [B, C, T, H, W] -> [B, N, embed_dims] in
        raster order: ``patch_embed``'s Conv3d as one matrix product of the
        flattened tubelets (cuDNN's strided 3-D convolution is slower)."""
        batch, channels = video.shape[:2]
        t, h, w = self.token_grid(video)
        # a strided convolution leaves out what does not fill a tubelet
        video = video[:, :, :t * self.tubelet_size, :h * self.patch_size,
                      :w * self.patch_size]
        tubelets = video.reshape(batch, channels, t, self.tubelet_size, h,
                                 self.patch_size, w, self.patch_size)
        tubelets = tubelets.permute(0, 2, 4, 6, 1, 3, 5, 7).reshape(
            batch, t * h * w, -1)
        projection = self.patch_embed.projection
        return F.linear(tubelets, projection.weight.flatten(1),
                        projection.bias)

    def forward(self, video: Tensor,
                visible: Optional[Tensor] = None) -> Tensor:
        """Encode a clip.

        Args:
            video: [B, C, T, H, W].
            visible: [B, N_visible] indices of the tokens to encode, in
                raster order (:func:`~smile_mm.models.utils.mask_indices`
                of the token mask); None encodes every token.

        Returns:
            Tensor: [B, N_visible, C] of the visible tokens, else the
            feature map [B, C, T/t, H/p, W/p]; both after the final
            LayerNorm.
        """
        tokens = self._positions(video).to(video.dtype) + self.embed(video)
        if visible is not None:
            tokens = take_tokens(tokens, visible)
        for block in self.blocks:
            if self.with_cp and tokens.requires_grad:
                tokens = checkpoint(block, tokens, use_reentrant=False)
            else:
                tokens = block(tokens)
        tokens = self.norm(tokens)
        if visible is not None:
            return tokens
        return tokens.transpose(1, 2).reshape(len(video), self.embed_dims,
                                              *self.token_grid(video))
