"""CLIPTeacher: frozen CLIP image features of the first frame of each tubelet."""
from __future__ import annotations

import logging
import os.path as osp
from typing import Optional

import torch
from mmaction.registry import MODELS
from mmengine.logging import print_log
from torch import Tensor, nn

from .base import ImageTeacher
from .pixel_target import PixelTarget

MISSING_WEIGHTS = ('error', 'pixel', 'random')
_CHECKPOINT_SUFFIXES = ('.pt', '.pth', '.bin', '.safetensors', '.npz')


def _looks_like_path(pretrained: str) -> bool:
    return (osp.sep in pretrained or pretrained.startswith('~')
            or pretrained.endswith(_CHECKPOINT_SUFFIXES))


def _load_state_dict(path: str) -> dict:
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        return load_file(path)
    state = torch.load(path, map_location='cpu', weights_only=True)
    for key in ('state_dict', 'model'):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    return {k[len('module.'):] if k.startswith('module.') else k: v
            for k, v in state.items()}


@MODELS.register_module()
class CLIPTeacher(ImageTeacher):
    """The paper's teacher: an open_clip image tower, frozen.

    Each tubelet's first frame goes through the tower; the patch features of
    the last block after the final LayerNorm (CLS token dropped), optionally
    projected into CLIP's joint space, are the targets of that time slice.
    Only the image tower is kept.

    Weights (``pretrained``):

    * an open_clip tag (``'openai'``, ``'laion2b_s34b_b88k'``, ...), which
      open_clip downloads;
    * a local file: a full open_clip / OpenAI CLIP checkpoint, or one of the
      image tower alone (keys with or without ``visual.``). Loading is
      strict: a missing or unexpected key is an error naming it.
    * ``None``: what happens is said in the log and chosen by
      ``on_missing_weights``: ``'error'`` (default), ``'pixel'`` (train on
      VideoMAE's pixel target instead), or ``'random'`` (a randomly
      initialised CLIP, for tests only).

    Args:
        model_name: open_clip architecture, e.g. ``'ViT-B-16'`` (768 wide,
            16 px patches, 224 px: the paper's teacher).
        pretrained: Tag, local checkpoint path, or None.
        with_proj: Project the features with CLIP's image projection (512
            wide for ViT-B-16); the authors use them without (768).
        on_missing_weights: See above.
        input_norm: ``'clip'`` (default) or ``'imagenet'`` (the authors'
            code), or (mean, std) on the 0-255 scale.
        pixel_target: Arguments of the :class:`PixelTarget` used with
            ``on_missing_weights='pixel'``, e.g. ``dict(normalize=False)``.
        cache_dir: Download folder for tags.
        **kwargs: See :class:`ImageTeacher`.
    """

    def __init__(self,
                 model_name: str = 'ViT-B-16',
                 pretrained: Optional[str] = None,
                 with_proj: bool = False,
                 on_missing_weights: str = 'error',
                 input_norm='clip',
                 pixel_target: Optional[dict] = None,
                 cache_dir: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(input_norm=input_norm, **kwargs)
        if on_missing_weights not in MISSING_WEIGHTS:
            raise ValueError(f'on_missing_weights {on_missing_weights!r} is '
                             f'unknown; choose one of {MISSING_WEIGHTS}')
        self.model_name = model_name
        self.pretrained = pretrained
        self.with_proj = with_proj
        self.cache_dir = cache_dir
        self.fallback: Optional[PixelTarget] = None
        self.visual: Optional[nn.Module] = None
        if pretrained is None and on_missing_weights == 'error':
            raise ValueError(
                'CLIPTeacher has no weights: set pretrained to an open_clip '
                "tag (e.g. 'openai', downloaded by open_clip) or to a local "
                'checkpoint file, for example --cfg-options '
                'model.target_generator.pretrained=/path/to/ViT-B-16.bin')
        if pretrained is None and on_missing_weights == 'pixel':
            self.fallback = PixelTarget(
                **(pixel_target or {}),
                grid=self.grid, tubelet_size=self.tubelet_size,
                patch_size=self.patch_size,
                pixel_mean=self.pixel_mean.flatten().tolist(),
                pixel_std=self.pixel_std.flatten().tolist())
            self.default_norm = self.fallback.default_norm
        else:
            self.visual = self._build_visual()
            self.visual.output_tokens = True
            self.teacher_patch = self.visual.patch_size[0]
            self.teacher_grid = tuple(self.visual.grid_size)
            self._pool = self.pooling(model_name)
            self.width = (self.visual.proj.shape[1] if with_proj else
                          self.visual.ln_post.normalized_shape[0])
        self.freeze()

    def _build_visual(self) -> nn.Module:
        import open_clip
        if self.model_name not in open_clip.list_models():
            raise ValueError(
                f'open_clip has no model {self.model_name!r}; see '
                'open_clip.list_models() (ViT-B-16 is the paper\'s teacher)')
        pretrained = self.pretrained
        if pretrained is None:
            return open_clip.create_model(self.model_name).visual
        if not _looks_like_path(pretrained):  # an open_clip tag
            model = open_clip.create_model(
                self.model_name, pretrained=pretrained,
                require_pretrained=True, cache_dir=self.cache_dir)
            return model.visual
        path = osp.expanduser(pretrained)
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'CLIP checkpoint {path} does not exist; download the weights'
                f' of {self.model_name} or give an open_clip tag')
        state = _load_state_dict(path)
        visual_only = not any(k.startswith(('transformer.', 'text.',
                                            'token_embedding'))
                              for k in state)
        model = open_clip.create_model(self.model_name)
        try:
            if visual_only:
                state = {k[len('visual.'):] if k.startswith('visual.') else
                         k: v for k, v in state.items()}
                model.visual.load_state_dict(state, strict=True)
            else:
                open_clip.load_checkpoint(model, path, strict=True)
        except Exception as error:  # open_clip raises several kinds
            raise RuntimeError(
                f'CLIP checkpoint {path} does not fit open_clip '
                f'{self.model_name} (strict loading): '
                f'{type(error).__name__}: {error}') from error
        return model.visual

    @property
    def out_channels(self) -> int:
        if self.fallback is not None:
            return self.fallback.out_channels
        return self.width

    def describe(self) -> str:
        if self.fallback is not None:
            return ('no CLIP weights were given (model.target_generator.'
                    'pretrained=None), so the target is VideoMAE\'s pixel '
                    f'target: {self.fallback.describe()}. Set pretrained to '
                    'an open_clip tag or a local checkpoint to reconstruct '
                    'CLIP features.')
        source = ('RANDOM weights (on_missing_weights=\'random\'; for tests '
                  'only)' if self.pretrained is None else
                  f'weights {self.pretrained}')
        projection = 'projected' if self.with_proj else 'unprojected'
        pooled = (f', averaged over {self._pool}x{self._pool} patches per '
                  'token' if self._pool > 1 else '')
        return (f'CLIP {self.model_name} image features with {source}: '
                f'{projection} patch features of the last block, '
                f'{self.out_channels} per token{pooled}, from the first '
                'frame of each tubelet; inputs normalised with '
                f'{self.input_norm!r} statistics')

    def patch_tokens(self, frames: Tensor) -> Tensor:
        _, tokens = self.visual(frames)
        if self.with_proj:
            tokens = tokens @ self.visual.proj
        return tokens

    @torch.no_grad()
    def forward(self, video: Tensor) -> Tensor:
        if self.fallback is not None:
            return self.fallback(video)
        return super().forward(video)

    def log(self) -> None:
        plain = self.fallback is not None or self.pretrained is None
        print_log(f'SMILE target: {self.describe()}', logger='current',
                  level=logging.WARNING if plain else logging.INFO)
