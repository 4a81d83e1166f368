"""CLIPTeacher: frozen CLIP features of the first frame of each tubelet."""
from __future__ import annotations

import os.path as osp
from typing import Optional, Tuple

import torch
from mmaction.registry import MODELS
from torch import Tensor, nn

from .base import ImageTeacher
from .clip_weights import CLIPTower, CLIPWeightsError, key_summary, \
    read_clip_tower
from .pixel_target import PixelTarget

MISSING_WEIGHTS = ('error', 'pixel', 'random')
_CHECKPOINT_SUFFIXES = ('.pt', '.pth', '.bin', '.safetensors', '.npz')


def _looks_like_path(pretrained: str) -> bool:
    return (osp.sep in pretrained or pretrained.startswith('~')
            or pretrained.endswith(_CHECKPOINT_SUFFIXES))


def _model_config(model_name: str) -> dict:
    import open_clip
    config = open_clip.get_model_config(model_name)
    if config is None:
        raise ValueError(
            f'open_clip has no model {model_name!r}; see '
            "open_clip.list_models() (ViT-B-16 is the paper's teacher)")
    vision = config.get('vision_cfg', {})
    if 'timm_model_name' in vision or isinstance(vision.get('layers'),
                                                 (list, tuple)):
        raise ValueError(
            f'open_clip {model_name} has no CLIP ViT image tower (timm or '
            'ResNet tower); CLIPTeacher runs CLIP ViTs such as ViT-B-16')
    return config


