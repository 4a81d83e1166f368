"""VideoDataset that skips unreadable videos within a bounded share."""
from __future__ import annotations

from typing import Optional, Sequence

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS

from .failure_tolerance import FailureTolerantMixin


@DATASETS.register_module()
class TolerantVideoDataset(FailureTolerantMixin, VideoDataset):
    """mmaction's ``VideoDataset`` (annotation lines ``path label``) that
    skips missing or undecodable videos with a warning, counts them and
    raises once more than ``max_failure_ratio`` of the videos failed (see
    :mod:`smile_mm.datasets.failure_tolerance`). It also checks the order of
    SMILE's transforms in ``pipeline`` when it is built.

    Args:
        max_failure_ratio: Largest tolerated share of unreadable videos.
        loading_transforms: Names of the transforms whose failure marks a
            video unreadable (default: mmaction's decoders).
        **kwargs: Arguments of ``VideoDataset``.
    """

    def __init__(self,
                 *args,
                 max_failure_ratio: float = 0.05,
                 loading_transforms: Optional[Sequence[str]] = None,
                 **kwargs) -> None:
        self._setup_failure_tolerance(max_failure_ratio, loading_transforms)
        with self._registry_scope():
            super().__init__(*args, **kwargs)
