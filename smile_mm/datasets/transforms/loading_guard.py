"""Tell an unreadable file from a bug: the loading steps of a pipeline raise
:class:`UnreadableSample` when they fail, every other step raises as it is.
:func:`guard_loading` wraps them in a built mmengine ``Compose``, in place.
"""
from __future__ import annotations

from typing import Callable, Sequence

from .pipeline_order import transform_name

#: Transforms whose failure means the input file is missing or unreadable.
LOADING_TRANSFORMS = (
    'DecordInit', 'DecordDecode', 'OpenCVInit', 'OpenCVDecode', 'PyAVInit',
    'PyAVDecode', 'PyAVDecodeMotionVector', 'PIMSInit', 'PIMSDecode',
    'RawFrameDecode', 'ImageDecode', 'LoadStaticClip')


class UnreadableSample(Exception):
    """A loading transform failed on a sample's file.

    Args:
        transform: The transform that failed (its name is in ``str``).
        error: What it raised.
    """

    def __init__(self, transform, error: Exception) -> None:
        super().__init__(f'{transform_name(transform)} failed: '
                         f'{type(error).__name__}: {error}')
        self.transform = transform
        self.error = error


class LoadingStep:
    """A loading ``transform`` whose failure raises
    :class:`UnreadableSample`."""

    def __init__(self, transform: Callable) -> None:
        self.__wrapped__ = transform  # functools' name for the wrapped one

    def __call__(self, results: dict):
        try:
            return self.__wrapped__(results)
        except Exception as error:  # noqa: BLE001 - any decoder failure
            raise UnreadableSample(self.__wrapped__, error) from error

    def __getattr__(self, name: str):
        # the transform's own settings (num_clips, ...) stay readable
        if name == '__wrapped__':
            raise AttributeError(name)
        return getattr(self.__wrapped__, name)

    def __repr__(self) -> str:
        return repr(self.__wrapped__)


def guard_loading(pipeline, names: Sequence[str] = LOADING_TRANSFORMS
                  ) -> None:
    """Wrap the transforms of ``pipeline`` (an mmengine ``Compose``) named
    in ``names`` in :class:`LoadingStep`, in place; wrapping twice is a
    no-op."""
    transforms = pipeline.transforms
    for position, transform in enumerate(transforms):
        if (not isinstance(transform, LoadingStep)
                and transform_name(transform) in names):
            transforms[position] = LoadingStep(transform)
