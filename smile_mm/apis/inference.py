"""Running a trained SMILE encoder on videos outside a training loop.

Clips are prepared as a config's tests prepare them: its test pipeline and
its ``model.data_preprocessor``. :data:`FEATURES_CONFIG`, the tools' config,
takes one centre clip of 16 frames every 4, 224 px.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Sequence, Tuple, Union

import numpy as np
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from ..datasets.default_scope import mmaction_scope
from ..datasets.transforms.pipeline_order import transform_name
from ..engine.config_references import resolve_references
from ..fileio import authors_globals, safe_load
from ..models import SMILEVisionTransformer
from ..models.backbones.masked_video_vit import ARCHS
from ..models.utils.checkpoint_conversion import strip_prefix, unwrap
from ..packaged_configs import CONFIGS

ConfigSource = Union[str, Path, Config]
#: the tools' config, as the package ships it (checked where it is read)
FEATURES_CONFIG = str(CONFIGS / 'smile' / 'features' /
                      'smile_vit_16x4x1_centre-clip.py')


def width_and_depth(backbone: dict) -> Tuple[int, int]:
    """(channels, blocks) of the encoder whose weights (without the
    ``backbone.`` prefix) are ``backbone``."""
    projection = backbone.get('patch_embed.projection.weight')
    if projection is None:
        raise ValueError('the checkpoint has no patch_embed.projection '
                         'weights: is it a ViT video encoder?')
    return (int(projection.shape[0]),
            len({key.split('.')[1] for key in backbone
                 if key.startswith('blocks.')}))


def encoder_size(backbone: dict) -> dict:
    """The size of the encoder whose weights are ``backbone``: a VideoMAE
    ``arch`` by name where one fits, else its width and depth with heads of
    64 channels (as every VideoMAE size)."""
    width, depth = width_and_depth(backbone)
    for name, size in ARCHS.items():
        if (size['embed_dims'], size['depth']) == (width, depth):
            return dict(arch=name)
    return dict(arch='base', embed_dims=width, depth=depth,
                num_heads=max(1, width // 64))


def load_encoder(checkpoint: str, arch: str = 'auto', img_size: int = 224,
                 num_frames: int = 16, out_type: str = 'mean',
                 device: str = 'cpu', **kwargs) -> SMILEVisionTransformer:
    """A frozen :class:`SMILEVisionTransformer` with the ``backbone.*``
    weights of a smile_mm or mmaction2 checkpoint.

    Args:
        checkpoint: smile_mm pretraining or mmaction2 ``Recognizer3D``
            checkpoint (the authors' after ``tools/convert_checkpoint.py``).
        arch: Encoder size; ``'auto'`` reads it from the weights
            (:func:`encoder_size`).
        img_size: Frame size the encoder is built for.
        num_frames: Clip length it is built for.
        out_type: ``'mean'`` ([B, C]) or ``'featmap'`` ([B, C, T', h, w]).
        device: Where it runs.
        **kwargs: More :class:`SMILEVisionTransformer` arguments.
    """
    state = unwrap(safe_load(checkpoint, allow=authors_globals()))
    backbone = strip_prefix(state, 'backbone.')
    if not backbone:
        raise ValueError(f'{checkpoint} has no backbone.* weights; convert '
                         'the authors\' checkpoints with '
                         'tools/convert_checkpoint.py first')
    size = encoder_size(backbone) if arch == 'auto' else dict(arch=arch)
    encoder = SMILEVisionTransformer(img_size=img_size,
                                     num_frames=num_frames,
                                     out_type=out_type, frozen=True,
                                     **size, **kwargs)
    held = width_and_depth(backbone)
    if held != (encoder.embed_dims, encoder.depth):
        raise ValueError(
            f'{checkpoint} holds an encoder {held[0]} wide with {held[1]} '
            f'blocks, but arch={arch!r} builds one {encoder.embed_dims} '
            f'wide with {encoder.depth}: leave the arch at \'auto\' '
            '(--arch auto, the default), which reads the size from the '
            'checkpoint')
    encoder.load_state_dict(backbone, strict=True)
    return encoder.to(device)


def load_config(config: ConfigSource, **settings) -> Config:
    """A config with top-level ``settings`` set and its references resolved.

    Args:
        config: Config file or loaded config.
        **settings: Top-level entries to set first, e.g. ``size=112``:
            smile_mm's pipelines read ``size``, ``clip_len`` and
            ``frame_interval`` through ``'${...}'`` references.

    Returns:
        Config: a new config without references.

    Raises:
        KeyError: ``config`` has no top-level entry of that name.
        ConfigSettingError: a setting of a smile_mm config reaches nothing
            (:mod:`smile_mm.engine.config_settings`).
    """
    cfg = Config.fromfile(config) if isinstance(config, (str, Path)) \
        else config
    entries = cfg.to_dict()
    for key, value in settings.items():
        if key not in entries:
            raise KeyError(
                f'config {cfg.filename} has no top-level {key!r} to set to '
                f'{value!r}; set it in its test pipeline instead, or use a '
                f"config whose pipeline reads '${{{key}}}'")
        entries[key] = value
    return resolve_references(Config(entries, cfg_text=cfg.text,
                                     filename=cfg.filename))


def config_test_pipeline(config: ConfigSource) -> List[dict]:
    """The steps of the config's test pipeline:
    ``test_dataloader.dataset.pipeline`` (what ``tools/test.py`` runs), else
    ``test_pipeline`` (what mmaction2's ``inference_recognizer`` reads).

    Raises:
        ValueError: the config has neither.
    """
    cfg = load_config(config)
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    steps = dataset.get('pipeline') or cfg.get('test_pipeline')
    if not steps:
        raise ValueError(
            f'config {cfg.filename} has no test pipeline (neither '
            'test_dataloader.dataset.pipeline nor test_pipeline); give one, '
            f'as {FEATURES_CONFIG} does')
    return [dict(step) for step in steps]


def _after_decoding(steps: List[dict]) -> List[dict]:
    """The steps after the last decoding step (``DecordDecode``, ...)."""
    names = [transform_name(step) for step in steps]
    decoders = [i for i, name in enumerate(names) if name.endswith('Decode')]
    if not decoders:
        raise ValueError(
            f'the test pipeline {names} has no decoding step (DecordDecode, '
            'PyAVDecode, ...): decoded frames go into the steps after it')
    return steps[decoders[-1] + 1:]


def _decoded(frames: Sequence[np.ndarray]) -> dict:
    """What a decoding step (and the sampling before it) leaves for the
    steps after it, for frames [H, W, 3] already decoded."""
    if not len(frames):
        raise ValueError('no frames given; pass at least one RGB frame')
    shape = frames[0].shape[:2]
    return dict(imgs=list(frames), original_shape=shape, img_shape=shape,
                clip_len=len(frames), num_clips=1,
                frame_inds=np.arange(len(frames)), total_frames=len(frames),
                start_index=0, modality='RGB', label=-1)


def data_preprocessor(config: ConfigSource) -> dict:
    """The config's ``model.data_preprocessor``, which holds the mean and
    std of the clips.

    Raises:
        ValueError: the config has none.
    """
    cfg = load_config(config)
    preprocessor = cfg.get('model', {}).get('data_preprocessor')
    if preprocessor is None:
        raise ValueError(
            f'config {cfg.filename} has no model.data_preprocessor, which '
            'gives the mean and std of the clips; add one, e.g. '
            "dict(type='ActionDataPreprocessor', mean=..., std=..., "
            "format_shape='NCTHW')")
    return dict(preprocessor)


def _preprocess(cfg: Config, steps: List[dict], results: dict
                ) -> torch.Tensor:
    """``steps`` on ``results``, then the model's data preprocessor:
    [V, 3, T, H, W]."""
    preprocessor = data_preprocessor(cfg)
    with mmaction_scope(cfg.get('default_scope', 'mmaction')):
        data = pseudo_collate([Compose(steps)(results)])
        return MODELS.build(preprocessor)(data, False)['inputs'][0]


def prepare_frame(frame: np.ndarray, config: ConfigSource) -> np.ndarray:
    """One decoded frame through the spatial steps of the config's test
    pipeline: those after its decoding step and before ``FormatShape`` (the
    tools' config: short side to ``size``, centre square).

    Args:
        frame: [H, W, 3] RGB uint8.
        config: Config file or loaded config (:func:`load_config`).

    Returns:
        np.ndarray: [H', W', 3], as those steps leave it.

    Raises:
        ValueError: the steps make several views of a frame (ThreeCrop).
    """
    cfg = load_config(config)
    steps = _after_decoding(config_test_pipeline(cfg))
    names = [transform_name(step) for step in steps]
    if 'FormatShape' in names:
        steps = steps[:names.index('FormatShape')]
    with mmaction_scope(cfg.get('default_scope', 'mmaction')):
        images = Compose(steps)(_decoded([frame]))['imgs']
    if len(images) != 1:
        raise ValueError(
            f'the test pipeline {names} makes {len(images)} views of a '
            'frame; prepare_frame needs one (CenterCrop, not ThreeCrop or '
            'TenCrop)')
    return np.asarray(images[0])


def to_clip(frames: Sequence[np.ndarray],
            config: ConfigSource) -> torch.Tensor:
    """Decoded frames as the config's test pipeline, from the step after
    its decoding step, and its data preprocessor make them.

    Args:
        frames: T frames, each [H, W, 3] RGB uint8, in clip order.
        config: Config file or loaded config (:func:`load_config`).

    Returns:
        torch.Tensor: [V, 3, T, H', W'] float32, normalised; V views of
        the clip as the pipeline makes them (1 for the tools' config).
    """
    cfg = load_config(config)
    return _preprocess(cfg, _after_decoding(config_test_pipeline(cfg)),
                       _decoded(frames))


def read_clip(path: str, config: ConfigSource) -> torch.Tensor:
    """A video file through the config's whole test pipeline (its sampling
    included; the tools' config: the centre clip of ``clip_len`` frames
    every ``frame_interval``) and its data preprocessor.

    Args:
        path: Video file.
        config: Config file or loaded config (:func:`load_config`).

    Returns:
        torch.Tensor: [V, 3, T, H, W] float32, normalised; V views of the
        video as the pipeline makes them (1 for the tools' config).
    """
    cfg = load_config(config)
    return _preprocess(cfg, config_test_pipeline(cfg),
                       dict(filename=path, label=-1, start_index=0,
                            modality='RGB'))
