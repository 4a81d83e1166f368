"""Checks that SMILE's transforms sit where their outputs stay valid: the
overlay's object masks and the masking's token grid are in the coordinates
of the frames they see, so no transform that moves pixels may follow them.
smile_mm's datasets run :func:`check_pipeline_order` when they are built.
"""
from __future__ import annotations

from typing import Callable, List, Sequence, Union

#: mmaction2 / mmpretrain transforms that move, resize, crop or flip pixels.
GEOMETRIC_TRANSFORMS = frozenset({
    'Resize', 'RandomRescale', 'RandomCrop', 'RandomResizedCrop',
    'MultiScaleCrop', 'CenterCrop', 'ThreeCrop', 'TenCrop', 'Flip',
    'RandAugment', 'TorchVisionWrapper', 'PytorchVideoWrapper', 'ImgAug',
    'PoseCompact', 'RandomFlip', 'RandomResize', 'VideoRandAugment',
})
OVERLAY = 'SyntheticMotionOverlay'
MASKING = 'TubeTrajectoryMaskGenerator'
_OUTPUT = {OVERLAY: 'object masks', MASKING: 'token mask'}


def transform_name(transform: Union[dict, Callable]) -> str:
    """Registered name of a transform config or instance, without scope;
    a wrapper that names its transform ``__wrapped__`` gives the name of
    the transform."""
    transform = getattr(transform, '__wrapped__', transform)
    if isinstance(transform, dict):
        name = transform.get('type', '')
        name = name if isinstance(name, str) else name.__name__
    else:
        name = type(transform).__name__
    return name.rsplit('.', 1)[-1]


def check_pipeline_order(pipeline: Sequence[Union[dict, Callable]]) -> None:
    """Raise ValueError if a geometric transform follows the overlay or the
    masking, if masking precedes the overlay, or if the overlay's largest
    objects cannot fit the masking's frame size."""
    names: List[str] = [transform_name(t) for t in pipeline]
    for anchor in (OVERLAY, MASKING):
        if anchor not in names:
            continue
        start = names.index(anchor)
        for position in range(start + 1, len(names)):
            if names[position] in GEOMETRIC_TRANSFORMS:
                raise ValueError(
                    f'pipeline: {names[position]} (step {position}) comes '
                    f'after {anchor} (step {start}) and would move pixels '
                    f'under its {_OUTPUT[anchor]}; put {anchor} after the '
                    'last transform that resizes, '
                    'crops or flips. Pipeline: ' + ' -> '.join(names))
    if OVERLAY in names and MASKING in names:
        overlay_at, masking_at = names.index(OVERLAY), names.index(MASKING)
        if masking_at < overlay_at:
            raise ValueError(
                f'pipeline: {MASKING} (step {masking_at}) comes before '
                f'{OVERLAY} (step {overlay_at}); it needs the object masks, '
                'so put it after the overlay. Pipeline: ' + ' -> '.join(names))
        overlay, masking = pipeline[overlay_at], pipeline[masking_at]
        if not isinstance(overlay, dict) and not isinstance(masking, dict):
            _, height, width = masking.input_size
            extent = overlay.max_object_extent
            if extent > min(height, width):
                raise ValueError(
                    f'{OVERLAY} draws objects up to {extent:.0f} px but the '
                    f'clips are {height}x{width}; lower motion size_range or '
                    'train on larger frames')
