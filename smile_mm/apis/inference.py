"""Running a trained SMILE encoder on videos outside a training loop."""
from __future__ import annotations

from typing import List, Optional

import cv2
import numpy as np
import torch

from ..fileio import authors_globals, safe_load
from ..models import SMILEVisionTransformer
from ..models.backbones.masked_video_vit import ARCHS
from ..models.utils.checkpoint_conversion import strip_prefix, unwrap

#: ImageNet statistics on the 0-255 scale, as the data preprocessor uses.
MEAN = np.array([123.675, 116.28, 103.53], np.float32)
STD = np.array([58.395, 57.12, 57.375], np.float32)


def encoder_size(backbone: dict) -> dict:
    """The width, depth and heads of the encoder whose weights (without the
    ``backbone.`` prefix) are ``backbone``: a VideoMAE size by name when
    width and depth are one's, else the width, the depth and heads of 64
    channels (the head width of every VideoMAE size)."""
    projection = backbone.get('patch_embed.projection.weight')
    if projection is None:
        raise ValueError('the checkpoint has no patch_embed.projection '
                         'weights: is it a ViT video encoder?')
    width = int(projection.shape[0])
    depth = len({key.split('.')[1] for key in backbone
                 if key.startswith('blocks.')})
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
    encoder.load_state_dict(backbone, strict=True)
    return encoder.to(device)


def prepare_frame(frame: np.ndarray, size: int) -> np.ndarray:
    """Resize the short side to ``size`` and take the centre square."""
    height, width = frame.shape[:2]
    scale = size / min(height, width)
    resized = cv2.resize(frame, (max(size, round(width * scale)),
                                 max(size, round(height * scale))),
                         interpolation=cv2.INTER_AREA if scale < 1 else
                         cv2.INTER_LINEAR)
    top = (resized.shape[0] - size) // 2
    left = (resized.shape[1] - size) // 2
    return resized[top:top + size, left:left + size]


def to_clip(frames: List[np.ndarray]) -> torch.Tensor:
    """RGB uint8 frames -> normalised [1, 3, T, H, W] float tensor."""
    clip = (np.stack(frames).astype(np.float32) - MEAN) / STD
    return torch.from_numpy(np.ascontiguousarray(
        clip.transpose(3, 0, 1, 2)[None]))


def read_clip(path: str, num_frames: int = 16, interval: int = 4,
              size: int = 224, start: Optional[int] = None) -> torch.Tensor:
    """``num_frames`` frames every ``interval`` from the middle of a video
    (or from ``start``), prepared for the encoder: [1, 3, T, size, size]."""
    import decord
    reader = decord.VideoReader(path, num_threads=1)
    span = (num_frames - 1) * interval + 1
    if start is None:
        start = max((len(reader) - span) // 2, 0)
    indices = np.minimum(start + np.arange(num_frames) * interval,
                         len(reader) - 1)
    frames = reader.get_batch(indices.tolist()).asnumpy()
    return to_clip([prepare_frame(frame, size) for frame in frames])