def _matching_models(tower: CLIPTower) -> list:
    """open_clip architectures whose image tower has the file's shapes."""
    import open_clip
    conv = tower.state['conv1.weight']
    rows = tower.state['positional_embedding'].shape[0]
    names = []
    for name in open_clip.list_models():
        config = open_clip.get_model_config(name) or {}
        vision = config.get('vision_cfg', {})
        size, patch = vision.get('image_size'), vision.get('patch_size')
        if (vision.get('width') == conv.shape[0] and patch == conv.shape[-1]
                and isinstance(size, int) and (size // patch)**2 + 1 == rows):
            names.append(name)
    return names[:4]


@MODELS.register_module()
class CLIPTeacher(ImageTeacher):
    """The paper's teacher: a CLIP image tower, frozen.

    Each tubelet's first frame goes through the image tower; the patch
    features of the last block after ``ln_post`` (CLS dropped), optionally
    projected, are the targets of that time slice. Weights load strictly
    (``docs/model.md``, "CLIP weights").

    Args:
        model_name: open_clip architecture, e.g. ``'ViT-B-16'`` (768 wide,
            16 px patches, 224 px: the paper's teacher).
        pretrained: open_clip tag (downloaded), local file
            (:mod:`.clip_weights`), or None.
        with_proj: Project the features with CLIP's image projection (512
            wide for ViT-B-16); the authors use them without (768).
        quick_gelu: None (follow the weights, else OpenAI's QuickGELU),
            True or False; a value that contradicts the weights is an error.
        on_missing_weights: With ``pretrained=None``: ``'error'``,
            ``'pixel'`` (VideoMAE's pixel target instead) or ``'random'``
            (tests only).
        pixel_target: Arguments of the :class:`PixelTarget` used with
            ``on_missing_weights='pixel'``, e.g. ``dict(normalize=False)``.
        cache_dir: Download folder for tags.
        **kwargs: See :class:`ImageTeacher` (``input_norm``: ``'clip'``, or
            ``'imagenet'`` as the authors' code; ``dtype``).
    """

    def __init__(self,
                 model_name: str = 'ViT-B-16',
                 pretrained: Optional[str] = None,
                 with_proj: bool = False,
                 quick_gelu: Optional[bool] = None,
                 on_missing_weights: str = 'error',
                 pixel_target: Optional[dict] = None,
                 cache_dir: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
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
                'model.target_generator.pretrained=/path/to/ViT-B-16.pt')
        if pretrained is None and on_missing_weights == 'pixel':
            self.fallback = PixelTarget(
                **(pixel_target or {}),
                grid=self.grid, tubelet_size=self.tubelet_size,
                patch_size=self.patch_size,
                pixel_mean=self.pixel_mean.flatten().tolist(),
                pixel_std=self.pixel_std.flatten().tolist())
        else:
            config = _model_config(model_name)
            tower = self._read_weights(config)
            self.quick_gelu, self.activation_source = self._activation(
                config, tower, quick_gelu)
            self.visual = self._build(config, tower)
            self.teacher_patch = self.visual.patch_size[0]
            self.teacher_grid = tuple(self.visual.grid_size)
            self._pool = self.pooling(model_name)
            self.width = (self.visual.proj.shape[1] if with_proj else
                          self.visual.ln_post.normalized_shape[0])
        self.freeze()

    # ---------------------------------------------------------------- weights
    def _read_weights(self, config: dict) -> Optional[CLIPTower]:
        """The tower in ``pretrained`` (downloaded for a tag), or None."""
        pretrained = self.pretrained
        if pretrained is None:
            return None
        if _looks_like_path(pretrained):
            path = osp.expanduser(pretrained)
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'CLIP checkpoint {path} does not exist; download the '
                    f'weights of {self.model_name} or give an open_clip tag')
            return read_clip_tower(path)
        import open_clip
        tag = open_clip.get_pretrained_cfg(self.model_name, pretrained)
        if not tag:
            raise ValueError(
                f'{pretrained!r} is neither a file nor an open_clip tag of '
                f'{self.model_name}; its tags: '
                f'{open_clip.list_pretrained_tags_by_model(self.model_name)}')
        try:
            path = open_clip.download_pretrained(tag,
                                                 cache_dir=self.cache_dir)
        except Exception as error:  # noqa: BLE001 - hub and network errors
            raise RuntimeError(
                f'open_clip could not download {self.model_name} '
                f"'{pretrained}' ({type(error).__name__}: {error}); offline, "
                'download it once elsewhere and set pretrained to the file')
        tower = read_clip_tower(path)
        tower.quick_gelu = bool(tag.get('quick_gelu', False)
                                or config.get('quick_gelu', False))
        tower.activation_source = (f"open_clip's '{pretrained}' tag of "
                                   f'{self.model_name}')
        return tower

    @staticmethod
    def _activation(config: dict, tower: Optional[CLIPTower],
                    requested: Optional[bool]) -> Tuple[bool, str]:
        """QuickGELU or not, and why."""
        known = tower.quick_gelu if tower is not None else None
        source = tower.activation_source if tower is not None else ''
        if known is None and config.get('quick_gelu'):
            known, source = True, 'the open_clip model config'
        if requested is not None:
            if known is not None and known != requested:
                raise ValueError(
                    f'quick_gelu={requested} contradicts {source}, which '
                    f'says the weights were trained with '
                    f'{"QuickGELU" if known else "GELU"}; remove quick_gelu'
                    ' to follow the weights')
            return requested, source or 'quick_gelu set in the config'
        if known is not None:
            return known, source
        return True, ("OpenAI CLIP's: nothing in or beside the weights "
                      'says otherwise; set quick_gelu=False for weights '
                      'trained with GELU')

    def _build(self, config: dict, tower: Optional[CLIPTower]) -> nn.Module:
        from open_clip.model import _build_vision_tower
        visual = _build_vision_tower(  # a ViT, as _model_config checked
            config['embed_dim'], config['vision_cfg'],
            quick_gelu=self.quick_gelu)
        visual.output_tokens = True
        if not self.with_proj:
            visual.proj = None  # never read: a file may leave it out
        if tower is None:
            self.loaded = ('RANDOM weights (on_missing_weights=\'random\'; '
                           'for tests only)')
        else:
            self._load(visual, tower)
        return visual

    def _load(self, visual: nn.Module, tower: CLIPTower) -> None:
        """Strict: every tower key present, nothing unknown."""
        path = self.pretrained
        state, ignored = dict(tower.state), list(tower.ignored)
        expected = visual.state_dict()
        shapes = ('conv1.weight', 'positional_embedding')
        if any(k not in state or state[k].shape != expected[k].shape
               for k in shapes):
            if not all(k in state for k in shapes):
                found = 'a tower without conv1.weight or positional_embedding'
            else:
                found = f'a CLIP image tower {tower.summary()}'
                matches = _matching_models(tower)
                if matches:
                    found += f' (open_clip {", ".join(matches)})'
            want = CLIPTower(dict(expected), '').summary()
            raise CLIPWeightsError(
                f'{path} ({tower.layout}) holds {found}, but open_clip '
                f'{self.model_name} is {want}; set model_name to the '
                "file's architecture")
        if 'proj' in state and 'proj' not in expected:
            del state['proj']
            ignored.append('proj (the image projection: with_proj=False)')
        missing = sorted(set(expected) - set(state))
        unexpected = sorted(set(state) - set(expected))
        if missing or unexpected:
            raise CLIPWeightsError(
                f'{path} ({tower.layout}) does not fit open_clip '
                f'{self.model_name}\'s image tower (strict loading): missing '
                f'{missing[:6]}{" ..." if len(missing) > 6 else ""}, '
                f'unexpected {unexpected[:6]}'
                f'{" ..." if len(unexpected) > 6 else ""}')
        for key, value in state.items():
            if value.shape != expected[key].shape:
                raise CLIPWeightsError(
                    f'{path}: {key} is {tuple(value.shape)}, open_clip '
                    f'{self.model_name} expects {tuple(expected[key].shape)}')
        visual.load_state_dict(state, strict=True)
        self.loaded = f'weights {path} ({tower.layout})'
        if ignored:
            self.loaded += f'; left out: {key_summary(ignored)}'

    # ------------------------------------------------------------- interface
    @property
    def out_channels(self) -> int:
        if self.fallback is not None:
            return self.fallback.out_channels
        return self.width

    @property
    def default_norm(self) -> str:
        """The pixel fallback's normalisation where it stands in."""
        if self.fallback is not None:
            return self.fallback.default_norm
        return super().default_norm

    def describe(self) -> str:
        if self.fallback is not None:
            return ('no CLIP weights were given (model.target_generator.'
                    'pretrained=None), so the target is VideoMAE\'s pixel '
                    f'target: {self.fallback.describe()}. Set pretrained to '
                    'an open_clip tag or a local checkpoint to reconstruct '
                    'CLIP features.')
        activation = 'QuickGELU' if self.quick_gelu else 'GELU'
        projection = 'projected' if self.with_proj else 'unprojected'
        pooled = (f', averaged over {self._pool}x{self._pool} patches per '
                  'token' if self._pool > 1 else '')
        return (f'CLIP {self.model_name} image features with {self.loaded}; '
                f'{activation} MLPs ({self.activation_source}); '
                f'{projection} patch features of the last block after '
                f'ln_post, {self.out_channels} per token{pooled}, from the '
                'first frame of each tubelet; inputs normalised with '
                f'{self.input_norm!r} statistics; teacher in {self.dtype}')

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
        super().log(warn=self.fallback is not None or self.pretrained is None)
